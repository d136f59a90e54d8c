import GenerationCore
import Foundation

/// One position's work on the built-in engine, shared by a generation (`Generator.run`), a sampled token tree
/// (`Generator.sampleTree`) and stepping (`Generator.step`): the processors in TGI's order, the choice (or a forced
/// token), the reported logprob, alternatives and, when asked, the stage trace. One piece of code, so a tree's
/// paths and a step's token are exactly what `generate` would have produced with the same seed.
struct TokenPick {
    /// The chosen (or forced) token.
    var id: Int32
    /// Its logprob under the processed distribution (what TGI reports); -infinity when a forced token was filtered.
    var logprob: Double
    /// The processed scores' log-sum-exp (the scores themselves are left in the caller's array), for alternatives.
    var logSumExp: Double
    /// The stage trace's summary, when asked for (nil otherwise: tracing costs nothing when off).
    var stages: TokenStages?
}

extension Generator {
    /// The logits after `ids`, reusing the session's cached prefix: only the tokens past the longest common
    /// prefix are evaluated (at least the last one, whose logits are needed). A prompt that extends the previous
    /// call's sequence by one token costs one token.
    func prompted(_ ids: [Int32], isCancelled: () -> Bool,
                  progress: (_ done: Int, _ total: Int) -> Void = { _, _ in }) throws -> [Float] {
        let common = zip(session.tokens, ids).prefix { $0 == $1 }.count
        let keep = min(common, ids.count - 1)
        if !session.truncate(to: keep) { session.reset() }
        let rows = try session.evaluate(Array(ids[session.tokens.count...]), logits: .last, shouldStop: isCancelled,
                                       progress: progress)
        return rows.last ?? []
    }

    /// Processes `logits` in place (they end as the processed scores) and chooses the next token, or takes
    /// `forced`. `history` is every token so far (the penalties' and the watermark's context).
    func pick(_ logits: inout [Float], history: [Int32], _ sampling: SamplingParameters, watermark: Bool,
              mask: TokenMask?, trace traced: Bool, forced: Int32? = nil,
              generator: inout SeededGenerator) throws -> TokenPick {
        // Only when asked: keeping every step's scores costs decode time (see `StageTrace`).
        var trace = traced ? StageTrace(raw: logits) : nil
        if watermark, let previous = history.last {
            Watermark.tgi.apply(&logits, previous: previous)
            trace?.record(.watermark, logits)
        }
        if trace != nil {
            LogitsProcessor.process(&logits, history: history, sampling, mask: mask) { trace?.record($0, $1) }
        } else {
            LogitsProcessor.process(&logits, history: history, sampling, mask: mask)
        }
        let lse = LogSoftmax.logSumExp(logits)
        if forced == nil, let problem = LogitsProcessor.unusableScores(logits, logSumExp: lse, sampling, masked: mask != nil) {
            throw GenerationError(errorType: GenerationError.ErrorType.generation, message: problem)
        }
        let chosen = forced.map(Int.init) ?? LogitsProcessor.choose(logits, sample: sampling.doSample, generator: &generator)
        let stages = trace?.summary(chosen: chosen) { [tokenizer] other in
            (tokenizer.decode([Int32(other)], special: true), tokenizer.isSpecial(Int32(other)))
        }
        return TokenPick(id: Int32(chosen), logprob: Double(logits[chosen]) - lse, logSumExp: lse, stages: stages)
    }

    /// The `n` most likely tokens of `scores` (normalised by `logSumExp`), as TGI's `top_tokens` lists them.
    func alternatives(_ scores: [Float], logSumExp lse: Double, _ n: Int) -> [Token] {
        guard n > 0 else { return [] }
        return LogSoftmax.top(scores, n).filter { $0.logit > -Float.infinity }.map { entry in
            let alternative = Int32(entry.id)
            return Token(id: UInt32(entry.id), text: tokenizer.decode([alternative], special: true),
                         logprob: Self.wire(Double(entry.logit) - lse), special: tokenizer.isSpecial(alternative))
        }
    }
}
