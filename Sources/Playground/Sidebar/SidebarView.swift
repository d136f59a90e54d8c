import GenerationCore

/// Rows kept under the fields for the validation message.
let sidebarMessageRows = 4

/// The message under the sidebar's fields: why a typed value was refused, else TGI's validation message when it
/// is about a parameter (an empty prompt is reported when a run is attempted). `Layout` leaves room for it.
func sidebarMessage(_ state: AppState) -> (text: String, role: Role)? {
    if let refused = state.sidebar.inputProblem { return (refused, .sidebarError) }
    if let problem = state.validationProblem, let field = ParameterField.field(for: problem.message) {
        // A limit that differs per backend (TGI's 5 alternatives, the built-in engine's 20) names whose it is.
        let whose = field == .topNTokens && state.runSettings.backend == nil && !problem.message.contains(" on ") ? " (the limit of \(state.backendName))" : ""
        return (problem.message + whose, .sidebarError)
    }
    // The selected field is one the backend cannot honour: say so before it is set (a run would be refused).
    if let why = state.refusal(of: state.sidebar.selected) {
        return ("✗ \(state.sidebar.selected.rawValue): \(why)", .dim)
    }
    return nil
}

func drawSidebar(_ buffer: inout CellBuffer, _ state: AppState, _ layout: Layout) {
    let rect = layout.sidebar
    let focused = state.focus == .sidebar
    let target = state.editTarget.flatMap { state.sets.indices.contains($0) ? state.sets[$0] : nil }
    drawBox(&buffer, rect, title: target.map { "Set \($0.name)" } ?? "Parameters", focused: focused,
            right: target == nil ? "base" : "F8 next")
    // A set is shown as it runs: the base with the set's overrides (marked with its letter).
    let settings = state.runSettings
    let area = rect.inner
    guard area.width > 4, area.height > 2 else { return }
    // Only problems about a parameter belong here; an empty prompt is reported when a run is attempted.
    let problem = state.validationProblem.flatMap { ParameterField.field(for: $0.message) == nil ? nil : $0 }
    let problemField = problem.flatMap { ParameterField.field(for: $0.message) }
    let message = sidebarMessage(state)
    let fieldRows = layout.sidebarFields.height
    let scroll = layout.sidebarScroll
    let fields = ParameterField.allCases
    // Labels give way to values on narrow sidebars (truncated with an ellipsis).
    let labelWidth = min(fields.map { $0.label.count }.max() ?? 10, max(6, area.width - 12))
    for r in 0..<fieldRows {
        let i = scroll + r
        guard i < fields.count else { break }
        let field = fields[i]
        let y = area.y + r
        let selected = field == state.sidebar.selected
        let invalid = field == problemField
        let overridden = target?.overrides(field) == true
        let refused = state.refusal(of: field) != nil
        let marker = invalid ? "!" : overridden ? String(target?.name.prefix(1) ?? " ") : refused ? "✗" : " "
        var x = buffer.put(marker, x: area.x, y: y, role: invalid ? .sidebarError : overridden ? .titleFocus : refused ? .dim : .sidebarLabel)
        let label = field.label.count > labelWidth ? field.label.prefix(labelWidth - 1) + "…" : field.label
        buffer.put(label, x: x, y: y, role: invalid ? .sidebarError : refused ? .dim : .sidebarLabel, limit: area.maxX)
        x = area.x + 1 + labelWidth + 1
        if selected, let edit = state.sidebar.editText {
            // Show the end of long text being typed, with a cursor block.
            let room = max(1, area.maxX - x - 1)
            let shown = String(edit.suffix(room))
            let end = buffer.put(shown, x: x, y: y, role: .sidebarEditing, limit: area.maxX)
            buffer.put(" ", x: end, y: y, role: .editorCursor, limit: area.maxX)
        } else if field == .mode {
            // The prompt pane's mode (AppState), not a setting.
            let end = buffer.put(state.mode.rawValue, x: x, y: y, role: .sidebarValue, limit: area.maxX)
            if state.mode == .text { buffer.put(" *", x: end, y: y, role: .sidebarDefault, limit: area.maxX) }
        } else if field == .doSample, case let implied = samplingImpliedBy(settings.parameters), !implied.isEmpty {
            // Off, but a warper is set: the run samples anyway (as TGI does); say which.
            let all = implied.joined(separator: ",")
            let wordings = ["on: " + all, "on: " + implied[0] + (implied.count > 1 ? "+" : ""), "on"]
            let shown = wordings.first { DisplayWidth.of($0) <= area.maxX - x } ?? "on"
            buffer.put(shown, x: x, y: y, role: .notice, limit: area.maxX)
        } else if let value = field.value(in: settings) {
            let isDefault = field.isDefault(in: settings)
            let end = buffer.put(value, x: x, y: y, role: .sidebarValue, limit: area.maxX)
            if isDefault { buffer.put(" *", x: end, y: y, role: .sidebarDefault, limit: area.maxX) }
        } else {
            buffer.put(field.serverDefault, x: x, y: y, role: .sidebarDefault, limit: area.maxX)
        }
        if selected && state.sidebar.editText == nil && focused {
            buffer.paint(x: area.x, y: y, count: area.width, role: .sidebarSelected)
        }
    }
    let footerY = area.maxY - 1
    if let (text, role) = message {
        let lines = wrap(text, width: area.width)
        for (i, line) in lines.prefix(sidebarMessageRows).enumerated() {
            buffer.put(line, x: area.x, y: area.y + fieldRows + i, role: role, limit: area.maxX)
        }
    }
    if let name = state.presetName {
        let end = buffer.put("save preset as: " + name, x: area.x, y: footerY, role: .sidebarEditing, limit: area.maxX)
        buffer.put(" ", x: end, y: footerY, role: .editorCursor, limit: area.maxX)
    } else {
        // The longest wording that fits: a key is never cut in half (the help lists them all).
        let name = target?.name ?? ""
        let wordings = target != nil
            ? ["\(name) = set's own  d/D back to base", "\(name) = own  d/D base", "d/D base"]
            : state.sidebar.activePreset.map { ["* default  S/P preset: \($0)", "S/P preset: \($0)", "S/P: \($0)"] }
                ?? ["* default  d/D reset  S/P preset", "* default  d/D reset  S/P", "d/D reset  S/P preset", "d/D reset"]
        let footer = wordings.first { DisplayWidth.of($0) <= area.width } ?? ""
        buffer.put(footer, x: area.x, y: footerY, role: .dim, limit: area.maxX)
    }
}

/// Greedy word wrap for messages (breaks inside words longer than a line).
func wrap(_ text: String, width: Int) -> [String] {
    guard width > 0 else { return [] }
    var lines: [String] = []
    var current = ""
    var currentWidth = 0
    for word in text.split(separator: " ", omittingEmptySubsequences: false) {
        let w = DisplayWidth.of(word)
        if currentWidth > 0 && currentWidth + 1 + w > width {
            lines.append(current)
            current = ""
            currentWidth = 0
        }
        if currentWidth > 0 {
            current += " "
            currentWidth += 1
        }
        for c in word {
            let cw = DisplayWidth.of(c)
            if currentWidth + cw > width {
                lines.append(current)
                current = ""
                currentWidth = 0
            }
            current.append(c)
            currentWidth += cw
        }
    }
    if !current.isEmpty { lines.append(current) }
    return lines
}
