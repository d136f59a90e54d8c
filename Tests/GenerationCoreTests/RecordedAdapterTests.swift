import Foundation
import Testing
@testable import GenerationCore

/// Which adapter a recorded case goes through.
enum AdapterKind: Sendable, CustomStringConvertible {
    /// `AutoBackend`, which detects the server from the replayed discovery routes.
    case auto
    case llamaCpp(postSampling: Bool)
    case openAI(OpenAIServer)

    func backend(_ url: String) throws -> any TextGenerationBackend {
        let configuration = try Replay.configuration(url)
        switch self {
        case .auto: return AutoBackend(configuration: configuration)
        case .llamaCpp(let post): return LlamaCppBackend(configuration: configuration, postSamplingProbabilities: post)
        case .openAI(let server): return OpenAIBackend(configuration: configuration, server: server)
        }
    }

    var description: String {
        switch self {
        case .auto: return "AutoBackend"
        case .llamaCpp(let post): return post ? "LlamaCppBackend(post-sampling)" : "LlamaCppBackend"
        case .openAI(let server): return "OpenAIBackend(\(server.rawValue))"
        }
    }
}

typealias Canonical = RecordedJSON.Canonical

/// One recorded completion and the TGI request that maps to its recorded body.
struct RecordedCase: Sendable, CustomStringConvertible {
    var set: RecordedServer
    var name: String
    var request: GenerateRequest
    var adapter: AdapterKind = .auto
    /// What our body holds beyond the recorded one: fields the recording lacks (explicit neutral values, the model)
    /// and recorded fields our mapping sends with another value. Everything else must equal the recording.
    var extra: [String: Canonical]
    /// The recorded request fields our body leaves out.
    var dropped: [String] = []
    /// The non-streamed recording of the same request, for stream cases.
    var counterpart: String?

    var stream: Bool { name.hasSuffix("_stream") }
    var topN: Int { Int(request.parameters?.topNTokens ?? 0) }
    var stopAsked: Bool { !(request.parameters?.stop ?? []).isEmpty }
    var description: String { "\(set)/\(name) via \(adapter)" }

    static let prompt = "The capital of France is"
    static let japanese = "Japanese for 'thank you' is"
    static let model: Canonical = .string("gemma-3-270m-q4_k_m")

    /// llama-cpp-python's /v1/completions: the model from /v1/models, and repeat_penalty 1.0 (its default is 1.1).
    static let llamaCppPythonExtra: [String: Canonical] = ["model": model, "repeat_penalty": .number(1)]
    /// llama-server's native /completion: its warpers sent as off (its defaults are top_k 40, top_p 0.95,
    /// min_p 0.05), typical_p and repeat_penalty as neutral.
    static let nativeExtra: [String: Canonical] = [
        "top_k": .number(0), "top_p": .number(1), "min_p": .number(0), "typical_p": .number(1), "repeat_penalty": .number(1),
    ]
    /// llama-server's /v1/completions (greedy): the model and repeat_penalty 1.0.
    static let llamaServerV1Extra: [String: Canonical] = ["model": model, "repeat_penalty": .number(1)]

    static func greedy(_ prompt: String, _ max: UInt32, topN: UInt32, stop: [String]? = nil,
                       echo: Bool? = nil) -> GenerateRequest {
        GenerateRequest(inputs: prompt, parameters: GenerateParameters(
            decoderInputDetails: echo, details: true, maxNewTokens: max, stop: stop, topNTokens: topN))
    }

