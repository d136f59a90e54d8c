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
    /// The prompt's length in this backend's tokens and its limit, by the cheapest route the backend has
    /// (the default counts `tokenize`'s answer; see `TokenCount`).
    func countTokens(_ text: String) async throws -> TokenCount
    /// TGI's `POST /generate`.
    func generate(_ request: GenerateRequest) async throws -> GenerateResponse
    /// TGI's `POST /generate_stream`, one `GenerationEvent` per server event.
    func generateStream(_ request: GenerateRequest) -> AsyncThrowingStream<GenerationEvent, any Error>
    /// A chat reply, streamed as the same neutral events as text (the reply's tokens with their logprobs).
    func chatStream(_ request: ChatRequest) -> AsyncThrowingStream<GenerationEvent, any Error>
    /// The text the model is fed for a conversation (with a generation prompt unless a reply is continued).
    func template(_ request: ChatRequest) async throws -> TemplatedChat
    /// The conversation's prompt scored token by token, as the playground's F6 scores a text prompt: TGI's
    /// `/generate` answer with `decoder_input_details` over exactly the tokens the chat route would feed the model.
    func scoreChat(_ request: ChatRequest) async throws -> GenerateResponse
}

extension TextGenerationBackend {
    /// Backends without a chat route say so, naming themselves.
    public func chatStream(_ request: ChatRequest) -> AsyncThrowingStream<GenerationEvent, any Error> {
        let error = GenerationError(errorType: GenerationError.ErrorType.unsupported,
                                    message: "\(displayName) has no chat route tgplay can use")
        return AsyncThrowingStream { $0.finish(throwing: error) }
    }

    public func template(_ request: ChatRequest) async throws -> TemplatedChat {
        throw GenerationError(errorType: GenerationError.ErrorType.unsupported,
                              message: "\(displayName) cannot show the templated text of a chat")
    }

    /// Backends whose chat route returns no prompt logprobs say so: scoring the `template` text through the text
    /// route instead could tokenize it differently (special tokens, a second BOS) and score another prompt.
    public func scoreChat(_ request: ChatRequest) async throws -> GenerateResponse {
        throw GenerationError(errorType: GenerationError.ErrorType.unsupported,
                              message: "\(displayName) cannot score a conversation's prompt: its chat route returns no prompt logprobs")
    }

    /// A non-streamed chat reply: the stream gathered into TGI's `/generate` shape.
    public func chat(_ request: ChatRequest) async throws -> GenerateResponse {
        var events: [StreamResponse] = []
        for try await event in chatStream(request) { events.append(event.response) }
        guard let response = GenerateResponse(streamEvents: events) else {
            throw GenerationError(errorType: GenerationError.ErrorType.incompleteGeneration,
                                  message: "the chat stream ended without its final event")
        }
        return response
    }
}
