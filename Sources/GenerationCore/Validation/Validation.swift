import Foundation

/// Server-dependent limits for validation. Nil means unknown: that rule is left to the server.
public struct ValidationLimits: Sendable, Equatable {
    public var maxBestOf: Int?
    public var maxStopSequences: Int?
    public var maxTopNTokens: Int?
    public var maxInputTokens: Int?
    public var maxTotalTokens: Int?

    public init(maxBestOf: Int? = nil, maxStopSequences: Int? = nil, maxTopNTokens: Int? = nil,
                maxInputTokens: Int? = nil, maxTotalTokens: Int? = nil) {
        self.maxBestOf = maxBestOf
        self.maxStopSequences = maxStopSequences
        self.maxTopNTokens = maxTopNTokens
        self.maxInputTokens = maxInputTokens
        self.maxTotalTokens = maxTotalTokens
    }

    /// The TGI router's command-line defaults (`--max-best-of 2`, `--max-stop-sequences 4`,
    /// `--max-top-n-tokens 5`). Token limits depend on the model and stay unknown.
    public static let tgiDefaults = ValidationLimits(maxBestOf: 2, maxStopSequences: 4, maxTopNTokens: 5)

    /// Nothing known: only the server-independent rules apply.
    public static let unknown = ValidationLimits()

    /// These limits with every known value of `other` taking precedence.
    public func overridden(by other: ValidationLimits) -> ValidationLimits {
        ValidationLimits(
            maxBestOf: other.maxBestOf ?? maxBestOf,
            maxStopSequences: other.maxStopSequences ?? maxStopSequences,
            maxTopNTokens: other.maxTopNTokens ?? maxTopNTokens,
            maxInputTokens: other.maxInputTokens ?? maxInputTokens,
            maxTotalTokens: other.maxTotalTokens ?? maxTotalTokens)
    }
}

/// TGI's request validation, run before a request leaves so a person sees TGI's own message at once.
///
/// The rules and their order follow the TGI router (`validation.rs` `validate`, `validate_best_of`, and the
/// streaming checks in `server.rs`), so the first message is the one the server would have sent. One
/// implementation serves the HTTP client and the built-in engine.
public enum Validation {
    /// TGI's chunk size when `max_new_tokens` is unset (the router re-queues every 1024 tokens).
    public static let defaultGenerationLength = 1024

