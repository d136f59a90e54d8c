import Foundation
import Testing
import LocalEngine
@testable import GenerationCore

/// `tgplay compare` with one set per kind of backend in one run: the built-in engine (token ids), a TGI server
/// (ids), llama.cpp's llama-server (ids and bytes, replayed) and llama-cpp-python's server (text only, replayed).
/// Divergence must be found where the texts part even though one side has no ids.
@Suite struct MixedCompareTests {
    /// A TGI server whose greedy answer starts like the engine's and then says " France".
    static func tgi(_ request: TestHTTPServer.Request) -> [TestHTTPServer.Step] {
        switch request.path {
        case "/info": return Reply.body(#"{"model_id":"tgi/test"}"#)
        case "/generate":
            let tokens = [(506, " the"), (5279, " capital"), (529, " of"), (7001, " France")]
            let list = tokens.map { #"{"id":\#($0.0),"text":"\#($0.1)","logprob":-0.5,"special":false}"# }.joined(separator: ",")
            return Reply.body(#"{"generated_text":" the capital of France","details":{"finish_reason":"length","generated_tokens":4,"seed":1,"prefill":[],"tokens":[\#(list)]}}"#)
        default: return Reply.body(status: 404, "")
        }
    }

    @Test func oneRunAcrossEveryKindOfBackend() throws {
        let model = ModelLocation.resolve(environment: ProcessInfo.processInfo.environment)
        let tgi = try TestHTTPServer(handler: Self.tgi)
        defer { tgi.stop() }
        let python = try Replay.server(.llamaCppPython, answering: [try Fixtures.recording(.llamaCppPython, "completion_logprobs")])
        defer { python.stop() }
        let native = try Replay.server(.llamaServer, answering: [try Fixtures.recording(.llamaServer, "native_completion_probs")])
        defer { native.stop() }
        let input = #"{"inputs":"The capital of France is","parameters":{"max_new_tokens":8},"sets":[{"name":"A","endpoint":"local"},{"name":"B","endpoint":"\#(tgi.url)"},{"name":"C","endpoint":"\#(native.url)"},{"name":"D","endpoint":"\#(python.url)"}]}"#
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("tgplay-mixed-\(UUID()).json")
        try Data(input.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try BinaryRunner.run(["compare", "--input", file.path, "--model", model])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try JSONValue.parse(Data(result.stdout.utf8))
        let sets = try #require(object["sets"]?.arrayValue)
        #expect(sets.count == 4)
        func texts(_ i: Int) -> [String] {
            (sets[i]["response"]?["details"]?["tokens"]?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }
        }
        func ids(_ i: Int) -> [Int?] {
            (sets[i]["response"]?["details"]?["tokens"]?.arrayValue ?? []).map { $0["id"]?.intValue }
        }
        // The engine and llama-server say " the capital of the"; TGI and llama-cpp-python " the capital of France".
        #expect(Array(texts(0).prefix(4)) == [" the", " capital", " of", " the"], "\(texts(0))")
        #expect(Array(texts(2).prefix(4)) == [" the", " capital", " of", " the"], "\(texts(2))")
        #expect(Array(texts(3).prefix(4)) == [" the", " capital", " of", " France"], "\(texts(3))")
        #expect(ids(0).allSatisfy { $0 != nil } && ids(1).allSatisfy { $0 != nil } && ids(2).allSatisfy { $0 != nil })
        #expect(!ids(3).isEmpty && ids(3).allSatisfy { $0 == nil }, "llama-cpp-python gives no ids, and none is invented")
        #expect(sets.map { $0["backend"]?.stringValue } == ["local", tgi.url, native.url, python.url])
        #expect(object["first_divergent_index"] == .int(3))
        let choices = try #require(object["divergence"]?["sets"]?.arrayValue)
        #expect(choices.map { $0["token"]?["text"]?.stringValue } == [" the", " France", " the", " France"])
        // Each server got its own API: TGI /generate, llama-server's native /completion, /v1/completions.
        #expect(tgi.requests.contains { $0.path == "/generate" })
        #expect(native.requests.contains { $0.path == "/completion" })
        #expect(python.requests.contains { $0.path == "/v1/completions" })
    }
}
