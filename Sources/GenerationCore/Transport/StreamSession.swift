import Foundation

/// What one server-sent event of a generation stream means, as a wire protocol's decoder reads it.
enum StreamStep: Sendable {
    /// A neutral event to hand to the consumer.
    case event(GenerationEvent)
    /// The server reported an error inside the stream: stop reading and fail with it.
    case failure(GenerationError)
}

/// Turns one protocol's stream events into neutral `GenerationEvent`s. Each adapter (TGI, OpenAI-compatible,
/// llama.cpp) has one; the transport (`StreamSession`) is shared, so framing, cut streams and error bodies are
/// handled once for every protocol.
protocol StreamDecoder: Sendable {
    /// Decodes one event. `[]` means "nothing to say" (keep-alive, `[DONE]`, a usage-only chunk).
    mutating func decode(_ event: SSEEvent) -> [StreamStep]
    /// Tokens decoded but not yet handed out (a decoder that holds the last token until it learns whether the
    /// stream ends there), so a stream that is cut keeps them.
    var pendingTokens: [Token] { get }
}

/// The state of one streamed generation transfer, driven from the curl thread: it feeds body bytes to the SSE
/// parser and the protocol's decoder, and decides, when the transfer ends, whether the stream finished, failed or
/// was cut. A stream that ends without its final event fails with `incomplete_generation` and keeps its tokens.
final class StreamSession<Decoder: StreamDecoder>: @unchecked Sendable {
    private let url: String
    private let continuation: AsyncThrowingStream<GenerationEvent, any Error>.Continuation
    private var decoder: Decoder
    private var parser = SSEParser()
    private var isEventStream: Bool?
    private var nonStreamBody = Data()
    private var received: [Token] = []
    private var sawFinal = false
    private var failure: GenerationError?
    private let tokenLimit: Int?
    private var bodyOverflowed = false

    init(url: String, decoder: Decoder, continuation: AsyncThrowingStream<GenerationEvent, any Error>.Continuation,
         tokenLimit: Int? = nil) {
        self.url = url
        self.decoder = decoder
        self.continuation = continuation
        self.tokenLimit = tokenLimit
    }

    /// Handles one body chunk; returns false to abort the transfer (after a stream error event or bad bytes).
    func receive(_ bytes: UnsafeRawBufferPointer, status: Int, headers: [String: String]) -> Bool {
        if isEventStream == nil {
            let type = headers["content-type"]?.lowercased() ?? ""
            isEventStream = status == 200 && (type.hasPrefix("text/event-stream") || type.isEmpty)
        }
        guard isEventStream == true else {
            guard nonStreamBody.count + bytes.count <= TransportLimits.maxBodyBytes else {
                bodyOverflowed = true
                return false
            }
            nonStreamBody.append(contentsOf: bytes)
            return true
        }
        for event in parser.feed(bytes) where !handle(event) { return false }
        if failure == nil && parser.bufferedBytes > TransportLimits.maxEventBytes {
            fail(TransportLimits.tooLarge(url, what: "a stream event of more than 16 MiB"))
            return false
        }
        return true
    }

    /// Handles one event; false means stop reading.
    private func handle(_ event: SSEEvent) -> Bool {
        if failure != nil || sawFinal { return failure == nil }
        for step in decoder.decode(event) {
            switch step {
            case .event(let generation):
                if let tokenLimit, received.count >= tokenLimit {
                    fail(GenerationError(
                        errorType: GenerationError.ErrorType.tooManyTokens,
                        message: "\(url) streamed more than \(tokenLimit) tokens for max_new_tokens \(tokenLimit - TransportLimits.extraTokens); tgplay stopped reading there"))
                    return false
                }
                received.append(generation.response.token)
                if case .finished = generation { sawFinal = true }
                continuation.yield(generation)
            case .failure(var error):
                error.receivedTokens = received + decoder.pendingTokens
                failure = error
                return false
            }
            if sawFinal { break }
        }
        return true
    }

    /// Records a failure the client itself found, with the tokens received so far.
    private func fail(_ error: GenerationError) {
        var error = error
        error.receivedTokens = received + decoder.pendingTokens
        failure = error
    }

    /// Called once when the transfer ends, whatever the reason.
    func complete(_ outcome: TransferOutcome) {
        if bodyOverflowed {
            return continuation.finish(throwing: TransportLimits.tooLarge(url, what: "a body of more than 64 MiB"))
        }
        if outcome.cancelled {
            continuation.finish()
            return
        }
        if isEventStream == true {
            let (events, truncated) = parser.finish()
            for event in events where !sawFinal && failure == nil { _ = handle(event) }
            if let failure { return continuation.finish(throwing: failure) }
            if sawFinal { return continuation.finish() }
            let tokens = received + decoder.pendingTokens
            var why = outcome.succeeded ? "the server closed the stream" : outcome.curlMessage
            if truncated != nil { why += "; the last event was cut off" }
            continuation.finish(throwing: GenerationError(
                errorType: GenerationError.ErrorType.incompleteGeneration,
                message: "Incomplete generation stream: \(tokens.count) token\(tokens.count == 1 ? "" : "s") received, then \(why)",
                statusCode: outcome.status == 0 ? nil : outcome.status, receivedTokens: tokens))
            return
        }
        if !outcome.succeeded && nonStreamBody.isEmpty {
            return continuation.finish(throwing: HTTPErrorMapping.transportError(outcome, url: url))
        }
        if outcome.status != 200 {
            return continuation.finish(throwing: HTTPErrorMapping.error(
                status: outcome.status, body: nonStreamBody, headers: outcome.headers))
        }
        if let error = HTTPErrorMapping.bodyError(nonStreamBody, status: outcome.status) {
            return continuation.finish(throwing: error)
        }
        let type = outcome.headers["content-type"] ?? "no content type"
        continuation.finish(throwing: GenerationError(
            errorType: GenerationError.ErrorType.invalidResponse,
            message: "\(url) answered with \(type) instead of an event stream: \(BodySnippet.of(nonStreamBody))"))
    }
}

/// The start of a body, for error messages: printable, one line, bounded.
enum BodySnippet {
    static func of(_ data: Data, limit: Int = 200) -> String {
        let text = ServerText.visible(String(decoding: data.prefix(limit), as: UTF8.self)
            .replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\r", with: "\\r"))
        return data.count > limit ? text + "..." : (text.isEmpty ? "(empty body)" : text)
    }
}
