import GenerationCore
import Foundation

/// TGI's sampling parameters with the router's defaults filled in, and whether they imply sampling.
public struct SamplingParameters: Sendable, Equatable {
    public var temperature: Float = 1
    public var topK: Int = 0
    public var topP: Float = 1
    public var typicalP: Float = 1
    public var repetitionPenalty: Float = 1
    public var frequencyPenalty: Float = 0
    /// OpenAI's presence penalty (0: off); not TGI's.
    public var presencePenalty: Float = 0
    /// The min-p filter (0: off); not TGI's.
    public var minP: Float = 0
    public var doSample = false

    public init() {}

    /// From a request as TGI reads it: a request with no `parameters` object samples (TGI's
    /// `default_parameters` has `do_sample: true`); warpers other than their neutral values imply sampling, and
    /// so does `min_p`, the one warper here TGI does not have (`requestsSamplingWithMinP`).
    public init(_ parameters: GenerateParameters?) {
        guard let p = parameters else {
            doSample = true
            return
        }
        temperature = Float(p.temperature ?? 1)
        topK = Int(p.topK ?? 0)
        topP = Float(p.topP ?? 1)
        typicalP = Float(p.typicalP ?? 1)
        repetitionPenalty = Float(p.repetitionPenalty ?? 1)
        frequencyPenalty = Float(p.frequencyPenalty ?? 0)
        presencePenalty = Float(p.presencePenalty ?? 0)
        minP = Float(p.minP ?? 0)
        doSample = (p.doSample ?? false) || temperature != 1 || topK != 0 || topP < 1 || typicalP < 1 || minP > 0
    }
}

/// Applies TGI's logits processors in TGI's order (repetition penalty, frequency penalty, grammar mask,
/// temperature, top-k, top-p, typical-p) and returns the log-probabilities of the processed distribution: what TGI reports as a
/// token's `logprob` and its `top_tokens`. Filtered tokens end at -infinity.
///
/// The two parameters other servers add sit where they belong in that chain: the presence penalty with the other
/// penalties (after the frequency penalty, before the grammar mask), and min-p after every other warper. min-p
/// is a filter relative to the most likely token, so it comes after temperature (as in HF transformers, which
/// scale first) and after top-k, top-p and typical-p, as llama.cpp's default sampler chain orders it: the top
/// token it measures from is the most likely one those filters left.
public enum LogitsProcessor {
    /// - Parameters:
    ///   - history: every token so far (prompt and generated), for the penalties.
    ///   - mask: the grammar's allowed tokens, if a grammar constrains the output. Applied after the penalties
    ///     and before the warpers, as TGI does, so reported logprobs and `top_tokens` are over allowed tokens.
    ///   - observe: called after each processor that ran, with its name (the request parameter's) and the scores
    ///     it left, for `StageTrace`. It runs between the steps rather than re-running them, so a trace is the
    ///     distributions this very call produced; the default does nothing and keeps nothing (no copy is made).
    public static func process(_ logits: inout [Float], history: [Int32], _ s: SamplingParameters,
                               mask: TokenMask? = nil,
                               observe: (ProcessorStage, [Float]) -> Void = { _, _ in }) {
        if s.repetitionPenalty != 1 {
            var seen = Set<Int32>()
            for id in history where seen.insert(id).inserted && Int(id) < logits.count {
                let l = logits[Int(id)]
                logits[Int(id)] = l < 0 ? l * s.repetitionPenalty : l / s.repetitionPenalty
            }
            observe(.repetitionPenalty, logits)
        }
        if s.frequencyPenalty != 0, !history.isEmpty {
            var counts: [Int32: Int] = [:]
            for id in history { counts[id, default: 0] += 1 }
            let size = Float(history.count)
            for (id, count) in counts where Int(id) < logits.count {
                logits[Int(id)] -= s.frequencyPenalty * Float(count) / size
            }
            observe(.frequencyPenalty, logits)
        }
        if s.presencePenalty != 0 {
            // OpenAI's form: once per token present in the history (prompt and generated), whatever its count.
            for id in Set(history) where Int(id) < logits.count { logits[Int(id)] -= s.presencePenalty }
            observe(.presencePenalty, logits)
        }
        if let mask {
            mask.apply(to: &logits)
            observe(.grammar, logits)
        }
        if s.temperature != 1 {
            let inverse = s.temperature
            for i in logits.indices { logits[i] /= inverse }
            observe(.temperature, logits)
        }
        if s.topK > 0 && s.topK < logits.count {
            let kth = LogSoftmax.top(logits, s.topK).last?.logit ?? -Float.infinity
            for i in logits.indices where logits[i] < kth { logits[i] = -Float.infinity }
            observe(.topK, logits)
        }
        if s.topP < 1 {
            topP(&logits, s.topP)
            observe(.topP, logits)
        }
        if s.typicalP < 1 {
            typical(&logits, s.typicalP)
            observe(.typicalP, logits)
        }
        if s.minP > 0 {
            minP(&logits, s.minP)
            observe(.minP, logits)
        }
    }

