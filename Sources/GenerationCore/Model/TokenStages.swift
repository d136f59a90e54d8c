import Foundation

/// What each sampling step did to the distribution one token was drawn from: the model's raw distribution, then
/// one entry per processor that ran, in the order the engine applied them.
///
/// Only the built-in engine can know this (a server reports one distribution at most), so it is an optional,
/// neutral field on `StreamResponse` that no TGI-shaped output ever writes: `tgplay explain` prints it, the
/// playground's popup draws it. Asked for with `GenerateRequest.traceStages`, because tracing costs decode time
/// (see README, "Distribution lab").
public struct TokenStages: Codable, Sendable, Equatable {
    /// `raw` first, then each processor that ran (`repetition_penalty`, `frequency_penalty`, `presence_penalty`,
    /// `grammar`, `temperature`, `top_k`, `top_p`, `typical_p`, `min_p`; `watermark` before them when on).
    public var stages: [TokenStage]
    /// The tokens the raw model ranked above the chosen one (at most the raw stage's top entries), each with the
    /// step that removed it or pushed it below the chosen token: the answer to "why not the model's favourite?".
    public var aboveChosen: [DisplacedToken]

    public init(stages: [TokenStage], aboveChosen: [DisplacedToken]) {
        self.stages = stages
        self.aboveChosen = aboveChosen
    }

    enum CodingKeys: String, CodingKey {
        case stages
        case aboveChosen = "above_chosen"
    }

    /// The model's own distribution, before any processor.
    public var raw: TokenStage? { stages.first }
    /// The distribution the token was drawn from (what TGI reports as `logprob` and `top_tokens`).
    public var processed: TokenStage? { stages.last }
}

/// One step's distribution, summarised.
public struct TokenStage: Codable, Sendable, Equatable {
    /// The step's parameter name (`raw` for the model's output).
    public var name: String
    /// Tokens with a finite score after the step (the support; the vocabulary size before any filter).
    public var support: Int
    /// The probability the previous step's distribution gave to the tokens this one kept (1 for steps that only
    /// reshape, and for `raw`): how much of the distribution a filter cut away.
    public var keptMass: Double
    /// Shannon entropy of the step's distribution, in nats.
    public var entropy: Double
    /// The step's most likely tokens with their log-probabilities under it, most likely first.
    public var top: [Token]
    /// The chosen token's 1-based rank at this step (ties broken by lower id, as `top` orders them).
    public var chosenRank: Int
    /// The chosen token's log-probability at this step (nil when not finite).
    public var chosenLogprob: Double?

    public init(name: String, support: Int, keptMass: Double, entropy: Double, top: [Token], chosenRank: Int,
                chosenLogprob: Double?) {
        self.name = name
        self.support = support
        self.keptMass = keptMass
        self.entropy = entropy
        self.top = top
        self.chosenRank = chosenRank
        self.chosenLogprob = chosenLogprob
    }

    enum CodingKeys: String, CodingKey {
        case name, support
        case keptMass = "kept_mass"
        case entropy
        case chosenRank = "chosen_rank"
        case chosenLogprob = "chosen_logprob"
        case top
    }
}

/// A token the raw model preferred to the chosen one, and what became of it.
public struct DisplacedToken: Codable, Sendable, Equatable {
    /// The token with its raw log-probability.
    public var token: Token
    /// Its 1-based rank in the raw distribution.
    public var rawRank: Int
    /// The step that removed it (set its score to -infinity), nil when it survived every step.
    public var removedBy: String?
    /// The step after which it first ranked below the chosen token while still present (a penalty or the
    /// grammar reordering), nil when it never did. Both nil: it stayed above, and sampling drew a lower token.
    public var passedAt: String?

    public init(token: Token, rawRank: Int, removedBy: String?, passedAt: String?) {
        self.token = token
        self.rawRank = rawRank
        self.removedBy = removedBy
        self.passedAt = passedAt
    }

    enum CodingKeys: String, CodingKey {
        case token
        case rawRank = "raw_rank"
        case removedBy = "removed_by"
        case passedAt = "passed_at"
    }

    /// `removed_by` and `passed_at` are written as null when unset: both null is an answer ("sampling drew
    /// lower"), so a reader must not have to guess what an absent key means.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(token, forKey: .token)
        try c.encode(rawRank, forKey: .rawRank)
        try c.encode(removedBy, forKey: .removedBy)
        try c.encode(passedAt, forKey: .passedAt)
    }

    /// Why it was not chosen, in a few words.
    public var reason: String {
        if let removedBy { return "removed by \(removedBy)" }
        if let passedAt { return "fell below at \(passedAt)" }
        return "kept; sampling drew lower"
    }
}
