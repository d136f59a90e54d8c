import Foundation
import GenerationCore

/// F3: the session's runs, newest on top, over the panes (`rect`); or the diff of two runs.
func drawHistory(_ buffer: inout CellBuffer, _ state: AppState, _ view: HistoryView, _ rect: Rect) {
    buffer.fill(rect, role: .popup)
    if let ids = view.diff,
       let a = state.history.first(where: { $0.id == ids.first }), let b = state.history.first(where: { $0.id == ids.last }) {
        drawRunDiff(&buffer, a, b, rect)
        return
    }
    let where_ = state.sessionPath.map { " · " + $0 } ?? ""
    drawBox(&buffer, rect, title: "History: \(state.history.count) run\(state.history.count == 1 ? "" : "s")\(where_)",
            focused: true, right: "Enter show  r re-run  p load  Space mark  = diff  e/J export  w/o save/open  Esc")
    let inner = rect.inner
    guard inner.height > 0, !state.history.isEmpty else { return }
    let newestFirst = Array(state.history.indices.reversed())
    let selectedRow = newestFirst.firstIndex(of: view.selection) ?? 0
    let top = max(0, selectedRow - inner.height + 1)
    for row in 0..<inner.height {
        let listIndex = top + row
        guard listIndex < newestFirst.count else { break }
        let index = newestFirst[listIndex]
        let run = state.history[index]
        let selected = index == view.selection
        let role: Role = selected ? .popupSelected : .popup
        let y = inner.y + row
        if selected { buffer.fill(Rect(x: inner.x, y: y, width: inner.width, height: 1), role: role) }
        buffer.put(historyLine(run, marked: view.marked == run.id, now: state.timestamp(state.now)),
                   x: inner.x, y: y, role: role, limit: inner.maxX)
    }
}

/// One history row: id, mark, set (a set's branches keep its letter), what it carries on ("branch of #3",
/// "continues #4"), time, backend, the sampling parameters, tokens, end, perplexity, text.
func historyLine(_ run: SessionRun, marked: Bool, now: Timestamp) -> String {
    var parts: [String] = []
    var head = (marked ? "●" : " ") + "#\(run.id)"
    if let set = run.setName ?? run.origin?.set { head += " \(set)" }
    if let origin = run.origin {
        let of = origin.of.map { " #\($0)" } ?? ""
        switch origin.kind {
        case RunOrigin.branch: head += " branch" + (of.isEmpty ? "" : " of" + of)
        case RunOrigin.continuation: head += " continues" + (of.isEmpty ? " a branch" : of)
        case RunOrigin.step: head += " step" + (of.isEmpty ? "" : " after" + of)
        default: head += " " + origin.kind + of
        }
    }
    parts.append(head)
    parts.append(clockTime(run.startedAt))
    parts.append(run.backend.isLocal ? "local" : (URLComponents(string: run.backend.value)?.host ?? run.backend.value))
    let p = run.request.parameters ?? GenerateParameters()
    var knobs: [String] = []
    if let t = p.temperature { knobs.append("t=\(ParameterField.format(t))") }
    if let k = p.topK { knobs.append("k=\(k)") }
    if let v = p.topP { knobs.append("p=\(ParameterField.format(v))") }
    if p.doSample == true { knobs.append("sample") }
    if let seed = run.seed { knobs.append("seed \(seed)") }
    if !knobs.isEmpty { parts.append(knobs.joined(separator: " ")) }
    if let chat = run.chat { parts.append("chat " + chat.summary) }
    parts.append("\(run.tokens.count) tok")
    if let error = run.error {
        parts.append(error.errorType.map { "\($0)" } ?? "error")
    } else if let reason = run.finishReason {
        parts.append(reason.rawValue)
    }
    if let ppl = run.stats?.perplexity { parts.append(String(format: "ppl %.2f", ppl)) }
    let text = (run.response?.generatedText ?? "").replacingOccurrences(of: "\n", with: "↵")
    parts.append(visible(String(text.prefix(80))))
    return parts.joined(separator: "  ")
}

/// HH:MM:SS of a timestamp in UTC (the session file keeps full ISO dates).
func clockTime(_ t: Timestamp) -> String {
    let seconds = Int((t.millisecondsSince1970 / 1000) % 86_400)
    return String(format: "%02d:%02d:%02d", seconds / 3600, (seconds / 60) % 60, seconds % 60)
}

/// Two runs compared: the text they share, then each one's continuation from the first divergent token.
func drawRunDiff(_ buffer: inout CellBuffer, _ a: SessionRun, _ b: SessionRun, _ rect: Rect) {
    let diff = RunDiff(a, b)
    let verdict = diff.firstDivergentIndex.map { "diverge at token \($0 + 1)" } ?? "identical tokens"
    drawBox(&buffer, rect, title: "Run #\(a.id) vs #\(b.id): \(verdict)", focused: true, right: "Esc back")
    let inner = rect.inner
    guard inner.height > 4, inner.width > 10 else { return }
    var y = inner.y
    let shared = diff.commonText.replacingOccurrences(of: "\n", with: "↵")
    let sharedLines = wrap("shared (\(diff.firstDivergentIndex ?? a.tokens.count) tokens): " + shared, width: inner.width)
    for line in sharedLines.suffix(min(3, max(1, inner.height / 4))) {
        buffer.put(line, x: inner.x, y: y, role: .dim, limit: inner.maxX)
        y += 1
    }
    for line in wrap(runParameterChanges(a, b), width: inner.width).prefix(2) {
        buffer.put(line, x: inner.x, y: y, role: .popupTitle, limit: inner.maxX)
        y += 1
    }
    y += 1
    let half = inner.width / 2
    let columns = [(a, diff.continuationA, Rect(x: inner.x, y: y, width: half - 1, height: inner.maxY - y)),
                   (b, diff.continuationB, Rect(x: inner.x + half, y: y, width: inner.width - half, height: inner.maxY - y))]
    for (run, continuation, area) in columns {
        guard area.height > 1, area.width > 0 else { continue }
        let label = "#\(run.id)" + (run.setName.map { " set \($0)" } ?? "") + " then:"
        buffer.put(label, x: area.x, y: area.y, role: .popupTitle, limit: area.maxX)
        var t = Transcript(width: area.width)
        let tops = run.topTokens
        let offset = run.tokens.count - continuation.count
        for (i, token) in continuation.enumerated() {
            let k = offset + i
            t.append(OutputToken(token: token, topTokens: k >= 0 && k < tops.count ? tops[k] : []))
        }
        let tokens = Rect(x: area.x, y: area.y + 1, width: area.width, height: area.height - 1)
        if t.isEmpty {
            buffer.put("(ends here)", x: tokens.x, y: tokens.y, role: .placeholder, limit: tokens.maxX)
        } else {
            drawTokens(&buffer, t, area: tokens, top: 0, cursor: nil, marked: 0)
        }
    }
}

/// What differs between two runs' requests, `field a → b` for each parameter (and the backend), in TGI's order:
/// why their continuations may differ.
func runParameterChanges(_ a: SessionRun, _ b: SessionRun) -> String {
    let sets = [ParameterSet(name: "a", parameters: a.request.parameters ?? GenerateParameters(), backend: a.backend),
                ParameterSet(name: "b", parameters: b.request.parameters ?? GenerateParameters(), backend: b.backend)]
    let changes = ParameterDifference.between(sets, base: GenerateParameters())
    guard !changes.isEmpty else { return "same parameters and backend" }
    return "parameters: " + changes.map { "\($0.field) \($0.text(at: 0)) → \($0.text(at: 1))" }.joined(separator: " · ")
}