    static let all: [RecordedCase] = [
        RecordedCase(set: .llamaCppPython, name: "completion_logprobs", request: greedy(prompt, 8, topN: 3),
                     extra: llamaCppPythonExtra),
        RecordedCase(set: .llamaCppPython, name: "completion_logprobs_stream", request: greedy(prompt, 8, topN: 3),
                     extra: llamaCppPythonExtra, counterpart: "completion_logprobs"),
        RecordedCase(set: .llamaCppPython, name: "completion_echo_prompt_logprobs",
                     request: greedy(prompt, 2, topN: 2, echo: true), extra: llamaCppPythonExtra),
        RecordedCase(set: .llamaCppPython, name: "completion_stop", request: greedy(prompt, 16, topN: 1, stop: [" of"]),
                     extra: llamaCppPythonExtra),
        // Recorded with llama-cpp-python's own min_p 0.05 and repeat_penalty 1.1, which TGI parameters cannot ask
        // for (our mapping sends min_p 0 and the TGI value of repetition_penalty): decoding is what this checks.
        RecordedCase(set: .llamaCppPython, name: "completion_sampled_seed",
                     request: GenerateRequest(inputs: prompt, parameters: GenerateParameters(
                         details: true, maxNewTokens: 8, seed: 7, temperature: 0.9, topK: 40, topNTokens: 2, topP: 0.95)),
                     extra: ["model": model, "repeat_penalty": .number(1), "min_p": .number(0)]),
        RecordedCase(set: .llamaCppPython, name: "completion_unicode_stream", request: greedy(japanese, 8, topN: 2),
                     extra: llamaCppPythonExtra),
        RecordedCase(set: .llamaServer, name: "native_completion_probs", request: greedy(prompt, 8, topN: 3),
                     extra: nativeExtra),
        RecordedCase(set: .llamaServer, name: "native_completion_probs_stream", request: greedy(prompt, 8, topN: 3),
                     adapter: .llamaCpp(postSampling: false), extra: nativeExtra, counterpart: "native_completion_probs"),
        RecordedCase(set: .llamaServer, name: "native_completion_post_sampling",
                     request: GenerateRequest(inputs: prompt, parameters: GenerateParameters(
                         details: true, maxNewTokens: 8, seed: 7, temperature: 0.8, topK: 3, topNTokens: 5)),
                     adapter: .llamaCpp(postSampling: true),
                     extra: ["top_p": .number(1), "min_p": .number(0), "typical_p": .number(1), "repeat_penalty": .number(1)]),
        RecordedCase(set: .llamaServer, name: "native_completion_unicode_stream", request: greedy(japanese, 8, topN: 2),
                     extra: nativeExtra),
        RecordedCase(set: .llamaServer, name: "v1_completion_logprobs", request: greedy(prompt, 8, topN: 3),
                     adapter: .openAI(.llamaServer), extra: llamaServerV1Extra),
        RecordedCase(set: .llamaServer, name: "v1_completion_logprobs_stream", request: greedy(prompt, 8, topN: 3),
                     adapter: .openAI(.llamaServer), extra: llamaServerV1Extra, counterpart: "v1_completion_logprobs"),
    ]

    /// The body we must send: the recorded one, minus `dropped`, with `extra` on top.
    func expectedBody(_ recording: Recording) -> [String: Canonical] {
        var body = (recording.requestJSON ?? [:]).mapValues(Canonical.init)
        for key in dropped { body[key] = nil }
        body.merge(extra) { _, ours in ours }
        return body
    }
}

/// What one generation produced, streamed or not, in one shape for comparisons.
struct Outcome {
    var tokens: [Token] = []
    var alternatives: [[Token]] = []
    var prefill: [PrefillToken] = []
    var generatedText: String?
    var finish: FinishReason?
    var seed: UInt64?
    var events: [GenerationEvent] = []
}

enum Run {
    static func generate(_ backend: any TextGenerationBackend, _ request: GenerateRequest) async throws -> Outcome {
        let response = try await backend.generate(request)
        var out = Outcome(generatedText: response.generatedText)
        out.tokens = response.details?.tokens ?? []
        out.alternatives = response.details?.topTokens ?? Array(repeating: [], count: out.tokens.count)
        out.prefill = response.details?.prefill ?? []
        out.finish = response.details?.finishReason
        out.seed = response.details?.seed
        return out
    }

