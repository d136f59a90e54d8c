import GenerationCore

/// Alt-I: every status-bar field at full length, one per row, with the whole notice and error (the bar drops
/// fields that do not fit and cuts a long message at its end), in a box above the status bar, over what was up.
func drawStatusDetails(_ buffer: inout CellBuffer, _ state: AppState, _ layout: Layout) {
    let width = min(layout.status.width, 76)
    let inner = max(1, width - 2)
    var rows: [(String, Role)] = [("state: " + state.phase.label, .normal)]
    if let notice = state.notice { rows += wrap(notice, width: inner).map { ($0, .normal) } }
    if let error = state.error {
        rows += wrap(statusErrorText(error), width: inner).map { ($0, .error) }
    }
    let fields = statusFields(state)
    rows += fields.parts.flatMap { wrap($0, width: inner) }.map { ($0, .normal) }
    if let problem = state.autosaveProblem { rows += wrap("autosave off: " + problem, width: inner).map { ($0, .error) } }
    let height = min(rows.count + 2, max(3, layout.status.y))
    let rect = Rect(x: max(0, layout.status.width - width), y: max(0, layout.status.y - height), width: width, height: height)
    buffer.fill(rect, role: .normal)
    drawBox(&buffer, rect, title: "Status", focused: true, right: "any key closes")
    for (i, row) in rows.prefix(rect.height - 2).enumerated() {
        buffer.put(row.0, x: rect.x + 1, y: rect.y + 1 + i, role: row.1, limit: rect.maxX - 1)
    }
}
