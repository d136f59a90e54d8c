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
#include <locale.h>
#include <sys/ioctl.h>
#include <unistd.h>

static inline WINDOW *tg_stdscr(void) { return stdscr; }
static inline int tg_lines(void) { return LINES; }
static inline int tg_cols(void) { return COLS; }
static inline int tg_colors(void) { return COLORS; }
static inline int tg_color_pairs(void) { return COLOR_PAIRS; }

// Attribute bits (macros in curses.h).
static inline attr_t tg_a_normal(void) { return A_NORMAL; }
static inline attr_t tg_a_bold(void) { return A_BOLD; }
static inline attr_t tg_a_dim(void) { return A_DIM; }
static inline attr_t tg_a_underline(void) { return A_UNDERLINE; }
static inline attr_t tg_a_reverse(void) { return A_REVERSE; }
static inline attr_t tg_a_italic(void) { return A_ITALIC; }

/// Draws a UTF-8 grapheme at (y, x) with attributes and a colour pair.
static inline int tg_put(int y, int x, const char *text, attr_t attrs, short pair) {
    wattr_set(stdscr, attrs, pair, NULL);
    return mvwaddstr(stdscr, y, x, text);
}

/// The terminal size from the kernel (after SIGWINCH), 0 when unknown.
static inline void tg_window_size(int fd, int *rows, int *cols) {
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) == 0) { *rows = ws.ws_row; *cols = ws.ws_col; } else { *rows = 0; *cols = 0; }
}

#endif
