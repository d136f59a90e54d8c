import Foundation
import GenerationCore

/// The playground's screen as a pure function of its state: no terminal, no clock, no I/O, so every screen
/// can be snapshot-tested and the runtime can diff two frames.
public func view(_ state: AppState, width: Int, height: Int) -> CellBuffer {
    var buffer = CellBuffer(width: width, height: height)
    if width < AppState.minimumWidth || height < AppState.minimumHeight {
        drawTooSmall(&buffer)
        return buffer
    }
    let layout = Layout(state, width: width, height: height)
    if state.promptView {
        drawPromptTokens(&buffer, state, layout)
    } else if state.mode == .chat {
        drawChatPrompt(&buffer, state, layout)
    } else {
        drawPrompt(&buffer, state, layout.prompt)
    }
    if let compare = state.compare {
        drawCompare(&buffer, state, compare, layout)
    } else {
        drawOutput(&buffer, state, layout)
    }
    drawSidebar(&buffer, state, layout)
    drawStatus(&buffer, state, layout.status)
    // The overlays, innermost first: the one taking the keys is drawn on top.
    for overlay in (state.overlay?.layers ?? []).reversed() {
        drawOverlay(&buffer, state, overlay, layout)
    }
    return buffer
}

/// One overlay in its place (path prompts and preset naming are drawn by the status bar and the sidebar).
func drawOverlay(_ buffer: inout CellBuffer, _ state: AppState, _ overlay: Overlay, _ layout: Layout) {
    switch overlay {
    case .grammarEditor(let grammar): drawGrammarEditor(&buffer, grammar, layout.grammarEditor)
    case .history(let history): drawHistory(&buffer, state, history, layout.wideOverlay)
    case .distributions:
        if let compare = state.compare { drawDistributions(&buffer, compare, layout.wideOverlay) }
    case .popup(let popup): drawPopup(&buffer, state, popup, layout.output)
    case .template(let template): drawTemplate(&buffer, template, layout.grammarEditor)
    case .help: drawHelp(&buffer, width: layout.status.width, height: layout.status.maxY)
    case .pathPrompt, .presetName: break
    }
}

func drawTooSmall(_ buffer: inout CellBuffer) {
    let lines = ["Terminal too small", "need \(AppState.minimumWidth)x\(AppState.minimumHeight),",
                 "have \(buffer.width)x\(buffer.height)", "Ctrl-Q quits"]
    let top = max(0, (buffer.height - lines.count) / 2)
    for (i, line) in lines.enumerated() {
        let x = max(0, (buffer.width - DisplayWidth.of(line)) / 2)
        buffer.put(line, x: x, y: top + i, role: i == 0 ? .error : .normal)
    }
}

/// A single-line border with a title; the focused pane's border is highlighted.
func drawBox(_ buffer: inout CellBuffer, _ rect: Rect, title: String, focused: Bool, right: String? = nil) {
    guard rect.width >= 2, rect.height >= 2 else { return }
    let role: Role = focused ? .borderFocus : .border
    for x in rect.x..<rect.maxX {
        buffer.put("─", x: x, y: rect.y, role: role)
        buffer.put("─", x: x, y: rect.maxY - 1, role: role)
    }
    for y in rect.y..<rect.maxY {
        buffer.put("│", x: rect.x, y: y, role: role)
        buffer.put("│", x: rect.maxX - 1, y: y, role: role)
    }
    buffer.put("┌", x: rect.x, y: rect.y, role: role)
    buffer.put("┐", x: rect.maxX - 1, y: rect.y, role: role)
    buffer.put("└", x: rect.x, y: rect.maxY - 1, role: role)
    buffer.put("┘", x: rect.maxX - 1, y: rect.maxY - 1, role: role)
    let end = buffer.put(" \(title) ", x: rect.x + 2, y: rect.y, role: focused ? .titleFocus : .title, limit: rect.maxX - 2)
    if let right {
        let w = DisplayWidth.of(right) + 2
        let x = max(end + 1, rect.maxX - 2 - w)
        buffer.put(" \(right) ", x: x, y: rect.y, role: .dim, limit: rect.maxX - 2)
    }
}

func drawPrompt(_ buffer: inout CellBuffer, _ state: AppState, _ rect: Rect) {
    let focused = state.focus == .prompt
    let editor = state.editor
    let info = "\(editor.lines.count) line\(editor.lines.count == 1 ? "" : "s")"
    drawBox(&buffer, rect, title: "Prompt", focused: focused, right: info)
    let area = rect.inner
    guard area.width > 0, area.height > 0 else { return }
    if editor.isEmpty && !focused {
        buffer.put("Type a prompt here; Ctrl-R runs it", x: area.x, y: area.y, role: .placeholder, limit: area.maxX)
    } else if editor.isEmpty {
        buffer.put("Type a prompt; Ctrl-R runs it", x: area.x + 1, y: area.y, role: .placeholder, limit: area.maxX)
    }
    drawEditorText(&buffer, editor, area: area, cursor: focused)
}