    static func stream(_ backend: any TextGenerationBackend, _ request: GenerateRequest) async throws -> Outcome {
        var out = Outcome()
        for try await event in backend.generateStream(request) {
            out.events.append(event)
            out.tokens.append(event.response.token)
            out.alternatives.append(event.response.topTokens ?? [])
            if case .finished(let response) = event {
                out.generatedText = response.generatedText
                out.finish = response.details?.finishReason
                out.seed = response.details?.seed
            }
        }
        return out
    }

    static func either(_ backend: any TextGenerationBackend, _ request: GenerateRequest, stream: Bool) async throws -> Outcome {
        stream ? try await Self.stream(backend, request) : try await generate(backend, request)
    }
}

/// The adapters against real recordings of llama-cpp-python and llama-server, replayed over a real socket.
@Suite struct RecordedAdapterTests {
    @Test(arguments: RecordedCase.all)
    func recordedCompletion(_ c: RecordedCase) async throws {
        let recording = try Fixtures.recording(c.set, c.name)
        #expect(recording.isEventStream == c.stream, "the case's stream flag matches the recording")
        let server = try Replay.server(c.set, answering: [recording])
        defer { server.stop() }
        let backend = try c.adapter.backend(server.url)
        let outcome = try await Run.either(backend, c.request, stream: c.stream)

        // (a) The body that reached the server is the recorded one plus exactly the listed extra fields.
        let sent = server.requests.filter { $0.method == "POST" && $0.path == recording.request.path }
        try #require(sent.count == 1, "one completion request: \(server.requests.map { "\($0.method) \($0.path)" })")
        let body = try #require(RecordedJSON.canonicalObject(sent[0].body), "a JSON object body")
        #expect(body == c.expectedBody(recording), "sent \(Canonical.object(body))")
        #expect(sent[0].headers["content-type"] == "application/json")

        // (b) Tokens, logprobs, alternatives and the finish reason are the recorded ones.
        let expected = c.stream ? RecordedExpectation.stream(recording, topN: c.topN)
            : RecordedExpectation.answer(recording, topN: c.topN, echo: c.request.parameters?.decoderInputDetails == true)
        try #require(!expected.tokens.isEmpty, "the recording has tokens")
        #expect(outcome.tokens == expected.tokens)
        #expect(outcome.alternatives == expected.alternatives)
        #expect(outcome.prefill == expected.prefill)
        let finish = try #require(expected.finish(stopAsked: c.stopAsked))
        #expect(outcome.finish == finish)
        #expect(outcome.generatedText == expected.text)
        let sampling = c.request.parameters?.requestsSampling == true
        #expect(outcome.seed == (sampling ? c.request.parameters?.seed : nil))

        // (c) A stream ends with `.finished` carrying the whole text, and only there.
        if c.stream {
            let last = try #require(outcome.events.last)
            guard case .finished(let final) = last else {
                Issue.record("the last event is \(last), not .finished")
                return
            }
            #expect(final.generatedText == outcome.tokens.map(\.text).joined())
            #expect(final.details?.finishReason == finish)
            #expect(outcome.events.dropLast().allSatisfy { if case .token = $0 { true } else { false } })
            #expect(outcome.events.map { $0.response.index } == (1...outcome.events.count).map { UInt32($0) })
        }
    }

