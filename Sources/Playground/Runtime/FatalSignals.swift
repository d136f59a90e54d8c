#if canImport(Glibc)
import Glibc
#endif

/// The terminal comes back even when the process dies of a fatal signal (SIGSEGV, SIGABRT, SIGBUS, SIGILL,
/// SIGFPE) or of SIGQUIT (Ctrl-\ from another terminal, `kill -QUIT`).
///
/// Why not `restoreTerminal()`: `endwin` is not async-signal-safe, and a crash may have happened inside ncurses.
/// The handler only calls `write(2)` with bytes prepared at start (modes off, attributes reset, cursor shown,
/// the alternate screen left) and `tcsetattr(3)` with the termios saved before curses took the terminal, both
/// async-signal-safe. Then it puts back the action that was there before (the Swift runtime's backtracer, or the
/// default) and raises the signal again, so the process still dies of it, with a core or a backtrace as before,
/// but on a usable terminal. It runs on its own stack, so a stack overflow reaches it too.
enum FatalSignals {
    static let signals: [Int32] = [SIGSEGV, SIGABRT, SIGBUS, SIGILL, SIGFPE, SIGQUIT]

    /// Saves the terminal's state and installs the handlers. Call before curses takes the terminal.
    static func install() {
        guard terminalReset == nil else { return }
        if tcgetattr(0, &savedTermios) == 0 { haveSavedTermios = 1 }
        let bytes = Array((TerminalModes.disable + "\u{1B}[0m\u{1B}[?25h\u{1B}[?1049l\r\n").utf8)
        let reset = UnsafeMutablePointer<UInt8>.allocate(capacity: bytes.count)
        reset.initialize(from: bytes, count: bytes.count)
        terminalResetCount = bytes.count
        terminalReset = reset
        previousActions = UnsafeMutablePointer<sigaction>.allocate(capacity: Int(NSIG))
        previousActions?.initialize(repeating: sigaction(), count: Int(NSIG))

        let stackSize = 1 << 16
        var stack = stack_t()
        stack.ss_sp = UnsafeMutableRawPointer.allocate(byteCount: stackSize, alignment: 16)
        stack.ss_size = stackSize
        stack.ss_flags = 0
        sigaltstack(&stack, nil)

        for number in signals {
            var old = sigaction()
            guard sigaction(number, nil, &old) == 0 else { continue }
            // An inherited "ignore" (SIGQUIT in a background job) stays: ignoring it is what was asked for.
            if unsafeBitCast(old.__sigaction_handler.sa_handler, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self) {
                continue
            }
            previousActions?[Int(number)] = old
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { number in FatalSignals.handle(number) }
            sigemptyset(&action.sa_mask)
            action.sa_flags = Int32(SA_ONSTACK)
            sigaction(number, &action, nil)
        }
    }

    /// Gives the terminal back with async-signal-safe calls only (once; nothing when curses does not own it).
    static func restoreTerminal() {
        guard cursesActive != 0 else { return }
        cursesActive = 0
        if let reset = terminalReset { _ = write(1, reset, terminalResetCount) }
        if haveSavedTermios != 0 { _ = tcsetattr(0, TCSANOW, &savedTermios) }
    }

    /// The handler: restore the terminal, put back the previous action, raise again.
    static func handle(_ number: Int32) {
        restoreTerminal()
        if let previous = previousActions, number > 0, number < NSIG {
            _ = sigaction(number, previous + Int(number), nil)
        } else {
            _ = signal(number, SIG_DFL)
        }
        _ = raise(number)
    }
}

// Set once by `FatalSignals.install` and only read afterwards, by the handler (no allocation or lock there).
nonisolated(unsafe) private var savedTermios = termios()
nonisolated(unsafe) private var haveSavedTermios: Int32 = 0
nonisolated(unsafe) private var terminalReset: UnsafeMutablePointer<UInt8>?
nonisolated(unsafe) private var terminalResetCount = 0
nonisolated(unsafe) private var previousActions: UnsafeMutablePointer<sigaction>?
