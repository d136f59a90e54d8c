/// Every key, grouped by where it works. The README's key table is this list.
public let helpSections: [(String, [(String, String)])] = [
    ("Everywhere", [
        ("Ctrl-R F5", "run / restart"),
        ("Esc", "cancel, close"),
        ("Tab S-Tab", "switch pane"),
        ("F1  ?", "this help"),
        ("F2", "next theme"),
        ("F3", "run history"),
        ("F6", "prompt ppl"),
        ("F7", "compare sets"),
        ("F8", "edit base/A-D"),
        ("C-O  C-S", "open / save"),
        ("Ctrl-Q", "save and quit"),
    ]),
    ("Prompt", [
        ("arrows", "move"),
        ("Home  End", "start / end"),
        ("C-← C-→", "word jump"),
        ("PgUp PgDn", "page up/down"),
        ("C-K  C-U", "cut end/start"),
        ("C-Z  C-Y", "undo / redo"),
    ]),
    ("Parameters", [
        ("↑ ↓", "select field"),
        ("← →", "step / toggle"),
        ("Enter type", "edit a value"),
        ("d  D", "reset one/all"),
        ("S", "save preset"),
        ("P", "next preset"),
    ]),
    ("Output", [
        ("← → ↑ ↓", "token cursor"),
        ("Home  End", "first / last"),
        ("Enter", "alternatives"),
        ("popup ↑ ↓", "pick one"),
        ("pop Enter", "branch there"),
        ("[  ]", "browse branch"),
        ("u  C-Z", "undo branch"),
        ("c", "continue here"),
        ("PgUp PgDn", "scroll"),
    ]),
    ("Compare (F7)", [
        ("← →", "token in all"),
        ("g", "to divergence"),
        ("Enter  v", "distributions"),
        ("Tab ↑↓ b", "branch a set"),
        ("Esc  F7", "close"),
    ]),
    ("History (F3)", [
        ("Enter", "show the run"),
        ("r  p", "re-run / load"),
        ("Space  =", "mark / diff"),
        ("e", "export .md"),
        ("J", "export .jsonl"),
        ("w  o", "save as, open"),
    ]),
]

/// Sections packed top to bottom into as few columns as the height allows (80x24 shows every key).
func drawHelp(_ buffer: inout CellBuffer, width: Int, height: Int) {
    let room = max(4, height - 4)
    var columns: [[(String, [(String, String)])]] = [[]]
    var used = 0
    for section in helpSections {
        let rows = section.1.count + 1
        if used > 0 && used + rows > room {
            columns.append([])
            used = 0
        }
        columns[columns.count - 1].append(section)
        used += rows
    }
    let columnRows = columns.map { $0.reduce(0) { $0 + $1.1.count + 1 } }.max() ?? 0
    let columnWidth = min(40, max(20, (width - 2) / columns.count))
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
        let kw = colWidth < 30 ? 12 : 16
        var y = inner.y
        for (title, keys) in sections {
            guard y < inner.maxY else { break }
            buffer.put(" " + title, x: x0, y: y, role: .popupTitle, limit: limit)
            y += 1
            for (key, what) in keys {
                guard y < inner.maxY else { break }
                buffer.put(" " + key, x: x0, y: y, role: .helpKey, limit: x0 + kw)
                buffer.put(what, x: x0 + kw, y: y, role: .help, limit: limit)
                y += 1
            }
        }
    }
}
