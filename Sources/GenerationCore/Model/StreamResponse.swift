import Foundation

/// One event of `/generate_stream`. The last one carries `generated_text` (and `details` if asked for);
/// the others have both null, and TGI writes those nulls out, so this type does too.
public struct StreamResponse: Codable, Sendable, Equatable {
    /// 1-based position; absent in streams from TGI before 1.0 (kept absent when re-encoded).
    public var index: UInt32?
    public var token: Token
    public var topTokens: [Token]?
    public var generatedText: String?
    public var details: StreamDetails?
    /// Not TGI's and never on the wire: what each sampling step did to this token's distribution, from the
    /// built-in engine when the request set `traceStages` (see `TokenStages`). Neither decoded nor encoded, so
    /// `generate` output stays exactly TGI's.
    public var stages: TokenStages? = nil

    public init(index: UInt32?, token: Token, topTokens: [Token]? = nil, generatedText: String? = nil,
                details: StreamDetails? = nil, stages: TokenStages? = nil) {
        self.index = index
        self.token = token
        self.topTokens = topTokens
        self.generatedText = generatedText
        self.details = details
        self.stages = stages
    }

    /// The final event of a stream is the one with a non-null `generated_text`.
    public var isFinal: Bool { generatedText != nil }

    enum CodingKeys: String, CodingKey {
        case index, token
        case topTokens = "top_tokens"
        case generatedText = "generated_text"
        case details
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        index = try c.decodeIfPresent(UInt32.self, forKey: .index)
        token = try c.decode(Token.self, forKey: .token)
        topTokens = try c.decodeIfPresent([Token].self, forKey: .topTokens)
        generatedText = try c.decodeIfPresent(String.self, forKey: .generatedText)
        details = try c.decodeIfPresent(StreamDetails.self, forKey: .details)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(index, forKey: .index)
        try c.encode(token, forKey: .token)
        if let topTokens, !topTokens.isEmpty { try c.encode(topTokens, forKey: .topTokens) }
        try c.encode(generatedText, forKey: .generatedText)
        try c.encode(details, forKey: .details)
    }
}

/// `details` of the final stream event. `input_length` exists since TGI 2.3 and is omitted when unknown.
public struct StreamDetails: Codable, Sendable, Equatable {
    public var finishReason: FinishReason
    public var generatedTokens: UInt32
    public var seed: UInt64?
    public var inputLength: UInt32?

    public init(finishReason: FinishReason, generatedTokens: UInt32, seed: UInt64?, inputLength: UInt32? = nil) {
        self.finishReason = finishReason
        self.generatedTokens = generatedTokens
        self.seed = seed
        self.inputLength = inputLength
    }

    enum CodingKeys: String, CodingKey {
        case finishReason = "finish_reason"
        case generatedTokens = "generated_tokens"
        case seed
        case inputLength = "input_length"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        finishReason = try c.decode(FinishReason.self, forKey: .finishReason)
        generatedTokens = try c.decode(UInt32.self, forKey: .generatedTokens)
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed)
        inputLength = try c.decodeIfPresent(UInt32.self, forKey: .inputLength)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(finishReason, forKey: .finishReason)
        try c.encode(generatedTokens, forKey: .generatedTokens)
        try c.encode(seed, forKey: .seed)
        try c.encodeIfPresent(inputLength, forKey: .inputLength)
    }
}
