import Foundation
import GenerationCore
import Testing
@testable import LocalEngine

/// Every generation parameter on the real model, with TGI's semantics.
@Suite(.serialized) struct ParameterTests {
    static var backend: LocalBackend { LocalBackendTests.backend }
    static let prompt = "The best thing about living by the sea is"

    static func run(_ p: GenerateParameters, _ inputs: String = prompt) async throws -> GenerateResponse {
        try await backend.generate(GenerateRequest(inputs: inputs, parameters: p))
    }

    static func ids(_ r: GenerateResponse) -> [UInt32] { r.details?.tokens.map { $0.id! } ?? [] }

    @Test func topKOneEqualsGreedy() async throws {
        let greedy = try await Self.run(GenerateParameters(details: true, maxNewTokens: 12))
        let sampled = try await Self.run(GenerateParameters(details: true, doSample: true, maxNewTokens: 12, seed: 7, topK: 1))
        #expect(Self.ids(greedy) == Self.ids(sampled))
        #expect(sampled.details?.seed == 7, "sampling reports its seed")
        #expect(sampled.details?.tokens.allSatisfy { $0.logprob == 0 } == true, "top_k=1 leaves one token: probability 1")
    }

    @Test func seedsReproduceAndDiffer() async throws {
        let p = GenerateParameters(details: true, maxNewTokens: 16, seed: 1234, temperature: 1.2)
        let a = try await Self.run(p), b = try await Self.run(p)
        #expect(a == b)
        var q = p
        q.seed = 99
        let c = try await Self.run(q)
        #expect(Self.ids(a) != Self.ids(c))
        var unseeded = p
        unseeded.seed = nil
        let d = try await Self.run(unseeded)
        #expect(d.details?.seed != nil, "an unseeded sampling request draws and reports a seed")
        var replay = p
        replay.seed = d.details?.seed
        #expect(Self.ids(try await Self.run(replay)) == Self.ids(d), "the reported seed replays the run")
    }

    /// The reported logprob is the log-softmax of the processed logits: with temperature T it is
    /// log_softmax(logits / T) of the raw model logits.
    @Test func temperatureShapesReportedLogprobs() async throws {
        let ids = Self.backend.tokenizer.encode(Self.prompt)
        let session = GemmaSession(model: Self.backend.model, threads: 2)
        let logits = try #require(try session.evaluate(ids, logits: .last).first)
        let response = try await Self.run(GenerateParameters(details: true, maxNewTokens: 1, seed: 3, temperature: 0.5))
        let token = try #require(response.details?.tokens.first)
        let scaled = logits.map { $0 / 0.5 }
        let expected = Double(scaled[Int(token.id!)]) - LogSoftmax.logSumExp(scaled)
        #expect(abs((token.logprob ?? 0) - expected) < 1e-5)
    }

    @Test func filteredTokensAreNotOfferedAsAlternatives() async throws {
        let r = try await Self.run(GenerateParameters(details: true, maxNewTokens: 6, seed: 5, topK: 2, topNTokens: 5))
        let top = try #require(r.details?.topTokens)
        #expect(top.allSatisfy { $0.count <= 2 }, "top_k=2 leaves at most two alternatives")
        let p = try await Self.run(GenerateParameters(details: true, maxNewTokens: 6, seed: 5, topNTokens: 5, topP: 0.3))
        var smallSets = 0
        for (token, alternatives) in zip(p.details?.tokens ?? [], p.details?.topTokens ?? []) {
            #expect(alternatives.allSatisfy { $0.logprob != nil }, "no filtered (-inf) token is offered")
            guard alternatives.count < 5 else { continue }
            // The whole kept set is listed: it contains the choice and renormalises to 1.
            smallSets += 1
            #expect(alternatives.contains { $0.id == token.id })
            let mass = alternatives.compactMap(\.logprob).map(Foundation.exp).reduce(0, +)
            #expect(mass > 0.999, "the kept set renormalises to 1")
        }
        for (token, alternatives) in zip(top.indices, top) {
            let chosen = try #require(r.details?.tokens[token])
            #expect(alternatives.contains { $0.id == chosen.id })
            #expect(abs(alternatives.compactMap(\.logprob).map(Foundation.exp).reduce(0, +) - 1) < 1e-3)
        }
        #expect(smallSets > 0, "top_p 0.3 narrows some steps to fewer than 5 tokens")
    }

