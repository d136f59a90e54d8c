import Foundation
import Testing
@testable import GenerationCore

/// A decoder's output, comparable.
enum DecodedStep: Equatable, CustomStringConvertible {
    case event(GenerationEvent)
    case failure(GenerationError)

    init(_ step: StreamStep) {
        switch step {
        case .event(let e): self = .event(e)
        case .failure(let e): self = .failure(e)
        }
    }

    var description: String {
        switch self {
        case .event(let e): return "\(e.response.index ?? 0):\(e.response.token.text)\(e.response.isFinal ? " (final)" : "")"
        case .failure(let e): return "failure(\(e.message))"
        }
    }
}

/// One recorded stream and the decoder its adapter uses.
struct RecordedStream: Sendable, CustomStringConvertible {
    var set: RecordedServer
    var name: String
    var native: Bool
    var request: GenerateRequest

    var description: String { "\(set)/\(name)" }

    static let all: [RecordedStream] = RecordedCase.all.filter(\.stream).map {
        RecordedStream(set: $0.set, name: $0.name, native: $0.name.hasPrefix("native"), request: $0.request)
    }

    /// Feeds `chunks` through `SSEParser`, then the events through the adapter's decoder, as `StreamSession` does.
    func decode(_ chunks: [ArraySlice<UInt8>]) -> (steps: [DecodedStep], truncated: [UInt8]?) {
        let (events, truncated) = Self.parse(chunks)
        return (decode(events), truncated)
    }

    func decode(_ events: [SSEEvent]) -> [DecodedStep] {
        native ? Self.run(events, LlamaCppStreamDecoder(request: request, url: "replay"))
            : Self.run(events, OpenAIStreamDecoder(request: request, url: "replay"))
    }

    static func parse(_ chunks: [ArraySlice<UInt8>]) -> (events: [SSEEvent], truncated: [UInt8]?) {
        var parser = SSEParser()
        var events: [SSEEvent] = []
        for chunk in chunks { events += parser.feed(chunk) }
        let end = parser.finish()
        return (events + end.events, end.truncatedLine)
    }

    static func run<D: StreamDecoder>(_ events: [SSEEvent], _ decoder: D) -> [DecodedStep] {
        var decoder = decoder
        return events.flatMap { decoder.decode($0).map(DecodedStep.init) }
    }
}

@Suite struct RecordedStreamSplitTests {
    /// Splitting a recorded stream's bytes anywhere (inside a UTF-8 character, inside `data:`, between the two
    /// newlines of an event's end) changes nothing: two chunks at every offset, and one byte at a time.
    @Test(arguments: RecordedStream.all)
    func everySplitDecodesAlike(_ s: RecordedStream) throws {
        let recording = try Fixtures.recording(s.set, s.name)
        let bytes = Array(recording.response.body.utf8)
        let reference = s.decode([bytes[...]])
        #expect(reference.truncated == nil)
        let events = reference.steps.compactMap { step -> GenerationEvent? in
            if case .event(let e) = step { return e }
            return nil
        }
        #expect(events.count == reference.steps.count, "no failures: \(reference.steps)")
        #expect(events.count == RecordedExpectation.stream(recording, topN: 0).tokens.count)
        #expect(events.last?.response.isFinal == true)
        // The decoder is a value type fed only the parsed events, so a split whose events equal the unsplit
        // run's decodes alike by construction; decoding every split in a debug build takes over a minute, so every
        // split is parsed, every 41st (and each whose events differ) is also decoded in full.
        let referenceEvents = RecordedStream.parse([bytes[...]]).events
        var mismatches: [Int] = []
        var decodedSplits = 0
        for cut in 0...bytes.count {
            let (splitEvents, truncated) = RecordedStream.parse([bytes[..<cut], bytes[cut...]])
            let same = splitEvents == referenceEvents
            if !same || cut % 41 == 0 {
                decodedSplits += 1
                if s.decode(splitEvents) != reference.steps { mismatches.append(cut) }
            }
            if truncated != nil { mismatches.append(cut) }
        }
        #expect(mismatches.isEmpty, "split offsets that decode differently: \(mismatches.prefix(20))")
        #expect(decodedSplits > bytes.count / 41)
        let single = s.decode(bytes.indices.map { bytes[$0...$0] })
        #expect(single.steps == reference.steps, "byte by byte")
        #expect(single.truncated == nil)
    }
}

