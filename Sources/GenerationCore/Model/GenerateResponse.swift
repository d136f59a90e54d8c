import Foundation

/// TGI's `/generate` answer. `details` is present only when `details` or `decoder_input_details` was asked for.
public struct GenerateResponse: Codable, Sendable, Equatable {
    public var generatedText: String
    public var details: Details?

    public init(generatedText: String, details: Details? = nil) {
        self.generatedText = generatedText
        self.details = details
    }

    enum CodingKeys: String, CodingKey {
        case generatedText = "generated_text"
        case details
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(generatedText, forKey: .generatedText)
        try c.encodeIfPresent(details, forKey: .details)
    }
}

/// The `details` object of a `/generate` answer, written back in TGI's field order and with TGI's omissions:
/// `best_of_sequences` only when present, `top_tokens` only when non-empty, `seed` always (null when greedy).
public struct Details: Codable, Sendable, Equatable {
    public var finishReason: FinishReason
    public var generatedTokens: UInt32
    public var seed: UInt64?
    public var prefill: [PrefillToken]
    public var tokens: [Token]
    public var bestOfSequences: [BestOfSequence]?
    public var topTokens: [[Token]]?

    public init(
        finishReason: FinishReason, generatedTokens: UInt32, seed: UInt64?, prefill: [PrefillToken] = [],
        tokens: [Token], bestOfSequences: [BestOfSequence]? = nil, topTokens: [[Token]]? = nil
    ) {
        self.finishReason = finishReason
        self.generatedTokens = generatedTokens
        self.seed = seed
        self.prefill = prefill
        self.tokens = tokens
        self.bestOfSequences = bestOfSequences
        self.topTokens = topTokens
    }

    enum CodingKeys: String, CodingKey {
        case finishReason = "finish_reason"
        case generatedTokens = "generated_tokens"
        case seed, prefill, tokens
        case bestOfSequences = "best_of_sequences"
        case topTokens = "top_tokens"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        finishReason = try c.decode(FinishReason.self, forKey: .finishReason)
        generatedTokens = try c.decode(UInt32.self, forKey: .generatedTokens)
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed)
        prefill = try c.decodeIfPresent([PrefillToken].self, forKey: .prefill) ?? []
        tokens = try c.decodeIfPresent([Token].self, forKey: .tokens) ?? []
        bestOfSequences = try c.decodeIfPresent([BestOfSequence].self, forKey: .bestOfSequences)
        topTokens = try c.decodeIfPresent([[Token]].self, forKey: .topTokens)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(finishReason, forKey: .finishReason)
        try c.encode(generatedTokens, forKey: .generatedTokens)
        try c.encode(seed, forKey: .seed)
        try c.encode(prefill, forKey: .prefill)
        try c.encode(tokens, forKey: .tokens)
        try c.encodeIfPresent(bestOfSequences, forKey: .bestOfSequences)
        if let topTokens, !topTokens.isEmpty { try c.encode(topTokens, forKey: .topTokens) }
    }
}

/// One losing candidate of a `best_of` request (the winner is the response itself).
public struct BestOfSequence: Codable, Sendable, Equatable {
    public var generatedText: String
    public var finishReason: FinishReason
    public var generatedTokens: UInt32
    public var seed: UInt64?
    public var prefill: [PrefillToken]
    public var tokens: [Token]
    public var topTokens: [[Token]]?

    public init(
        generatedText: String, finishReason: FinishReason, generatedTokens: UInt32, seed: UInt64?,
        prefill: [PrefillToken] = [], tokens: [Token], topTokens: [[Token]]? = nil
    ) {
        self.generatedText = generatedText
        self.finishReason = finishReason
        self.generatedTokens = generatedTokens
        self.seed = seed
        self.prefill = prefill
        self.tokens = tokens
        self.topTokens = topTokens
    }

    enum CodingKeys: String, CodingKey {
        case generatedText = "generated_text"
        case finishReason = "finish_reason"
        case generatedTokens = "generated_tokens"
        case seed, prefill, tokens
        case topTokens = "top_tokens"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        generatedText = try c.decode(String.self, forKey: .generatedText)
        finishReason = try c.decode(FinishReason.self, forKey: .finishReason)
        generatedTokens = try c.decode(UInt32.self, forKey: .generatedTokens)
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed)
        prefill = try c.decodeIfPresent([PrefillToken].self, forKey: .prefill) ?? []
        tokens = try c.decodeIfPresent([Token].self, forKey: .tokens) ?? []
        topTokens = try c.decodeIfPresent([[Token]].self, forKey: .topTokens)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(generatedText, forKey: .generatedText)
        try c.encode(finishReason, forKey: .finishReason)
        try c.encode(generatedTokens, forKey: .generatedTokens)
        try c.encode(seed, forKey: .seed)
        try c.encode(prefill, forKey: .prefill)
        try c.encode(tokens, forKey: .tokens)
        if let topTokens, !topTokens.isEmpty { try c.encode(topTokens, forKey: .topTokens) }
    }
}
