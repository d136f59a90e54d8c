import Foundation
import GenerationCore

func drawOutput(_ buffer: inout CellBuffer, _ state: AppState, _ layout: Layout) {
    let rect = layout.output
    let focused = state.focus == .output
    var right = "\(state.transcript.count) tokens"
    if let c = state.tokenCursor { right = "token \(c + 1)/\(state.transcript.count)" }
    drawBox(&buffer, rect, title: "Output", focused: focused, right: right)
    let area = layout.outputText
    guard area.width > 0, area.height > 0 else { return }
    var transcript = state.transcript
    if transcript.width != area.width { transcript.relayout(width: area.width) }
    let top = layout.outputTop
    if transcript.isEmpty {
        let hint: String
        switch state.phase {
        case .waiting: hint = state.phaseLabel == RunPhase.waiting.label ? "waiting for the first token…"
            : state.phaseLabel + " tokens of the prompt evaluated…"
        case .waitingForModel: hint = "waiting for the model…"
        default: hint = "Output appears here, each token coloured by its probability."
        }
        buffer.put(hint, x: area.x, y: area.y, role: .placeholder, limit: area.maxX)
    }
    let cursor = (focused || state.popup?.onPrompt == false) ? state.tokenCursor : nil
    var (lastY, lastX) = drawTokens(&buffer, transcript, area: area, top: top, cursor: cursor,
                                    colourBy: state.lab.colourBy, reportedIsRaw: reportedIsRaw(state))
    // A run that did not finish keeps its output, marked as such; the output of an earlier run, kept while a
    // new one has no token yet (or was rejected before any), says so.
    let mark: String?
    switch state.phase {
    case _ where state.outputIsOlder: mark = transcript.isEmpty ? nil : " [previous output]"
    case .cancelled: mark = " [cancelled]"
    case .failed where !transcript.isEmpty: mark = " [incomplete]"
    default: mark = nil
    }
    if let mark, top + area.height >= transcript.rows.count {
        if lastX + DisplayWidth.of(mark) > area.maxX, lastY + 1 < area.maxY { lastY += 1; lastX = area.x }
        buffer.put(mark, x: lastX, y: lastY, role: .partial, limit: area.maxX)
    }
    drawLegend(&buffer, y: area.maxY, x: area.x, limit: area.maxX, colourBy: state.lab.colourBy,
               unknown: colourUnknown(transcript, state.lab.colourBy, reportedIsRaw: reportedIsRaw(state)))
}

/// Draws `transcript`'s rows from `top` into `area`, each token in its colour (by probability, or what
/// `colourBy` says; a token without that number dim), the cursor's highlighted, a `marked` one in the divergence
/// style; returns the row and column after the last glyph.
@discardableResult
func drawTokens(_ buffer: inout CellBuffer, _ transcript: Transcript, area: Rect, top: Int, cursor: Int?,
                marked: Int? = nil, plain: Bool = false, colourBy: ColourBy = .probability,
                reportedIsRaw: Bool = false) -> (Int, Int) {
    var lastY = area.y
    var lastX = area.x
    for r in 0..<area.height {
        let row = top + r
        guard row < transcript.rows.count else { break }
        let y = area.y + r
        transcript.forEachGlyph(onRow: row) { glyph, t, gx in
            let token = transcript.tokens[t]
            let role: Role
            if t == cursor {
                role = .tokenCursor
            } else if t == marked {
                role = .divergence
            } else {
                switch token.kind {
                case .special: role = .special
                case .whitespace: role = .whitespace
                // Text without a probability (a chat template) is plain text, not the lowest bucket.
                case .text:
                    if plain {
                        role = .editorText
                    } else {
                        role = colourBy.bucket(token, reportedIsRaw: reportedIsRaw).map { Role.probabilityScale[$0] } ?? .dim
                    }
                }
            }
            buffer.put(glyph.character, width: Int(glyph.width), x: area.x + gx, y: y, role: role, limit: area.maxX)
            lastY = y
            lastX = area.x + gx + Int(glyph.width)
        }
    }
    return (lastY, lastX)
}

/// How many of the output's text tokens lack the number `colourBy` colours by (drawn dim).
func colourUnknown(_ transcript: Transcript, _ colourBy: ColourBy, reportedIsRaw: Bool) -> (missing: Int, of: Int) {
    guard colourBy != .probability else { return (0, 0) }
    var missing = 0, of = 0
    for token in transcript.tokens where token.kind == .text {
        of += 1
        if colourBy.bucket(token, reportedIsRaw: reportedIsRaw) == nil { missing += 1 }
    }
    return (missing, of)
}

/// The colour scale, always visible under the output: what the colours measure (`m` cycles it) and, when some
/// tokens lack that number, that they are dim and why, instead of the special/space key.
func drawLegend(_ buffer: inout CellBuffer, y: Int, x: Int, limit: Int, colourBy: ColourBy = .probability,
                unknown: (missing: Int, of: Int) = (0, 0)) {
    var cx = buffer.put(colourBy.legendTitle + " ", x: x, y: y, role: .dim, limit: limit)
    if unknown.missing > 0 && unknown.missing == unknown.of {
        let why = colourBy == .rank ? "no top_tokens (top_n_tokens 0?)" : "needs stages (built-in engine)"
        buffer.put("n/a: " + why, x: cx, y: y, role: .notice, limit: limit)
        return
    }
    for (role, label) in zip(Role.probabilityScale, colourBy.labels) {
        cx = buffer.put("█", x: cx, y: y, role: role, limit: limit)
        cx = buffer.put(label + " ", x: cx, y: y, role: role, limit: limit)
    }
    if unknown.missing > 0 {
        cx = buffer.put("█", x: cx + 1, y: y, role: .dim, limit: limit)
        buffer.put("n/a \(unknown.missing)/\(unknown.of)", x: cx, y: y, role: .dim, limit: limit)
        return
    }
    cx = buffer.put("<s>", x: cx + 1, y: y, role: .special, limit: limit)
    cx = buffer.put(" special ", x: cx, y: y, role: .dim, limit: limit)
    cx = buffer.put("·↵", x: cx, y: y, role: .whitespace, limit: limit)
    buffer.put(" space", x: cx, y: y, role: .dim, limit: limit)
}
