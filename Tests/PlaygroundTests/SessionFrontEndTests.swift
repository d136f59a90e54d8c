import Foundation
import GenerationCore
import Testing
@testable import Playground

/// The core keeps the playground's part of a session as an opaque JSON object; files written when the core still
/// had the playground's types open with the same content and are written back byte for byte but for the version
/// and the loom version 3 adds (its run becomes the loom's one tree).
@Suite("Session front-end state")
struct SessionFrontEndTests {
    /// A version-2 file written by the build before the change (a chat draft, a base backend, `x-use-cache` off).
    static let before = #"""
{"format":"tgplay-session","version":2,"created_at":"2025-11-24T16:00:00.000Z","updated_at":"2025-11-24T16:00:00.000Z","prompt":"a prompt","parameters":{"details":true,"top_n_tokens":5},"sets":[{"name":"A","parameters":{}},{"name":"B","parameters":{}},{"name":"C","parameters":{}},{"name":"D","parameters":{}}],"backend":"local","runs":[{"id":1,"set":null,"backend":"local","request":{"inputs":"a prompt","parameters":{"details":true,"top_n_tokens":5}},"response":{"generated_text":"one two","details":{"finish_reason":"length","generated_tokens":2,"seed":42,"prefill":[],"tokens":[{"id":1,"text":"one","logprob":-0.030459207484708574,"special":false},{"id":2,"text":" two","logprob":-0.15082288973458366,"special":false}],"top_tokens":[[{"id":1,"text":"one","logprob":-0.030459207484708574,"special":false},{"id":901,"text":"one?","logprob":-1.2304592074847085,"special":false},{"id":951,"text":"alt","logprob":-2.5304592074847085,"special":false}],[{"id":2,"text":" two","logprob":-0.15082288973458366,"special":false},{"id":902,"text":" two?","logprob":-1.3508228897345835,"special":false},{"id":952,"text":"alt","logprob":-2.6508228897345836,"special":false}]]}},"error":null,"stats":{"ttft_s":1.0,"tokens_per_second":99.99999999999991,"duration_s":1.01,"tokens":2,"finish_reason":"length","mean_logprob":-0.09064104860964611,"perplexity":1.0948759274783448},"started_at":"2025-11-24T16:00:00.000Z"}],"tree":null,"playground":{"use_cache":false,"wait_for_model":false,"backend":"http://127.0.0.1:9/x","mode":"chat","messages":[{"role":"system","content":""},{"role":"user","content":"be brief"}]}}
"""#

    @Test func aFileFromBeforeOpensTheSameAndIsWrittenBackUnchanged() throws {
        let data = Data(Self.before.utf8)
        let session = try SessionFile.decode(data, path: "before.json")
        let playground = try #require(session.playground)
        #expect(playground.mode == "chat")
        #expect(playground.useCache == false)
        #expect(playground.backend == BackendIdentity("http://127.0.0.1:9/x"))
        #expect(playground.messages?.map(\.content) == ["", "be brief"])
        #expect(session.loom.entries.map(\.rootRun) == [1])
        let loom = #"{"entries":[{"id":1,"run":1}]}"#  // the tree is the run's output: written as the run
        let written = Self.before.replacingOccurrences(of: #""version":2"#, with: #""version":3"#)
            .replacingOccurrences(of: #""tree":null,"#, with: #""tree":null,"loom":"# + loom + ",")
        #expect(try SessionFile.encode(session) == Data(written.utf8) + Data([0x0A]))

        var h = Harness()
        h.state.restore(session)
        #expect(h.state.mode == .chat)
        #expect(h.state.settings.useCache == false)
        #expect(h.state.settings.backend == BackendIdentity("http://127.0.0.1:9/x"))
        #expect(h.state.editor.text == "a prompt")
        #expect(h.state.transcript.tokens.map(\.token.text) == ["one", " two"])
        #expect(h.state.chat.messages.map(\.content) == ["", "be brief"])
    }

    @Test func theCoreKeepsAnotherFrontEndsStateAsItIs() throws {
        var session = Session(prompt: "p")
        session.frontEnd = try JSONValue.parse(Data(#"{"editor":"other","cursor":[1,2],"use_cache":"not a bool"}"#.utf8))
        let again = try SessionFile.decode(try SessionFile.encode(session), path: "again.json")
        #expect(again.frontEnd == session.frontEnd)
        // Not the playground's shape: the runs and prompt open, the playground's part reads as none.
        #expect(again.playground == nil)
        var h = Harness()
        h.state.restore(again)
        #expect(h.state.editor.text == "p")
        #expect(h.state.mode == .text)
    }
}
