import GenerationCore
import Foundation

extension Generator {
    /// One step on the built-in engine: the prompt's ids followed by the accepted tokens (their ids when every
    /// one has one, else the accepted text tokenized), then one generated token or the forced text's tokens.
    /// The session's cache keeps the sequence between steps, so with the previous step's answer accepted only
    /// that one token is evaluated (`prompted`'s prefix reuse); a forced token after the first costs one more.
    ///
    /// A step samples with seed `seed + accepted.count` (the request's seed, else `drawn`): reproducible steps
    /// that do not all draw the same random number.
    func step(_ step: StepRequest, seed drawn: UInt64, isCancelled: () -> Bool) throws -> [StepToken] {
        var request = step.request
        // Validation as `generate` would do it for a one-token request (an absent `parameters` means "sample").
        var p = request.parameters ?? GenerateParameters()
        if request.parameters == nil { p.doSample = true }
        p.maxNewTokens = 1
        request.parameters = p
        let (promptIDs, _, grammar) = try prepare(request, streaming: false)
        let accepted: [Int32]
        if step.accepted.allSatisfy({ $0.id != nil }) {
            accepted = step.accepted.compactMap { $0.id.map { Int32(clamping: $0) } }
        } else {
            accepted = tokenizer.encode(step.acceptedText, addSpecial: false, parseSpecial: false)
        }
        if let bad = accepted.first(where: { $0 < 0 || Int($0) >= model.config.vocabularySize }) {
            throw GenerationError.validation("accepted token id \(bad) is outside the vocabulary (0..<\(model.config.vocabularySize))")
        }
        var grammarState = grammar?.start
        if let g = grammar {
            for id in accepted {
                guard let state = grammarState, let next = g.advance(state, token: id, bytes: tokenizer.pieceBytes(id)) else {
                    throw GenerationError.validation("the accepted text leaves the request's grammar")
                }
                grammarState = next
            }
        }
        let sampling = SamplingParameters(request.parameters)
        var generator = SeededGenerator(seed: (step.request.parameters?.seed ?? drawn) &+ UInt64(accepted.count))
        let topN = min(Int(p.topNTokens ?? 5), limits.maxTopNTokens ?? 5)
        var history = promptIDs + accepted
        var logits = try prompted(history, isCancelled: isCancelled)
        func describe(_ id: Int32, logprob: Double?) -> Token {
            Token(id: UInt32(id), text: tokenizer.decode([id], special: true), logprob: logprob.flatMap(Self.wire),
                  special: tokenizer.isSpecial(id), bytes: tokenizer.pieceBytes(id))
        }
        guard let force = step.force else {
            let mask = grammar.flatMap { g in grammarState.map { g.mask($0) } }
            let picked = try pick(&logits, history: history, sampling, watermark: p.watermark == true, mask: mask,
                                  trace: request.traceStages, generator: &generator)
            return [StepToken(token: describe(picked.id, logprob: picked.logprob), forced: false,
                              probabilities: .processed,
                              topTokens: alternatives(logits, logSumExp: picked.logSumExp, topN), stages: picked.stages)]
        }
        let forced = tokenizer.encode(force, addSpecial: false, parseSpecial: false)
        var result: [StepToken] = []
        for (n, id) in forced.enumerated() {
            if isCancelled() { throw CancellationError() }
            // Scored as prompt scoring scores a token: the model's own distribution, before any processor.
            let rawLSE = LogSoftmax.logSumExp(logits)
            let rawTop = alternatives(logits, logSumExp: rawLSE, topN)
            var stages: TokenStages?
            if request.traceStages {
                var scores = logits
                stages = try pick(&scores, history: history, sampling, watermark: p.watermark == true, mask: nil,
                                  trace: true, forced: id, generator: &generator).stages
            }
            result.append(StepToken(token: describe(id, logprob: Double(logits[Int(id)]) - rawLSE), forced: true,
                                    probabilities: .raw, topTokens: rawTop, stages: stages))
            history.append(id)
            if n + 1 < forced.count {
                logits = try session.evaluate([id], logits: .last, shouldStop: isCancelled).last ?? []
            }
        }
        return result
    }
}

extension LocalBackend: StepSource {
    /// A step on the engine's thread, its KV cache kept for the next one (`Generator.step`).
    public func step(_ request: StepRequest) async throws -> [StepToken] {
        try await onEngine { [self] isCancelled in
            try generator.step(request, seed: UInt64.random(in: .min ... .max), isCancelled: isCancelled)
        }
    }
}
