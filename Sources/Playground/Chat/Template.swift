import GenerationCore

/// The templated text of the conversation as read-only tokens: the pieces between special tokens as text, the
/// special tokens (`<start_of_turn>`, `<|im_start|>`...) as specials, so they are drawn in the special style.
public struct TemplateView: Sendable {
    public var source: String
    public var tokens: Transcript
    /// The first row shown (Up/Down, PgUp/PgDn scroll).
    public var top = 0

    public init(_ templated: TemplatedChat) {
        source = templated.source
        tokens = Transcript()
        for piece in Self.pieces(of: templated.templatedText) {
            tokens.append(OutputToken(token: Token(id: nil, text: piece.text, logprob: nil, special: piece.special)))
        }
    }

    /// Splits `text` at the special-token markers chat templates use: `<word>` and `<|word|>` (Gemma's
    /// `<bos>`, `<start_of_turn>`; ChatML's `<|im_start|>`; Llama 3's `<|eot_id|>`) and `[INST]`-style tags.
    /// The text is not tokenized (the template endpoints return text), so this is what the marks rest on.
    static func pieces(of text: String) -> [(text: String, special: Bool)] {
        var out: [(text: String, special: Bool)] = []
        var rest = Substring(text)
        let pattern = /<\|?[A-Za-z_][A-Za-z0-9_.\-]*\|?>|\[\/?(INST|SYS)\]/
        while let match = rest.firstMatch(of: pattern) {
            if match.range.lowerBound > rest.startIndex {
                out.append((String(rest[rest.startIndex..<match.range.lowerBound]), false))
            }
            out.append((String(rest[match.range]), true))
            rest = rest[match.range.upperBound...]
        }
        if !rest.isEmpty { out.append((String(rest), false)) }
        // A piece ending a line is split after each newline, so every row starts a token of its own.
        return out.flatMap { piece -> [(text: String, special: Bool)] in
            guard !piece.special, piece.text.contains("\n") else { return [piece] }
            var parts: [(text: String, special: Bool)] = []
            var current = ""
            for c in piece.text {
                current.append(c)
                if c == "\n" { parts.append((current, false)); current = "" }
            }
            if !current.isEmpty { parts.append((current, false)) }
            return parts
        }
    }
}

/// F9: asks the backend for the exact text the conversation becomes (the overlay opens with the answer);
/// F9 again closes it.
func toggleTemplate(_ state: inout AppState) -> [Effect] {
    if state.isOpen(.template) {
        state.close(.template)
        return []
    }
    guard state.mode == .chat else {
        state.notice = "F9 shows a chat's templated text: F4 switches to chat mode"
        return []
    }
    var chat = state.chat.request
    if let problem = chat.problem {
        state.notice = "cannot template this chat: " + problem.message
        return []
    }
    if state.sidebar.editText != nil { commitSidebarEdit(&state) }
    let settings = state.runSettings
    chat.parameters = settings.request(prompt: "").parameters
    state.templateID += 1
    state.notice = "asking the backend for the templated text…"
    return [.fetchTemplate(id: state.templateID, request: chat, useCache: state.settings.useCache,
                           waitForModel: state.settings.waitForModel, backend: settings.backend)]
}

/// The template overlay's keys: scrolling, and Esc / q / Enter / F9 close it (it is read-only).
func templateViewKey(_ state: inout AppState, _ key: Key) -> [Effect] {
    guard var view = state.templateView else { return [] }
    let layout = state.geometry
    let inner = layout.grammarEditor.inner
    let sourceRows = min(2, wrap("source: " + view.source, width: inner.width).count)
    let area = templateArea(inner, sourceRows: sourceRows)
    var tokens = view.tokens
    if tokens.width != area.width { tokens.relayout(width: max(1, area.width)) }
    let last = max(0, tokens.rows.count - area.height)
    switch key {
    case .escape, .character("q"), .enter:
        state.close(.template)
        return []
    case .up, .character("k"): view.top -= 1
    case .down, .character("j"): view.top += 1
    case .pageUp: view.top -= max(1, area.height - 1)
    case .pageDown, .character(" "): view.top += max(1, area.height - 1)
    case .home: view.top = 0
    case .end: view.top = last
    default:
        state.notice = "the template is read-only: Esc or F9 closes it"
        return []
    }
    view.top = min(last, max(0, view.top))
    state.overlay = state.overlay?.mapping { o in
        guard case .template = o else { return o }
        return .template(view)
    }
    return []
}

/// The "show template" overlay (F9): the exact text the backend feeds the model, special tokens marked, and
/// which template made it.
func drawTemplate(_ buffer: inout CellBuffer, _ view: TemplateView, _ rect: Rect) {
    buffer.fill(rect, role: .normal)
    drawBox(&buffer, rect, title: "Chat template", focused: true, right: "read-only · Esc")
    let inner = rect.inner
    guard inner.height > 3, inner.width > 4 else { return }
    let source = wrap("source: " + view.source, width: inner.width).prefix(2)
    for (i, line) in source.enumerated() {
        buffer.put(line, x: inner.x, y: inner.y + i, role: .dim, limit: inner.maxX)
    }
    let area = templateArea(inner, sourceRows: source.count)
    var tokens = view.tokens
    if tokens.width != area.width { tokens.relayout(width: area.width) }
    drawTokens(&buffer, tokens, area: area, top: templateTop(view, area: area), cursor: nil, plain: true)
}

/// Where the templated text goes: under the source lines and a blank row.
func templateArea(_ inner: Rect, sourceRows: Int) -> Rect {
    Rect(x: inner.x, y: inner.y + sourceRows + 1, width: inner.width, height: max(1, inner.height - sourceRows - 1))
}

/// The template view's first row, clamped so the last page stays full.
func templateTop(_ view: TemplateView, area: Rect) -> Int {
    var tokens = view.tokens
    if tokens.width != area.width { tokens.relayout(width: area.width) }
    return max(0, min(view.top, tokens.rows.count - area.height))
}
