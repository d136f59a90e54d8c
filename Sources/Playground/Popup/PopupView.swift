import Foundation
import GenerationCore

/// How a token's text is shown in the popup: quoted, with whitespace and controls escaped.
func visible(_ text: String) -> String {
    var s = ""
    for c in text {
        switch c {
        case "\n": s += "\\n"
        case "\t": s += "\\t"
        case "\r": s += "\\r"
        default: s.append(c)
        }
    }
    return "\"" + s + "\""
}

/// The alternatives popup over the output pane: the token, its probability, logprob and rank, and the
/// `top_tokens` with bars, the chosen one highlighted.
func drawPopup(_ buffer: inout CellBuffer, _ state: AppState, _ popup: Popup, _ area: Rect) {
    let onPrompt = popup.onPrompt
    let transcript = onPrompt ? state.promptTokens : state.transcript
    guard let index = onPrompt ? state.promptTokenCursor : state.tokenCursor, index < transcript.count else { return }
    let token = transcript.tokens[index]
    if !onPrompt && popup.mode != .processed {
        drawStagesPopup(&buffer, state, popup, token, index: index, area)
        return
    }
    let alternatives = sortedAlternatives(token)
    let width = min(area.width - 2, 56)
    let kindLabel = onPrompt ? nil : probabilityKindLabel(state)
    let height = min(area.height, 7 + (kindLabel == nil ? 0 : 1) + max(1, alternatives.count))
    guard width > 20, height > 4 else { return }
    let rect = Rect(x: area.x + (area.width - width) / 2, y: area.y + max(0, (area.height - height) / 2),
                    width: width, height: height)
    buffer.fill(rect, role: .popup)
    let title = onPrompt ? "Prompt token \(index + 1)" : popup.step ? "Step: token \(index + 1)" : "Token \(index + 1)"
    let hint = onPrompt ? (alternatives.isEmpty ? "Esc closes" : "↑↓ pick  Esc")
        : popup.step ? (alternatives.isEmpty ? "n step  f  c  Esc" : "↑↓ Enter accept  n  f  c")
        : alternatives.isEmpty ? "v view  Esc" : "↑↓ pick  Enter branch  v"
    drawBox(&buffer, rect, title: title, focused: true, right: hint)
    let inner = rect.inner
    var y = inner.y
    func line(_ label: String, _ value: String, role: Role = .popup) {
        guard y < inner.maxY else { return }
        let x = buffer.put(" " + label, x: inner.x, y: y, role: .popupTitle, limit: inner.maxX)
        buffer.put(value, x: max(x, inner.x + 12), y: y, role: role, limit: inner.maxX)
        y += 1
    }
    line("token", visible(token.token.text) + (token.token.id.map { "  id \($0)" } ?? "  no id") + (token.token.special ? "  special" : ""))
    if let p = token.token.probability, let lp = token.token.logprob {
        line("prob", String(format: "%.2f%%", p * 100), role: Role.probabilityRole(p))
        line("logprob", String(format: "%.4f", lp))
    } else {
        line("prob", onPrompt && index == 0 ? "none: nothing precedes the first token" : "not reported")
        line("logprob", "null")
    }
    let rank = token.rank.map { "\($0) of \(alternatives.count)" } ?? (alternatives.isEmpty ? "no top_tokens" : "not in top \(alternatives.count)")
    line("rank", rank)
    if let kindLabel { line("numbers", kindLabel, role: .dim) }
    y += 0
    if alternatives.isEmpty {
        line("", onPrompt ? "prompt tokens have no alternatives" : "ask for top_n_tokens to see alternatives")
        return
    }
    let textWidth = 14
    // More alternatives than rows (up to 20 on the built-in engine): the list scrolls to keep the selection in
    // view, and the bottom border says which rows are shown.
    let rows = max(1, inner.maxY - y)
    let first = popupScrollStart(selection: popup.selection, count: alternatives.count, rows: rows)
    if alternatives.count > rows {
        let last = min(alternatives.count, first + rows)
        let mark = (first > 0 ? "↑ " : "") + "\(first + 1)-\(last) of \(alternatives.count)"
            + (last < alternatives.count ? " ↓" : "")
        buffer.put(" \(mark) ", x: max(rect.x + 1, rect.maxX - 4 - DisplayWidth.of(mark)), y: rect.maxY - 1,
                   role: .dim, limit: rect.maxX - 1)
    }
    for (i, alt) in alternatives.enumerated().dropFirst(first) {
        guard y < inner.maxY else { break }
        let chosen = alt.isSameToken(as: token.token)
        let selected = i == popup.selection
        let role: Role = selected ? .tokenCursor : chosen ? .popupSelected : .popup
        buffer.fill(Rect(x: inner.x, y: y, width: inner.width, height: 1), role: role)
        var x = buffer.put(selected ? " ➜ " : chosen ? " ▶ " : "   ", x: inner.x, y: y, role: role)
        var shown = visible(alt.text)
        if DisplayWidth.of(shown) > textWidth { shown = String(shown.prefix(textWidth - 1)) + "…" }
        buffer.put(shown, x: x, y: y, role: role, limit: x + textWidth)
        x += textWidth + 1
        let p = alt.probability ?? 0
        let percent = String(format: "%5.1f%% ", p * 100)
        x = buffer.put(percent, x: x, y: y, role: role, limit: inner.maxX)
        let barRoom = max(0, inner.maxX - x - 1)
        let cells = Int((p * Double(barRoom)).rounded())
        let barRole: Role = selected || chosen ? role : Role.probabilityRole(p)
        for i in 0..<barRoom { buffer.put(i < cells ? "█" : " ", x: x + i, y: y, role: i < cells ? barRole : role) }
        y += 1
    }
}

