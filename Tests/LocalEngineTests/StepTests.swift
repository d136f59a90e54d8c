import Foundation
import GenerationCore
import Testing
@testable import LocalEngine

/// Step and steer on the real model: K single steps are one greedy run of K tokens, each step after the first
/// evaluates one token (the cache is kept), and forced text is scored as prompt scoring scores it.
@Suite(.serialized) struct StepTests {
    /// Its own engine: evaluated-token counts and the cache's contents must not see other suites' requests.
    static let backend: LocalBackend = {
        do { return try LocalBackend(modelPath: TestModel.path) } catch { fatalError("\(error)") }
    }()
    static let prompt = "The capital of France is"

    @Test func steppingKTimesIsOneGreedyRun() async throws {
        let request = GenerateRequest(inputs: Self.prompt, parameters: GenerateParameters(topNTokens: 3))
        var accepted: [Token] = []
        var evaluatedPerStep: [Int] = []
        for _ in 0..<6 {
            let before = Self.backend.evaluatedTokens
            let answer = try await Stepping.step(StepRequest(request: request, accepted: accepted), on: Self.backend)
            evaluatedPerStep.append(Self.backend.evaluatedTokens - before)
            #expect(answer.count == 1)
            let step = try #require(answer.first)
            #expect(!step.forced && step.probabilities == .processed)
            #expect(step.topTokens.count == 3 && step.topTokens.first?.id == step.token.id, "greedy takes the top token")
            accepted.append(step.token)
        }
        let greedy = try await Self.backend.generate(GenerateRequest(
            inputs: Self.prompt, parameters: GenerateParameters(details: true, maxNewTokens: 6)))
        let tokens = try #require(greedy.details?.tokens)
        #expect(accepted.map(\.id) == tokens.map(\.id))
        #expect(accepted.map(\.logprob) == tokens.map(\.logprob))
        #expect(evaluatedPerStep.dropFirst().allSatisfy { $0 == 1 }, "the cache is kept between steps: \(evaluatedPerStep)")
    }

    /// Forced text is tokenized and accepted in order; each token's logprob is what `decoder_input_details`
    /// reports for it at that position, and stepping on from it continues after the forced text.
    @Test func forcedTextIsScoredLikePromptTokens() async throws {
        let force = " Paris, a city"
        let request = GenerateRequest(inputs: Self.prompt, parameters: GenerateParameters(topNTokens: 2),
                                      traceStages: true)
        let forced = try await Stepping.step(StepRequest(request: request, force: force), on: Self.backend)
        let ids = Self.backend.tokenizer.encode(force, addSpecial: false)
        #expect(forced.map { $0.token.id.map(Int32.init) } == ids.map { Optional($0) })
        #expect(forced.allSatisfy { $0.forced && $0.probabilities == .raw && $0.topTokens.count == 2 })
        #expect(forced.map(\.token.text).joined() == force)
        #expect(forced.allSatisfy { $0.stages?.raw != nil }, "stages when traced")
        let scored = try await Self.backend.generate(GenerateRequest(
            inputs: Self.prompt + force, parameters: GenerateParameters(decoderInputDetails: true, maxNewTokens: 1)))
        let prefill = try #require(scored.details?.prefill)
        let tail = Array(prefill.suffix(ids.count))
        #expect(tail.map(\.id) == forced.map(\.token.id))
        #expect(tail.map(\.logprob) == forced.map(\.token.logprob), "forced logprobs are prompt scoring's")
        // The next step continues after the forced text, at the cost of one token.
        let before = Self.backend.evaluatedTokens
        let next = try await Stepping.step(StepRequest(request: request, accepted: forced.map(\.token)), on: Self.backend)
        #expect(Self.backend.evaluatedTokens - before == 1)
        let greedy = try await Self.backend.generate(GenerateRequest(
            inputs: Self.prompt + force, parameters: GenerateParameters(details: true, maxNewTokens: 1)))
        #expect(next.first?.token.id == greedy.details?.tokens.first?.id)
    }

    /// A request seed makes a sampled step reproducible; an accepted id outside the vocabulary is refused.
    @Test func seededStepsRepeatAndBadIdsAreRefused() async throws {
        let request = GenerateRequest(inputs: Self.prompt, parameters: GenerateParameters(seed: 5, temperature: 1.3))
        let a = try await Stepping.step(StepRequest(request: request), on: Self.backend)
        let b = try await Stepping.step(StepRequest(request: request), on: Self.backend)
        #expect(a == b)
        let bad = Token(id: 9_999_999, text: "?", logprob: nil, special: false)
        await #expect(throws: GenerationError.self) {
            _ = try await Stepping.step(StepRequest(request: request, accepted: [bad]), on: Self.backend)
        }
    }
}
