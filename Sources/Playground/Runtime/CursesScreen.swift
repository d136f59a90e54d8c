import CNCurses
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Terminal modes ncurses does not manage: bracketed paste and SGR mouse reporting. Written to the terminal
/// directly; their "off" sequences are part of every restore path.
enum TerminalModes {
    static let enable = "\u{1B}[?2004h\u{1B}[?1000h\u{1B}[?1006h"
    static let disable = "\u{1B}[?1006l\u{1B}[?1000l\u{1B}[?2004l"
}

/// Whether curses currently owns the terminal; read by the signal handlers (which may run at any time).
nonisolated(unsafe) var cursesActive: Int32 = 0

/// Restores the terminal: modes off, curses ended. Async-signal tolerant (only write(2) and endwin).
func restoreTerminal() {
    guard cursesActive != 0 else { return }
    cursesActive = 0
    TerminalModes.disable.withCString { p in _ = Glibc.write(1, p, strlen(p)) }
    endwin()
}

/// The ncurses screen: owns setup and teardown, colour pairs, and blits the cells that changed since the last
/// frame (the previous `CellBuffer` is kept), so a streaming token costs a handful of cell writes.
final class CursesScreen {
    private var previous: CellBuffer?
    private var theme: Theme
    private var depth: ColorDepth = .full
    private var pairs: [Int: Int16] = [:]
    private var attrCache: [Role: (attr_t, Int16)] = [:]
    private let environment: [String: String]

    init(theme: Theme, environment: [String: String]) {
        self.theme = theme
        self.environment = environment
    }

    /// Takes the terminal: UTF-8 locale, raw mode (Ctrl-C, Ctrl-Z, Ctrl-S arrive as keys), no echo,
    /// colours with the terminal's default background, no hardware cursor (the views paint one).
    func start() {
        setlocale(LC_ALL, "")
        // Esc is resolved by our decoder; ncurses must not wait on it.
        setenv("ESCDELAY", "25", 1)
        initscr()
        cursesActive = 1
        raw()
        noecho()
        nonl()
        keypad(tg_stdscr(), false)
        intrflush(tg_stdscr(), false)
        curs_set(0)
        if has_colors() {
            start_color()
            use_default_colors()
        }
        depth = has_colors() ? ColorDepth.detect(colors: Int(tg_colors()), environment: environment) : .monochrome
        if let v = environment["NO_COLOR"], !v.isEmpty { depth = .monochrome }
        TerminalModes.enable.withCString { p in _ = Glibc.write(1, p, strlen(p)) }
        clear()
        refresh()
    }

    func stop() { restoreTerminal() }

    var size: (width: Int, height: Int) { (Int(tg_cols()), Int(tg_lines())) }

    /// Follows a SIGWINCH: asks the kernel for the new size and tells ncurses.
    func resizeFromKernel() {
        var rows: Int32 = 0, cols: Int32 = 0
        tg_window_size(1, &rows, &cols)
        if rows > 0 && cols > 0 { resizeterm(rows, cols) }
        previous = nil
        clear()
    }

    func setTheme(_ theme: Theme) {
        self.theme = theme
        attrCache = [:]
        previous = nil
    }

    private func pair(_ fg: TermColor, _ bg: TermColor) -> Int16 {
        func number(_ c: TermColor) -> Int16 {
            if case .indexed(let n) = c { return Int16(n) }
            return -1
        }
        let key = (Int(number(fg)) + 1) << 16 | (Int(number(bg)) + 1)
        if key == 0 { return 0 }
        if let p = pairs[key] { return p }
        let next = Int16(pairs.count + 1)
        guard Int(next) < min(Int(tg_color_pairs()), 32767) else { return 0 }
        init_pair(next, number(fg), number(bg))
        pairs[key] = next
        return next
    }

    private func attributes(_ role: Role) -> (attr_t, Int16) {
        if let cached = attrCache[role] { return cached }
        let style = theme.style(role).adapted(to: depth)
        var a = tg_a_normal()
        if style.attributes.contains(.bold) { a |= tg_a_bold() }
        if style.attributes.contains(.dim) { a |= tg_a_dim() }
        if style.attributes.contains(.underline) { a |= tg_a_underline() }
        if style.attributes.contains(.reverse) { a |= tg_a_reverse() }
        if style.attributes.contains(.italic) { a |= tg_a_italic() }
        let p = depth == .monochrome ? 0 : pair(style.fg, style.bg)
        attrCache[role] = (a, p)
        return (a, p)
    }

    /// Writes the cells that differ from the last frame and refreshes.
    func draw(_ frame: CellBuffer) {
        for i in CellDiff.writes(from: previous, to: frame) {
            let x = i % frame.width, y = i / frame.width
            // The bottom-right cell cannot be written without scrolling on some terminals.
            if y == frame.height - 1 && x == frame.width - 1 { continue }
            let cell = frame.cells[i]
            let (a, p) = attributes(cell.role)
            _ = tg_put(Int32(y), Int32(x), cell.text, a, p)
        }
        refresh()
        previous = frame
    }
}
