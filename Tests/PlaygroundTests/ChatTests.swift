import Foundation
import GenerationCore
import Testing
@testable import Playground

/// Chat mode (issue 13): messages in the prompt pane, Ctrl-R through `chatStream`, accepting the reply,
/// the template view, branching inside a reply, sessions.
@Suite("Playground chat mode")
struct ChatTests {
    static func chats(_ effects: [Effect]) -> [(id: Int, request: ChatRequest, backend: BackendIdentity?)] {
        effects.compactMap { e in
            if case .startChat(let id, let r, _, _, let b) = e { return (id, r, b) } else { return nil }
        }
    }

    /// Chat mode with a system prompt and a user turn written.
    static func conversation(width: Int = 80, height: Int = 24) -> Harness {
        var h = Harness(width: width, height: height)
        h.keys(.function(4))
        h.keys(.up)  // the system message, above the selected user turn
        h.type("Answer briefly.")
        h.keys(.down)
        h.type("Name a colour.")
        return h
    }

    /// A reply streamed into the output: " Blue", "." then the end of the turn.
    static func reply(_ h: inout Harness) {
        h.keys(.ctrl("r"))
        let run = h.state.runID
        h.send(.runEvent(run: run, Harness.event(1, " Blue", -0.1), now: 1))
        h.send(.runEvent(run: run, Harness.event(2, ".", -0.3), now: 1.01))
        let end = Harness.token(3, "<end_of_turn>", -0.01, special: true)
        let details = StreamDetails(finishReason: .eosToken, generatedTokens: 3, seed: 7)
        h.send(.runEvent(run: run, .finished(StreamResponse(index: 3, token: end, topTokens: [end], generatedText: " Blue.",
                                                            details: details)), now: 1.02))
    }

    @Test func f4SwitchesToMessagesAndBackKeepingBoth() {
        var h = Harness()
        h.type("a text prompt")
        h.keys(.function(4))
        #expect(h.state.mode == .chat)
        #expect(h.state.chat.turns.map(\.role) == [.system, .user])
        #expect(h.state.chat.selected == 1)
        h.type("hello")
        h.keys(.function(4))
        #expect(h.state.mode == .text)
        #expect(h.state.editor.text == "a text prompt")
        #expect(h.state.chat.messages.last?.content == "hello")
        #expect(h.screen.contains("Prompt"))
        h.keys(.function(4))
        #expect(h.screen.contains("▶user"))
    }

