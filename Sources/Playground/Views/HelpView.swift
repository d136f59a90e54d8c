/// Every key, grouped by where it works. The README's key table is this list.
public let helpSections: [(String, [(String, String)])] = [
    ("Everywhere", [
        ("Ctrl-R, F5", "run the prompt (restarts a running one)"),
        ("Esc", "cancel the run / close popup, help or an edit"),
        ("Tab, Shift-Tab", "focus prompt -> parameters -> output"),
        ("F1", "this help (also ? outside the prompt)"),
        ("F2", "next theme"),
        ("Ctrl-S", "save prompt, parameters and theme now"),
        ("Ctrl-Q, Ctrl-C", "save and quit"),
    ]),
    ("Prompt", [
        ("arrows, Home, End", "move (Up/Down follow wrapped rows)"),
        ("Ctrl-A/E, Ctrl-B/F", "line start/end, left/right"),
        ("Ctrl-Left/Right, Alt-B/F", "word left/right"),
        ("PgUp, PgDn", "page up/down"),
        ("Ctrl-K, Ctrl-U, Ctrl-W", "kill to end, to start, word back"),
        ("Ctrl-Z, Ctrl-Y", "undo, redo"),
    ]),
    ("Parameters", [
        ("Up, Down", "select a field"),
        ("Left, Right", "step a number, toggle, cycle"),
        ("Enter or type", "edit a value (Enter commits, Esc drops)"),
        ("Space", "toggle a switch"),
        ("d / D", "reset the field / reset all"),
    ]),
    ("Output", [
        ("Left, Right", "move the token cursor"),
        ("Up, Down, Home, End", "cursor by row, first, last"),
        ("Enter, click", "open the alternatives popup / select"),
        ("PgUp, PgDn, wheel", "scroll"),
    ]),
]

func drawHelp(_ buffer: inout CellBuffer, width: Int, height: Int) {
    let rows = helpSections.reduce(0) { $0 + $1.1.count + 1 }
    let w = min(width - 2, 70)
    let h = min(height - 2, rows + 2)
    let rect = Rect(x: (width - w) / 2, y: (height - h) / 2, width: w, height: h)
    buffer.fill(rect, role: .help)
    drawBox(&buffer, rect, title: "Keys", focused: true, right: "Esc closes")
    let inner = rect.inner
    var y = inner.y
    let keyWidth = 26
    for (title, keys) in helpSections {
        guard y < inner.maxY else { break }
        buffer.put(" " + title, x: inner.x, y: y, role: .popupTitle, limit: inner.maxX)
        y += 1
        for (key, what) in keys {
            guard y < inner.maxY else { break }
            buffer.put("  " + key, x: inner.x, y: y, role: .helpKey, limit: inner.x + keyWidth)
            buffer.put(what, x: inner.x + keyWidth, y: y, role: .help, limit: inner.maxX)
            y += 1
        }
    }
}
