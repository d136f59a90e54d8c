import Foundation

/// A prompt's length in the backend's own tokens and the limit it has to fit, for the prompt pane's context meter.
///
/// Counting is its own call (not `tokenize().count`) because several servers can count but not return TGI's
/// token pieces with offsets (vLLM's and SGLang's `/tokenize` answer ids only, llama-cpp-python has a count route),
/// and the count is asked for on every pause in typing, so it should be the cheapest route each server has.
public struct TokenCount: Sendable, Equatable {
    /// What the limit bounds: TGI's `max_input_tokens` bounds the prompt alone; vLLM's `max_model_len` and
    /// llama.cpp's `n_ctx` bound prompt plus generated tokens.
    public enum LimitKind: String, Sendable, Equatable {
        case input
        case context
    }

    public var count: Int
    /// Nil when the backend does not say.
    public var limit: Int?
    public var limitKind: LimitKind
    /// Where the count comes from, e.g. "the built-in tokenizer" or "vLLM /tokenize", so the meter says it.
    public var source: String

    public init(count: Int, limit: Int?, limitKind: LimitKind, source: String) {
        self.count = count
        self.limit = limit
        self.limitKind = limitKind
        self.source = source
    }

    /// How many tokens are over the limit (0 when within it or the limit is unknown).
    public var excess: Int {
        guard let limit else { return 0 }
        return max(0, count - limit)
    }
}

extension TextGenerationBackend {
    /// The token count from `tokenize` (TGI's `/tokenize` and llama-server's), against the validation limits known
    /// for this backend: the input limit where one is known, else the total.
    public func countTokens(_ text: String) async throws -> TokenCount {
        let tokens = try await tokenize(GenerateRequest(inputs: text))
        let (limit, kind) = Self.knownLimit(limits)
        return TokenCount(count: tokens.count, limit: limit, limitKind: kind, source: "\(displayName) tokenize")
    }

    /// The input limit when known (TGI's `max_input_tokens`), else the total (`max_total_tokens`, `n_ctx`).
    static func knownLimit(_ limits: ValidationLimits) -> (Int?, TokenCount.LimitKind) {
        if let input = limits.maxInputTokens { return (input, .input) }
        return (limits.maxTotalTokens, .context)
    }
}
