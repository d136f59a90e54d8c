import CKernels
import Foundation
import GenerationCore

/// One of the engine's logits processors, named by the request parameter that turns it on (the names `tgplay
/// explain` prints and the popup's stages view shows).
public enum ProcessorStage: String, Sendable, CaseIterable {
    /// TGI's watermark bias, applied by the generator before the processors when `watermark` is on.
    case watermark
    case repetitionPenalty = "repetition_penalty"
    case frequencyPenalty = "frequency_penalty"
    case presencePenalty = "presence_penalty"
    case grammar
    case temperature
    case topK = "top_k"
    case topP = "top_p"
    case typicalP = "typical_p"
    case minP = "min_p"
}

/// The scores of one token's distribution after every processing step, kept while `LogitsProcessor.process`
/// runs and summarised once the token is chosen (a rank needs the choice).
///
/// Keeping a step's scores costs one copy of the vocabulary-sized array (copy on write: the next step's first
/// write makes it); summarising costs two passes per step plus a top-10 scan. That is why tracing is a request
/// switch (`GenerateRequest.traceStages`) and not always on.
public struct StageTrace: Sendable {
    /// How many of each step's most likely tokens are kept.
    public static let topCount = 10

    /// The model's scores before any processor.
    public private(set) var raw: [Float]
    /// Each step that ran, in order, with the scores it left.
    public private(set) var steps: [(stage: ProcessorStage, logits: [Float])] = []

    public init(raw: [Float]) {
        self.raw = raw
    }

    /// Called after each step (`LogitsProcessor.process`'s `observe`).
    public mutating func record(_ stage: ProcessorStage, _ logits: [Float]) {
        steps.append((stage, logits))
    }

    /// The log-sum-exp, support and entropy (nats) of one step's scores: one kernel call (`tg_score_stats_of`,
    /// two vectorized passes with a double-precision exp). Entropy uses H = log Z - sum(e_i x_i) / Z with
    /// x_i = l_i - max and e_i = exp(x_i), so no log per token.
    static func measure(_ logits: [Float]) -> (logSumExp: Double, support: Int, entropy: Double) {
        var stats = tg_score_stats()
        logits.withUnsafeBufferPointer { p in
            if let base = p.baseAddress { tg_score_stats_of(-1, base, p.count, &stats) }
        }
        let support = Int(stats.support)
        guard stats.maximum.isFinite, stats.z > 0 else { return (-Double.infinity, support, 0) }
        let logZ = Foundation.log(stats.z)
        return (Double(stats.maximum) + logZ, support, max(0, logZ - stats.w / stats.z))
    }

    /// 1-based rank of `id` in `logits`, ties broken by lower id (the order `LogSoftmax.top` lists them in).
    static func rank(of id: Int, in logits: [Float]) -> Int {
        guard id >= 0, id < logits.count else { return logits.count }
        let score = logits[id]
        var above = 0
        for (i, v) in logits.enumerated() where v > score || (v == score && i < id) { above += 1 }
        return above + 1
    }

    /// Whether `a` ranks above `b` in `logits` (same tie rule as `rank`).
    static func ranksAbove(_ a: Int, _ b: Int, in logits: [Float]) -> Bool {
        logits[a] > logits[b] || (logits[a] == logits[b] && a < b)
    }

    /// Every step summarised around the chosen token `chosen`; `describe` names a token (text, special).
    public func summary(chosen: Int, describe: (Int) -> (text: String, special: Bool)) -> TokenStages {
        var stages: [TokenStage] = []
        var previous: (logits: [Float], logSumExp: Double, support: Int)?
        let all: [(name: String, logits: [Float])] = [("raw", raw)] + steps.map { ($0.stage.rawValue, $0.logits) }
        for (name, logits) in all {
            let (lse, support, entropy) = Self.measure(logits)
            var kept = 1.0
            // Steps only ever remove tokens, so an unchanged support means the same set: all of the mass kept.
            if let previous, support != previous.support, previous.logSumExp.isFinite {
                kept = 0
                for (i, v) in logits.enumerated() where v > -Float.infinity {
                    kept += Foundation.exp(Double(previous.logits[i]) - previous.logSumExp)
                }
            }
            let top = LogSoftmax.top(logits, Self.topCount).filter { $0.logit > -Float.infinity }.map { entry in
                let named = describe(entry.id)
                return Token(id: UInt32(entry.id), text: named.text, logprob: Generator.wire(Double(entry.logit) - lse),
                             special: named.special)
            }
            let chosenScore = chosen < logits.count ? logits[chosen] : -Float.infinity
            stages.append(TokenStage(name: name, support: support, keptMass: min(1, kept), entropy: entropy, top: top,
                                     chosenRank: Self.rank(of: chosen, in: logits),
                                     chosenLogprob: Generator.wire(Double(chosenScore) - lse)))
            previous = (logits, lse, support)
        }
        var displaced: [DisplacedToken] = []
        for (rawRank, entry) in stages.first?.top.enumerated().map({ ($0.offset + 1, $0.element) }) ?? [] {
            guard let id = entry.id.map(Int.init), id != chosen, Self.ranksAbove(id, chosen, in: raw) else { continue }
            var removedBy: String?
            var passedAt: String?
            for step in steps {
                if step.logits[id] == -Float.infinity {
                    removedBy = step.stage.rawValue
                    break
                }
                if passedAt == nil, !Self.ranksAbove(id, chosen, in: step.logits) { passedAt = step.stage.rawValue }
            }
            displaced.append(DisplacedToken(token: entry, rawRank: rawRank, removedBy: removedBy, passedAt: passedAt))
        }
        return TokenStages(stages: stages, aboveChosen: displaced)
    }
}
