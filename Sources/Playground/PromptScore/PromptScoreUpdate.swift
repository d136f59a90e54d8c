import GenerationCore

/// Prompt perplexity: F6 sends a non-streaming `decoder_input_details` request (TGI refuses it while streaming),
/// then a read-only view colours the prompt's tokens by logprob; the popup works on them.

func togglePromptView(_ state: inout AppState) -> [Effect] {
    if state.promptView {
        closePromptView(&state)
        return []
    }
    if state.mode == .chat { return scoreConversation(&state) }
    let text = state.editor.text
    if state.promptScore != nil, state.promptScoreChat == nil, state.promptScoreText == text {
        state.promptScoreRevision = state.editor.revision  // the same text again (an undo): the score holds
        openPromptView(&state)
        return []
    }
    if text.isEmpty {
        state.notice = "nothing to score: the prompt is empty"
        return []
    }
    if state.sidebar.editText != nil { commitSidebarEdit(&state) }
    state.promptScoreID += 1
    state.promptScoring = true
    state.promptScoreText = text
    state.promptScoreChat = nil
    state.promptScoreRevision = state.editor.revision
    state.notice = "scoring the prompt (decoder_input_details)…"
    let settings = state.runSettings
    let base = settings.request(prompt: text).parameters ?? GenerateParameters()
    let request = PromptPerplexity.request(for: text, base: base)
    return [.scorePrompt(id: state.promptScoreID, request: request, useCache: state.settings.useCache,
                         waitForModel: state.settings.waitForModel, backend: settings.backend)]
}

/// F6 in chat mode: the conversation's prompt, as the chat route feeds it to the model, scored by the backend
/// (`scoreChat`: the built-in engine; a backend without prompt logprobs on its chat route says so).
func scoreConversation(_ state: inout AppState) -> [Effect] {
    var request = state.chat.request
    if let problem = request.problem {
        state.notice = "nothing to score: " + problem.message
        return []
    }
    if state.promptScoreIsCurrent {
        openPromptView(&state)
        return []
    }
    if state.sidebar.editText != nil { commitSidebarEdit(&state) }
    state.promptScoreID += 1
    state.promptScoring = true
    state.promptScoreText = nil
    state.promptScoreRevision = nil
    state.promptScoreChat = request.messages
    state.notice = "scoring the conversation's prompt (decoder_input_details)…"
    let settings = state.runSettings
    request.parameters = PromptPerplexity.request(for: "", base: settings.request(prompt: "").parameters ?? GenerateParameters()).parameters
    return [.scoreChat(id: state.promptScoreID, request: request, useCache: state.settings.useCache,
                       waitForModel: state.settings.waitForModel, backend: settings.backend)]
}

func receivePromptScore(_ state: inout AppState, _ response: GenerateResponse) {
    state.promptScoring = false
    state.notice = nil
    guard let score = PromptPerplexity(response: response) else {
        state.notice = "the server sent no prompt tokens (no decoder_input_details support?)"
        return
    }
    state.promptScore = score
    var tokens = Transcript(width: max(1, state.geometry.promptText.width))
    for (token, logprob) in zip(score.tokens, score.logprobs) {
        tokens.append(OutputToken(token: Token(id: token.id, text: token.text, logprob: logprob, special: false)))
    }
    state.promptTokens = tokens
    state.promptTokenCursor = nil
    openPromptView(&state)
}

func openPromptView(_ state: inout AppState) {
    state.promptView = true
    state.focus = .prompt
    state.promptTokens.relayout(width: max(1, state.geometry.promptText.width))
    if state.promptTokenCursor == nil, !state.promptTokens.isEmpty { state.promptTokenCursor = 0 }
}

func closePromptView(_ state: inout AppState) {
    state.promptView = false
    if state.popup?.onPrompt == true { closePopup(&state) }
}

func movePromptCursor(_ state: inout AppState, _ delta: Int) {
    let count = state.promptTokens.count
    guard count > 0 else { return }
    state.promptTokenCursor = min(count - 1, max(0, (state.promptTokenCursor ?? 0) + delta))
}

func promptViewKey(_ state: inout AppState, _ key: Key) -> [Effect] {
    switch key {
    case .escape, .character("q"): closePromptView(&state)
    case .left, .character("h"): movePromptCursor(&state, -1)
    case .right, .character("l"): movePromptCursor(&state, 1)
    case .home: movePromptCursor(&state, -state.promptTokens.count)
    case .end: movePromptCursor(&state, state.promptTokens.count)
    case .up, .down, .character("k"), .character("j"):
        let t = state.promptTokens
        guard let cursor = state.promptTokenCursor, cursor < t.tokenRow.count else { break }
        let row = Int(t.tokenRow[cursor]) + ((key == .up || key == .character("k")) ? -1 : 1)
        if row >= 0 && row < t.rows.count { state.promptTokenCursor = Int(t.rows[row].token) }
    case .enter:
        if state.promptTokenCursor != nil { state.open(.popup(Popup(onPrompt: true))) }
    case .character("?"):
        state.open(.help(over: nil))
    default:
        state.notice = "the prompt-token view is read-only: Esc or F6 returns to the editor"
    }
    return []
}

func promptPopupKey(_ state: inout AppState, _ key: Key) -> [Effect] {
    switch key {
    case .escape, .enter:
        closePopup(&state)
    case .left, .right: movePromptCursor(&state, key == .left ? -1 : 1)
    default: break
    }
    return []
}
