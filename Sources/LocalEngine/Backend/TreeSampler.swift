import GenerationCore
import Foundation
import Synchronization

extension Generator {
    /// A sampled token tree's paths on the built-in engine: one prefill of prompt + accepted text (or less, when
    /// the session's cache already holds a prefix of it), then every sample starts from that state. The cache
    /// is cut back to the prompt after each sample (`GemmaSession.truncate`: a sample is at most 12 tokens, far
    /// less than a sliding layer's spare ring slots, so nothing the prompt needs is overwritten); only if that
    /// ever failed would the prompt be evaluated again.
    ///
    /// Sample `i` runs exactly `run`'s loop with seed `base + i` and `max_new_tokens` = depth (the same
    /// processors, choice, grammar and stop rules, through `pick`), so it is the continuation `generate` gives
    /// for `tree.sampleRequest(i, base:)`.
    func sampleTree(_ tree: SampleTreeRequest, seed drawn: UInt64, isCancelled: () -> Bool) throws
        -> (paths: [SampledPath], base: UInt64) {
        let base = tree.baseSeed(drawn: drawn)
        let first = tree.sampleRequest(0, base: base)
        let p = first.parameters ?? GenerateParameters()
        let (ids, _, grammar) = try prepare(first, streaming: false)
        let sampling = SamplingParameters(first.parameters)
        let stops = p.stop ?? []
        let start = try prompted(ids, isCancelled: isCancelled)
        var paths: [SampledPath] = []
        for index in 0..<tree.samples {
            if isCancelled() { throw CancellationError() }
            var generator = SeededGenerator(seed: base &+ UInt64(index))
            var logits = start
            var history = ids
            var grammarState = grammar?.start
            var detokenizer = StreamingDetokenizer(tokenizer: tokenizer, special: true)
            var generatedBytes: [UInt8] = []
            var tokens: [Token] = []
            var finish: FinishReason = .length
            while true {
                let mask = grammar.flatMap { g in grammarState.map { g.mask($0) } }
                let picked = try pick(&logits, history: history, sampling, watermark: p.watermark == true, mask: mask,
                                      trace: false, generator: &generator)
                let id = picked.id
                if let g = grammar, let state = grammarState {
                    guard let next = g.advance(state, token: id, bytes: tokenizer.pieceBytes(id)) else {
                        throw GenerationError(errorType: GenerationError.ErrorType.generation,
                                              message: "the grammar allows no token here")
                    }
                    grammarState = next
                }
                let special = tokenizer.isSpecial(id)
                tokens.append(Token(id: UInt32(id), text: detokenizer.push(id), logprob: Self.wire(picked.logprob),
                                    special: special, bytes: tokenizer.pieceBytes(id)))
                history.append(id)
                if !special { generatedBytes += tokenizer.pieceBytes(id) }
                let text = String(decoding: generatedBytes, as: UTF8.self)
                if tokens.count >= tree.depth {
                    finish = .length
                    break
                } else if tokenizer.endOfGeneration.contains(id) {
                    finish = .eosToken
                    break
                } else if stops.contains(where: { !$0.isEmpty && text.hasSuffix($0) }) {
                    finish = .stopSequence
                    break
                }
                logits = try session.evaluate([id], logits: .last, shouldStop: isCancelled).last ?? []
            }
            paths.append(SampledPath(tokens: tokens, finishReason: finish))
            if !session.truncate(to: ids.count) { _ = try session.evaluate(ids, logits: .none, shouldStop: isCancelled) }
        }
        return (paths, base)
    }
}

extension LocalBackend: SampleTreeSource {
    /// The tree on the engine's thread, one prefill for all samples (`Generator.sampleTree`).
    public func sampleTree(_ request: SampleTreeRequest) async throws -> SampleTree {
        if let problem = request.problem { throw problem }
        let output = try await onEngine { [self] isCancelled in
            try generator.sampleTree(request, seed: UInt64.random(in: .min ... .max), isCancelled: isCancelled)
        }
        return SampleTree(inputs: request.request.inputs + request.accepted, depth: request.depth, seed: output.base,
                          probabilities: capabilities.probabilities, paths: output.paths)
    }

    /// Tokens the model has evaluated since the backend was made (`GemmaSession.evaluatedTokens`), read on the
    /// engine's thread: what prefix reuse and a shared prefill save, as counts.
    public var evaluatedTokens: Int { queue.sync { session.evaluatedTokens } }

    /// Runs `work` on the engine's thread, cancelled with the calling task, errors mapped as `generate` maps them.
    func onEngine<T: Sendable>(_ work: @escaping @Sendable (_ isCancelled: @escaping () -> Bool) throws -> T)
        async throws -> T {
        let cancelled = Atomic<Bool>(false)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                queue.async {
                    do {
                        continuation.resume(returning: try work { cancelled.load(ordering: .relaxed) })
                    } catch {
                        continuation.resume(throwing: Self.mapped(error))
                    }
                }
            }
        } onCancel: {
            cancelled.store(true, ordering: .relaxed)
        }
    }
}