    @Test func repetitionPenaltyLowersRepeatedTokens() async throws {
        let text = "one two three one two three one two three one two"
        let plain = try await Self.run(GenerateParameters(details: true, maxNewTokens: 1, topNTokens: 5), text)
        let penalised = try await Self.run(GenerateParameters(details: true, maxNewTokens: 1, repetitionPenalty: 3, topNTokens: 5), text)
        let repeated = Self.backend.tokenizer.encode(" three", addSpecial: false)[0]
        let before = plain.details?.topTokens?.first?.first { $0.id == UInt32(repeated) }?.logprob ?? 0
        let after = penalised.details?.topTokens?.first?.first { $0.id == UInt32(repeated) }?.logprob ?? -.infinity
        #expect(plain.details?.tokens.first?.id == UInt32(repeated), "the model repeats the pattern")
        #expect(after < before - 0.5)
    }

    /// typical_p keeps the TGI-defined set: tokens whose surprise is closest to the entropy, up to the mass.
    @Test func typicalPKeepsTheTypicalSet() async throws {
        let ids = Self.backend.tokenizer.encode(Self.prompt)
        let session = GemmaSession(model: Self.backend.model, threads: 2)
        var logits = try #require(try session.evaluate(ids, logits: .last).first)
        var expected = logits
        LogitsProcessor.typical(&expected, 0.4)
        let kept = Set(expected.indices.filter { expected[$0] > -.infinity })
        let r = try await Self.run(GenerateParameters(details: true, maxNewTokens: 1, seed: 9, topNTokens: 5, typicalP: 0.4))
        let token = try #require(r.details?.tokens.first)
        #expect(kept.contains(Int(token.id!)), "the choice comes from the typical set")
        let alternatives = try #require(r.details?.topTokens?.first)
        #expect(alternatives.allSatisfy { kept.contains(Int($0.id!)) })
        // The reported logprob renormalises over the typical set.
        let lse = LogSoftmax.logSumExp(expected)
        #expect(abs((token.logprob ?? 0) - (Double(expected[Int(token.id!)]) - lse)) < 1e-5)
        logits.removeAll()
    }

    /// frequency_penalty subtracts penalty x count / history length (TGI's normalised form).
    @Test func frequencyPenaltyFollowsTGIsFormula() async throws {
        let text = "red red red red blue"
        let ids = Self.backend.tokenizer.encode(text)
        let session = GemmaSession(model: Self.backend.model, threads: 2)
        let logits = try #require(try session.evaluate(ids, logits: .last).first)
        let r = try await Self.run(GenerateParameters(details: true, frequencyPenalty: 1.5, maxNewTokens: 1, topNTokens: 5), text)
        let red = Self.backend.tokenizer.encode(" red", addSpecial: false)[0]
        let count = Float(ids.filter { $0 == red }.count)
        var adjusted = logits
        adjusted[Int(red)] -= 1.5 * count / Float(ids.count)
        for id in Set(ids) where id != red {
            adjusted[Int(id)] -= 1.5 * Float(ids.filter { $0 == id }.count) / Float(ids.count)
        }
        let lse = LogSoftmax.logSumExp(adjusted)
        let token = try #require(r.details?.tokens.first)
        #expect(abs((token.logprob ?? 0) - (Double(adjusted[Int(token.id!)]) - lse)) < 1e-5)
        #expect(count == 3, "\"red\" once without and three times with a leading space")
    }

    /// min_p keeps exactly the tokens whose probability is >= min_p x the top token's, computed here from the
    /// model's own logits by the formula; the run samples from that set (min_p alone asks for sampling), its
    /// logprobs renormalise over it, and `top_tokens` lists it whole when it is small.
    @Test func minPKeepsExactlyTheTokensItsFormulaAllows() async throws {
        let ids = Self.backend.tokenizer.encode(Self.prompt)
        let session = GemmaSession(model: Self.backend.model, threads: 2)
        let logits = try #require(try session.evaluate(ids, logits: .last).first)
        let lse = LogSoftmax.logSumExp(logits)
        let probabilities = logits.map { Foundation.exp(Double($0) - lse) }
        let top = try #require(probabilities.max())
        for minP in [0.05, 0.2] {
            let allowed = Set(probabilities.indices.filter { probabilities[$0] >= minP * top })
            #expect(allowed.count > 1 && allowed.count < logits.count, "min_p \(minP) filters some but not all")
            var processed = logits
            var s = SamplingParameters(GenerateParameters(minP: minP))
            #expect(s.doSample, "min_p alone samples")
            LogitsProcessor.process(&processed, history: ids, s)
            #expect(Set(processed.indices.filter { processed[$0] > -.infinity }) == allowed, "min_p \(minP)")
            // Kept tokens are untouched (no temperature, no penalty): only the filter acts.
            #expect(allowed.allSatisfy { processed[$0] == logits[$0] })
            s.minP = 0
            var off = logits
            LogitsProcessor.process(&off, history: ids, s)
            #expect(off == logits, "min_p 0 is off")
        }
        // Through the backend: min_p 0.2 leaves a few tokens, all of them offered, renormalised.
        let allowed = Set(probabilities.indices.filter { probabilities[$0] >= 0.2 * top })
        #expect(allowed.count <= 5)
        let r = try await Self.run(GenerateParameters(details: true, maxNewTokens: 1, minP: 0.2, seed: 11, topNTokens: 5))
        #expect(r.details?.seed == 11, "min_p samples, so the seed is reported")
        let token = try #require(r.details?.tokens.first)
        #expect(allowed.contains(Int(token.id!)))
        let alternatives = try #require(r.details?.topTokens?.first)
        #expect(Set(alternatives.map { Int($0.id!) }) == allowed)
        let keptLSE = LogSoftmax.logSumExp(allowed.map { logits[$0] })
        #expect(abs((token.logprob ?? 0) - (Double(logits[Int(token.id!)]) - keptLSE)) < 1e-5)
    }

