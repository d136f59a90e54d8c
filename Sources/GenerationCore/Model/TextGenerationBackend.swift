import Foundation

/// One step of a streamed generation: an intermediate token, or the final event that carries
/// `generated_text` (and `details` when asked for). Failures end the stream by throwing `GenerationError`.
public enum GenerationEvent: Sendable, Equatable {
    case token(StreamResponse)
    case finished(StreamResponse)

    /// The TGI stream event behind this step, exactly as it would be written on the wire.
    public var response: StreamResponse {
        switch self {
        case .token(let r), .finished(let r): return r
        }
    }
}

/// What the UI, compare mode and the CLI need from a place that generates text.
///
/// Every adapter (TGI, OpenAI-compatible, llama.cpp) and the built-in engine implement it and answer in TGI's
/// shapes, the neutral interface (token ids optional, raw bytes when known), so everything above this protocol
/// treats them alike. Streams cancel both ways: ending iteration (or cancelling the consuming task)
/// aborts the transfer or stops the engine; a failure throws `GenerationError` with the tokens received so far.
public protocol TextGenerationBackend: Sendable {
    /// A short human label: the endpoint URL or "built-in".
    var displayName: String { get }
    /// Which backend this is, as shown and stored (no credentials).
    var identity: BackendIdentity { get }
    /// What it can honour and what its numbers are; validation refuses the rest before sending.
    var capabilities: BackendCapabilities { get }
    /// Validation limits known for this backend (refined from `/info` where the backend has one).
    var limits: ValidationLimits { get }
    /// TGI's `GET /info`.
    func info() async throws -> Info
    /// TGI's `GET /health`: returns when the server is ready, throws otherwise.
    func health() async throws
    /// TGI's `POST /tokenize`.
    func tokenize(_ request: GenerateRequest) async throws -> [SimpleToken]
    /// TGI's `POST /generate`.
    func generate(_ request: GenerateRequest) async throws -> GenerateResponse
    /// TGI's `POST /generate_stream`, one `GenerationEvent` per server event.
    func generateStream(_ request: GenerateRequest) -> AsyncThrowingStream<GenerationEvent, any Error>
}
