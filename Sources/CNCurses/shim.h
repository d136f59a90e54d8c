// ncursesw with the wide-character API; accessors for what ncurses defines as macros or globals.
#ifndef TGPLAY_CNCURSES_SHIM_H
#define TGPLAY_CNCURSES_SHIM_H

#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#include <ncursesw/curses.h>

static inline WINDOW *tg_stdscr(void) { return stdscr; }
static inline int tg_lines(void) { return LINES; }
static inline int tg_cols(void) { return COLS; }
static inline int tg_colors(void) { return COLORS; }
static inline int tg_color_pairs(void) { return COLOR_PAIRS; }
static inline int tg_color_pair(int n) { return (int)COLOR_PAIR(n); }

#endif
