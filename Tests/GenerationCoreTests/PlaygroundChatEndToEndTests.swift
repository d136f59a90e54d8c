import Foundation
import Testing
import GenerationCore

/// Chat mode in the real `tgplay` on the built-in engine (issue 13): write a system and a user message, look at
/// the template, run, open a token's popup and branch inside the reply, accept it, ask a follow-up, and find
/// the conversation in the saved session. Uses the tmux driver of `PlaygroundEndToEndTests`.
@Suite("Playground chat end to end (tmux)", .serialized)
struct PlaygroundChatEndToEndTests {
    typealias Tmux = PlaygroundEndToEndTests.Tmux

    @Test(.enabled(if: PlaygroundEndToEndTests.tmuxAvailable, "tmux is installed by scripts/setup.sh"),
          .enabled(if: FileManager.default.fileExists(atPath: PlaygroundEndToEndTests.modelPath), "the built-in model"))
    func chatWithTheBuiltInEngine() throws {
        let tmux = Tmux()
        defer { tmux.stop() }
        try tmux.launchBuiltInEngine()
        // Short replies: max_new_tokens 12 (the first sidebar field).
        tmux.keys("Tab", "Enter")
        tmux.literal("12")
        tmux.keys("Enter", "BTab")
        tmux.keys("F4")
        #expect(tmux.waitFor("chat mode") { $0.contains("─ Chat ─") && $0.contains("▶user") }, "\(tmux.capture())")
        tmux.keys("Up")
        tmux.literal("You are terse.")
        tmux.keys("Down")
        tmux.literal("Name a colour.")
        #expect(tmux.waitFor("messages") { $0.contains(" system    You are terse.") && $0.contains("▶user      Name a colour.") },
                "\(tmux.capture())")

        // The exact templated text, with which template made it.
        tmux.keys("F9")
        #expect(tmux.waitFor("template") { $0.contains("<start_of_turn>user↵") && $0.contains("<start_of_turn>model↵") },
                "\(tmux.capture())")
        #expect(tmux.capture().contains("follows chats loosely"))
        tmux.keys("Escape")

        // The reply streams into the output like a text run.
        tmux.keys("C-r")
        #expect(tmux.waitFor("reply", timeout: 60) { $0.contains(" done ") && $0.contains("12 tokens") }, "\(tmux.capture())")

        // A token's popup, and a branch inside the reply: the built-in engine continues the same message.
        tmux.keys("Tab", "Tab", "Home", "Right", "Enter")
        #expect(tmux.waitFor("popup") { $0.contains("─ Token 2 ─") }, "\(tmux.capture())")
        tmux.keys("Down", "Down", "Enter")
        #expect(tmux.waitFor("branch", timeout: 60) { $0.contains("branched at token 2") || ($0.contains(" done ") && !$0.contains("─ Token 2 ─")) },
                "\(tmux.capture())")
        #expect(tmux.waitFor("branch done", timeout: 60) { $0.contains(" done ") }, "\(tmux.capture())")

        // Accept the reply and ask a follow-up.
        tmux.keys("a")
        #expect(tmux.waitFor("accepted") { $0.contains(" assistant ") && $0.contains("msg 4/4") }, "\(tmux.capture())")
        tmux.literal("And another?")
        tmux.keys("C-r")
        #expect(tmux.waitFor("follow-up", timeout: 60) { $0.contains(" done ") && $0.contains("▶user      And another?") },
                "\(tmux.capture())")
        tmux.keys("F3")
        #expect(tmux.waitFor("history") { $0.contains("chat 4 msg · user: And another?") && $0.contains("branch of") },
                "\(tmux.capture())")
        tmux.keys("Escape", "C-q")
        #expect(tmux.waitFor("exit") { $0.contains("TGPLAY-EXIT=0") }, "\(tmux.capture())")

        // The session keeps the messages, the mode and each run's conversation.
        let file = tmux.home.appendingPathComponent("state/tgplay/session.json")
        let session = try SessionFile.load(from: file.path)
        // The playground's part is an object the core keeps without reading it (`Session.frontEnd`).
        #expect(session.frontEnd?["mode"]?.stringValue == "chat")
        #expect(session.frontEnd?["messages"]?.arrayValue?.count == 4)
        #expect(session.runs.filter { $0.chat != nil }.count == 3)
        #expect(session.runs.contains { $0.chat?.continueFinalMessage == true })
    }
}
