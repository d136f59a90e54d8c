import Foundation

/// How surprising the prompt was to the model, from a `decoder_input_details` answer's prefill tokens.
///
/// Why a separate helper: TGI only gives prompt logprobs on a non-streaming request (it refuses
/// `decoder_input_details` while streaming), so the playground sends one extra request and colours the
/// prompt from this. The first prompt token has no logprob (nothing precedes it) and is left out of the mean.
public struct PromptPerplexity: Sendable, Equatable {
    /// The prompt tokens as the server reported them.
    public var tokens: [PrefillToken]
    /// One entry per prompt token; nil for the first and for any the server could not score.
    public var logprobs: [Double?]
    /// Mean of the non-null, finite logprobs; nil when there are none.
    public var meanLogprob: Double?
    /// exp(-mean logprob); nil when there is no scored token.
    public var perplexity: Double?

    public init(prefill: [PrefillToken]) {
        tokens = prefill
        logprobs = prefill.map { token in token.logprob.flatMap { $0.isFinite ? $0 : nil } }
        let scored = LogprobMean(logprobs)
        meanLogprob = scored.mean
        perplexity = scored.perplexity
    }

    /// From a `/generate` answer; nil when it has no prefill (the request lacked `decoder_input_details`).
    public init?(response: GenerateResponse) {
        guard let prefill = response.details?.prefill, !prefill.isEmpty else { return nil }
        self.init(prefill: prefill)
    }

    /// The request that gets prompt logprobs: non-streaming, `decoder_input_details` and `details` on, and
    /// only one new token (the prompt is what is being scored).
    public static func request(for prompt: String, base: GenerateParameters = GenerateParameters()) -> GenerateRequest {
        var parameters = base
        parameters.decoderInputDetails = true
        parameters.details = true
        parameters.maxNewTokens = 1
        parameters.bestOf = nil
        return GenerateRequest(inputs: prompt, parameters: parameters, stream: nil)
    }
}
