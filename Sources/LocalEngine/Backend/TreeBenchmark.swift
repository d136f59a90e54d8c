import Foundation
import GenerationCore

/// `tgplay bench tree`: what a shared prefill saves when sampling a token tree. The same N samples of K tokens
/// from the same prompt and seed, three ways, alternated `runs` times so a shared machine's noise falls on all:
/// the tree sampler (one prefill, every sample restarting from the cached prompt), N `generate` calls on a warm
/// engine (its prefix reuse evaluates only the prompt's last token again each time), and N `generate` calls from a
/// cold cache (a full prefill each, what a server without prefix caching does). Wall-clock seconds, min/median/max.
public enum TreeBenchmark {
    public struct Result: Encodable, Sendable {
        public var samples: Int
        public var depth: Int
        public var promptTokens: Int
        public var runs: Int
        public var threads: Int
        public var parameters: String
        public var treeS: Spread
        /// Model evaluations of one tree (prompt once, then at most K - 1 per sample).
        public var treeEvaluatedTokens: Int
        public var generateWarmS: Spread
        public var generateWarmEvaluatedTokens: Int
        public var generateColdS: Spread
        public var generateColdEvaluatedTokens: Int
        /// Median cold generate calls over median tree.
        public var speedupOverCold: Double
        public var speedupOverWarm: Double

        enum CodingKeys: String, CodingKey {
            case samples, depth, promptTokens = "prompt_tokens", runs, threads, parameters
            case treeS = "tree_s", treeEvaluatedTokens = "tree_evaluated_tokens"
            case generateWarmS = "generate_warm_s", generateWarmEvaluatedTokens = "generate_warm_evaluated_tokens"
            case generateColdS = "generate_cold_s", generateColdEvaluatedTokens = "generate_cold_evaluated_tokens"
            case speedupOverCold = "speedup_over_cold", speedupOverWarm = "speedup_over_warm"
        }
    }

    public static func run(modelPath: String, samples: Int, depth: Int, promptTokens: Int, runs: Int, threads: Int)
        throws -> Result {
        let file = try GGUFFile(path: modelPath)
        let model = try GemmaModel(file: file)
        let tokenizer = try GemmaTokenizer(file: file)
        let session = GemmaSession(model: model, threads: threads)
        let generator = Generator(model: model, tokenizer: tokenizer, session: session, limits: LocalBackend.defaultLimits,
                                  grammars: GrammarCompiler(tokenizer: tokenizer))
        // A natural-language prompt of about `promptTokens` tokens, whole sentences.
        let sentence = "The quick brown fox jumps over the lazy dog while the river runs past the old mill. "
        var prompt = ""
        while tokenizer.encode(prompt).count < promptTokens { prompt += sentence }
        let parameters = GenerateParameters(seed: 1234, temperature: 0.9, topK: 40, topP: 0.95)
        let tree = SampleTreeRequest(request: GenerateRequest(inputs: prompt, parameters: parameters),
                                     samples: samples, depth: depth)
        if let problem = tree.problem { throw problem }
        let never: () -> Bool = { false }

        func timed(_ work: () throws -> Void) throws -> (seconds: Double, evaluated: Int) {
            let before = session.evaluatedTokens
            let start = DispatchTime.now()
            try work()
            return (EngineBenchmark.seconds(since: start), session.evaluatedTokens - before)
        }
        func sampleTree() throws {
            session.reset()
            _ = try generator.sampleTree(tree, seed: 0, isCancelled: never)
        }
        func separate(cold: Bool) throws {
            session.reset()
            for i in 0..<samples {
                if cold { session.reset() }
                _ = try generator.run(tree.sampleRequest(i, base: 1234), streaming: false, seed: 0,
                                      isCancelled: never, emit: { _ in })
            }
        }
        var treeTimes: [Double] = [], warmTimes: [Double] = [], coldTimes: [Double] = []
        var treeCount = 0, warmCount = 0, coldCount = 0
        for _ in 0..<max(1, runs) {
            let t = try timed(sampleTree)
            treeTimes.append(t.seconds)
            treeCount = t.evaluated
            let w = try timed { try separate(cold: false) }
            warmTimes.append(w.seconds)
            warmCount = w.evaluated
            let c = try timed { try separate(cold: true) }
            coldTimes.append(c.seconds)
            coldCount = c.evaluated
        }
        let treeSpread = Spread(treeTimes), warm = Spread(warmTimes), cold = Spread(coldTimes)
        return Result(samples: samples, depth: depth, promptTokens: tokenizer.encode(prompt).count, runs: max(1, runs),
                      threads: threads, parameters: "seed 1234 (sample i: 1234 + i), temperature 0.9, top_k 40, top_p 0.95",
                      treeS: treeSpread, treeEvaluatedTokens: treeCount, generateWarmS: warm,
                      generateWarmEvaluatedTokens: warmCount, generateColdS: cold, generateColdEvaluatedTokens: coldCount,
                      speedupOverCold: cold.median / max(treeSpread.median, 1e-9),
                      speedupOverWarm: warm.median / max(treeSpread.median, 1e-9))
    }
}
