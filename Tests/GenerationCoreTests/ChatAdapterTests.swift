import Foundation
import Testing
import LocalEngine
@testable import GenerationCore

/// Chat through every kind of server, from real recordings replayed over a socket: llama-cpp-python's
/// `/v1/chat/completions` (chat-style logprobs), llama-server's `/apply-template` + native `/completion`, and TGI's
/// Messages API (its own test snapshot, Fixtures/snapshots/test_completion_prompts__test_chat_hfhub_usage.json).
@Suite struct ChatAdapterTests {
    static let messages: [ChatMessage] = [.init(role: .system, content: "You answer in one short sentence."),
                                          .init(role: .user, content: "What is the capital of France?")]

    static func collect(_ stream: AsyncThrowingStream<GenerationEvent, any Error>) async throws -> [GenerationEvent] {
        var events: [GenerationEvent] = []
        for try await event in stream { events.append(event) }
        return events
    }

    @Test func llamaCppPythonChatStream() async throws {
        let recording = try Fixtures.recording(.llamaCppPython, "chat_logprobs_stream")
        let server = try Replay.server(.llamaCppPython, answering: [recording])
        defer { server.stop() }
        let backend = AutoBackend(configuration: try Replay.configuration(server.url))
        let request = ChatRequest(messages: Self.messages, parameters: GenerateParameters(maxNewTokens: 16, topNTokens: 3))
        let events = try await Self.collect(backend.chatStream(request))
        // What the server streamed: every chunk's logprobs.content entry, in order.
        let expected = recording.streamJSON.flatMap { chunk -> [[String: Any]] in
            let choice = (chunk["choices"] as? [[String: Any]])?.first
            return ((choice?["logprobs"] as? [String: Any])?["content"] as? [[String: Any]]) ?? []
        }
        #expect(expected.count == 16)
        #expect(events.map(\.response.token.text) == expected.map { $0["token"] as? String ?? "?" })
        #expect(events.map(\.response.token.logprob) == expected.map { RecordedJSON.number($0["logprob"]) })
        #expect(events.allSatisfy { $0.response.token.id == nil }, "no ids from this server, none invented")
        #expect(events.first?.response.topTokens?.count == 3)
        guard case .finished(let last)? = events.last else { Issue.record("no final event"); return }
        #expect(last.generatedText == expected.map { $0["token"] as? String ?? "" }.joined())
        let sent = try #require(server.requests.first { $0.path == "/v1/chat/completions" }?.bodyJSON)
        #expect(sent["logprobs"] as? Bool == true && sent["top_logprobs"] as? Int == 3)
        #expect(sent["temperature"] as? Double == 0 && sent["max_tokens"] as? Int == 16 && sent["stream"] as? Bool == true)
        #expect((sent["messages"] as? [[String: String]])?.map { $0["role"] ?? "" } == ["system", "user"])
        #expect(sent["prompt"] == nil)
    }

    @Test func llamaServerChatGoesThroughItsTemplateAndTheNativeRoute() async throws {
        let template = try Fixtures.recording(.llamaServer, "apply_template")
        let completion = try Fixtures.recording(.llamaServer, "native_completion_probs_stream")
        let server = try Replay.server(.llamaServer, answering: [template, completion])
        defer { server.stop() }
        let backend = AutoBackend(configuration: try Replay.configuration(server.url))
        let request = ChatRequest(messages: Self.messages, parameters: GenerateParameters(maxNewTokens: 8, topNTokens: 3))
        let templated = try await backend.template(request)
        let recordedPrompt = try #require(template.responseJSON?["prompt"] as? String)
        #expect(templated.templatedText == recordedPrompt)
        #expect(templated.source.contains("/apply-template"))
        let events = try await Self.collect(backend.chatStream(request))
        #expect(events.count == 8)
        #expect(events.allSatisfy { $0.response.token.id != nil && $0.response.token.bytes != nil })
        let sent = try #require(server.requests.last { $0.path == "/completion" }?.bodyJSON)
        #expect(sent["prompt"] as? String == recordedPrompt, "the native route gets the server's own templated text")
        #expect(sent["n_probs"] as? Int == 3)
        // Continuing a reply: the template without it, then the reply's text.
        var continued = request
        continued.messages.append(.init(role: .assistant, content: "Paris is"))
        continued.continueFinalMessage = true
        #expect(try await backend.template(continued).templatedText == recordedPrompt + "Paris is")
        // Through its OpenAI layer (`--api openai` at /v1) the same server's template comes from the same route.
        let openAI = OpenAIBackend(configuration: try Replay.configuration(server.url + "/v1"), server: .llamaServer)
        #expect(try await openAI.template(request).templatedText == recordedPrompt)
    }