/// A stream dialect and a recording of it, for faults injected into real recorded events.
struct Dialect: Sendable, CustomStringConvertible {
    var name: String
    var set: RecordedServer
    var recording: String
    var adapter: AdapterKind
    var path: String

    var description: String { name }

    static let all = [
        Dialect(name: "legacy OpenAI logprobs (llama-cpp-python)", set: .llamaCppPython,
                recording: "completion_logprobs_stream", adapter: .auto, path: "/v1/completions"),
        Dialect(name: "chat-style logprobs.content (llama-server /v1)", set: .llamaServer,
                recording: "v1_completion_logprobs_stream", adapter: .openAI(.llamaServer), path: "/v1/completions"),
        Dialect(name: "llama.cpp native /completion", set: .llamaServer,
                recording: "native_completion_probs_stream", adapter: .llamaCpp(postSampling: false), path: "/completion"),
    ]

    var request: GenerateRequest { RecordedCase.greedy(RecordedCase.prompt, 8, topN: 3) }

    func load() throws -> Recording { try Fixtures.recording(set, recording) }

    /// The recorded `data:` events (keep-alive comments left out), each with its blank line.
    func dataEvents() throws -> [String] { try load().streamEvents.filter { $0.hasPrefix("data:") } }

    /// The first `count` tokens the recording holds, as the adapter must report them.
    func recordedTokens(_ count: Int) throws -> [Token] {
        Array(RecordedExpectation.stream(try load(), topN: 3).tokens.prefix(count))
    }

    /// A server answering `path` with `steps` and everything else as the recorded server does.
    func server(_ steps: @escaping @Sendable (TestHTTPServer.Request) -> [TestHTTPServer.Step]) throws -> TestHTTPServer {
        let replay = try Replay.handler(set, answering: [])
        let path = self.path
        return try TestHTTPServer { request in request.path == path ? steps(request) : replay(request) }
    }
}

@Suite struct AdapterFaultTests {
    /// Collects a stream's events and its failure.
    static func consume(_ stream: AsyncThrowingStream<GenerationEvent, any Error>) async -> ([GenerationEvent], GenerationError?) {
        var events: [GenerationEvent] = []
        do {
            for try await event in stream { events.append(event) }
            return (events, nil)
        } catch let error as GenerationError {
            return (events, error)
        } catch {
            return (events, GenerationError(errorType: "not a GenerationError", message: "\(error)"))
        }
    }

    /// Three recorded events, then half of the fourth inside a chunk that promised all of it, then the
    /// connection closes: `incomplete_generation`, with all three tokens kept (the third was still held back,
    /// waiting to learn whether it was the last).
    @Test(arguments: Dialect.all)
    func streamCutMidChunk(_ d: Dialect) async throws {
        let events = try d.dataEvents()
        try #require(events.count > 4)
        let fourth = Data(events[3].utf8)
        let server = try d.server { _ in
            var steps: [TestHTTPServer.Step] = [Reply.head(status: 200, contentType: "text/event-stream", chunked: true)]
            steps += events.prefix(3).map { .chunk(Data($0.utf8)) }
            var partial = Data((String(fourth.count, radix: 16) + "\r\n").utf8)
            partial.append(fourth.prefix(fourth.count / 2))
            steps += [.raw(partial), .sleep(milliseconds: 50), .close]
            return steps
        }
        defer { server.stop() }
        let (received, failure) = await Self.consume(try d.adapter.backend(server.url).generateStream(d.request))
        let error = try #require(failure, "a cut stream must fail")
        let expected = try d.recordedTokens(3)
        #expect(error.errorType == GenerationError.ErrorType.incompleteGeneration, "\(error.message)")
        #expect(error.message.contains("3 tokens received"), "\(error.message)")
        #expect(error.receivedTokens == expected)
        #expect(received.map(\.response.token) == Array(expected.prefix(2)), "the held third token is not yielded")
        #expect(received.allSatisfy { !$0.response.isFinal })
    }

