import Foundation
import Synchronization

/// The TGI client: `/generate`, `/generate_stream`, `/info`, `/tokenize`, `/health` over libcurl, for TGI
/// servers (any path prefix) and serverless model URLs.
///
/// Requests are validated with TGI's rules before they leave. Streams are parsed incrementally as curl delivers
/// bytes; a stream that ends without its final event fails with `incomplete_generation` and keeps its tokens.
public final class TGIBackend: TextGenerationBackend {
    public let configuration: HTTPBackendConfiguration
    public let limits: ValidationLimits
    private let client: HTTPClient
    /// `max_input_tokens` from `/info`, asked once by `countTokens` when `limits` does not say.
    private let infoInputLimit = Mutex<Int?>(nil)

    public init(configuration: HTTPBackendConfiguration, limits: ValidationLimits = .unknown) {
        self.configuration = configuration
        self.limits = limits
        self.client = HTTPClient(configuration: configuration)
    }

    /// The endpoint without credentials (it appears in messages and the status bar).
    public var displayName: String { BackendIdentity(endpoint: configuration.endpoint).value }
    public var identity: BackendIdentity { BackendIdentity(endpoint: configuration.endpoint) }
    /// TGI's capabilities, with this router's own alternatives limit (unknown until `/info` says: left to the
    /// server then, as `Validation` leaves it), so a TGI started with a larger `--max-top-n-tokens` is not refused.
    public var capabilities: BackendCapabilities {
        var capabilities = BackendCapabilities.tgi
        capabilities.maxAlternatives = limits.maxTopNTokens
        return capabilities.declaring(configuration.declaredProbabilities)
    }

    /// TGI's rules, then what TGI cannot honour (`min_p`, `presence_penalty`: its router would ignore them).
    private func problem(with request: GenerateRequest, streaming: Bool) -> GenerationError? {
        capabilities.refusal(of: request, streaming: streaming, limits: limits, backend: displayName)
    }

    // MARK: - Simple routes

    public func info() async throws -> Info {
        if case .serverless(let modelId) = configuration.endpoint.kind {
            // The serverless API has no /info; the model id is all that is known without asking the Hub.
            return Info(modelId: modelId)
        }
        let body = try await exchange(method: "GET", url: configuration.endpoint.url("info"), body: nil)
        return try decode(Info.self, from: body, what: "/info")
    }

    public func health() async throws {
        let url = configuration.endpoint.isServerless ? configuration.endpoint.base : configuration.endpoint.url("health")
        _ = try await exchange(method: "GET", url: url, body: nil)
    }

    public func tokenize(_ request: GenerateRequest) async throws -> [SimpleToken] {
        guard !configuration.endpoint.isServerless else {
            throw GenerationError(errorType: GenerationError.ErrorType.unsupported,
                                  message: "the serverless API has no /tokenize route")
        }
        var plain = request
        plain.stream = nil
        let body = try await exchange(method: "POST", url: configuration.endpoint.url("tokenize"),
                                      body: try WireJSON.encode(plain))
        return try decode([SimpleToken].self, from: body, what: "/tokenize")
    }

    /// `/tokenize`'s count against `max_input_tokens` (from the limits given, else `/info`, asked once).
    public func countTokens(_ text: String) async throws -> TokenCount {
        let tokens = try await tokenize(GenerateRequest(inputs: text))
        var limit = limits.maxInputTokens ?? infoInputLimit.withLock { $0 }
        if limit == nil, let asked = try? await info().inputTokenLimit {
            infoInputLimit.withLock { $0 = asked }
            limit = asked
        }
        return TokenCount(count: tokens.count, limit: limit, limitKind: .input, source: "TGI /tokenize")
    }

    public func generate(_ request: GenerateRequest) async throws -> GenerateResponse {
        if let problem = problem(with: request, streaming: false) { throw problem }
        var outgoing = request
        outgoing.stream = configuration.endpoint.isServerless ? false : nil
        let body = try await exchange(method: "POST", url: configuration.endpoint.url("generate"),
                                      body: try WireJSON.encode(outgoing))
        return try client.decode(body, what: "/generate") { try WireJSON.decodeGenerateResponse(from: $0) }
    }

    // MARK: - Streaming

    public func generateStream(_ request: GenerateRequest) -> AsyncThrowingStream<GenerationEvent, any Error> {
        if let problem = problem(with: request, streaming: true) {
            return AsyncThrowingStream { $0.finish(throwing: problem) }
        }
        var outgoing = request
        outgoing.stream = configuration.endpoint.isServerless ? true : nil
        let body: Data
        do {
            body = try WireJSON.encode(outgoing)
        } catch {
            return AsyncThrowingStream { $0.finish(throwing: error) }
        }
        let url = configuration.endpoint.url("generate_stream")
        return client.stream(url: url, body: body, decoder: TGIStreamDecoder(url: BackendIdentity(url).value),
                             maxNewTokens: request.parameters?.maxNewTokens)
    }

    // MARK: - Plumbing

    private func exchange(method: String, url: String, body: Data?) async throws -> Data {
        try await client.exchange(method: method, url: url, body: body)
    }

    private func decode<T: Decodable>(_ type: T.Type, from body: Data, what: String) throws -> T {
        try client.decode(body, what: what) { try WireJSON.decode(type, from: $0) }
    }
}

/// TGI's stream events: each `data:` line is a `StreamResponse` (the final one carries `generated_text`), or an
/// error object `{"error", "error_type"}` sent inside the stream.
struct TGIStreamDecoder: StreamDecoder {
    let url: String
    var pendingTokens: [Token] { [] }

    mutating func decode(_ event: SSEEvent) -> [StreamStep] {
        let text = event.text.trimmingCharacters(in: .whitespaces)
        if text.isEmpty || text == "[DONE]" { return [] }
        let data = Data(event.data)
        if let response = try? WireJSON.decode(StreamResponse.self, from: data) {
            return [.event(response.isFinal ? .finished(response) : .token(response))]
        }
        if let error = try? WireJSON.decode(ErrorResponse.self, from: data) {
            return [.failure(GenerationError(
                errorType: error.errorType.map { .fromServer($0.rawValue) } ?? .generation,
                message: ServerText.visible(error.error), statusCode: 200, estimatedTime: error.estimatedTime))]
        }
        return [.failure(GenerationError(
            errorType: GenerationError.ErrorType.invalidResponse,
            message: "malformed stream event from \(url): \(BodySnippet.of(data))"))]
    }
}
