/// Every key, grouped by where it works. The README's key table is this list.
public let helpSections: [(String, [(String, String)])] = [
    ("Everywhere", [
        ("Ctrl-R  F5", "run / restart"),
        ("Esc", "cancel run; close"),
        ("Tab  Shift-Tab", "next / prev pane"),
        ("F1  ?", "help (? off prompt)"),
        ("F2", "next theme"),
        ("F6", "prompt perplexity"),
        ("F8  F7", "pin A / compare A|B"),
        ("Ctrl-S", "save now"),
        ("Ctrl-Q  Ctrl-C", "save and quit"),
    ]),
    ("Prompt", [
        ("arrows", "move by wrapped row"),
        ("Home  Ctrl-A", "line start"),
        ("End  Ctrl-E", "line end"),
        ("C-Left C-Right", "word jump (Alt-B/F)"),
        ("PgUp  PgDn", "page up / down"),
        ("C-K  C-U  C-W", "kill end/start/word"),
        ("Ctrl-Z  Ctrl-Y", "undo / redo"),
    ]),
    ("Parameters", [
        ("Up  Down", "select a field"),
        ("Left  Right", "step/toggle/cycle"),
        ("Enter  or type", "edit; Enter sets"),
        ("Space", "toggle a switch"),
        ("d  D", "reset field / all"),
        ("S  P", "save preset / next preset"),
    ]),
    ("Output", [
        ("Left  Right", "move token cursor"),
        ("Up  Down", "cursor by row"),
        ("Home  End", "first / last token"),
        ("Enter  click", "alternatives popup"),
        ("popup Up Down", "select alternative"),
        ("popup Enter  b", "branch from it"),
        ("[  ]", "prev / next branch"),
        ("u  Ctrl-Z", "undo branch change"),
        ("PgUp PgDn wheel", "scroll"),
    ]),
]

/// One column when it fits, else two (so 80x24 shows every key).
func drawHelp(_ buffer: inout CellBuffer, width: Int, height: Int) {
    let rows = helpSections.reduce(0) { $0 + $1.1.count + 1 }
    let twoColumns = rows + 2 > height - 2
    let columns: [[(String, [(String, String)])]] = twoColumns
        ? [Array(helpSections.prefix(2)), Array(helpSections.dropFirst(2))] : [helpSections]
    let columnRows = columns.map { $0.reduce(0) { $0 + $1.1.count + 1 } }.max() ?? rows
    let keyWidth = 18
    let columnWidth = 46
    let w = min(width - 2, columnWidth * columns.count + 2)
    let h = min(height - 2, columnRows + 2)
    let rect = Rect(x: (width - w) / 2, y: (height - h) / 2, width: w, height: h)
    buffer.fill(rect, role: .help)
    drawBox(&buffer, rect, title: "Keys", focused: true, right: "Esc closes")
    let inner = rect.inner
    let colWidth = inner.width / columns.count
    for (c, sections) in columns.enumerated() {
        let x0 = inner.x + c * colWidth
        let limit = min(inner.maxX, x0 + colWidth)
        let kw = min(keyWidth, colWidth / 2)
        var y = inner.y
        for (title, keys) in sections {
            guard y < inner.maxY else { break }
            buffer.put(" " + title, x: x0, y: y, role: .popupTitle, limit: limit)
            y += 1
            for (key, what) in keys {
                guard y < inner.maxY else { break }
                buffer.put("  " + key, x: x0, y: y, role: .helpKey, limit: x0 + kw)
                buffer.put(what, x: x0 + kw, y: y, role: .help, limit: limit)
                y += 1
            }
        }
    }
}
