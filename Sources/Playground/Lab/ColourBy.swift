import Foundation
import GenerationCore

/// What the output's token colours mean (`m` in the output cycles it). Probability is what every backend reports;
/// the others read the built-in engine's stages (`TokenStages`), except rank, which a backend's `top_tokens` also
/// give. A token without the number is drawn dim and the legend says why, never painted as the lowest bucket.
public enum ColourBy: String, Sendable, Equatable, CaseIterable, Codable {
    /// The chosen token's probability under the distribution it was drawn from (what the backend reports).
    case probability
    /// The chosen token's probability under the model's own distribution, before any processor.
    case rawProbability = "raw"
    /// The entropy (nats) of the distribution the token was drawn from: how unsure the sampler was.
    case entropy
    /// The chosen token's 1-based rank in the distribution it was drawn from.
    case rank
    /// How much processing moved the chosen token: processed probability minus raw, in percentage points.
    case shift

    /// The next setting, wrapping around.
    public var next: ColourBy {
        let all = Self.allCases
        let i = all.firstIndex(of: self) ?? 0
        return all[(i + 1) % all.count]
    }

    /// The legend's first word: what the scale measures.
    public var legendTitle: String {
        switch self {
        case .probability: return "p%"
        case .rawProbability: return "raw p%"
        case .entropy: return "entropy"
        case .rank: return "rank"
        case .shift: return "Δp%"
        }
    }

    /// The legend's labels, one per colour of `Role.probabilityScale` (lowest, red, first).
    public var labels: [String] {
        switch self {
        case .probability, .rawProbability: return Role.probabilityLabels
        case .entropy: return ["3+", "<3", "<2", "<1", "<.5", "<.25"]
        case .rank: return [">5", "5", "4", "3", "2", "1"]
        case .shift: return ["<-20", "<-5", "±5", ">5", ">20", ">50"]
        }
    }

    /// The setting needs the built-in engine's stage trace (the request's `traceStages`).
    public var needsStages: Bool {
        switch self {
        case .probability, .rank: return false
        case .rawProbability, .entropy, .shift: return true
        }
    }

    /// The colour bucket (index into `Role.probabilityScale`) of `token`, nil when the output has no such number
    /// for it. `reportedIsRaw`: the backend's own probabilities are the raw model's (llama.cpp and others), so
    /// raw probability needs no stages there.
    public func bucket(_ token: OutputToken, reportedIsRaw: Bool = false) -> Int? {
        switch self {
        case .probability:
            return Role.probabilityBucket(token.token.probability)
        case .rawProbability:
            if let lp = token.stages?.raw?.chosenLogprob { return Role.probabilityBucket(exp(lp)) }
            if reportedIsRaw, let p = token.token.probability { return Role.probabilityBucket(p) }
            return nil
        case .entropy:
            guard let h = token.stages?.processed?.entropy, h.isFinite else { return nil }
            switch h {
            case ..<0.25: return 5
            case ..<0.5: return 4
            case ..<1: return 3
            case ..<2: return 2
            case ..<3: return 1
            default: return 0
            }
        case .rank:
            guard let rank = Self.rank(token) else { return nil }
            return rank > 5 ? 0 : 6 - rank
        case .shift:
            guard let stages = token.stages, let raw = stages.raw?.chosenLogprob,
                  let processed = stages.processed?.chosenLogprob ?? token.token.logprob else { return nil }
            let d = exp(processed) - exp(raw)
            switch d {
            case ..<(-0.2): return 0
            case ..<(-0.05): return 1
            case ..<0.05: return 2
            case ..<0.2: return 3
            case ..<0.5: return 4
            default: return 5
            }
        }
    }

    /// The chosen token's rank where it was drawn: the stages' exact one, else its place in `top_tokens` (most
    /// likely first); a token missing from a list of at least 5 is ranked past it (`>5`); a shorter list cannot
    /// say, so nil.
    static func rank(_ token: OutputToken) -> Int? {
        if let r = token.stages?.processed?.chosenRank, r > 0 { return r }
        if let r = token.rank { return r }
        return token.topTokens.count >= 5 ? token.topTokens.count + 1 : nil
    }
}
