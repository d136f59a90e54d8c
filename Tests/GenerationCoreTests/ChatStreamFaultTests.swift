import Foundation
import Testing
@testable import GenerationCore

/// One recorded `/v1/chat/completions` stream (chat-style `logprobs.content`) and a backend that asks for it.
struct ChatStreamCase: Sendable, CustomStringConvertible {
    var set: RecordedServer
    var recording: String
    /// The route's root under the server's URL ("" for llama-cpp-python, which detection finds; "/v1" for
    /// llama-server's OpenAI layer).
    var openAIRoot: String?

    var description: String { "\(set)/\(recording)" }

    /// Real recordings of both servers on the Gemma GGUF, made by ../shared/openai/record_*.py (see
    /// Fixtures/openai/README.md): the same system + user conversation, greedy, 16 tokens, 3 alternatives.
    static let all = [
        ChatStreamCase(set: .llamaCppPython, recording: "chat_logprobs_stream", openAIRoot: nil),
        ChatStreamCase(set: .llamaServer, recording: "v1_chat_logprobs_stream", openAIRoot: "/v1"),
    ]

    static let request = ChatRequest(messages: ChatAdapterTests.messages,
                                     parameters: GenerateParameters(maxNewTokens: 16, topNTokens: 3))

    func load() throws -> Recording { try Fixtures.recording(set, recording) }

    /// Every `logprobs.content` entry the server streamed, in order: the tokens a reply must hold.
    func contentEntries() throws -> [[String: Any]] {
        try load().streamJSON.flatMap { chunk -> [[String: Any]] in
            let choice = (chunk["choices"] as? [[String: Any]])?.first
            return ((choice?["logprobs"] as? [String: Any])?["content"] as? [[String: Any]]) ?? []
        }
    }

    func backend(_ url: String) throws -> any TextGenerationBackend {
        guard let root = openAIRoot else { return AutoBackend(configuration: try Replay.configuration(url)) }
        return OpenAIBackend(configuration: try Replay.configuration(url + root), server: .llamaServer)
    }

    /// A server answering the chat route with `steps` and everything else as the recorded server does.
    func server(_ steps: @escaping @Sendable (TestHTTPServer.Request) -> [TestHTTPServer.Step]) throws -> TestHTTPServer {
        let replay = try Replay.handler(set, answering: [])
        return try TestHTTPServer { request in
            request.path.hasSuffix("/chat/completions") ? steps(request) : replay(request)
        }
    }
}

/// Chat streams hold up as completion streams do: split anywhere they decode alike, cut or broken mid-stream
/// they fail saying so with the tokens received kept.
@Suite struct ChatStreamFaultTests {
    static func decode(_ chunks: [ArraySlice<UInt8>]) -> [DecodedStep] {
        let (events, truncated) = RecordedStream.parse(chunks)
        #expect(truncated == nil)
        let text = ChatStreamCase.request.textRequest(inputs: "")
        return RecordedStream.run(events, OpenAIStreamDecoder(request: text, url: "replay"))
    }

    /// Two chunks at every byte offset (inside UTF-8 characters, inside `data:`, between an event's two newlines)
    /// and one byte at a time decode to the unsplit stream's tokens, which are the recording's own.
    @Test(arguments: ChatStreamCase.all)
    func everySplitDecodesAlike(_ c: ChatStreamCase) throws {
        let bytes = Array(try c.load().response.body.utf8)
        let reference = Self.decode([bytes[...]])
        let expected = try c.contentEntries()
        #expect(expected.count == 16)
        let tokens = reference.compactMap { step -> Token? in
            if case .event(let e) = step { return e.response.token }
            return nil
        }
        #expect(tokens.count == reference.count, "no failures: \(reference)")
        #expect(tokens.map(\.text) == expected.map { $0["token"] as? String ?? "?" })
        let referenceEvents = RecordedStream.parse([bytes[...]]).events
        var mismatches: [Int] = []
        for cut in 1..<bytes.count {
            let (events, _) = RecordedStream.parse([bytes[..<cut], bytes[cut...]])
            // Equal events decode alike (the decoder sees nothing else); any that differ are decoded and compared.
            if events != referenceEvents, Self.decode([bytes[..<cut], bytes[cut...]]) != reference { mismatches.append(cut) }
        }
        #expect(mismatches.isEmpty, "split offsets that decode differently: \(mismatches.prefix(20))")
        #expect(Self.decode(bytes.indices.map { bytes[$0...$0] }) == reference, "byte by byte")
    }

    /// Three recorded events with tokens, then half of the next inside a chunk that promised all of it, then the
    /// connection closes: `incomplete_generation` with the tokens received kept.
    @Test(arguments: ChatStreamCase.all)
    func streamCutMidChunk(_ c: ChatStreamCase) async throws {
        let events = try c.load().streamEvents.filter { $0.hasPrefix("data:") }
        let withTokens = events.indices.filter { events[$0].contains("\"token\"") }
        try #require(withTokens.count > 4)
        let keep = withTokens[2] + 1  // up to and including the third event with a token
        let next = Data(events[keep].utf8)
        let server = try c.server { _ in
            var steps: [TestHTTPServer.Step] = [Reply.head(status: 200, contentType: "text/event-stream", chunked: true)]
            steps += events.prefix(keep).map { .chunk(Data($0.utf8)) }
            var partial = Data((String(next.count, radix: 16) + "\r\n").utf8)
            partial.append(next.prefix(next.count / 2))
            steps += [.raw(partial), .sleep(milliseconds: 50), .close]
            return steps
        }
        defer { server.stop() }
        let (received, failure) = await AdapterFaultTests.consume(try c.backend(server.url).chatStream(ChatStreamCase.request))
        let error = try #require(failure, "a cut stream must fail")
        let expected = try c.contentEntries().prefix(3).map { $0["token"] as? String ?? "?" }
        #expect(error.errorType == GenerationError.ErrorType.incompleteGeneration, "\(error.message)")
        #expect(error.message.contains("3 tokens received"), "\(error.message)")
        #expect(error.receivedTokens.map(\.text) == Array(expected))
        #expect(received.allSatisfy { !$0.response.isFinal })
        #expect(received.map(\.response.token.text) == Array(expected.prefix(received.count)))
    }

    /// An `{"error": {...}}` event after three tokens: the server's words, the three tokens kept.
    @Test(arguments: ChatStreamCase.all)
    func errorEventMidStream(_ c: ChatStreamCase) async throws {
        let events = try c.load().streamEvents.filter { $0.hasPrefix("data:") }
        let withTokens = events.indices.filter { events[$0].contains("\"token\"") }
        try #require(withTokens.count > 4)
        let keep = withTokens[2] + 1
        let errorEvent = #"data: {"error":{"code":500,"message":"slot 3 was lost: out of KV cache","type":"server_error"}}"# + "\n\n"
        let server = try c.server { _ in Reply.stream(Array(events.prefix(keep)) + [errorEvent] + Array(events.dropFirst(keep))) }
        defer { server.stop() }
        let (_, failure) = await AdapterFaultTests.consume(try c.backend(server.url).chatStream(ChatStreamCase.request))
        let error = try #require(failure)
        #expect(error.message == "slot 3 was lost: out of KV cache")
        #expect(error.errorType == "server_error")
        #expect(error.receivedTokens.map(\.text) == (try c.contentEntries().prefix(3).map { $0["token"] as? String ?? "?" }))
    }
}
