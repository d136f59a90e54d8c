import GenerationCore

/// What the prompt pane holds: one text prompt, or (chat mode) a list of messages sent with the model's own
/// chat template.
public enum PromptMode: String, Sendable, CaseIterable {
    case text, chat
}

/// One message being written: its role and a `TextEditor` of its own, so each message keeps its undo history
/// and cursor while another one is selected (the prompt's editing keys work unchanged in every message).
public struct ChatTurn: Sendable {
    public var role: ChatMessage.Role
    public var editor: TextEditor

    public init(_ role: ChatMessage.Role, _ text: String = "") {
        self.role = role
        self.editor = TextEditor(text: text)
    }
}

/// The conversation in the prompt pane (chat mode): a system message first, then user and assistant turns,
/// one of them selected (the one the keys edit). Never empty.
public struct ChatDraft: Sendable {
    public private(set) var turns: [ChatTurn]
    public private(set) var selected: Int

    /// A system message and an empty user turn, the user turn selected: the usual start of a chat.
    public init() {
        turns = [ChatTurn(.system), ChatTurn(.user)]
        selected = 1
    }

    /// The draft of `messages` (an empty system message first when they start without one, so the system
    /// slot is always there to write in), the last message selected.
    public init(messages: [ChatMessage]) {
        turns = messages.map { ChatTurn($0.role, $0.content) }
        if turns.first?.role != .system { turns.insert(ChatTurn(.system), at: 0) }
        selected = turns.count - 1
    }

    /// The messages as written.
    public var messages: [ChatMessage] {
        turns.map { ChatMessage(role: $0.role, content: $0.editor.text) }
    }

    /// The messages a run sends: an empty system message is left out (the templates would still render its
    /// markers or a blank line before the first user turn, which is not what an unwritten system prompt means).
    public var requestMessages: [ChatMessage] {
        messages.enumerated().filter { $0.offset > 0 || $0.element.role != .system || !$0.element.content.isEmpty }
            .map(\.element)
    }

    /// The selected message's editor.
    public var editor: TextEditor {
        get { turns[selected].editor }
        set { turns[selected].editor = newValue }
    }

    public var selectedRole: ChatMessage.Role { turns[selected].role }

    /// Selects message `index` (clamped to the list).
    public mutating func select(_ index: Int) {
        selected = min(turns.count - 1, max(0, index))
    }

    /// Adds an empty message after the selected one and selects it. Its role carries the conversation on:
    /// after a user turn an assistant one, else a user turn.
    public mutating func addMessage() {
        let role: ChatMessage.Role = turns[selected].role == .user ? .assistant : .user
        var turn = ChatTurn(role)
        turn.editor.wrapWidth = editor.wrapWidth
        turn.editor.pageHeight = editor.pageHeight
        turns.insert(turn, at: selected + 1)
        selected += 1
    }

    /// Removes the selected message and selects the one before it; the last message left is cleared instead
    /// (the draft is never empty). Returns the role removed.
    @discardableResult
    public mutating func removeMessage() -> ChatMessage.Role {
        let role = turns[selected].role
        guard turns.count > 1 else {
            turns[0].editor.setText("")
            return role
        }
        turns.remove(at: selected)
        selected = max(0, selected - 1)
        return role
    }

    /// The selected message's next role: system -> user -> assistant -> system.
    public mutating func cycleRole() {
        let all = ChatMessage.Role.allCases
        let i = all.firstIndex(of: turns[selected].role) ?? 0
        turns[selected].role = all[(i + 1) % all.count]
    }

    /// Sets every message's wrap width and page height (the pane's geometry, less the role labels).
    public mutating func setGeometry(wrapWidth: Int, pageHeight: Int) {
        for i in turns.indices {
            turns[i].editor.wrapWidth = wrapWidth
            turns[i].editor.pageHeight = pageHeight
        }
    }
}

extension ChatRequest {
    /// This conversation with its reply continued by `text`: a final assistant message holding what the reply
    /// already had (the continued message, when this request continued one) plus `text`, to be continued
    /// (`continue_final_message`). A branch inside a chat reply is sent this way.
    func continuing(with text: String, parameters: GenerateParameters?) -> ChatRequest {
        var messages = self.messages
        var reply = ""
        if continuesReply, let last = messages.popLast() { reply = last.content }
        messages.append(ChatMessage(role: .assistant, content: reply + text))
        return ChatRequest(messages: messages, parameters: parameters, continueFinalMessage: true)
    }

    /// The conversation as the history keeps it: messages and `continue_final_message`, the parameters being
    /// the run's request's.
    var withoutParameters: ChatRequest {
        ChatRequest(messages: messages, continueFinalMessage: continueFinalMessage)
    }

    /// One line for the history and notices: how many messages, and the last one's start.
    var summary: String {
        let last = messages.last.map { "\($0.role.rawValue): " + $0.content.replacingOccurrences(of: "\n", with: "↵") } ?? ""
        return "\(messages.count) msg · " + String(last.prefix(60))
    }
}