    /// Returns TGI's first validation error for `request`, or nil when it is valid.
    /// - Parameters:
    ///   - streaming: the request goes to a streaming route (best_of and prefill details are refused there).
    ///   - inputTokenCount: the prompt's token count before truncation, when the caller can count tokens.
    public static func check(_ request: GenerateRequest, streaming: Bool, limits: ValidationLimits,
                             inputTokenCount: Int? = nil) -> GenerationError? {
        let p = request.parameters ?? GenerateParameters()
        // Kept in the wire's unsigned type: `best_of` and `truncate` may be anything up to u64::MAX, and comparing
        // across integer types (never converting) is what keeps such a request a validation error, not a trap.
        let bestOf = p.bestOf ?? 1

        if streaming {
            if bestOf != 1 { return .validation("`best_of` != 1 is not supported when streaming tokens") }
            if p.decoderInputDetails == true {
                return .validation("`decoder_input_details` == true is not supported when streaming tokens")
            }
        } else if bestOf != 1, let maxBestOf = limits.maxBestOf {
            if maxBestOf == 1 { return .validation("`best_of` != 1 is not allowed for this endpoint") }
            if bestOf > maxBestOf { return .validation("`best_of` must be > 0 and <= \(maxBestOf). Given: \(bestOf)") }
        }

        if bestOf > 1 && !p.requestsSampling { return .validation("you must use sampling when `best_of` is > 1") }
        // The server holds these as f32: compare in f32 so 0.99999999 counts as the 1.0 it becomes there.
        if let t = p.temperature.map(Float.init), t <= 0 {
            return .validation("`temperature` must be strictly positive")
        }
        if let r = p.repetitionPenalty.map(Float.init), r <= 0 {
            return .validation("`repetition_penalty` must be strictly positive")
        }
        if let f = p.frequencyPenalty.map(Float.init), !(-2.0...2.0).contains(f) {
            return .validation("`frequency_penalty` must be >= -2.0 and <= 2.0")
        }
        // min_p and presence_penalty are not TGI's; their checks follow TGI's wording for its own ranges.
        if let f = p.presencePenalty.map(Float.init), !(-2.0...2.0).contains(f) {
            return .validation("`presence_penalty` must be >= -2.0 and <= 2.0")
        }
        if let v = p.topP.map(Float.init), v <= 0 || v >= 1 { return .validation("`top_p` must be > 0.0 and < 1.0") }
        if let v = p.typicalP.map(Float.init), v <= 0 || v >= 1 {
            return .validation("`typical_p` must be > 0.0 and < 1.0")
        }
        if let v = p.minP.map(Float.init), v <= 0 || v >= 1 { return .validation("`min_p` must be > 0.0 and < 1.0") }
        if let k = p.topK, k <= 0 { return .validation("`top_k` must be strictly positive") }
        if p.maxNewTokens == 0 { return .validation("`max_new_tokens` must be strictly positive") }
        if let maxStop = limits.maxStopSequences, let stop = p.stop, stop.count > maxStop {
            return .validation("`stop` supports up to \(maxStop) stop sequences. Given: \(stop.count)")
        }
        if p.seed != nil && bestOf > 1 { return .validation("`seed` must not be set when `best_of` > 1") }
        if let maxTopN = limits.maxTopNTokens, let n = p.topNTokens, n > maxTopN {
            return .validation("`top_n_tokens` must be >= 0 and <= \(maxTopN). Given: \(n)")
        }
        if request.inputs.isEmpty { return .validation("`inputs` cannot be empty") }
        if let truncate = p.truncate {
            if truncate == 0 {
                return .validation("`truncate` must be strictly positive and less than \(limits.maxInputTokens.map(String.init) ?? "the input limit"). Given: 0")
            }
            if let maxInput = limits.maxInputTokens, truncate > maxInput {
                return .validation("`truncate` must be strictly positive and less than \(maxInput). Given: \(truncate)")
            }
        }
        if let count = inputTokenCount, let maxTotal = limits.maxTotalTokens {
            let inputLength = p.truncate.map { min(count, Int(clamping: $0)) } ?? count
            let newTokens = p.maxNewTokens.map(Int.init)
                ?? min(max(maxTotal - inputLength, 0), defaultGenerationLength)
            if inputLength + newTokens > maxTotal {
                return .validation("`inputs` tokens + `max_new_tokens` must be <= \(maxTotal). Given: \(inputLength) `inputs` tokens and \(newTokens) `max_new_tokens`")
            }
            if let maxInput = limits.maxInputTokens, inputLength > maxInput {
                return .validation("`inputs` must have less than \(maxInput) tokens. Given: \(inputLength)")
            }
        }
        if let grammar = p.grammar, let problem = grammarProblem(grammar) { return .validation(problem) }
        return nil
    }

    /// TGI's shape checks on a grammar (the server also meta-validates the schema and compiles it).
    static func grammarProblem(_ grammar: Grammar) -> String? {
        switch grammar.type {
        case .regex:
            return grammar.value.stringValue == nil ? "grammar is not supported" : nil
        case .json, .jsonObject:
            var schema = grammar.value
            if let text = grammar.value.stringValue {
                guard let parsed = try? JSONValue.parse(Data(text.utf8)) else {
                    return "grammar is not valid: the schema string is not valid JSON"
                }
                schema = parsed
            }
            guard case .object = schema else { return "grammar is not supported" }
            if schema["properties"] == nil { return "grammar is not valid: Grammar must have a 'properties' field" }
            return nil
        case .jsonSchema:
            guard case .object = grammar.value, grammar.value["schema"] != nil else {
                return "grammar is not valid: `json_schema` needs a `schema` object"
            }
            return nil
        }
    }
}
