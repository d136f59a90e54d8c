import Foundation
import GenerationCore

/// `tgplay bench engine`: load time, prompt (prefill) and generation (decode) speed, peak memory.
/// Figures are measured, never asserted; build release to get meaningful numbers.
public enum EngineBenchmark {
    public struct Result: Encodable, Sendable {
        public var loadS: Double
        public var promptTokens: Int
        public var generatedTokens: Int
        public var prefillTokS: Double
        public var decodeTokS: Double
        public var peakRssMb: Double
        public var threads: Int
        /// With `--grammar json`: the constrained run (nil otherwise).
        public var grammar: GrammarResult?
        /// With `--stages`: sampled decoding with and without the per-token stage trace (nil otherwise).
        public var stages: StagesResult?

        enum CodingKeys: String, CodingKey {
            case loadS = "load_s", promptTokens = "prompt_tokens", generatedTokens = "generated_tokens"
            case prefillTokS = "prefill_tok_s", decodeTokS = "decode_tok_s", peakRssMb = "peak_rss_mb", threads
            case grammar, stages
        }
    }

    /// What keeping every token's stages (`StageTrace`, `GenerateRequest.traceStages`) costs: the same sampled
    /// decode from the same prompt and seed, without and with the trace, alternated `rounds` times so a shared
    /// machine's noise falls on both; speeds are each side's best round.
    public struct StagesResult: Encodable, Sendable {
        /// The sampling parameters both sides use (every processor kind that reshapes or filters, as a
        /// typical sampled request sets them).
        public var parameters: String
        public var rounds: Int
        public var generatedTokens: Int
        public var offDecodeTokS: Double
        public var onDecodeTokS: Double
        /// (off - on) / off, in percent.
        public var overheadPercent: Double

        enum CodingKeys: String, CodingKey {
            case parameters, rounds, generatedTokens = "generated_tokens", offDecodeTokS = "off_decode_tok_s"
            case onDecodeTokS = "on_decode_tok_s", overheadPercent = "overhead_percent"
        }
    }

    /// Decoding under a JSON-schema grammar, from the same prompt, greedy, until the document is complete or
    /// the token budget is spent. "Cold" includes building every token mask on first use (what a request with a
    /// new grammar pays); "warm" repeats the run with the masks cached (a repeated grammar).
    public struct GrammarResult: Encodable, Sendable {
        public var kind: String
        /// Building the vocabulary trie: once per process.
        public var trieS: Double
        /// Schema -> regex -> minimized DFA: once per new grammar.
        public var compileS: Double
        public var dfaStates: Int
        public var masksBuilt: Int
        public var generatedTokens: Int
        public var complete: Bool
        public var decodeTokS: Double
        public var warmDecodeTokS: Double
        /// Constrained (cold) over unconstrained decode speed.
        public var ratio: Double
        public var output: String

        enum CodingKeys: String, CodingKey {
            case kind, trieS = "trie_s", compileS = "compile_s", dfaStates = "dfa_states", masksBuilt = "masks_built"
            case generatedTokens = "generated_tokens", complete, decodeTokS = "decode_tok_s"
            case warmDecodeTokS = "warm_decode_tok_s", ratio, output
        }
    }