    /// min_p comes after the other warpers: with typical_p it measures from the most likely token typical_p left.
    @Test func minPComesAfterTheOtherWarpers() async throws {
        let ids = Self.backend.tokenizer.encode(Self.prompt)
        let session = GemmaSession(model: Self.backend.model, threads: 2)
        let logits = try #require(try session.evaluate(ids, logits: .last).first)
        var typical = logits
        LogitsProcessor.typical(&typical, 0.5)
        let kept = typical.indices.filter { typical[$0] > -.infinity }
        let best = try #require(kept.map { typical[$0] }.max())
        let expected = Set(kept.filter { Foundation.exp(Double(typical[$0]) - Double(best)) >= 0.5 })
        var processed = logits
        LogitsProcessor.process(&processed, history: ids, SamplingParameters(GenerateParameters(minP: 0.5, typicalP: 0.5)))
        #expect(Set(processed.indices.filter { processed[$0] > -.infinity }) == expected)
        #expect(expected.count < kept.count, "min_p narrows what typical_p kept")
    }

    /// presence_penalty subtracts the penalty once from every token present in the prompt (and generated text),
    /// whatever its count, and from no other token.
    @Test func presencePenaltyMovesExactlyThePresentTokens() async throws {
        let text = "red red red red blue"
        let ids = Self.backend.tokenizer.encode(text)
        let session = GemmaSession(model: Self.backend.model, threads: 2)
        let logits = try #require(try session.evaluate(ids, logits: .last).first)
        var processed = logits
        let s = SamplingParameters(GenerateParameters(presencePenalty: 1.5))
        #expect(!s.doSample, "a penalty alone does not ask for sampling")
        LogitsProcessor.process(&processed, history: ids, s)
        let present = Set(ids.map(Int.init))
        let moved = Set(logits.indices.filter { processed[$0] != logits[$0] })
        #expect(moved == present)
        for id in present { #expect(processed[id] == logits[id] - 1.5, "token \(id) moves by exactly the penalty") }
        // Through the backend: the reported logprob is that of the penalised distribution.
        let r = try await Self.run(GenerateParameters(details: true, maxNewTokens: 1, presencePenalty: 1.5, topNTokens: 5), text)
        let token = try #require(r.details?.tokens.first)
        let lse = LogSoftmax.logSumExp(processed)
        #expect(abs((token.logprob ?? 0) - (Double(processed[Int(token.id!)]) - lse)) < 1e-5)
        #expect(Int(token.id!) == processed.indices.max { processed[$0] < processed[$1] }, "greedy over the penalised scores")
    }

    @Test func truncateKeepsTheLastTokens() async throws {
        let r = try await Self.run(GenerateParameters(decoderInputDetails: true, details: true, maxNewTokens: 2, truncate: 3))
        let full = Self.backend.tokenizer.encode(Self.prompt)
        #expect(r.details?.prefill.map { Int32($0.id!) } == Array(full.suffix(3)))
    }

    /// Issue 16 item 10: an input that cannot fit whatever its tokens are is refused from its length alone (the
    /// bound holds: never more bytes per token than the longest vocabulary entry); one just over the limit is
    /// tokenized and gets TGI's exact count; with `truncate` every input is tokenized and cut.
    @Test func inputsFarOverTheLimitAreRefusedBeforeTokenizing() async throws {
        let huge = String(repeating: "the sea ", count: 6_250_000)  // 50 MB
        let tokenizer = Self.backend.tokenizer
        #expect(tokenizer.minimumTokenCount(utf8Count: huge.utf8.count) > 8191)
        let error = await #expect(throws: GenerationError.self) { _ = try await Self.run(GenerateParameters(maxNewTokens: 1), huge) }
        #expect(error?.errorType == .validation)
        #expect(error?.message.hasPrefix("Input validation error: `inputs` tokens + `max_new_tokens` must be <= 8192. Given: at least ") == true,
                "\(error?.message ?? "")")
        let unbounded = await #expect(throws: GenerationError.self) { _ = try await Self.run(GenerateParameters(), huge) }
        #expect(unbounded?.message.hasPrefix("Input validation error: `inputs` must have less than 8191 tokens. Given: at least ") == true,
                "\(unbounded?.message ?? "")")
        for sample in ["Hello world", "<start_of_turn>user\n  \t\t<0x41>\u{1F600}é", String(repeating: "=", count: 500), huge.prefix(5_000).description] {
            let bound = tokenizer.minimumTokenCount(utf8Count: sample.utf8.count)
            #expect(bound <= tokenizer.encode(sample).count, "the bound is a lower bound for \(sample.prefix(20))")
        }
        let over = String(repeating: "sea ", count: 9_000)
        let exact = tokenizer.encode(over).count
        await #expect(throws: GenerationError.validation("`inputs` tokens + `max_new_tokens` must be <= 8192. Given: \(exact) `inputs` tokens and 1 `max_new_tokens`")) {
            _ = try await Self.run(GenerateParameters(maxNewTokens: 1), over)
        }
        let cut = try await Self.run(GenerateParameters(decoderInputDetails: true, details: true, maxNewTokens: 1, truncate: 4), over)
        #expect(cut.details?.prefill.count == 4)
    }

    @Test func bestOfPicksTheMostLikelyCandidate() async throws {
        let r = try await Self.run(GenerateParameters(bestOf: 2, details: true, doSample: true, maxNewTokens: 8))
        let details = try #require(r.details)
        let others = try #require(details.bestOfSequences)
        #expect(others.count == 1)
        func mean(_ t: [Token]) -> Double { t.compactMap(\.logprob).reduce(0, +) / Double(t.count) }
        #expect(mean(details.tokens) >= mean(others[0].tokens))
        #expect(details.seed != nil && others[0].seed != nil && details.seed != others[0].seed)
        await #expect(throws: GenerationError.validation("`seed` must not be set when `best_of` > 1")) {
            _ = try await Self.run(GenerateParameters(bestOf: 2, doSample: true, seed: 1))
        }
        await #expect(throws: GenerationError.validation("`best_of` must be > 0 and <= 2. Given: 3")) {
            _ = try await Self.run(GenerateParameters(bestOf: 3, doSample: true))
        }
    }

    @Test func watermarkIsDetectable() async throws {
        let marked = try await Self.run(GenerateParameters(details: true, maxNewTokens: 120, seed: 11, temperature: 1.0,
                                                           topK: 50, watermark: true), "Write a long story about a dragon:")
        let plain = try await Self.run(GenerateParameters(details: true, maxNewTokens: 120, seed: 11, temperature: 1.0,
                                                          topK: 50), "Write a long story about a dragon:")
        let markedIds = (marked.details?.tokens ?? []).map { Int32($0.id!) }
        let plainIds = (plain.details?.tokens ?? []).map { Int32($0.id!) }
        let a = Watermark.tgi.detect(markedIds), b = Watermark.tgi.detect(plainIds)
        #expect(a.watermarked && a.zScore > 4, "watermarked z = \(a.zScore)")
        #expect(!b.watermarked && b.zScore < 4, "plain z = \(b.zScore)")
    }

    @Test func adapterIdIsRefused() async throws {
        do {
            _ = try await Self.run(GenerateParameters(adapterId: "predibase/dbpedia"))
            Issue.record("must fail")
        } catch let error as GenerationError {
            #expect(error.errorType == "validation" && error.message.contains("adapter_id"))
        }
    }

    @Test func missingParametersObjectSamplesLikeTGI() async throws {
        let r = try await Self.backend.generate(GenerateRequest(inputs: Self.prompt))
        #expect(r.details == nil && !r.generatedText.isEmpty)
    }

    @Test func endOfTurnStops() async throws {
        let chat = "<start_of_turn>user\nSay hi.<end_of_turn>\n<start_of_turn>model\nHi!<end_of_turn>\n<start_of_turn>user\nThanks<end_of_turn>\n<start_of_turn>model\n"
        let r = try await Self.run(GenerateParameters(details: true, maxNewTokens: 60), chat)
        let details = try #require(r.details)
        if details.finishReason == .eosToken {
            let last = try #require(details.tokens.last)
            #expect(last.special && [1, 106].contains(last.id))
            #expect(!r.generatedText.contains("<end_of_turn>"), "special tokens stay out of generated_text")
        } else {
            #expect(details.finishReason == .length)
        }
    }
}