    @Test func addRemoveRoleChangePasteAndUndoInAMessage() {
        var h = Self.conversation()
        #expect(h.state.chat.messages == [ChatMessage(role: .system, content: "Answer briefly."),
                                          ChatMessage(role: .user, content: "Name a colour.")])
        // After a user turn, Alt-N adds an assistant turn; after that, a user turn.
        h.keys(.alt("n"))
        #expect(h.state.chat.turns.map(\.role) == [.system, .user, .assistant])
        #expect(h.state.chat.selected == 2)
        h.send(.paste("Red.\nOr green."))
        #expect(h.state.chat.messages[2].content == "Red.\nOr green.")
        h.keys(.alt("n"))
        #expect(h.state.chat.turns.map(\.role) == [.system, .user, .assistant, .user])
        // Alt-R cycles the selected message's role.
        h.keys(.alt("r"))
        #expect(h.state.chat.selectedRole == .assistant)
        h.keys(.alt("r"), .alt("r"))
        #expect(h.state.chat.selectedRole == .user)
        // Alt-X removes it; the one before is selected.
        h.keys(.alt("x"))
        #expect(h.state.chat.turns.count == 3)
        #expect(h.state.chat.selected == 2)
        // Undo works inside a message: the paste goes away as one step, the other messages are untouched.
        h.keys(.ctrl("z"))
        #expect(h.state.chat.messages[2].content == "")
        h.keys(.ctrl("y"))
        #expect(h.state.chat.messages[2].content == "Red.\nOr green.")
        // Up walks rows first, then into the message before (cursor at its end).
        h.keys(.up)
        #expect(h.state.chat.selected == 2)
        h.keys(.up)
        #expect(h.state.chat.selected == 1)
        h.type("!")
        #expect(h.state.chat.messages[1].content == "Name a colour.!")
        // The last message left is cleared, never removed.
        var one = Harness()
        one.keys(.function(4), .alt("x"), .alt("x"))
        #expect(one.state.chat.turns.count == 1)
        #expect(one.state.chat.editor.isEmpty)
    }

    @Test func ctrlREmitsTheChatEffectWithTheMessagesAndParameters() throws {
        var h = Self.conversation()
        h.state.settings.parameters.temperature = 0.5
        h.keys(.ctrl("r"))
        let chats = Self.chats(h.effects)
        #expect(chats.count == 1)
        let request = try #require(chats.first?.request)
        #expect(request.messages == [ChatMessage(role: .system, content: "Answer briefly."),
                                     ChatMessage(role: .user, content: "Name a colour.")])
        #expect(request.continueFinalMessage == nil)
        #expect(request.parameters?.temperature == 0.5)
        #expect(request.parameters?.topNTokens == 5)
        #expect(!h.effects.contains { if case .startRun = $0 { return true } else { return false } })
        // An empty system message is not sent.
        var bare = Harness()
        bare.keys(.function(4))
        bare.type("Hi")
        bare.keys(.ctrl("r"))
        #expect(Self.chats(bare.effects).first?.request.messages == [ChatMessage(role: .user, content: "Hi")])
        // A conversation the templates refuse is refused before sending, with the reason.
        var bad = Harness()
        bad.keys(.function(4), .alt("r"))  // the user turn becomes an assistant turn first
        bad.type("x")
        bad.keys(.ctrl("r"))
        #expect(Self.chats(bad.effects).isEmpty)
        #expect(bad.state.error?.message.contains("alternate") == true)
    }

    /// F6 in chat mode scores the conversation's prompt through the backend's `scoreChat` (the chat route's own
    /// tokens), shows its tokens, and its perplexity stays in the status bar only while the messages are the same.
    @Test func f6ScoresTheConversationAndItsPerplexityFollowsTheMessages() throws {
        var h = Self.conversation()
        h.effects = []
        h.keys(.function(6))
        guard case .scoreChat(let id, let request, _, _, _)? = h.effects.last else {
            Issue.record("no scoreChat effect: \(h.effects)")
            return
        }
        #expect(request.messages == [ChatMessage(role: .system, content: "Answer briefly."),
                                     ChatMessage(role: .user, content: "Name a colour.")])
        #expect(request.parameters?.decoderInputDetails == true && request.parameters?.maxNewTokens == 1)
        #expect(!h.effects.contains { if case .scorePrompt = $0 { return true } else { return false } })
        h.send(.promptScored(id: id, PromptPerplexityViewTests.answer(["<start_of_turn>", "user", "\n"], logprobs: [nil, -0.5, -1.5])))
        #expect(h.state.promptView)
        let ppl = try #require(h.state.promptScore?.perplexity)
        #expect(h.screen.contains(String(format: "prompt ppl %.2f", ppl)))
        // Back to the messages: F6 reopens the same score without asking again.
        h.keys(.escape)
        h.effects = []
        h.keys(.function(6))
        #expect(h.state.promptView && h.effects.isEmpty)
        // A changed message makes the score stale: no perplexity shown, and F6 asks again.
        h.keys(.escape)
        h.type("!")
        #expect(!h.state.promptScoreIsCurrent)
        #expect(!h.screen.contains("prompt ppl"))
        h.keys(.function(6))
        #expect(h.effects.contains { if case .scoreChat = $0 { return true } else { return false } })
        // A text prompt's score is not the conversation's, and the other way round.
        h.send(.promptScored(id: h.state.promptScoreID, PromptPerplexityViewTests.answer(["a", "b"], logprobs: [nil, -1])))
        h.keys(.escape, .function(4))
        #expect(!h.state.promptScoreIsCurrent)
    }

    @Test func theReplyStreamsLikeATextRunAndIsRecordedAsAChat() throws {
        var h = Self.conversation()
        Self.reply(&h)
        #expect(h.state.phase == .finished)
        #expect(h.state.transcript.tokens.map(\.token.text) == [" Blue", ".", "<end_of_turn>"])
        #expect(h.state.run?.finishReason?.rawValue == "eos_token")
        let run = try #require(h.state.history.last)
        #expect(run.chat?.messages.count == 2)
        #expect(run.chat?.parameters == nil)
        #expect(run.request.inputs == "")
        #expect(run.request.parameters?.topNTokens == 5)
        #expect(historyLine(run, marked: false, now: run.startedAt).contains("chat 2 msg · user: Name a colour."))
        // The popup works on the reply.
        h.keys(.tab, .tab, .home, .enter)
        #expect(h.state.popup != nil)
        #expect(h.screen.contains("Blue?"))
    }

    @Test func acceptingTheReplyAddsItAndStartsANewUserTurn() {
        var h = Self.conversation()
        Self.reply(&h)
        h.keys(.tab, .tab)  // the output has the keys: `a` accepts there
        h.keys(.character("a"))
        #expect(h.state.chat.messages == [ChatMessage(role: .system, content: "Answer briefly."),
                                          ChatMessage(role: .user, content: "Name a colour."),
                                          ChatMessage(role: .assistant, content: " Blue."),
                                          ChatMessage(role: .user, content: "")])
        #expect(h.state.chat.selected == 3)
        #expect(h.state.focus == .prompt)
        h.type("Another?")
        h.effects = []
        h.keys(.ctrl("r"))
        #expect(Self.chats(h.effects).first?.request.messages.count == 4)
        // Nothing to accept before a chat reply.
        var text = Harness()
        text.keys(.function(4), .alt("a"))
        #expect(text.state.notice?.contains("no chat reply") == true)
    }

    @Test func branchingInAReplyContinuesTheSameAssistantMessage() throws {
        var h = Self.conversation()
        Self.reply(&h)
        h.effects = []
        // Second token ("."), its second alternative (".?"): the reply so far plus that token, continued.
        h.keys(.tab, .tab, .home, .right, .enter, .down, .down, .enter)
        let chat = try #require(Self.chats(h.effects).last?.request)
        #expect(chat.continueFinalMessage == true)
        #expect(chat.messages.dropLast() == [ChatMessage(role: .system, content: "Answer briefly."),
                                             ChatMessage(role: .user, content: "Name a colour.")])
        #expect(chat.messages.last == ChatMessage(role: .assistant, content: " Blue.?"))
        #expect(chat.parameters?.topNTokens == 5)
        #expect(h.state.history.last?.chat != nil)
        // A backend that cannot continue a reply says why: the error is shown, no new turn starts.
        let refusal = GenerationError(errorType: GenerationError.ErrorType.validation,
                                      message: "example.com cannot continue a reply")
        h.send(.runFailed(run: h.state.runID, refusal, now: 2))
        #expect(h.state.phase == .failed)
        #expect(h.state.chat.turns.count == 2)
        #expect(h.screen.contains("example.com cannot continue a reply"))
        // `c` on a chat reply continues it the same way.
        var c = Self.conversation()
        Self.reply(&c)
        c.effects = []
        c.keys(.tab, .tab, .character("c"))
        #expect(Self.chats(c.effects).last?.request.messages.last == ChatMessage(role: .assistant, content: " Blue."))
    }

    /// F7 in chat mode: every set answers the same conversation with its own parameters and backend, one seed,
    /// the replies side by side with the divergence marked, each column kept in the history as a chat run.
    @Test func f7ComparesTheConversationAcrossTheSets() throws {
        var h = Self.conversation(width: 120, height: 30)
        h.state.settings.parameters.maxNewTokens = 24
        h.state.defaultBackend = BackendIdentity("http://127.0.0.1:8080")
        h.state.backendChoices = [.local, BackendIdentity("http://127.0.0.1:9/")]
        h.state.sets[0].parameters.temperature = 0.3
        h.state.sets[1].parameters.temperature = 1.5
        h.state.sets[1].backend = .local
        h.effects = []
        h.keys(.function(7))
        #expect(h.state.notice?.contains("text prompts") != true)
        #expect(CompareModeTests.starts(h.effects).isEmpty)  // no text runs
        let chats = Self.chats(h.effects)
        #expect(chats.count == 2)  // C and D change nothing
        let (a, b) = (try #require(chats.first), try #require(chats.last))
        let messages = [ChatMessage(role: .system, content: "Answer briefly."),
                        ChatMessage(role: .user, content: "Name a colour.")]
        #expect(a.request.messages == messages && b.request.messages == messages)
        #expect(a.request.parameters?.temperature == 0.3)
        #expect(b.request.parameters?.temperature == 1.5)
        #expect(a.request.parameters?.maxNewTokens == 24 && b.request.parameters?.maxNewTokens == 24)
        #expect(a.request.parameters?.seed != nil && a.request.parameters?.seed == b.request.parameters?.seed)
        #expect(a.request.parameters?.details == true && a.request.parameters?.topNTokens != nil)
        #expect(a.backend == nil && b.backend == .local)
        let c = try #require(h.state.compare)
        #expect(c.columns.map(\.run) == [a.id, b.id])
        #expect(c.differences.map(\.field).contains("temperature"))
        // The replies stream into their columns and diverge at the second token.
        CompareModeTests.feed(&h, run: a.id, [1, 2, 3])
        CompareModeTests.feed(&h, run: b.id, [1, 5, 3])
        #expect(h.state.compare?.divergence == 1)
        #expect(h.state.compare?.columns.allSatisfy(\.done) == true)
        #expect(h.state.compare?.columns[0].statistics.tokens == 3)
        let screen = h.screen
        #expect(screen.contains("diverge at token 2"))
        #expect(screen.contains("w1 w2 w3"))
        #expect(screen.contains("w1 w5 w3"))
        // Each column is a chat run in the history: the conversation, its parameters, empty inputs.
        #expect(h.state.history.map(\.setName) == ["A", "B"])
        for run in h.state.history {
            #expect(run.chat?.messages == messages)
            #expect(run.chat?.parameters == nil)
            #expect(run.request.inputs == "")
            #expect(historyLine(run, marked: false, now: run.startedAt).contains("chat 2 msg"))
        }
        #expect(h.state.history[0].request.parameters?.temperature == 0.3)
        #expect(h.state.history.map(\.backend) == [BackendIdentity("http://127.0.0.1:8080"), .local])
        #expect(h.state.history[1].tokens.map(\.id) == [1, 5, 3])
        // A conversation the templates refuse is refused before anything is sent.
        var bad = Harness()
        bad.keys(.function(4), .alt("r"))
        bad.type("x")
        bad.keys(.function(7))
        #expect(Self.chats(bad.effects).isEmpty)
        #expect(bad.state.compare == nil)
        #expect(bad.state.error?.message.contains("alternate") == true)
    }

    /// Branching a chat column from the distributions continues that set's reply as an assistant message.
    @Test func branchingAChatColumnContinuesItsReply() throws {
        var h = Self.conversation()
        h.state.sets[1].parameters.topK = 7
        h.keys(.function(7))
        let c = try #require(h.state.compare)
        CompareModeTests.feed(&h, run: c.columns[0].run, [1, 2, 3])
        CompareModeTests.feed(&h, run: c.columns[1].run, [1, 5, 3])
        h.state.focus = .output
        h.keys(.enter, .tab, .down, .down)
        h.effects = []
        h.keys(.enter)
        #expect(h.state.compare == nil)
        let chat = try #require(Self.chats(h.effects).last?.request)
        #expect(chat.continueFinalMessage == true)
        #expect(chat.messages.last == ChatMessage(role: .assistant, content: "w1 v5 "))
        #expect(chat.parameters?.topK == 7)
        #expect(chat.parameters?.seed == c.seed)
    }

    @Test func f9ShowsTheTemplatedTextWithSpecialTokensMarked() throws {
        var h = Self.conversation()
        h.keys(.function(9))
        guard case .fetchTemplate(let id, let request, _, _, _)? = h.effects.last else {
            Issue.record("no template request")
            return
        }
        #expect(request.messages.count == 2)
        let text = "<bos><start_of_turn>user\nAnswer briefly.\n\nName a colour.<end_of_turn>\n<start_of_turn>model\n"
        let source = "built-in: Gemma 3's documented turn format (a base model follows chats loosely)"
        h.send(.templateReady(id: id, TemplatedChat(templatedText: text, source: source)))
        #expect(h.state.isOpen(.template))
        let screen = h.screen
        #expect(screen.contains("Chat template"))
        #expect(screen.contains("source: built-in: Gemma 3's documented turn"))
        #expect(screen.contains("<start_of_turn>user↵"))
        // The special tokens are drawn in the special style, the text as plain text.
        let y = try #require((0..<screen.height).first { screen.rowText($0).contains("<bos><start_of_turn>") })
        let x = try #require(screen.rowText(y).range(of: "<bos>").map { screen.rowText(y).distance(from: screen.rowText(y).startIndex, to: $0.lowerBound) })
        #expect(screen[x, y].role == .special)
        #expect(screen[x + 5, y].role == .special)
        #expect(screen[x + "<bos><start_of_turn>".count, y].role == .editorText)
        Snapshot.check(screen, named: "chat-template-80x24")
        // Read-only; Esc closes it. An answer to an older request is ignored.
        h.type("z")
        #expect(h.state.chat.messages[1].content == "Name a colour.")
        h.keys(.escape)
        #expect(!h.state.isOpen(.template))
        h.send(.templateReady(id: id - 1, TemplatedChat(templatedText: "old", source: "old")))
        #expect(!h.state.isOpen(.template))
        h.send(.templateFailed(id: id, GenerationError(errorType: GenerationError.ErrorType.unsupported, message: "no template route")))
        #expect(h.state.notice == "cannot show the template: no template route")
    }

    @Test func templatePiecesSplitAtSpecialTokens() {
        let pieces = TemplateView.pieces(of: "<|im_start|>user\nHi<|im_end|>\n[INST] x [/INST]")
        #expect(pieces.map(\.text) == ["<|im_start|>", "user\n", "Hi", "<|im_end|>", "\n", "[INST]", " x ", "[/INST]"])
        #expect(pieces.map(\.special) == [true, false, false, true, false, true, false, true])
    }

    @Test func sidebarModeFieldTogglesTheMode() {
        var h = Harness()
        h.keys(.tab, .end, .up)
        #expect(h.state.sidebar.selected == .mode)
        h.keys(.right)
        #expect(h.state.mode == .chat)
        #expect(h.state.focus == .sidebar)
        #expect(h.screen.contains("mode"))
        h.keys(.character("d"))
        #expect(h.state.mode == .text)
    }

    @Test func sessionsKeepTheMessagesTheModeAndChatRuns() throws {
        var h = Self.conversation(width: 100, height: 30)
        Self.reply(&h)
        let document = h.state.sessionDocument()
        let decoded = try SessionFile.decode(try SessionFile.encode(document), path: "memory")
        #expect(decoded == document)
        #expect(decoded.playground?.mode == "chat")
        var restored = Harness(width: 100, height: 30)
        restored.state.restore(decoded)
        #expect(restored.state.mode == .chat)
        #expect(restored.state.chat.messages == h.state.chat.messages)
        #expect(restored.state.history.last?.chat == h.state.history.last?.chat)
        // The restored reply is still a chat reply: accepting and branching work on it.
        restored.keys(.alt("a"))
        #expect(restored.state.chat.messages.count == 4)
        // A file from before chat mode opens in text mode with a fresh chat.
        var old = decoded
        old.playground?.mode = nil
        old.playground?.messages = nil
        for i in old.runs.indices { old.runs[i].chat = nil }
        var legacy = Harness()
        legacy.state.restore(old)
        #expect(legacy.state.mode == .text)
        #expect(legacy.state.chat.turns.map(\.role) == [.system, .user])
        // History `p` loads a chat run's messages and switches to chat mode.
        var text = Harness()
        text.state.history = decoded.runs
        text.keys(.function(3), .character("p"))
        #expect(text.state.mode == .chat)
        #expect(text.state.chat.messages.dropFirst().first == ChatMessage(role: .user, content: "Name a colour."))
    }

    @Test func snapshots() {
        var small = Self.conversation()
        Self.reply(&small)
        Snapshot.check(small.screen, named: "chat-80x24")
        var large = Self.conversation(width: 120, height: 40)
        Self.reply(&large)
        large.keys(.alt("a"))
        large.type("And another one?")
        Snapshot.check(large.screen, named: "chat-120x40")
    }
}