/// The first alternative shown when `rows` fit: the top until the selection would fall below the last row, then
/// the rows ending at the selection.
func popupScrollStart(selection: Int?, count: Int, rows: Int) -> Int {
    guard let selection, count > rows, rows > 0 else { return 0 }
    return min(max(0, selection - rows + 1), count - rows)
}

/// What the popup's probabilities are, for the default backend once its API is known: the model's raw
/// distribution (llama.cpp, llama-cpp-python, vLLM's default) or after the sampling processors (TGI, the built-in
/// engine), and from which server. nil before the backend answered.
func probabilityKindLabel(_ state: AppState) -> String? {
    guard state.runSettings.backend == nil, let c = state.capabilities else { return nil }
    switch c.probabilities {
    case .raw: return "raw (before sampling) · \(c.server)"
    case .processed: return "after the processors · \(c.server)"
    case .unknown: return "kind not reported · \(c.server)"
    }
}

/// Short step names for the stages table, so a row fits the 80-column popup (the JSON keeps the full names).
func stageLabel(_ name: String) -> String {
    switch name {
    case "repetition_penalty": return "repeat"
    case "frequency_penalty": return "frequency"
    case "presence_penalty": return "presence"
    case "temperature": return "temp"
    default: return name
    }
}

/// The popup's raw and stages views (`v`): the model's own top tokens before any processor, or one row per
/// sampling step with the tokens it left, the share of the previous step's mass it kept, its entropy, the
/// chosen token's probability as a bar and its rank there, then what became of the tokens the raw model
/// preferred. Only the built-in engine has these numbers; for a server's token the popup says what its
/// numbers are instead.
func drawStagesPopup(_ buffer: inout CellBuffer, _ state: AppState, _ popup: Popup, _ token: OutputToken,
                     index: Int, _ area: Rect) {
    let stages = token.stages
    let rows: Int
    switch popup.mode {
    case _ where stages == nil: rows = 4
    case .raw: rows = 2 + max(1, stages?.raw?.top.count ?? 1)
    default: rows = 2 + max(1, stages?.stages.count ?? 1) + min(3, stages?.aboveChosen.count ?? 0)
                + ((stages?.aboveChosen.isEmpty ?? true) ? 0 : 1)
    }
    let width = min(area.width - 2, 64)
    let height = min(area.height, 2 + rows)
    guard width > 20, height > 4 else { return }
    let rect = Rect(x: area.x + (area.width - width) / 2, y: area.y + max(0, (area.height - height) / 2),
                    width: width, height: height)
    buffer.fill(rect, role: .popup)
    drawBox(&buffer, rect, title: "Token \(index + 1) · \(popup.mode.rawValue)", focused: true, right: "v view  Esc")
    let inner = rect.inner
    var y = inner.y
    func text(_ value: String, role: Role = .popup, x: Int? = nil) {
        guard y < inner.maxY else { return }
        buffer.put(value, x: x ?? inner.x, y: y, role: role, limit: inner.maxX)
        y += 1
    }
    var head = " " + visible(token.token.text)
    if let p = token.token.probability { head += String(format: "  %.2f%%", p * 100) }
    text(head, role: .popupTitle)
    guard let stages else {
        let kind = probabilityKindLabel(state).map { "this backend's numbers: \($0)" }
        text(" no stages: only the built-in engine reports", role: .dim)
        text(" " + (kind ?? "the raw distribution and each step"), role: .dim)
        text(" (recorded from the next run while this view is on)", role: .dim)
        return
    }
    switch popup.mode {
    case .raw:
        text(" the model's own, before any processor", role: .dim)
        let textWidth = 14
        for alt in stages.raw?.top ?? [] {
            guard y < inner.maxY else { break }
            let chosen = alt.isSameToken(as: token.token)
            let role: Role = chosen ? .popupSelected : .popup
            buffer.fill(Rect(x: inner.x, y: y, width: inner.width, height: 1), role: role)
            var x = buffer.put(chosen ? " ▶ " : "   ", x: inner.x, y: y, role: role)
            var shown = visible(alt.text)
            if DisplayWidth.of(shown) > textWidth { shown = String(shown.prefix(textWidth - 1)) + "…" }
            buffer.put(shown, x: x, y: y, role: role, limit: x + textWidth)
            x += textWidth + 1
            let p = alt.probability ?? 0
            x = buffer.put(String(format: "%5.1f%% ", p * 100), x: x, y: y, role: role, limit: inner.maxX)
            let room = max(0, inner.maxX - x - 1)
            let cells = Int((p * Double(room)).rounded())
            for i in 0..<room { buffer.put(i < cells ? "█" : " ", x: x + i, y: y, role: i < cells ? (chosen ? role : Role.probabilityRole(p)) : role) }
            y += 1
        }
    case .stages, .processed:
        // Columns: step 10, left 7, mass 5, entropy 5, a space, the bar (the rest), rank 5.
        let barWidth = max(0, inner.width - 33)
        let barTitle = "p(token)".count <= barWidth ? "p(token)" : "p"
        text(" step        left mass    H " + barTitle.padding(toLength: barWidth, withPad: " ", startingAt: 0)
             + " rank", role: .dim)
        for stage in stages.stages {
            guard y < inner.maxY else { break }
            let filtered = stage.keptMass < 0.99995
            var x = buffer.put(" " + stageLabel(stage.name).padding(toLength: 9, withPad: " ", startingAt: 0),
                               x: inner.x, y: y, role: .popupTitle, limit: inner.maxX)
            x = buffer.put(String(format: " %6d", stage.support), x: x, y: y, role: .popup, limit: inner.maxX)
            x = buffer.put(String(format: " %3.0f%%", stage.keptMass * 100), x: x, y: y,
                           role: filtered ? .notice : .popup, limit: inner.maxX)
            x = buffer.put(String(format: " %4.2f ", stage.entropy), x: x, y: y, role: .popup, limit: inner.maxX)
            let p = stage.chosenLogprob.map { Foundation.exp($0) } ?? 0
            let cells = Int((p * Double(barWidth)).rounded())
            for i in 0..<barWidth where x + i < inner.maxX {
                buffer.put(i < cells ? "█" : "·", x: x + i, y: y, role: i < cells ? Role.probabilityRole(p) : .dim)
            }
            x += barWidth
            buffer.put(" #" + String(stage.chosenRank), x: x, y: y,
                       role: stage.chosenRank == 1 ? .popup : .notice, limit: inner.maxX)
            y += 1
        }
        if !stages.aboveChosen.isEmpty {
            text(" the raw model preferred:", role: .dim)
            for displaced in stages.aboveChosen.prefix(3) {
                let why = displaced.removedBy.map { "removed by \(stageLabel($0))" }
                    ?? displaced.passedAt.map { "pushed below by \(stageLabel($0))" } ?? "kept; drawn lower"
                text(String(format: "  #%d ", displaced.rawRank) + visible(displaced.token.text) + "  " + why)
            }
        }
    }
}
