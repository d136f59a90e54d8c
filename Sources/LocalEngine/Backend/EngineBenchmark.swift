import CKernels
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
        /// The whole prompt's prefill, i.e. the time to the first token's logits.
        public var prefillS: Double
        /// Kernel level in use: "avx512", "avx2" or "portable" (`TGPLAY_KERNELS_LEVEL` lowers it).
        public var kernels: String
        /// Streaming-read bandwidth of `threads` threads (`EngineLimits.readBandwidth`).
        public var bandwidthGbS: Double
        /// Weights read per decoded token (all matrices and the output head), in MB.
        public var weightsMbPerToken: Double
        /// weights_mb_per_token x decode_tok_s / bandwidth_gb_s: 1.0 would be decode at the memory limit.
        public var decodeFractionOfBandwidth: Double
        /// Prefill arithmetic rate (`EngineLimits.prefillFlops` over prefill_s).
        public var prefillGflops: Double
        /// Measured f32 FMA peak of `threads` cores at the kernel level in use (`EngineLimits.fmaPeak`).
        public var fmaPeakGflops: Double
        public var prefillFractionOfPeak: Double
        /// With threads > 1: the same prompt and generation on one thread.
        public var singleThread: SingleThreadResult?
        /// With `--grammar json`: the constrained run (nil otherwise).
        public var grammar: GrammarResult?
        /// With `--stages`: sampled decoding with and without the per-token stage trace (nil otherwise).
        public var stages: StagesResult?

        enum CodingKeys: String, CodingKey {
            case loadS = "load_s", promptTokens = "prompt_tokens", generatedTokens = "generated_tokens"
            case prefillTokS = "prefill_tok_s", decodeTokS = "decode_tok_s", peakRssMb = "peak_rss_mb", threads
            case prefillS = "prefill_s", kernels, bandwidthGbS = "bandwidth_gb_s"
            case weightsMbPerToken = "weights_mb_per_token", decodeFractionOfBandwidth = "decode_fraction_of_bandwidth"
            case prefillGflops = "prefill_gflops", fmaPeakGflops = "fma_peak_gflops"
            case prefillFractionOfPeak = "prefill_fraction_of_peak", singleThread = "single_thread", grammar, stages
        }
    }

    /// What keeping every token's stages (`StageTrace`, `GenerateRequest.traceStages`) costs: the same sampled
    /// decode from the same prompt and seed, without and with the trace, alternated `rounds` times so a shared
    /// machine's noise falls on both; each side's speeds as min/median/max over the rounds.
    public struct StagesResult: Encodable, Sendable {
        /// The sampling parameters both sides use (every processor kind that reshapes or filters, as a
        /// typical sampled request sets them).
        public var parameters: String
        public var rounds: Int
        public var generatedTokens: Int
        public var offDecodeTokS: Spread
        public var onDecodeTokS: Spread
        /// The calling thread's CPU time per token in the sampling step (processors, choice and, when on, the
        /// trace and its summary), in ms: unlike wall-clock speeds it hardly moves when other processes share the
        /// cores, so on - off is the trace's own cost per token even on a busy machine.
        public var offSamplingCpuMs: Spread
        public var onSamplingCpuMs: Spread
        /// (off - on) / off of the medians, in percent.
        public var overheadPercent: Double

        enum CodingKeys: String, CodingKey {
            case parameters, rounds, generatedTokens = "generated_tokens", offDecodeTokS = "off_decode_tok_s"
            case onDecodeTokS = "on_decode_tok_s", offSamplingCpuMs = "off_sampling_cpu_ms"
            case onSamplingCpuMs = "on_sampling_cpu_ms", overheadPercent = "overhead_percent"
        }
    }

    /// The `--threads 1` figures of the same run, with that thread's own limits.
    public struct SingleThreadResult: Encodable, Sendable {
        public var prefillTokS: Double
        public var decodeTokS: Double
        public var bandwidthGbS: Double
        public var decodeFractionOfBandwidth: Double
        public var prefillGflops: Double
        public var prefillFractionOfPeak: Double

        enum CodingKeys: String, CodingKey {
            case prefillTokS = "prefill_tok_s", decodeTokS = "decode_tok_s", bandwidthGbS = "bandwidth_gb_s"
            case decodeFractionOfBandwidth = "decode_fraction_of_bandwidth", prefillGflops = "prefill_gflops"
            case prefillFractionOfPeak = "prefill_fraction_of_peak"
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
    /// - Parameter singleThread: with threads > 1, also run on one thread (`single_thread` in the result).
    public static func run(modelPath: String, promptTokens: Int, generateTokens: Int, threads: Int,
                           grammar: String? = nil, singleThread: Bool = true, stages: Bool = false) throws -> Result {
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
        let main = try measure(session, ids, generateTokens)
        let logits = main.prompted
        let decodeSpeed = Double(generateTokens) / max(main.decodeS, 1e-9)
        let peakRss = peakResidentMegabytes()
        // The limits, measured after the run so the head's pages are resident and the probes add no memory.
        let weightBytes = Double(EngineLimits.weightBytesPerToken(model))
        let flops = EngineLimits.prefillFlops(model, tokens: ids.count)
        let headBytes = model.embedding.n * model.embedding.rowBytes
        func limits(threads: Int, prefillS: Double, decodeTokS: Double) -> (bandwidth: Double, fraction: Double,
                                                                           gflops: Double, peak: Double) {
            let bandwidth = EngineLimits.readBandwidth(model.embedding.base, bytes: headBytes, threads: threads)
            let peak = EngineLimits.fmaPeak(threads: threads)
            return (bandwidth, weightBytes * decodeTokS / 1e9 / max(bandwidth, 1e-9),
                    flops / max(prefillS, 1e-9) / 1e9, peak)
        }
        let own = limits(threads: threads, prefillS: main.prefillS, decodeTokS: decodeSpeed)
        let level = tg_kernels_level()
        var result = Result(loadS: loaded, promptTokens: ids.count, generatedTokens: generateTokens,
                            prefillTokS: Double(ids.count) / main.prefillS, decodeTokS: decodeSpeed,
                            peakRssMb: peakRss, threads: threads, prefillS: main.prefillS,
                            kernels: level >= 3 ? "avx512" : level >= 2 ? "avx2" : "portable",
                            bandwidthGbS: own.bandwidth, weightsMbPerToken: weightBytes / 1e6,
                            decodeFractionOfBandwidth: own.fraction, prefillGflops: own.gflops,
                            fmaPeakGflops: own.peak, prefillFractionOfPeak: own.gflops / max(own.peak, 1e-9))
        if threads > 1 && singleThread {
            let one = try measure(GemmaSession(model: model, threads: 1), ids, generateTokens)
            let speed = Double(generateTokens) / max(one.decodeS, 1e-9)
            let l = limits(threads: 1, prefillS: one.prefillS, decodeTokS: speed)
            result.singleThread = SingleThreadResult(
                prefillTokS: Double(ids.count) / one.prefillS, decodeTokS: speed, bandwidthGbS: l.bandwidth,
                decodeFractionOfBandwidth: l.fraction, prefillGflops: l.gflops,
                prefillFractionOfPeak: l.gflops / max(l.peak, 1e-9))
        }
        let prompted = logits
        let greedy = SamplingParameters()
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
        func decode(traced: Bool) throws -> (tokS: Double, samplingMs: Double) {
            if !session.truncate(to: ids.count) { _ = try session.evaluate(ids, logits: .none) }
            var logits = prompted, history = ids
            var generator = SeededGenerator(seed: 42)
            var kept = 0
            var samplingSeconds = 0.0
            let start = DispatchTime.now()
            for _ in 0..<generateTokens {
                let cpu = threadCPUSeconds()
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
                samplingSeconds += threadCPUSeconds() - cpu
                history.append(Int32(chosen))
                logits = try session.evaluate([Int32(chosen)], logits: .last).last ?? []
            }
            return (Double(generateTokens) / max(seconds(since: start), 1e-9),
                    samplingSeconds * 1000 / Double(max(generateTokens, 1)))
        }
        let rounds = 3
        var off: [Double] = [], on: [Double] = [], offCPU: [Double] = [], onCPU: [Double] = []
        for _ in 0..<rounds {
            let plain = try decode(traced: false)
            off.append(plain.tokS)
            offCPU.append(plain.samplingMs)
            let traced = try decode(traced: true)
            on.append(traced.tokS)
            onCPU.append(traced.samplingMs)
        }
        let offSpread = Spread(off), onSpread = Spread(on)
        return StagesResult(parameters: "temperature 0.8, top_k 40, top_p 0.95, repetition_penalty 1.1, seed 42",
                            rounds: rounds, generatedTokens: generateTokens, offDecodeTokS: offSpread,
                            onDecodeTokS: onSpread, offSamplingCpuMs: Spread(offCPU), onSamplingCpuMs: Spread(onCPU),
                            overheadPercent: (offSpread.median - onSpread.median) / max(offSpread.median, 1e-9) * 100)
    }

    /// Prefill of `ids` on a fresh session, then `generate` greedy tokens one at a time.
    private static func measure(_ session: GemmaSession, _ ids: [Int32], _ generate: Int) throws
        -> (prefillS: Double, decodeS: Double, prompted: [Float]) {
        let prefillStart = DispatchTime.now()
        var logits = try session.evaluate(ids, logits: .last).last ?? []
        let prefill = seconds(since: prefillStart)
        let prompted = logits
        let greedy = SamplingParameters()
        var history = ids
        let decodeStart = DispatchTime.now()
        for _ in 0..<generate {
            LogitsProcessor.process(&logits, history: history, greedy)
            let next = Int32(LogSoftmax.top(logits, 1).first?.id ?? 0)
            history.append(next)
            logits = try session.evaluate([next], logits: .last).last ?? []
        }
        return (prefill, seconds(since: decodeStart), prompted)
    }

    /// CPU time the calling thread has used, in seconds (CLOCK_THREAD_CPUTIME_ID).
    static func threadCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
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
