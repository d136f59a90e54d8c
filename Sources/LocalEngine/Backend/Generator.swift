import GenerationCore
import Foundation

/// One generation on the built-in engine, with TGI's semantics: the same request gives the same response
/// shape, finish reasons, stop rules and reported logprobs as a TGI server would.
///
/// Runs synchronously on the caller's thread (the backend gives it a dedicated one) and reports each token
/// through `emit` as the TGI stream event it would be.
struct Generator {
    let model: GemmaModel
    let tokenizer: GemmaTokenizer
    let session: GemmaSession
    let limits: ValidationLimits
    let grammars: GrammarCompiler

    struct Output {
        var response: GenerateResponse
        var inputLength: Int
    }

    /// What TGI's router does before generating: validation with token counts, truncation, defaults.
    func prepare(_ request: GenerateRequest, streaming: Bool) throws -> (ids: [Int32], maxNew: Int, grammar: TokenConstraint?) {
        let p = request.parameters ?? GenerateParameters()
        if let problem = Validation.check(request, streaming: streaming, limits: limits) { throw problem }
        if let unsupported = Self.unsupported(p) { throw GenerationError.validation(unsupported) }
        var constraint: TokenConstraint?
        if let grammar = p.grammar {
            do { constraint = try grammars.constraint(for: grammar) } catch {
                throw GenerationError.validation("grammar is not valid: \(error.description)")
            }
        }
        // Without `truncate` every token counts: an input that cannot fit whatever its tokens are is refused
        // before tokenizing it (50 MB took 42 s and 2 GB to reach the same error).
        if p.truncate == nil, let maxInput = limits.maxInputTokens {
            let bytes = request.inputs.utf8.count
            let atLeast = tokenizer.minimumTokenCount(utf8Count: bytes)
            if atLeast > maxInput {
                // TGI's order: the total first (when `max_new_tokens` is given), then the input limit.
                let counted = "at least \(atLeast) (\(bytes) bytes of input, counted without tokenizing)"
                if let maxTotal = limits.maxTotalTokens, let newTokens = p.maxNewTokens, atLeast + Int(newTokens) > maxTotal {
                    throw GenerationError.validation("`inputs` tokens + `max_new_tokens` must be <= \(maxTotal). Given: \(counted) `inputs` tokens and \(newTokens) `max_new_tokens`")
                }
                throw GenerationError.validation("`inputs` must have less than \(maxInput) tokens. Given: \(counted)")
            }
        }
        var ids = tokenizer.encode(request.inputs, addSpecial: true, parseSpecial: true)
        if let problem = Validation.check(request, streaming: streaming, limits: limits, inputTokenCount: ids.count) {
            throw problem
        }
        if let truncate = p.truncate.map({ Int(clamping: $0) }), ids.count > truncate { ids = Array(ids.suffix(truncate)) }
        let maxTotal = limits.maxTotalTokens ?? model.config.contextLength
        let maxNew = p.maxNewTokens.map(Int.init) ?? min(max(maxTotal - ids.count, 1), Validation.defaultGenerationLength)
        return (ids, maxNew, constraint)
    }

    /// A logprob as TGI reports it: an f32 value, written in f32's shortest form (`-1.6540276`, not 17 digits).
    static func wire(_ logprob: Double) -> Double? {
        guard logprob.isFinite else { return nil }
        return Double("\(Float(logprob))") ?? logprob
    }

    /// Parameters the built-in engine does not implement yet: refused in TGI's words rather than ignored.
    static func unsupported(_ p: GenerateParameters) -> String? {
        if p.adapterId != nil { return "`adapter_id` is not supported: the built-in model has no adapters" }
        return nil
    }

