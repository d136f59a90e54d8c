import Foundation
import Testing
@testable import GenerationCore

/// The completion-server decoders (OpenAI-compatible chunks, llama.cpp's native chunks, non-streamed answers) on
/// hostile bytes: wrong shapes and types, out-of-range ids and bytes, and seeded random mutations of the real
/// recordings. Every input ends as events or a typed error; nothing traps, and a wrong shape is never taken
/// for tokens.
@Suite struct HostileCompletionTests {
    static let request = GenerateRequest(inputs: "Hi", parameters: GenerateParameters(details: true, topNTokens: 3))

    /// Feeds `events` (SSE `data:` payloads) to a fresh decoder; returns its steps.
    static func run<D: CompletionChunkDialect>(_ dialect: D.Type, _ payloads: [String]) -> [StreamStep] {
        var decoder = CompletionStreamDecoder<D>(request: request, url: "http://127.0.0.1:1")
        var parser = SSEParser()
        var steps: [StreamStep] = []
        for payload in payloads {
            for event in parser.feed(Array(("data: " + payload + "\n\n").utf8)) { steps += decoder.decode(event) }
        }
        return steps
    }

    static func failureType(_ steps: [StreamStep]) -> GenerationError.ErrorType? {
        for step in steps { if case .failure(let error) = step { return error.errorType } }
        return nil
    }

    @Test(arguments: [
        #"not json"#,
        #"[1,2,3]"#,
        #"{"choices": 5}"#,
        #"{"choices": [{"index": 0, "logprobs": {"tokens": [1, 2]}}]}"#,
        #"{"choices": [{"index": 0, "logprobs": {"content": "x"}}]}"#,
        #"{"choices": [{"index": 0, "logprobs": {"content": [{"logprob": -1}]}}]}"#,
        #"{"choices": [{"index": 0, "logprobs": 7}]}"#,
    ])
    func malformedOpenAIChunksAreInvalidResponses(_ payload: String) {
        #expect(Self.failureType(Self.run(OpenAIChunks.self, [payload])) == GenerationError.ErrorType.invalidResponse)
    }

    @Test(arguments: [
        #"not json"#,
        #"{"completion_probabilities": [{"id": 1}]}"#,
        #"{"completion_probabilities": [{"token": 5}]}"#,
        #"{"completion_probabilities": [{"token": "a", "logprob": -1e999}]}"#,  // overflows a Double
    ])
    func malformedLlamaCppChunksAreInvalidResponses(_ payload: String) {
        #expect(Self.failureType(Self.run(LlamaCppChunks.self, [payload])) == GenerationError.ErrorType.invalidResponse)
    }

    /// Values out of range are dropped, never wrapped or trapped on: an id over UInt32 or negative is no id,
    /// a byte over 255 makes no bytes.
    @Test func outOfRangeValuesAreNotTrusted() throws {
        let chunk = #"{"completion_probabilities":[{"id":4294967296,"token":"a","bytes":[97,300],"logprob":-0.25,"top_logprobs":[{"id":-5,"token":"b","logprob":-0.5}]}],"stop":true,"stop_type":"limit"}"#
        let steps = Self.run(LlamaCppChunks.self, [chunk])
        guard case .event(.finished(let last))? = steps.last else { Issue.record("no final event: \(steps)"); return }
        #expect(last.token.id == nil && last.token.bytes == nil && last.token.logprob == -0.25 && last.token.text == "a")
        #expect(last.topTokens?.first?.id == nil && last.topTokens?.first?.text == "b")
    }

    /// Seeded random byte mutations of every recorded completion answer and stream: each ends as a response, a
    /// stream, or a typed error.
    @Test func mutatedRecordingsNeverTrap() throws {
        var rng = SplitMix(seed: 20261202)
        let kinds: Set<GenerationError.ErrorType> = [GenerationError.ErrorType.invalidResponse, GenerationError.ErrorType.generation,
                                  "invalid_request_error", "server_error", "internal_server_error", "not_found_error"]
        var cases = 0
        for set in RecordedServer.allCases {
            for recording in try Fixtures.recordings(set) where recording.request.path.contains("completion") {
                let bytes = Array(recording.response.body.utf8)
                guard !bytes.isEmpty else { continue }
                for _ in 0..<40 {
                    var mutated = bytes
                    for _ in 0..<(1 + Int(rng.next() % 4)) {
                        let at = Int(rng.next() % UInt64(mutated.count))
                        mutated[at] = UInt8(truncatingIfNeeded: rng.next())
                    }
                    cases += 1
                    if recording.isEventStream {
                        var parser = SSEParser()
                        var openAI = OpenAIStreamDecoder(request: Self.request, url: "u")
                        var native = LlamaCppStreamDecoder(request: Self.request, url: "u")
                        for event in parser.feed(mutated) + parser.finish().events {
                            for step in openAI.decode(event) + native.decode(event) {
                                if case .failure(let error) = step { #expect(kinds.contains(error.errorType), "\(error)") }
                            }
                        }
                    } else {
                        do {
                            _ = try OpenAIBackend.decodeCompletion(Data(mutated), request: Self.request)
                        } catch {
                            // Any thrown error is a decoding failure the client turns into invalid_response.
                        }
                    }
                }
            }
        }
        #expect(cases > 400)
    }
}

/// A small seeded generator, so a failing mutation can be replayed.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
