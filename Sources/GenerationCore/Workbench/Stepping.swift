import Foundation

/// One step of step-and-steer: the prompt (with the request's parameters), the tokens accepted after it so far,
/// and either "generate exactly one more token" (`force` nil) or "accept this text" (`force` set: tokenized, each
/// token accepted in order and scored).
public struct StepRequest: Sendable, Equatable {
    /// The prompt and parameters; `traceStages` asks the built-in engine for each step's stages.
    public var request: GenerateRequest
    /// Tokens accepted after the prompt (earlier steps' answers, a chosen alternative, forced text).
    public var accepted: [Token]
    public var force: String?

    public init(request: GenerateRequest, accepted: [Token] = [], force: String? = nil) {
        self.request = request
        self.accepted = accepted
        self.force = force
    }

    /// The accepted tokens as text, as TGI's `generated_text` would have it (special tokens are not text; raw bytes
    /// when every token has them, so a character split over two tokens is whole again).
    public var acceptedText: String {
        let plain = accepted.filter { !$0.special }
        if plain.allSatisfy({ $0.bytes != nil }) {
            return String(decoding: plain.flatMap { $0.bytes ?? [] }, as: UTF8.self)
        }
        return plain.map(\.text).joined()
    }

    /// The one-token request of a step on a remote backend: prompt + accepted text, `max_new_tokens` 1,
    /// details (the token) and alternatives up to 5 or the backend's limit unless the request set them.
    /// A request seed moves on by the number of accepted tokens, so steps are reproducible but not all alike.
    public func remoteStepRequest(maxAlternatives: Int?) -> GenerateRequest {
        var r = request
        r.inputs = request.inputs + acceptedText
        var p = r.parameters ?? GenerateParameters()
        if r.parameters == nil { p.doSample = true }
        p.maxNewTokens = 1
        p.details = true
        if p.topNTokens == nil { p.topNTokens = UInt32(min(5, maxAlternatives ?? 5)) }
        p.seed = p.seed.map { $0 &+ UInt64(accepted.count) }
        p.bestOf = nil
        p.decoderInputDetails = nil
        p.returnFullText = nil
        r.parameters = p
        r.stream = nil
        return r
    }
}

/// A token a step produced or forced, with what the backend knows of it there.
public struct StepToken: Encodable, Sendable, Equatable {
    public var token: Token
    /// True for a token of forced text: its `logprob` is then the model's own (raw) logprob of it at that
    /// position, as prompt scoring (`decoder_input_details`) gives it; nil when the backend cannot score text.
    public var forced: Bool
    /// What `token.logprob` and `topTokens` are: the backend's kind for a generated token, `raw` for a forced one.
    public var probabilities: ProbabilityKind
    /// The most likely tokens at this position (for a generated token the distribution it was drawn from).
    public var topTokens: [Token]
    /// The built-in engine's stages, when the request traced them.
    public var stages: TokenStages?

    public init(token: Token, forced: Bool, probabilities: ProbabilityKind, topTokens: [Token],
                stages: TokenStages? = nil) {
        self.token = token
        self.forced = forced
        self.probabilities = probabilities
        self.topTokens = topTokens
        self.stages = stages
    }

    enum CodingKeys: String, CodingKey {
        case token, forced, probabilities
        case topTokens = "top_tokens"
        case stages
    }
}

/// A backend that steps itself (the built-in engine, whose KV cache is kept between steps so step k+1
/// evaluates one token). Others get `Stepping.remote`.
public protocol StepSource: TextGenerationBackend {
    func step(_ request: StepRequest) async throws -> [StepToken]
}

/// Step and steer on any backend.
public enum Stepping {
    /// One step: a single generated token, or the forced text's tokens in order.
    public static func step(_ request: StepRequest, on backend: any TextGenerationBackend) async throws -> [StepToken] {
        if let native = backend as? any StepSource { return try await native.step(request) }
        return try await remote(request, on: backend)
    }

    /// A remote step: a one-token request with the accepted text appended. Forced text is scored by prompt
    /// logprobs where the backend has them (`decoder_input_details` on the context with and without the text; the
    /// forced tokens are the second's extra prompt tokens); elsewhere it is accepted as one unscored piece
    /// (no id, no logprob), since the backend cannot say how it tokenizes or what it thinks of it.
    public static func remote(_ request: StepRequest, on given: any TextGenerationBackend) async throws -> [StepToken] {
        let backend = try await given.answering()
        let capabilities = backend.capabilities
        guard let force = request.force else {
            let response = try await backend.generate(request.remoteStepRequest(maxAlternatives: capabilities.maxAlternatives))
            guard let details = response.details, let token = details.tokens.first else {
                throw GenerationError(errorType: GenerationError.ErrorType.invalidResponse,
                                      message: "\(backend.displayName) answered a step without its token (details)")
            }
            return [StepToken(token: token, forced: false, probabilities: capabilities.probabilities,
                              topTokens: details.topTokens?.first ?? [])]
        }
        guard !force.isEmpty else { return [] }
        guard capabilities.promptLogprobs else {
            return [StepToken(token: Token(id: nil, text: force, logprob: nil, special: false,
                                           bytes: Array(force.utf8)),
                              forced: true, probabilities: .unknown, topTokens: [])]
        }
        func prefill(_ inputs: String) async throws -> [PrefillToken] {
            var r = request.remoteStepRequest(maxAlternatives: capabilities.maxAlternatives)
            r.inputs = inputs
            r.parameters?.decoderInputDetails = true
            r.parameters?.topNTokens = nil
            let response = try await backend.generate(r)
            guard let prefill = response.details?.prefill, !prefill.isEmpty else {
                throw GenerationError(errorType: GenerationError.ErrorType.invalidResponse,
                                      message: "\(backend.displayName) answered without prompt logprobs (decoder_input_details)")
            }
            return prefill
        }
        let context = request.request.inputs + request.acceptedText
        let before = try await prefill(context)
        let after = try await prefill(context + force)
        let common = zip(before, after).prefix { a, b in a.id.flatMap { x in b.id.map { $0 == x } } ?? (a.text == b.text) }.count
        return after.dropFirst(common).map { entry in
            StepToken(token: Token(id: entry.id, text: entry.text, logprob: entry.logprob, special: false),
                      forced: true, probabilities: .raw, topTokens: [])
        }
    }
}