    /// min-p: keep the tokens whose probability is at least `minP` times the most likely token's. The ratio of
    /// two probabilities is exp of their logits' difference, so no normalisation is needed and the most likely
    /// token always stays.
    static func minP(_ logits: inout [Float], _ minP: Float) {
        guard let top = logits.max(), top > -Float.infinity else { return }
        let floor = Double(minP)
        for i in logits.indices where Foundation.exp(Double(logits[i]) - Double(top)) < floor {
            logits[i] = -Float.infinity
        }
    }

    /// Candidates worth sorting: tokens whose probability could matter. The excluded mass (< 262,144 x 1e-15) is
    /// far below 1 - top_p for any f32 top_p < 1, so the kept set is exactly TGI's.
    private static func candidates(_ logits: [Float]) -> (ids: [Int], probabilities: [Double]) {
        let lse = LogSoftmax.logSumExp(logits)
        var ids: [Int] = []
        var probabilities: [Double] = []
        for (i, l) in logits.enumerated() where l > -Float.infinity {
            let p = Foundation.exp(Double(l) - lse)
            if p >= 1e-15 {
                ids.append(i)
                probabilities.append(p)
            }
        }
        return (ids, probabilities)
    }

    /// Top-p as TGI/HF do it: sort ascending, drop tokens whose cumulative probability is <= 1 - top_p,
    /// always keep the most likely one.
    static func topP(_ logits: inout [Float], _ topP: Float) {
        let (ids, probabilities) = candidates(logits)
        let order = ids.indices.sorted { probabilities[$0] < probabilities[$1] || (probabilities[$0] == probabilities[$1] && ids[$0] > ids[$1]) }
        var keep = Set<Int>()
        var cumulative = 0.0
        let limit = 1 - Double(topP)
        for (rank, index) in order.enumerated() {
            cumulative += probabilities[index]
            if cumulative > limit || rank == order.count - 1 { keep.insert(ids[index]) }
        }
        for i in logits.indices where !keep.contains(i) { logits[i] = -Float.infinity }
    }

    /// Typical-p (HF `TypicalLogitsWarper`): keep the tokens whose surprise is closest to the entropy until their
    /// mass reaches typical_p.
    static func typical(_ logits: inout [Float], _ mass: Float) {
        let (ids, probabilities) = candidates(logits)
        var entropy = 0.0
        for p in probabilities { entropy -= p * Foundation.log(p) }
        let shifted = probabilities.map { abs(-Foundation.log($0) - entropy) }
        let order = ids.indices.sorted { shifted[$0] < shifted[$1] || (shifted[$0] == shifted[$1] && ids[$0] < ids[$1]) }
        var cumulative = 0.0
        var lastIndex = 0
        for (rank, index) in order.enumerated() {
            cumulative += probabilities[index]
            if cumulative < Double(mass) { lastIndex = rank + 1 }
        }
        lastIndex = min(lastIndex, order.count - 1)
        let cutoff = shifted[order[lastIndex]]
        var keep = Set<Int>()
        for (j, id) in ids.enumerated() where shifted[j] <= cutoff { keep.insert(id) }
        for i in logits.indices where !keep.contains(i) { logits[i] = -Float.infinity }
    }

    /// Why the processed scores cannot be sampled from, nil when they can (`logSumExp` finite). Without this check
    /// NaN scores (damaged weights) or scores overflowed by a tiny temperature (1e-40 turns every logit into
    /// ±infinity) picked token 0, `<pad>`, with a null logprob, as if nothing were wrong. A grammar that leaves no
    /// token is left to the grammar's own message.
    public static func unusableScores(_ logits: [Float], logSumExp: Double, _ s: SamplingParameters,
                                      masked: Bool) -> String? {
        guard !logSumExp.isFinite else { return nil }
        if logits.contains(where: \.isNaN) {
            return "the model produced NaN scores: its weights are damaged or not what the file's types say"
        }
        if s.temperature != 1 {
            return "the scores overflow at `temperature` \(s.temperature): too small to divide by; use a larger value, or `do_sample: false` for greedy decoding"
        }
        if masked { return nil }
        return "no token has a finite score"
    }

    /// Picks the next token: argmax when greedy, else a draw from the processed distribution.
    public static func choose(_ logits: [Float], sample: Bool, generator: inout SeededGenerator) -> Int {
        guard sample else { return LogSoftmax.top(logits, 1).first?.id ?? 0 }
        let (ids, probabilities) = candidates(logits)
        let total = probabilities.reduce(0, +)
        var target = generator.unit() * total
        for (id, p) in zip(ids, probabilities) {
            target -= p
            if target < 0 { return id }
        }
        return ids.last ?? 0
    }
}