    @Test func tgiMessagesAPIStream() async throws {
        let data = try Data(contentsOf: Fixtures.directory.appendingPathComponent("snapshots/test_completion_prompts__test_chat_hfhub_usage.json"))
        let chunks = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        let events = try chunks.map { "data: " + String(decoding: try JSONSerialization.data(withJSONObject: $0), as: UTF8.self) + "\n\n" }
            + ["data: [DONE]\n\n"]
        let server = try TestHTTPServer { request in
            request.path == "/v1/chat/completions" ? Reply.stream(events) : Reply.body(status: 404, "")
        }
        defer { server.stop() }
        let backend = TGIBackend(configuration: try Replay.configuration(server.url))
        let got = try await Self.collect(backend.chatStream(ChatRequest(messages: [.init(role: .user, content: "Say 'OK!'")])))
        #expect(got.map(\.response.token.text) == ["OK", "!"])
        guard case .finished(let last)? = got.last else { Issue.record("no final event"); return }
        #expect(last.generatedText == "OK!")
        #expect(server.requests.first?.bodyJSON?["model"] as? String == "tgi")
    }

    @Test func continuingAReplyIsRefusedWhereTheServerCannot() async throws {
        let server = try Replay.server(.llamaCppPython, answering: [])
        defer { server.stop() }
        let backend = AutoBackend(configuration: try Replay.configuration(server.url))
        let request = ChatRequest(messages: [.init(role: .user, content: "Hi"), .init(role: .assistant, content: "Hel")],
                                  continueFinalMessage: true)
        do {
            _ = try await Self.collect(backend.chatStream(request))
            Issue.record("llama-cpp-python cannot continue a reply")
        } catch let error as GenerationError {
            #expect(error.errorType == "validation")
            #expect(error.message.contains("continuing a reply is not supported by llama-cpp-python"), "\(error.message)")
        }
        #expect(!server.requests.contains { $0.path == "/v1/chat/completions" }, "nothing was sent")
    }

