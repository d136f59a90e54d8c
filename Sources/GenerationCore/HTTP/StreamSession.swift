import Foundation

/// The state of one `/generate_stream` transfer, driven from the curl thread: it turns body bytes into
/// `GenerationEvent`s and decides, when the transfer ends, whether the stream finished, failed or was cut.
final class StreamSession: @unchecked Sendable {
    private let url: String
    private let continuation: AsyncThrowingStream<GenerationEvent, any Error>.Continuation
    private var parser = SSEParser()
    private var isEventStream: Bool?
    private var nonStreamBody = Data()
    private var received: [Token] = []
    private var sawFinal = false
    private var failure: GenerationError?

    init(url: String, continuation: AsyncThrowingStream<GenerationEvent, any Error>.Continuation) {
        self.url = url
        self.continuation = continuation
    }

    /// Handles one body chunk; returns false to abort the transfer (after a stream error event or bad bytes).
    func receive(_ bytes: UnsafeRawBufferPointer, status: Int, headers: [String: String]) -> Bool {
        if isEventStream == nil {
            let type = headers["content-type"]?.lowercased() ?? ""
            isEventStream = status == 200 && (type.hasPrefix("text/event-stream") || type.isEmpty)
        }
        guard isEventStream == true else {
            nonStreamBody.append(contentsOf: bytes)
            return true
        }
        for event in parser.feed(bytes) where !handle(event) { return false }
        return true
    }

    /// Handles one event; false means stop reading.
    private func handle(_ event: SSEEvent) -> Bool {
        if failure != nil || sawFinal { return failure == nil }
        let text = event.text.trimmingCharacters(in: .whitespaces)
        if text.isEmpty || text == "[DONE]" { return true }
        let data = Data(event.data)
        if let response = try? JSONDecoder().decode(StreamResponse.self, from: data) {
            received.append(response.token)
            if response.isFinal {
                sawFinal = true
                continuation.yield(.finished(response))
            } else {
                continuation.yield(.token(response))
            }
            return true
        }
        if let error = try? JSONDecoder().decode(ErrorResponse.self, from: data) {
            failure = GenerationError(
                errorType: error.errorType ?? GenerationError.ErrorType.generation, message: error.error,
                statusCode: 200, estimatedTime: error.estimatedTime, receivedTokens: received)
            return false
        }
        failure = GenerationError(
            errorType: GenerationError.ErrorType.invalidResponse,
            message: "malformed stream event from \(url): \(Self.snippet(data))", receivedTokens: received)
        return false
    }

    /// Called once when the transfer ends, whatever the reason.
    func complete(_ outcome: TransferOutcome) {
        if outcome.cancelled {
            continuation.finish()
            return
        }
        if isEventStream == true {
            let (events, truncated) = parser.finish()
            for event in events where !sawFinal && failure == nil { _ = handle(event) }
            if let failure { return continuation.finish(throwing: failure) }
            if sawFinal { return continuation.finish() }
            var why = outcome.succeeded ? "the server closed the stream" : outcome.curlMessage
            if truncated != nil { why += "; the last event was cut off" }
            continuation.finish(throwing: GenerationError(
                errorType: GenerationError.ErrorType.incompleteGeneration,
                message: "Incomplete generation stream: \(received.count) token\(received.count == 1 ? "" : "s") received, then \(why)",
                statusCode: outcome.status == 0 ? nil : outcome.status, receivedTokens: received))
            return
        }
        if !outcome.succeeded && nonStreamBody.isEmpty {
            return continuation.finish(throwing: HTTPErrorMapping.transportError(outcome, url: url))
        }
        if outcome.status != 200 {
            return continuation.finish(throwing: HTTPErrorMapping.error(
                status: outcome.status, body: nonStreamBody, headers: outcome.headers))
        }
        if let error = try? JSONDecoder().decode(ErrorResponse.self, from: nonStreamBody) {
            return continuation.finish(throwing: GenerationError(
                errorType: error.errorType ?? GenerationError.ErrorType.generation, message: error.error,
                statusCode: outcome.status, estimatedTime: error.estimatedTime))
        }
        let type = outcome.headers["content-type"] ?? "no content type"
        continuation.finish(throwing: GenerationError(
            errorType: GenerationError.ErrorType.invalidResponse,
            message: "\(url) answered with \(type) instead of an event stream: \(Self.snippet(nonStreamBody))"))
    }

    /// The start of a body, for error messages: printable, one line, bounded.
    static func snippet(_ data: Data, limit: Int = 200) -> String {
        let text = String(decoding: data.prefix(limit), as: UTF8.self)
            .replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\r", with: "\\r")
        return data.count > limit ? text + "..." : (text.isEmpty ? "(empty body)" : text)
    }
}
