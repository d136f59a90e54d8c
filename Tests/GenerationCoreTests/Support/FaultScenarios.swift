import Foundation
@testable import GenerationCore

/// One misbehaving (or well-behaved) server and what a client must make of it. Each scenario runs through the
/// libcurl backend and through `tgplay generate`.
struct FaultScenario: Sendable, CustomStringConvertible {
    var name: String
    var stream: Bool
    var steps: @Sendable (TestHTTPServer.Request) -> [TestHTTPServer.Step]
    var tokens: [String] = []
    var generatedText: String?
    var errorType: GenerationError.ErrorType?
    var message: String?
    var statusCode: Int?
    var estimatedTime: Double?
    var retryAfter: Double?
    var readTimeout: Double?

    var description: String { name }

    static let validationBody = #"{"error":"Input validation error: `inputs` tokens + `max_new_tokens` must be <= 1512. Given: 2 `inputs` tokens and 10000 `max_new_tokens`","error_type":"validation"}"#

    static let all: [FaultScenario] = {
        let recorded = try? Fixtures.generateInteractions()
            .first { $0.cassette.contains("stream_with_details") }?.interaction.response_body
        let recordedStream = recorded ?? "recorded stream missing"
        let events = Fixtures.threeTokenStream
        let secondHalf = events[1].prefix(30)
        return [
            FaultScenario(name: "recorded serverless stream (data: without space)", stream: true,
                          steps: { _ in Reply.stream([recordedStream]) }, tokens: [" "], generatedText: ""),
            FaultScenario(name: "slow tokens", stream: true,
                          steps: { _ in Reply.stream(events, delayMilliseconds: 120) },
                          tokens: ["Hello", " world", "!"], generatedText: "Hello world!"),
            FaultScenario(name: "keep-alive comments between events", stream: true,
                          steps: { _ in Reply.stream([":\n\n", events[0], ":\n\n", ":\n\n", events[1], events[2]], delayMilliseconds: 20) },
                          tokens: ["Hello", " world", "!"], generatedText: "Hello world!"),
            FaultScenario(name: "stream cut mid-event", stream: true,
                          steps: { _ in
                              [Reply.head(status: 200, contentType: "text/event-stream", chunked: true),
                               .chunk(Data(events[0].utf8)), .sleep(milliseconds: 50),
                               .chunk(Data(secondHalf.utf8)), .sleep(milliseconds: 50), .close]
                          },
                          tokens: ["Hello"], errorType: "incomplete_generation", message: "1 token received"),
            FaultScenario(name: "stream that ends without a final event", stream: true,
                          steps: { _ in Reply.stream([events[0], events[1]]) },
                          tokens: ["Hello", " world"], errorType: "incomplete_generation",
                          message: "Incomplete generation stream: 2 tokens received, then the server closed the stream"),
            FaultScenario(name: "mid-stream error event", stream: true,
                          steps: { _ in
                              Reply.stream([events[0], events[1],
                                            #"data: {"error":"Request failed during generation: CUDA out of memory","error_type":"generation"}"# + "\n\n"])
                          },
                          tokens: ["Hello", " world"], errorType: "generation",
                          message: "Request failed during generation: CUDA out of memory"),
            FaultScenario(name: "validation error event in a 200 stream", stream: true,
                          steps: { _ in Reply.stream(["data: " + validationBody + "\n\n"]) },
                          errorType: "validation", message: "Input validation error: `inputs` tokens + `max_new_tokens` must be <= 1512. Given: 2 `inputs` tokens and 10000 `max_new_tokens`"),
            FaultScenario(name: "422 JSON", stream: false,
                          steps: { _ in Reply.body(status: 422, validationBody) },
                          errorType: "validation", message: "Input validation error: `inputs` tokens + `max_new_tokens` must be <= 1512. Given: 2 `inputs` tokens and 10000 `max_new_tokens`",
                          statusCode: 422),
            FaultScenario(name: "422 JSON on the stream route", stream: true,
                          steps: { _ in Reply.body(status: 422, validationBody) },
                          errorType: "validation", statusCode: 422),
            FaultScenario(name: "424 JSON", stream: false,
                          steps: { _ in Reply.body(status: 424, #"{"error":"Request failed during generation: shard died","error_type":"generation"}"#) },
                          errorType: "generation", message: "Request failed during generation: shard died", statusCode: 424),
            FaultScenario(name: "429 JSON with Retry-After", stream: false,
                          steps: { _ in Reply.body(status: 429, #"{"error":"Model is overloaded","error_type":"overloaded"}"#, extra: ["Retry-After": "2"]) },
                          errorType: "overloaded", message: "Model is overloaded", statusCode: 429, retryAfter: 2),
            FaultScenario(name: "503 model loading", stream: false,
                          steps: { _ in Reply.body(status: 503, #"{"error":"Model google/gemma is currently loading","estimated_time":20.0}"#) },
                          errorType: "model_loading", message: "Model google/gemma is currently loading", statusCode: 503,
                          estimatedTime: 20),
            FaultScenario(name: "503 model loading on the stream route", stream: true,
                          steps: { _ in Reply.body(status: 503, #"{"error":"Model google/gemma is currently loading","estimated_time":577.375}"#) },
                          errorType: "model_loading", statusCode: 503, estimatedTime: 577.375),
            FaultScenario(name: "plain-text 413", stream: false,
                          steps: { _ in Reply.body(status: 413, contentType: "text/plain; charset=utf-8", "Failed to buffer the request body: length limit exceeded") },
                          errorType: "payload_too_large", message: "Failed to buffer the request body: length limit exceeded", statusCode: 413),
            FaultScenario(name: "plain-text 415", stream: true,
                          steps: { _ in Reply.body(status: 415, contentType: "text/plain; charset=utf-8", "Expected request with `Content-Type: application/json`") },
                          errorType: "unsupported_media_type", message: "Expected request with `Content-Type: application/json`", statusCode: 415),
            FaultScenario(name: "server accepts and never answers", stream: false,
                          steps: { _ in [.hang] }, errorType: "timeout", message: "read timeout", readTimeout: 0.5),
            FaultScenario(name: "stream that goes silent", stream: true,
                          steps: { _ in
                              [Reply.head(status: 200, contentType: "text/event-stream", chunked: true),
                               .chunk(Data(events[0].utf8)), .hang]
                          },
                          tokens: ["Hello"], errorType: "incomplete_generation", message: "read timeout", readTimeout: 0.5),
            FaultScenario(name: "malformed event bytes", stream: true,
                          steps: { _ in Reply.stream([events[0], "data: {\"index\":2,\"tok\u{7f}\n\n", events[2]]) },
                          tokens: ["Hello"], errorType: "invalid_response", message: "malformed stream event"),
        ]
    }()
}