    /// The benchmark's schema: a realistic nested record list (enums, arrays, nested objects, optional fields).
    public static let benchmarkSchema = #"""
        {"type": "object", "properties": {
          "team": {"type": "string", "maxLength": 24},
          "members": {"type": "array", "minItems": 2, "maxItems": 4, "items": {"type": "object", "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 20},
            "email": {"type": "string", "pattern": "[a-z0-9.]{1,16}@[a-z]{2,10}\\.(com|org)"},
            "age": {"type": "integer"},
            "role": {"enum": ["engineer", "designer", "manager", "intern"]},
            "skills": {"type": "array", "items": {"type": "string", "maxLength": 12}, "maxItems": 3},
            "address": {"type": "object", "properties": {
              "city": {"type": "string", "maxLength": 16}, "country": {"type": "string", "maxLength": 16}},
              "required": ["city", "country"]},
            "active": {"type": "boolean"}},
            "required": ["name", "email", "role", "skills", "address"]}},
          "budget": {"anyOf": [{"type": "number"}, {"type": "null"}]}
        }, "required": ["team", "members"]}
        """#

    /// - Parameter grammar: "json" to also decode under `benchmarkSchema` and compare.
    public static func run(modelPath: String, promptTokens: Int, generateTokens: Int, threads: Int,
                           grammar: String? = nil, stages: Bool = false) throws -> Result {
        let start = DispatchTime.now()
        let file = try GGUFFile(path: modelPath)
        let model = try GemmaModel(file: file)
        let tokenizer = try GemmaTokenizer(file: file)
        let loaded = seconds(since: start)

        // A natural-language prompt of exactly `promptTokens` tokens (BOS first), repeated text as needed.
        let passage = "The quick brown fox jumps over the lazy dog while the river runs past the old mill, and the "
            + "villagers gather at the market to trade bread, cheese and stories about the long winter. "
        var ids: [Int32] = []
        while ids.count < promptTokens {
            ids += tokenizer.encode(passage, addSpecial: ids.isEmpty, parseSpecial: false)
        }
        ids = Array(ids.prefix(max(1, promptTokens)))

        let session = GemmaSession(model: model, threads: threads)
        let prefillStart = DispatchTime.now()
        var logits = try session.evaluate(ids, logits: .last).last ?? []
        let prefill = seconds(since: prefillStart)

        let prompted = logits
        let greedy = SamplingParameters()
        var history = ids
        let decodeStart = DispatchTime.now()
        for _ in 0..<generateTokens {
            LogitsProcessor.process(&logits, history: history, greedy)
            let next = Int32(LogSoftmax.top(logits, 1).first?.id ?? 0)
            history.append(next)
            logits = try session.evaluate([next], logits: .last).last ?? []
        }
        let decode = seconds(since: decodeStart)
        let decodeSpeed = Double(generateTokens) / max(decode, 1e-9)
        var result = Result(loadS: loaded, promptTokens: ids.count, generatedTokens: generateTokens,
                            prefillTokS: Double(ids.count) / prefill, decodeTokS: decodeSpeed,
                            peakRssMb: peakResidentMegabytes(), threads: threads)
        if stages {
            result.stages = try stagesCost(session: session, tokenizer: tokenizer, ids: ids, prompted: prompted,
                                           generateTokens: generateTokens)
        }
        if let grammar {
            guard grammar == "json" else { throw GrammarError("unknown benchmark grammar \(grammar) (available: json)") }
            let trieStart = DispatchTime.now()
            let compiler = GrammarCompiler(tokenizer: tokenizer)
            _ = compiler.vocabulary
            let trieBuilt = seconds(since: trieStart)
            let compileStart = DispatchTime.now()
            let constraint = try compiler.constraint(for: Grammar(type: .json, value: .string(benchmarkSchema)))
            let compiled = seconds(since: compileStart)
            func constrained() throws -> (tokens: Int, seconds: Double, complete: Bool, text: [UInt8]) {
                // Rewind to the prompt: the sliding-window layers cannot drop positions, so prefill again.
                if !session.truncate(to: ids.count) { _ = try session.evaluate(ids, logits: .none) }
                var logits = prompted, history = ids, state = constraint.start, text: [UInt8] = []
                let start = DispatchTime.now()
                for n in 0..<generateTokens {
                    LogitsProcessor.process(&logits, history: history, greedy, mask: constraint.mask(state))
                    let next = Int32(LogSoftmax.top(logits, 1).first?.id ?? 0)
                    if tokenizer.endOfGeneration.contains(next) { return (n, seconds(since: start), true, text) }
                    let piece = tokenizer.pieceBytes(next)
                    guard let advanced = constraint.advance(state, token: next, bytes: piece) else {
                        throw GrammarError("the grammar allowed no token")
                    }
                    state = advanced
                    text += piece
                    history.append(next)
                    logits = try session.evaluate([next], logits: .last).last ?? []
                }
                return (generateTokens, seconds(since: start), false, text)
            }
            let cold = try constrained()
            let masks = constraint.cachedMaskCount
            let warm = try constrained()
            let coldSpeed = Double(cold.tokens) / max(cold.seconds, 1e-9)
            result.grammar = GrammarResult(
                kind: grammar, trieS: trieBuilt, compileS: compiled, dfaStates: constraint.dfa.stateCount, masksBuilt: masks,
                generatedTokens: cold.tokens, complete: cold.complete, decodeTokS: coldSpeed,
                warmDecodeTokS: Double(warm.tokens) / max(warm.seconds, 1e-9), ratio: coldSpeed / decodeSpeed,
                output: String(decoding: cold.text, as: UTF8.self))
            result.peakRssMb = peakResidentMegabytes()
        }
        return result
    }

    /// The generator's per-token work (processors, log-sum-exp, a seeded draw) with and without the trace and
    /// its summary, from the prompt each time.
    static func stagesCost(session: GemmaSession, tokenizer: GemmaTokenizer, ids: [Int32], prompted: [Float],
                           generateTokens: Int) throws -> StagesResult {
        var sampling = SamplingParameters()
        sampling.doSample = true
        sampling.temperature = 0.8
        sampling.topK = 40
        sampling.topP = 0.95
        sampling.repetitionPenalty = 1.1
        func decode(traced: Bool) throws -> Double {
            if !session.truncate(to: ids.count) { _ = try session.evaluate(ids, logits: .none) }
            var logits = prompted, history = ids
            var generator = SeededGenerator(seed: 42)
            var kept = 0
            let start = DispatchTime.now()
            for _ in 0..<generateTokens {
                var trace = traced ? StageTrace(raw: logits) : nil
                if traced {
                    LogitsProcessor.process(&logits, history: history, sampling) { trace?.record($0, $1) }
                } else {
                    LogitsProcessor.process(&logits, history: history, sampling)
                }
                _ = LogSoftmax.logSumExp(logits)
                let chosen = LogitsProcessor.choose(logits, sample: true, generator: &generator)
                if let summary = trace?.summary(chosen: chosen, describe: { id in
                    (tokenizer.decode([Int32(id)], special: true), tokenizer.isSpecial(Int32(id)))
                }) { kept += summary.stages.count }
                history.append(Int32(chosen))
                logits = try session.evaluate([Int32(chosen)], logits: .last).last ?? []
            }
            return Double(generateTokens) / max(seconds(since: start), 1e-9)
        }
        let rounds = 3
        var off = 0.0, on = 0.0
        for _ in 0..<rounds {
            off = max(off, try decode(traced: false))
            on = max(on, try decode(traced: true))
        }
        return StagesResult(parameters: "temperature 0.8, top_k 40, top_p 0.95, repetition_penalty 1.1, seed 42",
                            rounds: rounds, generatedTokens: generateTokens, offDecodeTokS: off, onDecodeTokS: on,
                            overheadPercent: (off - on) / max(off, 1e-9) * 100)
    }

    static func seconds(since start: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }

    /// VmHWM from /proc/self/status: the peak resident set of this process.
    public static func peakResidentMegabytes() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kb / 1024
    }
}
