import GenerationCore

/// A click in the prompt pane focuses it; in chat mode it selects the message drawn on that row.
func promptClick(_ state: inout AppState, _ layout: Layout, y: Int) {
    state.focus = .prompt
    if state.mode == .chat, !state.promptView, let i = layout.chatMessage(state.chat, atRow: y) {
        state.chat.select(i)
    }
}