/// A text editor's visible rows in `area`, with the cursor block when `cursor` (shared by the prompt and the
/// grammar editor). The editor's wrap width is set by `update`; a view at another size wraps a copy.
func drawEditorText(_ buffer: inout CellBuffer, _ editor: TextEditor, area: Rect, cursor: Bool) {
    var e = editor
    if e.wrapWidth != area.width || e.pageHeight != area.height {
        e.wrapWidth = area.width
        e.pageHeight = area.height
        e.ensureCursorVisible()
    }
    var y = area.y
    var line = e.scrollLine
    var row = e.scrollRow
    while y < area.maxY && line < e.lines.count {
        let starts = e.wrapStarts(of: line)
        let chars = e.lines[line]
        while row < starts.count && y < area.maxY {
            let end = row + 1 < starts.count ? starts[row + 1] : chars.count
            var x = area.x
            var i = starts[row]
            while i < end {
                x = buffer.put(chars[i], x: x, y: y, role: .editorText, limit: area.maxX)
                i += 1
            }
            row += 1
            y += 1
        }
        line += 1
        row = 0
    }
    if cursor {
        let (cy, cx) = e.cursorScreenPosition()
        if cy >= 0 && cy < area.height && cx <= area.width {
            let x = min(area.x + cx, area.maxX - 1)
            let w = max(1, Int(buffer[x, area.y + cy].width))
            buffer.paint(x: x, y: area.y + cy, count: w, role: .editorCursor)
        }
    }
}

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
        case .waiting: hint = "waiting for the first token…"
        case .waitingForModel: hint = "waiting for the model…"
        default: hint = "Output appears here, each token coloured by its probability."
        }
        buffer.put(hint, x: area.x, y: area.y, role: .placeholder, limit: area.maxX)
    }
    let cursor = (focused || state.popup?.onPrompt == false) ? state.tokenCursor : nil
    var (lastY, lastX) = drawTokens(&buffer, transcript, area: area, top: top, cursor: cursor)
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
    drawLegend(&buffer, y: area.maxY, x: area.x, limit: area.maxX)
}

/// Draws `transcript`'s rows from `top` into `area`, each token in its probability colour (the cursor's
/// highlighted, a `marked` one in the divergence style); returns the row and column after the last glyph.
@discardableResult
func drawTokens(_ buffer: inout CellBuffer, _ transcript: Transcript, area: Rect, top: Int, cursor: Int?,
                marked: Int? = nil, plain: Bool = false) -> (Int, Int) {
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
                case .text: role = plain ? .editorText : Role.probabilityRole(token.token.probability)
                }
            }
            buffer.put(glyph.character, width: Int(glyph.width), x: area.x + gx, y: y, role: role, limit: area.maxX)
            lastY = y
            lastX = area.x + gx + Int(glyph.width)
        }
    }
    return (lastY, lastX)
}

/// The read-only prompt-token view (F6): the scored prompt coloured by each token's logprob.
func drawPromptTokens(_ buffer: inout CellBuffer, _ state: AppState, _ layout: Layout) {
    let rect = layout.prompt
    let focused = state.focus == .prompt
    let right = (state.promptScore?.perplexity.map { String(format: "ppl %.2f", $0) } ?? "no scored token") + " · Esc"
    drawBox(&buffer, rect, title: "Prompt tokens", focused: focused, right: right)
    let area = rect.inner
    guard area.width > 0, area.height > 0 else { return }
    var tokens = state.promptTokens
    if tokens.width != area.width { tokens.relayout(width: area.width) }
    let top = layout.promptTokensTop
    let cursor = focused || state.popup?.onPrompt == true ? state.promptTokenCursor : nil
    drawTokens(&buffer, tokens, area: area, top: top, cursor: cursor)
}

/// The probability scale, always visible under the output.
func drawLegend(_ buffer: inout CellBuffer, y: Int, x: Int, limit: Int) {
    var cx = buffer.put("p% ", x: x, y: y, role: .dim, limit: limit)
    for (role, label) in zip(Role.probabilityScale, Role.probabilityLabels) {
        cx = buffer.put("█", x: cx, y: y, role: role, limit: limit)
        cx = buffer.put(label + " ", x: cx, y: y, role: role, limit: limit)
    }
    cx = buffer.put("<s>", x: cx + 1, y: y, role: .special, limit: limit)
    cx = buffer.put(" special ", x: cx, y: y, role: .dim, limit: limit)
    cx = buffer.put("·↵", x: cx, y: y, role: .whitespace, limit: limit)
    buffer.put(" space", x: cx, y: y, role: .dim, limit: limit)
}

/// The grammar editor: the text, and under it the JSON problem (if any) and the keys.
func drawGrammarEditor(_ buffer: inout CellBuffer, _ grammar: GrammarEditor, _ rect: Rect) {
    buffer.fill(rect, role: .normal)
    let kind = grammar.kind?.rawValue ?? "regex or JSON"
    drawBox(&buffer, rect, title: "Grammar value (\(kind))", focused: true,
            right: "\(grammar.editor.lines.count) line\(grammar.editor.lines.count == 1 ? "" : "s")")
    let inner = rect.inner
    guard inner.height > 3, inner.width > 4 else { return }
    let text = Rect(x: inner.x, y: inner.y, width: inner.width, height: inner.height - 2)
    drawEditorText(&buffer, grammar.editor, area: text, cursor: true)
    if let problem = grammar.problem {
        buffer.put(problem, x: inner.x, y: inner.maxY - 2, role: .error, limit: inner.maxX)
    }
    buffer.put("Esc applies · Ctrl-G discards · paste works", x: inner.x, y: inner.maxY - 1, role: .dim, limit: inner.maxX)
}