    /// An `{"error": {...}}` event after three tokens: the server's words, the tokens kept.
    @Test(arguments: Dialect.all)
    func errorEventMidStream(_ d: Dialect) async throws {
        let events = try d.dataEvents()
        let errorEvent = #"data: {"error":{"code":500,"message":"slot 3 was lost: out of KV cache","type":"server_error"}}"# + "\n\n"
        let server = try d.server { _ in Reply.stream(Array(events.prefix(3)) + [errorEvent] + Array(events.dropFirst(3))) }
        defer { server.stop() }
        let (received, failure) = await Self.consume(try d.adapter.backend(server.url).generateStream(d.request))
        let error = try #require(failure)
        #expect(error.message == "slot 3 was lost: out of KV cache")
        #expect(error.errorType == "server_error")
        #expect(error.receivedTokens == (try d.recordedTokens(3)))
        #expect(received.count == 2)
    }

    /// A 429 with `Retry-After: 2` on the completion route, streamed or not.
    @Test(arguments: Dialect.all)
    func rateLimitedRetryAfter(_ d: Dialect) async throws {
        let server = try d.server { _ in
            Reply.body(status: 429, #"{"error":{"code":429,"message":"Too many requests, slow down","type":"rate_limit_error"}}"#,
                       extra: ["Retry-After": "2"])
        }
        defer { server.stop() }
        let backend = try d.adapter.backend(server.url)
        var errors: [GenerationError] = []
        do {
            _ = try await backend.generate(d.request)
        } catch let error as GenerationError {
            errors.append(error)
        }
        let (_, streamed) = await Self.consume(backend.generateStream(d.request))
        if let streamed { errors.append(streamed) }
        #expect(errors.count == 2, "both calls fail")
        for error in errors {
            #expect(error.retryAfter == 2)
            #expect(error.statusCode == 429)
            #expect(error.message == "Too many requests, slow down")
        }
    }

    /// A 401 while detecting is the answer (no probe can pass without the token), not "speaks no API".
    @Test(arguments: RecordedServer.allCases)
    func unauthorizedDuringDetection(_ set: RecordedServer) async throws {
        let guarded = set == .llamaServer ? "/props" : "/v1/models"
        let replay = try Replay.handler(set, answering: [])
        let server = try TestHTTPServer { request in
            request.path == guarded
                ? Reply.body(status: 401, #"{"error":{"code":401,"message":"Invalid API Key","type":"authentication_error"}}"#)
                : replay(request)
        }
        defer { server.stop() }
        let backend = AutoBackend(configuration: try Replay.configuration(server.url))
        var errors: [GenerationError] = []
        do {
            _ = try await backend.generate(RecordedCase.greedy(RecordedCase.prompt, 8, topN: 1))
        } catch let error as GenerationError {
            errors.append(error)
        }
        let (_, streamed) = await Self.consume(backend.generateStream(RecordedCase.greedy(RecordedCase.prompt, 8, topN: 1)))
        if let streamed { errors.append(streamed) }
        #expect(errors.count == 2)
        for error in errors {
            #expect(error.statusCode == 401)
            #expect(error.message == "Invalid API Key")
            #expect(error.errorType == "authentication_error")
            #expect(!error.message.contains("speaks no API"))
        }
        #expect(server.requests.last?.path == guarded, "detection stops at the 401")
        #expect(!server.requests.contains { $0.method == "POST" })
        #expect(backend.detection == nil)
    }

    /// The contrast: when every probe is a 404, detection says no known API answered, naming the probes.
    @Test func nothingAnswersDetection() async throws {
        let notFound = try Replay.notFound(.llamaCppPython)
        let server = try TestHTTPServer { _ in Replay.answer(notFound) }
        defer { server.stop() }
        let backend = AutoBackend(configuration: try Replay.configuration(server.url))
        do {
            _ = try await backend.generate(RecordedCase.greedy(RecordedCase.prompt, 8, topN: 1))
            Issue.record("detection must fail")
        } catch let error as GenerationError {
            #expect(error.errorType == GenerationError.ErrorType.unsupported)
            #expect(error.message.contains("speaks no API"))
            #expect(error.message.contains("GET /v1/models: 404"), "\(error.message)")
        }
    }
}
