import Foundation
import Synchronization

/// The TGI client: `/generate`, `/generate_stream`, `/info`, `/tokenize`, `/health` over libcurl, for TGI
/// servers (any path prefix) and serverless model URLs.
///
/// Requests are validated with TGI's rules before they leave. Streams are parsed incrementally as curl delivers
/// bytes; a stream that ends without its final event fails with `incomplete_generation` and keeps its tokens.
public final class TGIBackend: TextGenerationBackend {
    public let configuration: HTTPBackendConfiguration
    private let knownLimits: Mutex<ValidationLimits>
    private let driver: CurlDriver

    public init(configuration: HTTPBackendConfiguration, limits: ValidationLimits = .unknown) {
        self.configuration = configuration
        self.knownLimits = Mutex(limits)
        self.driver = .shared
    }

    public var displayName: String { configuration.endpoint.base }

    public var limits: ValidationLimits { knownLimits.withLock { $0 } }

    /// Fetches `/info` and adopts the limits it announces for later validation.
    @discardableResult
    public func refreshLimits() async throws -> Info {
        let info = try await self.info()
        knownLimits.withLock { $0 = $0.overridden(by: info.validationLimits) }
        return info
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

    public func generate(_ request: GenerateRequest) async throws -> GenerateResponse {
        if let problem = Validation.check(request, streaming: false, limits: limits) { throw problem }
        var outgoing = request
        outgoing.stream = configuration.endpoint.isServerless ? false : nil
        let body = try await exchange(method: "POST", url: configuration.endpoint.url("generate"),
                                      body: try WireJSON.encode(outgoing))
        do {
            return try WireJSON.decodeGenerateResponse(from: body)
        } catch {
            throw invalidResponse(body, what: "/generate", error: error)
        }
    }

    // MARK: - Streaming

    public func generateStream(_ request: GenerateRequest) -> AsyncThrowingStream<GenerationEvent, any Error> {
        if let problem = Validation.check(request, streaming: true, limits: limits) {
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
        let spec = HTTPRequestSpec(
            url: url, method: "POST", body: body,
            headers: configuration.headers + [("Accept", "text/event-stream")],
            connectTimeout: configuration.connectTimeout, readTimeout: configuration.readTimeout)

        return AsyncThrowingStream { continuation in
            let session = StreamSession(url: url, continuation: continuation)
            let transfer = CurlTransfer(
                spec: spec,
                onBody: { bytes, status, headers in session.receive(bytes, status: status, headers: headers) },
                onComplete: { outcome in session.complete(outcome) })
            continuation.onTermination = { [driver] termination in
                if case .cancelled = termination { driver.cancel(transfer) }
            }
            driver.start(transfer)
        }
    }

    // MARK: - Plumbing

    /// One request/answer exchange; returns the body of a 2xx answer, throws the mapped error otherwise.
    private func exchange(method: String, url: String, body: Data?) async throws -> Data {
        let spec = HTTPRequestSpec(
            url: url, method: method, body: body, headers: configuration.headers,
            connectTimeout: configuration.connectTimeout, readTimeout: configuration.readTimeout)
        let collected = Mutex(Data())
        let box = Mutex<CurlTransfer?>(nil)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Data, any Error>) in
                let transfer = CurlTransfer(
                    spec: spec,
                    onBody: { bytes, _, _ in
                        collected.withLock { $0.append(contentsOf: bytes) }
                        return true
                    },
                    onComplete: { outcome in
                        let data = collected.withLock { $0 }
                        if outcome.succeeded, (200..<300).contains(outcome.status) {
                            continuation.resume(returning: data)
                        } else if outcome.succeeded {
                            continuation.resume(throwing: HTTPErrorMapping.error(
                                status: outcome.status, body: data, headers: outcome.headers))
                        } else {
                            continuation.resume(throwing: HTTPErrorMapping.transportError(outcome, url: url))
                        }
                    })
                box.withLock { $0 = transfer }
                if Task.isCancelled { transfer.cancelRequested.store(true, ordering: .relaxed) }
                driver.start(transfer)
            }
        } onCancel: { [driver] in
            if let transfer = box.withLock({ $0 }) { driver.cancel(transfer) }
        }
    }

    private func decode<T: Decodable>(_ type: T.Type, from body: Data, what: String) throws -> T {
        do {
            return try WireJSON.decode(type, from: body)
        } catch {
            throw invalidResponse(body, what: what, error: error)
        }
    }

    private func invalidResponse(_ body: Data, what: String, error: any Error) -> GenerationError {
        GenerationError(
            errorType: GenerationError.ErrorType.invalidResponse,
            message: "\(configuration.endpoint.base): unexpected \(what) answer (\(WireJSON.describe(error))): \(StreamSession.snippet(body))")
    }
}
