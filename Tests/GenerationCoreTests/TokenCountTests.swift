import Foundation
import Testing
@testable import GenerationCore

/// The context meter's counts: each server's own counting route, over a real socket, with answers recorded from
/// llama-server or copied from the servers' documentation and tests (Fixtures/openai/documented/README.md).
@Suite struct TokenCountTests {
    static func documented(_ name: String) throws -> String {
        let url = Fixtures.directory.appendingPathComponent("openai/documented/\(name).json")
        return try String(contentsOf: url, encoding: .utf8)
    }

    /// A server answering `/v1/models` with one model and `path` with `body`; anything else is a 404.
    static func server(answering path: String, with body: String) throws -> TestHTTPServer {
        try TestHTTPServer { request in
            switch request.path {
            case "/v1/models": return Reply.body(#"{"object":"list","data":[{"id":"served-model","object":"model"}]}"#)
            case path: return Reply.body(body)
            default: return Reply.body(status: 404, #"{"detail":"Not Found"}"#)
            }
        }
    }

    @Test(arguments: [(OpenAIServer.vllm, "vllm_tokenize", 8192), (.sglang, "sglang_tokenize", 32768)])
    func vLLMAndSGLangCountWithTheirContextLength(server kind: OpenAIServer, fixture: String, window: Int) async throws {
        let server = try Self.server(answering: "/tokenize", with: try Self.documented(fixture))
        defer { server.stop() }
        let backend = OpenAIBackend(configuration: try Replay.configuration(server.url + "/v1"), server: kind)
        let count = try await backend.countTokens("SGLang provides efficient tokenization endpoints.")
        #expect(count == TokenCount(count: 9, limit: window, limitKind: .context, source: "\(kind) /tokenize"))
        let sent = try #require(server.requests.last { $0.path == "/tokenize" }?.bodyJSON)
        #expect(sent["prompt"] as? String == "SGLang provides efficient tokenization endpoints.")
        #expect(sent["model"] as? String == "served-model")
        #expect(sent["add_special_tokens"] as? Bool == true)
    }

    @Test func llamaCppPythonCountsOnItsExtrasRoute() async throws {
        let server = try Self.server(answering: "/extras/tokenize/count",
                                     with: try Self.documented("llama_cpp_python_tokenize_count"))
        defer { server.stop() }
        let backend = OpenAIBackend(configuration: try Replay.configuration(server.url), server: .llamaCppPython)
        let count = try await backend.countTokens("How many tokens in this query?")
        #expect(count.count == 5)
        #expect(count.limit == nil)
        #expect(server.requests.last?.bodyJSON?["input"] as? String == "How many tokens in this query?")
    }

    /// llama-server's recorded `/tokenize` and `/props`: the count asks for the BOS token the completion adds,
    /// and the limit is the context size from `/props`, asked once however often the meter counts.
    @Test func llamaServerCountsWithBOSAgainstItsContextSize() async throws {
        let tokenize = try Fixtures.recording(.llamaServer, "tokenize")
        let server = try Replay.server(.llamaServer, answering: [tokenize])
        defer { server.stop() }
        let props = try #require(try JSONValue.parse(Data(try Fixtures.recording(.llamaServer, "props").response.body.utf8)))
        let window = try #require(props["default_generation_settings"]?["n_ctx"]?.intValue)
        for backend in [LlamaCppBackend(configuration: try Replay.configuration(server.url)) as any TextGenerationBackend,
                        OpenAIBackend(configuration: try Replay.configuration(server.url + "/v1"), server: .llamaServer)] {
            for _ in 0..<2 {
                let count = try await backend.countTokens("The capital of France is")
                #expect(count == TokenCount(count: 5, limit: window, limitKind: .context, source: "llama-server /tokenize"))
            }
        }
        let counts = server.requests.filter { $0.path == "/tokenize" }
        #expect(counts.count == 4)
        #expect(counts.allSatisfy { $0.bodyJSON?["add_special"] as? Bool == true })
        #expect(server.requests.filter { $0.path == "/props" }.count == 2)
    }

    @Test func tgiCountsAgainstMaxInputTokensFromInfo() async throws {
        let server = try TestHTTPServer { request in
            switch request.path {
            case "/info": return Reply.body(#"{"model_id":"m","max_best_of":2,"max_input_tokens":4095,"max_total_tokens":4096}"#)
            case "/tokenize": return Reply.body(#"[{"id":2,"text":"<bos>","start":0,"stop":0},{"id":9259,"text":"Hi","start":0,"stop":2}]"#)
            default: return Reply.body(status: 404, #"{"error":"not found"}"#)
            }
        }
        defer { server.stop() }
        let tgi = TGIBackend(configuration: try Replay.configuration(server.url))
        #expect(try await tgi.countTokens("Hi") == TokenCount(count: 2, limit: 4095, limitKind: .input, source: "TGI /tokenize"))
        #expect(try await tgi.countTokens("Hi").excess == 0)
        #expect(server.requests.filter { $0.path == "/info" }.count == 1)
        // TGI's own /v1 counts on TGI's root routes.
        let v1 = OpenAIBackend(configuration: try Replay.configuration(server.url + "/v1"), server: .tgi)
        #expect(try await v1.countTokens("Hi").limit == 4095)
    }

    @Test func serversWithoutACountingRouteSaySo() async throws {
        for kind in [OpenAIServer.ollama, .generic] {
            let backend = OpenAIBackend(configuration: try Replay.configuration("http://127.0.0.1:9"), server: kind)
            let error = await #expect(throws: GenerationError.self) { _ = try await backend.countTokens("Hi") }
            #expect(error?.errorType == GenerationError.ErrorType.unsupported)
            #expect(error?.message.contains("no route to count tokens") == true)
        }
    }

    @Test func excessIsWhatIsOverTheLimit() {
        #expect(TokenCount(count: 10, limit: 8, limitKind: .input, source: "").excess == 2)
        #expect(TokenCount(count: 10, limit: nil, limitKind: .input, source: "").excess == 0)
        #expect(TokenCount(count: 3, limit: 8, limitKind: .context, source: "").excess == 0)
    }
}
