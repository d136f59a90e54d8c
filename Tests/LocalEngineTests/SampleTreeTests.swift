import Foundation
import GenerationCore
import Testing
@testable import LocalEngine

/// Sampled token trees on the real model: one prefill shared by every sample, counts that add up, greedy as a
/// single path, and seeds that make the tree reproducible (sample i is `generate` with seed + i).
@Suite(.serialized) struct SampleTreeTests {
    /// Its own engine: evaluated-token counts and the cache's contents must not see other suites' requests.
    static let backend: LocalBackend = {
        do { return try LocalBackend(modelPath: TestModel.path) } catch { fatalError("\(error)") }
    }()
    static let prompt = "The capital of France is"

    static func tree(_ parameters: GenerateParameters?, samples: Int = 8, depth: Int = 4, accepted: String = "")
        async throws -> SampleTree {
        try await SampleTrees.sample(SampleTreeRequest(request: GenerateRequest(inputs: prompt, parameters: parameters),
                                                       accepted: accepted, samples: samples, depth: depth),
                                     on: backend)
    }

    /// Every node's count is the sum of its children's and the samples that ended there or reached the depth.
    static func checkCounts(_ nodes: [SampleTree.Node], depth: Int, level: Int = 1) {
        for node in nodes {
            let below = node.children.reduce(0) { $0 + $1.count }
            if level == depth {
                #expect(node.children.isEmpty, "no node deeper than the depth")
            } else {
                #expect(below + node.ended == node.count, "a sample stops early only when it ended")
            }
            checkCounts(node.children, depth: depth, level: level + 1)
        }
    }

    @Test func countsAddUpToTheSamples() async throws {
        let tree = try await Self.tree(GenerateParameters(seed: 11, temperature: 1.2, topK: 50), samples: 16, depth: 5)
        #expect(tree.samples == 16 && tree.depth == 5 && tree.seed == 11)
        #expect(tree.probabilities == .processed)
        #expect(tree.children.reduce(0) { $0 + $1.count } == 16)
        #expect(tree.leaves.reduce(0) { $0 + $1.count } == 16)
        Self.checkCounts(tree.children, depth: 5)
        // Most frequent first at the top level, and each node's path logprob is its parent's plus its own.
        #expect(zip(tree.children, tree.children.dropFirst()).allSatisfy { $0.count >= $1.count })
        for node in tree.children {
            #expect(node.pathLogprob == node.token.logprob)
            for child in node.children {
                let sum = try #require(node.pathLogprob) + #require(child.token.logprob)
                #expect(abs(try #require(child.pathLogprob) - sum) < 1e-9)
            }
        }
    }

    /// With top_k 1 every sample is the greedy continuation: one path, count N, the tokens `generate` gives.
    @Test func topKOneIsTheGreedyPath() async throws {
        let tree = try await Self.tree(GenerateParameters(seed: 3, topK: 1), samples: 8, depth: 6)
        #expect(tree.children.count == 1)
        let leaves = tree.leaves
        #expect(leaves.count == 1 && leaves.first?.count == 8)
        let greedy = try await Self.backend.generate(GenerateRequest(
            inputs: Self.prompt, parameters: GenerateParameters(details: true, maxNewTokens: 6)))
        let tokens = try #require(greedy.details?.tokens)
        #expect(leaves.first?.tokens.map(\.id) == tokens.map(\.id))
        #expect(leaves.first?.tokens.map(\.text) == tokens.map(\.text))
    }

    /// The same seed gives the same tree; sample i is exactly `generate` with seed + i and max_new_tokens K.
    @Test func aSeedMakesTheTreeReproducible() async throws {
        let parameters = GenerateParameters(seed: 42, temperature: 1.0, topP: 0.95)
        let a = try await Self.tree(parameters, samples: 8, depth: 4)
        let b = try await Self.tree(parameters, samples: 8, depth: 4)
        #expect(a == b)
        let request = SampleTreeRequest(request: GenerateRequest(inputs: Self.prompt, parameters: parameters),
                                        samples: 8, depth: 4)
        var paths: [SampledPath] = []
        for i in 0..<8 {
            let response = try await Self.backend.generate(request.sampleRequest(i, base: 42))
            let details = try #require(response.details)
            #expect(details.seed == 42 + UInt64(i))
            paths.append(SampledPath(tokens: details.tokens, finishReason: details.finishReason))
        }
        let separate = SampleTree(inputs: Self.prompt, depth: 4, seed: 42, probabilities: .processed, paths: paths)
        #expect(Self.withoutBytes(a) == separate, "the shared-prefill tree is the N generate calls' tree")
        // Another seed: the trees may coincide by chance, but the seed is reported as given.
        let other = try await Self.tree(GenerateParameters(seed: 4242, temperature: 1.0, topP: 0.95), samples: 8, depth: 4)
        #expect(other.seed == 4242)
    }

    /// Different seeds usually give different trees: over five seeds at a high temperature, not all are equal.
    @Test func differentSeedsUsuallyDiffer() async throws {
        var trees: [SampleTree] = []
        for seed in [1, 2, 3, 4, 5] as [UInt64] {
            var tree = try await Self.tree(GenerateParameters(seed: seed, temperature: 1.5), samples: 8, depth: 3)
            tree.seed = nil
            trees.append(tree)
        }
        #expect(trees.dropFirst().contains { $0 != trees[0] })
    }

    /// One prefill: the N samples evaluate at most N x (K - 1) tokens after the prompt, not N prompts.
    @Test func samplesShareOnePrefill() async throws {
        let prompt = String(repeating: "The river runs past the old mill and the market. ", count: 8)
        let request = GenerateRequest(inputs: prompt, parameters: GenerateParameters(seed: 9, temperature: 0.9))
        let promptTokens = Self.backend.tokenizer.encode(prompt).count
        let before = Self.backend.evaluatedTokens
        let tree = try await SampleTrees.sample(SampleTreeRequest(request: request, samples: 16, depth: 4), on: Self.backend)
        let evaluated = Self.backend.evaluatedTokens - before
        #expect(tree.samples == 16)
        #expect(promptTokens > 60)
        #expect(evaluated <= promptTokens + 16 * 3, "one prefill (\(promptTokens)) and at most 3 per sample: \(evaluated)")
        #expect(evaluated >= 16, "every sample past its first token evaluates")
        // Sampling again from the same prompt reuses the cache: no prefill at all but the last token.
        let again = Self.backend.evaluatedTokens
        _ = try await SampleTrees.sample(SampleTreeRequest(request: request, samples: 8, depth: 2), on: Self.backend)
        #expect(Self.backend.evaluatedTokens - again <= 1 + 8, "prompt cached: \(Self.backend.evaluatedTokens - again)")
    }

    @Test func outOfRangeCountsAreRefused() async throws {
        for (n, k) in [(7, 4), (65, 4), (8, 0), (8, 13)] {
            await #expect(throws: GenerationError.self) { _ = try await Self.tree(nil, samples: n, depth: k) }
        }
    }

    /// The tree with bytes dropped, as a backend that reports none (TGI's wire) would build it.
    static func withoutBytes(_ tree: SampleTree) -> SampleTree {
        func strip(_ nodes: [SampleTree.Node]) -> [SampleTree.Node] {
            nodes.map { node in
                var n = node
                n.token.bytes = nil
                n.children = strip(node.children)
                return n
            }
        }
        var t = tree
        t.children = strip(tree.children)
        return t
    }
}
