import Foundation
import Testing
import GenerationCore
@testable import LocalEngine

/// Compare mode on the real built-in model: two temperatures, one seed.
@Suite(.serialized) struct CompareLocalTests {
    @Test func twoTemperaturesOneSeed() async throws {
        let backend = LocalBackendTests.backend
        let sets = [ParameterSet(name: "A", parameters: GenerateParameters(temperature: 0.3)),
                    ParameterSet(name: "B", parameters: GenerateParameters(temperature: 1.5))]
        let result = try await CompareRunner.run(prompt: "The capital of France is",
                                                 base: GenerateParameters(maxNewTokens: 12), sets: sets) { _ in backend }
        #expect(result.allSucceeded, "\(result.sets.map(\.error))")
        let responses = result.sets.compactMap(\.response)
        #expect(responses.count == 2)
        // The same seed went to both sets and came back in both answers.
        #expect(result.sets.allSatisfy { $0.parameters.seed == result.seed })
        #expect(responses.allSatisfy { $0.details?.seed == result.seed })
        #expect(result.sets.map(\.backend) == [.local, .local])
        // The divergence index agrees with the two token sequences.
        let a = responses[0].details?.tokens.map(\.id) ?? []
        let b = responses[1].details?.tokens.map(\.id) ?? []
        #expect(!a.isEmpty && !b.isEmpty)
        let index = result.firstDivergentIndex
        if let index {
            #expect(Array(a.prefix(index)) == Array(b.prefix(index)))
            #expect(index == min(a.count, b.count) || a[index] != b[index])
            // Both distributions at that index come from each response's own top_tokens.
            let point = try #require(result.divergence)
            #expect(point.index == index)
            for (choice, response) in zip(point.sets, responses) {
                let top = response.details?.topTokens ?? []
                #expect(choice.topTokens == (top.indices.contains(index) ? top[index] : []))
                #expect(choice.token == response.details?.tokens[safe: index])
                #expect(!choice.topTokens.isEmpty || index >= top.count)
            }
        } else {
            #expect(a == b)
            #expect(result.divergence == nil)
        }
        // Statistics are computed for both.
        for set in result.sets {
            let stats = try #require(set.stats)
            #expect(stats.tokens == set.response?.details?.tokens.count)
            #expect(stats.perplexity.map { $0 >= 1 } ?? false)
        }
        // The same seed and set again gives the same tokens (the seed is what makes columns comparable).
        let again = try await CompareRunner.run(prompt: "The capital of France is", base: GenerateParameters(maxNewTokens: 12),
                                                sets: sets, seed: result.seed) { _ in backend }
        #expect(again.sets.map { $0.response?.details?.tokens.map(\.id) } == result.sets.map { $0.response?.details?.tokens.map(\.id) })
    }
}

private extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