    /// Generates, calling `emit` for every token event (the last one carries `generated_text`).
    func run(_ request: GenerateRequest, streaming: Bool, seed drawn: UInt64,
             isCancelled: @escaping () -> Bool, prefill progress: (_ done: Int, _ total: Int) -> Void = { _, _ in },
             emit: (StreamResponse) -> Void) throws -> Output {
        let p = request.parameters ?? GenerateParameters()
        let (ids, maxNew, grammar) = try prepare(request, streaming: streaming)
        var grammarState = grammar?.start
        let sampling = SamplingParameters(request.parameters)
        let seed = p.seed ?? drawn
        var generator = SeededGenerator(seed: seed)
        let topN = Int(p.topNTokens ?? 0)
        let wantPrefill = p.decoderInputDetails ?? false

        // Reuse the cached prefix of the previous request when the prompt starts the same way.
        var prefill: [PrefillToken] = []
        var logits: [Float]
        if wantPrefill {
            session.reset()
            let rows = try session.evaluate(ids, logits: .all, shouldStop: isCancelled, progress: progress)
            prefill = ids.enumerated().map { i, id in
                let logprob: Double? = i == 0 ? nil : Self.wire(Double(rows[i - 1][Int(id)]) - LogSoftmax.logSumExp(rows[i - 1]))
                return PrefillToken(id: UInt32(id), text: tokenizer.decode([id], special: true), logprob: logprob)
            }
            logits = rows.last ?? []
        } else {
            logits = try prompted(ids, isCancelled: isCancelled, progress: progress)
        }

        var history = ids
        var tokens: [Token] = []
        var topTokens: [[Token]] = []
        var detokenizer = StreamingDetokenizer(tokenizer: tokenizer, special: true)
        var generatedBytes: [UInt8] = []
        var finish: FinishReason = .length
        let stops = p.stop ?? []

        while true {
            if isCancelled() { throw CancellationError() }
            let mask = grammar.flatMap { g in grammarState.map { g.mask($0) } }
            let picked = try pick(&logits, history: history, sampling, watermark: p.watermark == true, mask: mask,
                                  trace: request.traceStages, generator: &generator)
            let id = picked.id
            let special = tokenizer.isSpecial(id)
            let stages = picked.stages
            if let g = grammar, let state = grammarState {
                // The mask only lets through tokens the grammar accepts; anything else means every allowed
                // token had -infinity logits, which a model's output never has.
                guard let next = g.advance(state, token: id, bytes: tokenizer.pieceBytes(id)) else {
                    throw GenerationError(errorType: GenerationError.ErrorType.generation, message: "the grammar allows no token here")
                }
                grammarState = next
            }
            let token = Token(id: UInt32(id), text: detokenizer.push(id), logprob: Self.wire(picked.logprob),
                              special: special)
            tokens.append(token)
            history.append(id)
            if !special { generatedBytes += tokenizer.pieceBytes(id) }
            let alternatives = self.alternatives(logits, logSumExp: picked.logSumExp, topN)
            if topN > 0 { topTokens.append(alternatives) }

            // TGI's order: length first (even on an EOS token), then end-of-generation, then stop sequences.
            var done = true
            let text = String(decoding: generatedBytes, as: UTF8.self)
            if tokens.count >= maxNew {
                finish = .length
            } else if tokenizer.endOfGeneration.contains(id) {
                finish = .eosToken
            } else if stops.contains(where: { !$0.isEmpty && text.hasSuffix($0) }) {
                finish = .stopSequence
            } else {
                done = false
            }
            if done {
                var full = text
                if p.returnFullText == true { full = request.inputs + text }
                let details = (p.details ?? false)
                    ? StreamDetails(finishReason: finish, generatedTokens: UInt32(tokens.count),
                                    seed: sampling.doSample ? seed : nil, inputLength: UInt32(ids.count))
                    : nil
                emit(StreamResponse(index: UInt32(tokens.count), token: token, topTokens: alternatives.isEmpty ? nil : alternatives,
                                    generatedText: full, details: details, stages: stages))
                let response = GenerateResponse(
                    generatedText: full,
                    details: (p.details ?? false) || wantPrefill
                        ? Details(finishReason: finish, generatedTokens: UInt32(tokens.count),
                                  seed: sampling.doSample ? seed : nil, prefill: prefill, tokens: tokens,
                                  topTokens: topN > 0 ? topTokens : nil)
                        : nil)
                return Output(response: response, inputLength: ids.count)
            }
            emit(StreamResponse(index: UInt32(tokens.count), token: token, topTokens: alternatives.isEmpty ? nil : alternatives,
                                stages: stages))
            let rows = try session.evaluate([id], logits: .last, shouldStop: isCancelled)
            logits = rows.last ?? []
        }
    }
}