    /// Streamed and non-streamed recordings of the same request give the same tokens wherever the recorded values
    /// agree (the servers are deterministic at temperature 0, so here that is everywhere).
    @Test(arguments: RecordedCase.all.filter { $0.counterpart != nil })
    func streamMatchesNonStream(_ c: RecordedCase) async throws {
        let streamed = try Fixtures.recording(c.set, c.name)
        let plain = try Fixtures.recording(c.set, try #require(c.counterpart))
        let recordedStream = RecordedExpectation.stream(streamed, topN: c.topN)
        let recordedPlain = RecordedExpectation.answer(plain, topN: c.topN)
        let agreeing = recordedStream.tokens.indices.filter { i in
            i < recordedPlain.tokens.count && recordedStream.tokens[i] == recordedPlain.tokens[i]
                && recordedStream.alternatives[i] == recordedPlain.alternatives[i]
        }
        #expect(agreeing.count == recordedPlain.tokens.count, "the recordings agree at \(agreeing) of \(recordedPlain.tokens.count)")
        try #require(!agreeing.isEmpty)

        let streamServer = try Replay.server(c.set, answering: [streamed])
        let plainServer = try Replay.server(c.set, answering: [plain])
        defer { streamServer.stop(); plainServer.stop() }
        let a = try await Run.stream(try c.adapter.backend(streamServer.url), c.request)
        let b = try await Run.generate(try c.adapter.backend(plainServer.url), c.request)
        for i in agreeing {
            #expect(a.tokens[i] == b.tokens[i], "token \(i)")
            #expect(a.alternatives[i] == b.alternatives[i], "alternatives \(i)")
        }
        #expect(a.finish == b.finish)
        if agreeing.count == b.tokens.count { #expect(a.generatedText == b.generatedText) }
    }

    @Test func llamaServerNativeTokensHaveIDsAndBytes() async throws {
        for name in ["native_completion_probs_stream", "native_completion_probs", "native_completion_post_sampling"] {
            let recording = try Fixtures.recording(.llamaServer, name)
            let server = try Replay.server(.llamaServer, answering: [recording])
            defer { server.stop() }
            let backend = try AdapterKind.llamaCpp(postSampling: name.contains("post")).backend(server.url)
            let request = RecordedCase.greedy(RecordedCase.prompt, 8, topN: 3)
            let outcome = try await Run.either(backend, request, stream: recording.isEventStream)
            #expect(outcome.tokens.count == 8, "\(name)")
            #expect(outcome.tokens.allSatisfy { $0.id != nil && $0.bytes != nil }, "\(name): every token has an id and bytes")
            #expect(outcome.alternatives.joined().allSatisfy { $0.id != nil && $0.bytes != nil }, "\(name): so does every alternative")
            #expect(outcome.tokens.allSatisfy { String(decoding: $0.bytes ?? [], as: UTF8.self) == $0.text })
        }
    }

    /// Post-sampling probabilities are turned into logprobs; a probability of 1 is a logprob of 0, and the
    /// alternatives are only those the samplers kept (top_k 3 here, fewer than the 5 asked for).
    @Test func postSamplingProbabilitiesBecomeLogprobs() async throws {
        let recording = try Fixtures.recording(.llamaServer, "native_completion_post_sampling")
        let server = try Replay.server(.llamaServer, answering: [recording])
        defer { server.stop() }
        let backend = try AdapterKind.llamaCpp(postSampling: true).backend(server.url)
        #expect(backend.capabilities.probabilities == .processed)
        let c = try #require(RecordedCase.all.first { $0.name == recording.name })
        let outcome = try await Run.generate(backend, c.request)
        let probs = (recording.responseJSON?["completion_probabilities"] as? [[String: Any]] ?? [])
            .map { RecordedJSON.number($0["prob"]) }
        #expect(outcome.tokens.map(\.logprob) == probs.map { $0.map(Foundation.log) })
        #expect(outcome.tokens[3].text == " of" && outcome.tokens[3].logprob == 0)
        #expect(outcome.alternatives.map(\.count) == [3, 3, 2, 1, 3, 3, 3, 3])
        #expect(outcome.seed == 7)
    }

    // MARK: - Detection

    @Test(arguments: RecordedServer.allCases)
    func detection(_ set: RecordedServer) async throws {
        let server = try Replay.server(set, answering: [])
        defer { server.stop() }
        let backend = AutoBackend(configuration: try Replay.configuration(server.url))
        let detected = try await backend.resolve()
        switch set {
        case .llamaCppPython:
            let openAI = try #require(detected.backend as? OpenAIBackend)
            #expect(openAI.server == .llamaCppPython)
            #expect(server.requests.map(\.path) == ["/props", "/info", "/api/version", "/v1/models"])
            #expect(backend.capabilities.server == "llama-cpp-python")
        case .llamaServer:
            #expect(detected.backend is LlamaCppBackend)
            #expect(server.requests.map(\.path) == ["/props"])
            #expect(backend.capabilities.api == .llamacpp)
        }
        let info = try await backend.info()
        #expect(info.modelId.hasPrefix("gemma-3-270m-q4_k_m"), "\(info.modelId)")
        try await backend.health()
    }

    // MARK: - Recorded errors

    struct RecordedError: Sendable, CustomStringConvertible {
        var set: RecordedServer
        var name: String
        var adapter: AdapterKind
        var status: Int
        var errorType: GenerationError.ErrorType
        /// nil: the message is the recording's `error.message`.
        var message: String?
        var description: String { "\(set)/\(name)" }
    }

    static let recordedErrors: [RecordedError] = [
        RecordedError(set: .llamaCppPython, name: "error_bad_type", adapter: .auto, status: 500,
                      errorType: "internal_server_error"),
        RecordedError(set: .llamaCppPython, name: "error_bad_json", adapter: .auto, status: 500,
                      errorType: "server_error", message: "Internal Server Error"),
        RecordedError(set: .llamaServer, name: "error_bad_type", adapter: .openAI(.llamaServer), status: 400,
                      errorType: "invalid_request_error"),
        RecordedError(set: .llamaServer, name: "error_bad_json", adapter: .llamaCpp(postSampling: false), status: 500,
                      errorType: "server_error"),
    ]

    /// The recorded error answers, given to a well-formed request on the same route: the server's status, type and
    /// words, streamed or not.
    @Test(arguments: recordedErrors)
    func recordedErrorAnswer(_ e: RecordedError) async throws {
        let recording = try Fixtures.recording(e.set, e.name)
        let recordedMessage = ((recording.responseJSON?["error"] as? [String: Any])?["message"] as? String)
        let message = try #require(e.message ?? recordedMessage)
        let server = try Replay.server(e.set, answering: [recording])
        defer { server.stop() }
        let backend = try e.adapter.backend(server.url)
        for stream in [false, true] {
            do {
                _ = try await Run.either(backend, RecordedCase.greedy(RecordedCase.prompt, 8, topN: 1), stream: stream)
                Issue.record("\(e) stream \(stream): no error")
            } catch let error as GenerationError {
                #expect(error.statusCode == e.status, "stream \(stream)")
                #expect(error.errorType == e.errorType, "stream \(stream)")
                #expect(error.message == message, "stream \(stream)")
                #expect(error.receivedTokens.isEmpty)
            }
        }
        #expect(server.requests.filter { $0.path == recording.request.path }.count == 2)
    }

    /// The recorded request to an unknown path, sent as it was: the server's own 404 shape.
    @Test(arguments: RecordedServer.allCases)
    func unknownPath(_ set: RecordedServer) async throws {
        let recording = try Fixtures.recording(set, "error_unknown_path")
        let server = try Replay.server(set, answering: [])
        defer { server.stop() }
        let client = HTTPClient(configuration: try Replay.configuration(server.url))
        do {
            _ = try await client.exchange(method: recording.request.method, url: server.url + recording.request.path,
                                          body: Data((recording.request.body ?? "").utf8))
            Issue.record("no error")
        } catch let error as GenerationError {
            #expect(error.statusCode == 404)
            switch set {
            case .llamaCppPython:
                #expect(error.message == "Not Found")
                #expect(error.errorType == "not_found")
            case .llamaServer:
                #expect(error.message == "File Not Found")
                #expect(error.errorType == "not_found_error")
            }
        }
        #expect(server.requests.map(\.path) == ["/v1/nothing"])
    }
}