    /// vLLM's templated text: `/tokenize` with the messages, then `/detokenize` of the ids it answered. The answer
    /// shapes are vLLM's own test's (tests/entrypoints/openai/test_tokenization.py: `tokens`, `count`,
    /// `max_model_len`, `token_strs` null; `/detokenize` answers `{"prompt": text}`); the ids and the text are
    /// this test's, since vLLM's test computes them from a tokenizer at run time.
    @Test func vLLMTemplateIsTheTokenizeDetokenizeRoundTrip() async throws {
        let text = "<bos><start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n"
        let server = try TestHTTPServer { request in
            switch request.path {
            case "/v1/models": return Reply.body(#"{"object":"list","data":[{"id":"google/gemma-3-270m-it","object":"model","owned_by":"vllm"}]}"#)
            case "/tokenize": return Reply.body(#"{"count":8,"max_model_len":8192,"tokens":[2,105,2364,107,10979,106,107,105],"token_strs":null}"#)
            case "/detokenize": return Reply.body(#"{"prompt":"\#(text.replacingOccurrences(of: "\n", with: "\\n"))"}"#)
            default: return Reply.body(status: 404, #"{"detail":"Not Found"}"#)
            }
        }
        defer { server.stop() }
        let backend = OpenAIBackend(configuration: try Replay.configuration(server.url + "/v1"), server: .vllm)
        let templated = try await backend.template(ChatRequest(messages: [.init(role: .user, content: "Hi")]))
        #expect(templated.templatedText == text)
        #expect(templated.source.contains("vLLM /tokenize"))
        let tokenize = try #require(server.requests.first { $0.path == "/tokenize" }?.bodyJSON)
        #expect((tokenize["messages"] as? [[String: Any]])?.first?["content"] as? String == "Hi")
        #expect(tokenize["add_generation_prompt"] as? Bool == true)
        #expect(tokenize["continue_final_message"] as? Bool == false)
        #expect(tokenize["model"] as? String == "google/gemma-3-270m-it")
        let detokenize = try #require(server.requests.first { $0.path == "/detokenize" }?.bodyJSON)
        #expect(detokenize["tokens"] as? [Int] == [2, 105, 2364, 107, 10979, 106, 107, 105])

        // Continuing a reply leaves the generation prompt out and asks vLLM to keep the last message open.
        _ = try await backend.template(ChatRequest(messages: [.init(role: .user, content: "Hi"), .init(role: .assistant, content: "Hel")],
                                                   continueFinalMessage: true))
        let continued = try #require(server.requests.last { $0.path == "/tokenize" }?.bodyJSON)
        #expect(continued["add_generation_prompt"] as? Bool == false)
        #expect(continued["continue_final_message"] as? Bool == true)

        // A server with no such route says so without sending anything.
        let generic = OpenAIBackend(configuration: try Replay.configuration(server.url), server: .generic)
        let before = server.requests.count
        await #expect(throws: GenerationError.self) { _ = try await generic.template(ChatRequest(messages: [.init(role: .user, content: "Hi")])) }
        #expect(server.requests.count == before)
    }

    /// `tgplay chat` and `tgplay template` through the binary on the built-in engine: OpenAI's shapes.
    @Test func chatAndTemplateCommands() throws {
        let model = ModelLocation.resolve(environment: ProcessInfo.processInfo.environment)
        let body = #"{"messages":[{"role":"user","content":"Name a colour."}],"parameters":{"max_new_tokens":4,"top_n_tokens":2}}"#
        let template = try BinaryRunner.run(["template", "--local", "--model", model], stdin: body)
        #expect(template.status == 0, "\(template.stderr)")
        let templated = try JSONValue.parse(Data(template.stdout.utf8))
        #expect(templated["templated_text"]?.stringValue == "<bos><start_of_turn>user\nName a colour.<end_of_turn>\n<start_of_turn>model\n")
        let chat = try BinaryRunner.run(["chat", "--local", "--model", model], stdin: body)
        #expect(chat.status == 0, "\(chat.stderr)")
        let object = try JSONValue.parse(Data(chat.stdout.utf8))
        #expect(object["object"]?.stringValue == "chat.completion")
        let choice = try #require(object["choices"]?.arrayValue?.first)
        #expect(choice["message"]?["role"]?.stringValue == "assistant")
        let entries = try #require(choice["logprobs"]?["content"]?.arrayValue)
        #expect(entries.count == 4 && entries.allSatisfy { $0["top_logprobs"]?.arrayValue?.count == 2 })
        #expect(entries.map { $0["token"]?.stringValue ?? "" }.joined() == choice["message"]?["content"]?.stringValue)
        let stream = try BinaryRunner.run(["chat", "--local", "--model", model, "--stream"], stdin: body)
        let chunks = try stream.lines.map { try JSONValue.parse(Data($0.utf8)) }
        #expect(chunks.count == 4 && chunks.allSatisfy { $0["object"]?.stringValue == "chat.completion.chunk" })
        #expect(chunks.first?["choices"]?.arrayValue?.first?["delta"]?["role"]?.stringValue == "assistant")
        #expect(chunks.last?["choices"]?.arrayValue?.first?["finish_reason"]?.stringValue == "length")
        let bad = try BinaryRunner.run(["chat", "--local", "--model", model], stdin: #"{"messages":[{"role":"assistant","content":"x"}]}"#)
        #expect(bad.status == 1 && bad.stdout.contains(#""error_type":"validation""#))
    }
}
