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
    let alternatives = sortedAlternatives(token)
    let width = min(area.width - 2, 56)
    let kindLabel = onPrompt ? nil : probabilityKindLabel(state)
    let height = min(area.height, 7 + (kindLabel == nil ? 0 : 1) + max(1, alternatives.count))
    guard width > 20, height > 4 else { return }
    let rect = Rect(x: area.x + (area.width - width) / 2, y: area.y + max(0, (area.height - height) / 2),
                    width: width, height: height)
    buffer.fill(rect, role: .popup)
    drawBox(&buffer, rect, title: onPrompt ? "Prompt token \(index + 1)" : "Token \(index + 1)", focused: true,
            right: alternatives.isEmpty ? "Esc closes" : "↑↓ pick  Enter branch  Esc")
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
    for (i, alt) in alternatives.enumerated() {
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
