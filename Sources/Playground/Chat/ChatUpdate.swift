import GenerationCore

/// Chat mode: the prompt pane holds messages (`AppState.chat`), Ctrl-R sends them with the model's own chat
/// template (`chatStream`), and the reply streams into the output like any run, so the popup, branching,
/// continuing and the history work on it. Branching inside a reply continues that assistant message
/// (`continue_final_message`); a backend that cannot says why in the run's error.

/// F4, or the sidebar's `mode`: text prompt <-> chat messages. Both are kept, so switching back loses nothing.
func toggleMode(_ state: inout AppState, focusPrompt: Bool = true) {
    state.mode = state.mode == .text ? .chat : .text
    if state.promptView { closePromptView(&state) }
    state.close(.template)
    if focusPrompt { state.focus = .prompt }
    state.dirty = true
    state.notice = state.mode == .chat
        ? "chat mode: Alt-N adds a message, Alt-R changes its role, Alt-X removes it, F9 shows the template"
        : "text mode: the prompt is sent as it is (F4 returns to the chat)"
}

extension ChatDraft {
    /// The request the draft sends: its messages (an empty system message left out) and, when the last one is
    /// an assistant message, that reply continued (a prefilled answer).
    var request: ChatRequest {
        let messages = requestMessages
        return ChatRequest(messages: messages, continueFinalMessage: messages.last?.role == .assistant ? true : nil)
    }
}

/// The prompt pane's keys in chat mode: the editor's keys edit the selected message; Up on its first row and
/// Down on its last move to the message before / after; Alt-N adds, Alt-X removes, Alt-R changes the role.
func chatEditorKey(_ state: inout AppState, _ key: Key) -> [Effect] {
    switch key {
    case .alt("n"):
        state.chat.addMessage()
        state.notice = "new \(state.chat.selectedRole.rawValue) message: Alt-R changes its role"
    case .alt("x"):
        let role = state.chat.removeMessage()
        state.notice = "removed the \(role.rawValue) message"
    case .alt("r"):
        state.chat.cycleRole()
        state.notice = "message \(state.chat.selected + 1) is now a \(state.chat.selectedRole.rawValue) message"
    case .up, .ctrl("p"):
        guard onEdgeRow(state.chat.editor, top: true), state.chat.selected > 0 else {
            _ = editText(&state.chat.editor, key)
            return []
        }
        state.chat.select(state.chat.selected - 1)
        state.chat.editor.moveDocumentEnd()
        return []
    case .down, .ctrl("n"):
        guard onEdgeRow(state.chat.editor, top: false), state.chat.selected + 1 < state.chat.turns.count else {
            _ = editText(&state.chat.editor, key)
            return []
        }
        state.chat.select(state.chat.selected + 1)
        state.chat.editor.moveDocumentStart()
        return []
    default:
        if editText(&state.chat.editor, key) { state.dirty = true }
        return []
    }
    state.dirty = true
    return []
}

/// Whether the cursor is on the editor's first (`top`) or last visual row.
func onEdgeRow(_ e: TextEditor, top: Bool) -> Bool {
    let line = top ? 0 : e.lines.count - 1
    guard e.cursor.line == line else { return false }
    let starts = e.wrapStarts(of: line)
    let row = TextEditor.row(of: e.cursor.column, in: starts)
    return top ? row == 0 : row == starts.count - 1
}

/// Ctrl-R in chat mode: the conversation as a new root run (what was shown stays until its first token).
func startChatRun(_ state: inout AppState) -> [Effect] {
    let settings = state.runSettings
    guard let effects = launchChatIfValid(&state, state.chat.request, base: settings.request(prompt: ""),
                                          backend: settings.backend) else { return [] }
    state.run?.isRoot = true
    state.outputIsOlder = true
    return effects + [.save]
}

/// Launches `chat` with `base`'s parameters when the conversation's shape and the parameters pass validation;
/// otherwise shows the problem as the run's error and returns nil.
func launchChatIfValid(_ state: inout AppState, _ chat: ChatRequest, base: GenerateRequest,
                       backend: BackendIdentity?) -> [Effect]? {
    var probe = base
    probe.inputs = "x"  // parameters alone: a chat has no text inputs of its own
    if let problem = chat.problem ?? state.problem(with: probe, backend: backend) {
        state.error = problem
        state.phase = .failed
        return nil
    }
    return launch(&state, base, backend: backend, chat: chat)
}

/// The request that carries a chat reply on from the branch-tree node shown: the reply so far (what the
/// conversation's reply already had, then the node's accepted text) as a final assistant message to continue.
func chatContinuation(_ state: AppState, _ b: BranchState, base: GenerateRequest) -> ChatRequest? {
    guard let chat = state.runChat, let text = try? b.tree.acceptedText(for: b.node) else { return nil }
    return chat.continuing(with: text, parameters: base.parameters)
}

/// Alt-A (`a` in the output): the reply shown becomes an assistant message after the conversation it
/// answers, and an empty user turn is started for the follow-up.
func acceptReply(_ state: inout AppState) -> [Effect] {
    guard let chat = state.runChat, !state.transcript.isEmpty else {
        state.notice = "no chat reply to accept yet: Ctrl-R sends the chat"
        return []
    }
    guard !state.phase.isActive else {
        state.notice = "still generating: Esc stops the reply, then Alt-A accepts it"
        return []
    }
    var reply = state.transcript.tokens.filter { !$0.token.special }.map(\.token.text).joined()
    while reply.last?.isWhitespace == true { reply.removeLast() }
    var messages = chat.continuing(with: reply, parameters: nil).messages
    messages.append(ChatMessage(role: .user, content: ""))
    state.chat = ChatDraft(messages: messages)
    applyLayout(&state)
    state.mode = .chat
    state.focus = .prompt
    state.dirty = true
    state.notice = "reply accepted as an assistant message: write the next user turn, Ctrl-R sends it"
    return []
}

extension SessionRun {
    /// A chat run's conversation with the parameters it ran with (the seed pinned, as `rerunRequest` does).
    var rerunChat: ChatRequest? {
        guard var chat else { return nil }
        chat.parameters = rerunRequest.parameters
        return chat
    }
}
