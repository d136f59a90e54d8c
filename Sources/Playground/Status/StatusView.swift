import Foundation
import GenerationCore

/// The status bar: backend and model, run state, timing, counts, finish reason, seed, mean logprob and
/// perplexity; an error shows TGI's message in place of the numbers.
func drawStatus(_ buffer: inout CellBuffer, _ state: AppState, _ rect: Rect) {
    buffer.fill(rect, role: .statusBar)
    let y = rect.y
    let phaseRole: Role
    switch state.phase {
    case .idle, .finished: phaseRole = .statusOK
    case .waiting, .streaming, .waitingForModel: phaseRole = .statusBusy
    case .cancelled: phaseRole = .statusIdle
    case .failed: phaseRole = .statusError
    }
    var label = state.phaseLabel
    if case .waitingForModel(let until, let attempt, let reason) = state.phase {
        if until.isFinite {
            let left = max(0, Int((until - state.now).rounded(.up)))
            label = "\(reason): retry in \(left)s (#\(attempt))"
        } else {
            label = "\(reason): retrying (#\(attempt))"
        }
    }
    if let prompt = state.pathPrompt {
        let x = buffer.put(" \(prompt.label): ", x: rect.x, y: y, role: .statusBusy)
        let room = max(1, rect.maxX - x - 1)
        let end = buffer.put(String(prompt.text.suffix(room)), x: x, y: y, role: .sidebarEditing, limit: rect.maxX)
        buffer.put(" ", x: end, y: y, role: .editorCursor, limit: rect.maxX)
        return
    }
    var x = buffer.put(" \(label) ", x: rect.x, y: y, role: phaseRole)
    x += 1
    // A notice leads, and the numbers follow where they fit (a branch's "branched at..." or a continuation's
    // notice keeps the new run's stats in sight); an error is shown when no notice covers it.
    if state.notice == nil, let error = state.error, state.phase == .failed || state.phase.isActive {
        buffer.put(statusErrorText(error), x: x, y: y, role: .statusError, limit: rect.maxX)
        return
    }
    let fields = statusFields(state)
    var parts = fields.parts
    // After a notice (the person just acted) the run's numbers matter more than the backend's name.
    if state.notice != nil, !parts.isEmpty { parts.append(parts.removeFirst()) }
    x = buffer.put(fitStatusFields(parts + fields.hints, room: rect.maxX - x, leading: state.notice), x: x, y: y,
                   role: .statusBar, limit: rect.maxX)
    let hint = " F1 help "
    let hx = rect.maxX - DisplayWidth.of(hint)
    if state.compare == nil, hx > x + 1 { buffer.put(hint, x: hx, y: y, role: .statusIdle) }
    drawAutosaveTag(&buffer, state, rect)
}

/// An error as the status bar words it: status code, TGI's error type, its message.
func statusErrorText(_ error: GenerationError) -> String {
    (error.statusCode.map { "\($0) " } ?? "") + "\(error.errorType): " + error.message
}

/// The status bar's fields, most useful first (the bar drops what does not fit, Alt-I lists them all), and the
/// key hints that follow them in the bar only.
func statusFields(_ state: AppState) -> (parts: [String], hints: [String]) {
    var parts: [String] = []
    let api = state.capabilities.map { $0.api == .local || $0.api == .tgi ? "" : " (\($0.server))" } ?? ""
    let model = state.modelName.map { "\(state.backendName)\(api) · \($0)" } ?? state.backendName
    parts.append(model)
    if let c = state.compare {
        let names = c.columns.map(\.name)
        parts.append("compare \(names.first ?? "A")-\(names.last ?? "B") seed \(c.seed)")
        let failed = c.columns.filter { $0.error != nil }.map(\.name)
        if let d = c.divergence {
            parts.append("diverge at token \(d + 1)")
        } else if c.isActive {
            parts.append("running")
        } else if c.columns.count - failed.count >= 2 {
            parts.append("identical")
        }
        if !failed.isEmpty { parts.append("failed: " + failed.joined(separator: ", ")) }
        let hint = c.divergence != nil || c.longest > 0 ? ["Tab to columns: ←→ token, Enter distributions"] : []
        return (parts, hint)
    }
    // The main run's numbers while the output is its own; a history run shown has its finish reason and seed.
    let live = state.shownRecord == nil ? state.run : nil
    if let run = live {
        let timing = run.timing()
        if let first = timing.firstToken { parts.append(String(format: "ttft %.0fms", (first - timing.start) * 1000)) }
        if let tps = RunStatistics.decodeRate(timing, tokens: run.tokenCount) {
            parts.append(String(format: "%.1f tok/s", tps))
        }
    }
    if state.transcript.count > 0 || live != nil { parts.append("\(state.transcript.count) tok") }
    if state.promptScoring {
        parts.append("scoring prompt…")
    } else if let ppl = state.promptScore?.perplexity, state.promptScoreIsCurrent {
        parts.append(String(format: "prompt ppl %.2f", ppl))
    }
    if let w = live?.watermark {
        parts.append(String(format: "wm z %.2f ", w.zScore) + (w.watermarked ? "WATERMARKED" : "no watermark"))
    }
    if let reason = state.shownRecord?.finishReason ?? live?.finishReason { parts.append(reason.rawValue) }
    if let seed = state.shownRecord?.seed ?? live?.seed { parts.append("seed \(seed)") }
    if let mean = state.transcript.meanLogprob, let ppl = state.transcript.perplexity {
        parts.append(String(format: "mean lp %.3f", mean))
        parts.append(String(format: "ppl %.2f", ppl))
    }
    return (parts, [])
}

/// The fields joined by " │ " in their order (most useful first), each one whole: a field that does not fit in
/// `room` cells is left out (a shorter one after it may still fit), so no number is ever cut in half. The first
/// field is cut only when nothing else is shown and it alone is wider than the bar. A `leading` text (a notice)
/// is always first, whole or cut at the bar's end, and the fields fill what room it leaves.
func fitStatusFields(_ fields: [String], room: Int, leading: String? = nil) -> String {
    var shown: [String] = leading.map { [$0] } ?? []
    var used = leading.map(DisplayWidth.of) ?? 0
    for field in fields {
        let w = DisplayWidth.of(field) + (shown.isEmpty ? 0 : 3)
        if used + w <= room {
            shown.append(field)
            used += w
        }
    }
    if shown.isEmpty, let first = fields.first { return first }
    return shown.joined(separator: " │ ")
}

/// While autosave is off (a session file this build must not overwrite), a tag at the right end says so.
func drawAutosaveTag(_ buffer: inout CellBuffer, _ state: AppState, _ rect: Rect) {
    guard state.autosaveProblem != nil else { return }
    let tag = " autosave off: F3 w saves elsewhere "
    buffer.put(tag, x: max(rect.x, rect.maxX - DisplayWidth.of(tag)), y: rect.y, role: .statusError, limit: rect.maxX)
}
