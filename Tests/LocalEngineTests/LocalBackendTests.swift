import Foundation
import GenerationCore
import Testing
@testable import LocalEngine

/// The built-in engine through the same protocol as the HTTP client, on the real model.
@Suite(.serialized) struct LocalBackendTests {
    static let backend: LocalBackend = {
        do { return try LocalBackend(modelPath: TestModel.path) } catch { fatalError("\(error)") }
    }()

    static func request(_ inputs: String, _ parameters: GenerateParameters? = GenerateParameters()) -> GenerateRequest {
        GenerateRequest(inputs: inputs, parameters: parameters)
    }

    /// Greedy decoding reproduces the f32 reference's continuation token for token.
    @Test func greedyMatchesTheF32Reference() async throws {
        let (vectors, _) = try ForwardTests.vectors()
        for prompt in vectors.prompts {
            let parameters = GenerateParameters(details: true, maxNewTokens: UInt32(prompt.greedy_f32.count))
            let response = try await Self.backend.generate(Self.request(prompt.text, parameters))
            let ids = response.details?.tokens.map { Int32($0.id!) } ?? []
            #expect(ids == prompt.greedy_f32, "\(prompt.text.prefix(30))")
            #expect(response.details?.seed == nil, "greedy reports seed null, as TGI")
        }
    }

    @Test func detailsTopTokensAndPrefill() async throws {
        let parameters = GenerateParameters(decoderInputDetails: true, details: true, maxNewTokens: 20, topNTokens: 5)
        let response = try await Self.backend.generate(Self.request("The capital of France is", parameters))
        let details = try #require(response.details)
        #expect(details.finishReason == .length && details.generatedTokens == 20 && details.tokens.count == 20)
        #expect(details.prefill.map(\.id) == [2, 818, 5279, 529, 7001, 563])
        #expect(details.prefill.first?.logprob == nil && details.prefill.dropFirst().allSatisfy { ($0.logprob ?? 0) < 0 })
        #expect(details.prefill.map(\.text) == ["<bos>", "The", " capital", " of", " France", " is"])
        let top = try #require(details.topTokens)
        #expect(top.count == 20 && top.allSatisfy { $0.count == 5 })
        for (token, alternatives) in zip(details.tokens, top) {
            #expect(alternatives[0].id == token.id && alternatives[0].logprob == token.logprob, "greedy picks the top token")
            #expect(zip(alternatives, alternatives.dropFirst()).allSatisfy { ($0.logprob ?? 0) >= ($1.logprob ?? 0) })
        }
        #expect(response.generatedText == details.tokens.filter { !$0.special }.map(\.text).joined())
        #expect(response.generatedText.hasPrefix(" the capital of"))
    }

    @Test func streamEqualsNonStream() async throws {
        let parameters = GenerateParameters(details: true, maxNewTokens: 12, topNTokens: 3)
        let whole = try await Self.backend.generate(Self.request("Once upon a time", parameters))
        var events: [StreamResponse] = []
        for try await event in Self.backend.generateStream(Self.request("Once upon a time", parameters)) {
            events.append(event.response)
        }
        #expect(events.count == 12)
        #expect(events.map(\.index) == (1...12).map { UInt32($0) })
        #expect(events.dropLast().allSatisfy { $0.generatedText == nil && $0.details == nil })
        #expect(events.last?.generatedText == whole.generatedText)
        #expect(events.last?.details?.finishReason == .length && events.last?.details?.inputLength == 5)
        #expect(events.map(\.token) == whole.details?.tokens)
        #expect(events.map { $0.topTokens ?? [] } == whole.details?.topTokens)
    }

    @Test func stopSequencesAndEndOfGeneration() async throws {
        let stopped = try await Self.backend.generate(Self.request("The capital of France is",
            GenerateParameters(details: true, maxNewTokens: 30, stop: [" of"])))
        #expect(stopped.details?.finishReason == .stopSequence)
        #expect(stopped.generatedText == " the capital of", "the stop text is kept, as TGI does")
        let full = try await Self.backend.generate(Self.request("The capital of France is",
            GenerateParameters(maxNewTokens: 3, returnFullText: true)))
        #expect(full.generatedText.hasPrefix("The capital of France is the"))
        #expect(full.details == nil, "no details unless asked")
    }

    @Test func validationIsTGIs() async throws {
        // TGI's message, with the engine's own limit: 20 alternatives, not TGI's default 5.
        await #expect(throws: GenerationError.validation("`top_n_tokens` must be >= 0 and <= 20. Given: 21")) {
            _ = try await Self.backend.generate(Self.request("x", GenerateParameters(topNTokens: 21)))
        }
        let twenty = try await Self.backend.generate(Self.request("The capital of France is",
            GenerateParameters(details: true, maxNewTokens: 2, topNTokens: 20)))
        let tops = try #require(twenty.details?.topTokens)
        #expect(tops.count == 2)
        #expect(tops.allSatisfy { $0.count == 20 }, "20 alternatives at every step")
        #expect(Set(tops[0].compactMap(\.id)).count == 20, "20 different tokens")
        await #expect(throws: GenerationError.validation("`inputs` cannot be empty")) {
            _ = try await Self.backend.generate(Self.request(""))
        }
        do {
            for try await _ in Self.backend.generateStream(Self.request("x", GenerateParameters(decoderInputDetails: true))) {}
            Issue.record("must fail")
        } catch let error as GenerationError {
            #expect(error.message == "Input validation error: `decoder_input_details` == true is not supported when streaming tokens")
        }
    }

    /// Same request twice, and on one thread versus two: bit-identical logprobs.
    @Test func deterministicAcrossRunsAndThreads() async throws {
        let parameters = GenerateParameters(decoderInputDetails: true, details: true, maxNewTokens: 8, topNTokens: 5)
        let a = try await Self.backend.generate(Self.request("Deterministic numbers:", parameters))
        let b = try await Self.backend.generate(Self.request("Deterministic numbers:", parameters))
        #expect(a == b)
        let single = try LocalBackend(modelPath: TestModel.path, threads: 1)
        let c = try await single.generate(Self.request("Deterministic numbers:", parameters))
        #expect(a == c)
        // Reusing the cached prefix gives the same bits as a fresh evaluation.
        _ = try await Self.backend.generate(Self.request("Deterministic", GenerateParameters(maxNewTokens: 2)))
        let d = try await Self.backend.generate(Self.request("Deterministic numbers:", GenerateParameters(details: true, maxNewTokens: 8, topNTokens: 5)))
        #expect(d.details?.tokens == a.details?.tokens)
    }

    @Test func tokenizeAndInfoInTGIShape() async throws {
        let tokens = try await Self.backend.tokenize(Self.request("Hello world"))
        #expect(tokens == [SimpleToken(id: 2, text: "", start: 0, stop: 0), SimpleToken(id: 9259, text: "Hello", start: 0, stop: 5),
                           SimpleToken(id: 1902, text: " world", start: 5, stop: 11)])
        let info = try await Self.backend.info()
        #expect(info.modelId == "gemma-3-270m-q4_k_m" && info.maxTotalTokens == 8192 && info.maxBestOf == 2)
    }

    /// The context meter counts what the engine will evaluate: `tokenize`'s tokens, BOS included.
    @Test func countTokensMatchesTokenizeAgainstTheInputLimit() async throws {
        for text in ["Hello world", "", "<start_of_turn>user\nHi<end_of_turn>\n", String(repeating: "long prompt ", count: 300)] {
            let count = try await Self.backend.countTokens(text)
            #expect(count.count == (try await Self.backend.tokenize(Self.request(text))).count)
            #expect(count.limit == 8191 && count.limitKind == .input && count.source == "the built-in tokenizer")
        }
    }

    /// The 873-token BLUEBERRY prompt: only the global layers can see the password; the answer is `▁BLUE`.
    @Test func longContextUsesGlobalLayers() throws {
        let data = try TestModel.fixture("f32-testvectors.json")
        let raw = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        let long = try #require(raw?["long_context"] as? [String: Any])
        let text = try #require(long["text"] as? String)
        let ids = Self.backend.tokenizer.encode(text)
        #expect(ids.count == 873)
        let session = GemmaSession(model: Self.backend.model, threads: 2)
        let logits = try #require(try session.evaluate(ids, logits: .last).first)
        let top = LogSoftmax.top(logits, 1)[0]
        #expect(top.id == 81288, "expected ▁BLUE")
        #expect(abs(Double(top.logit) - 19.4855) < 2e-3)
    }

    struct LlamaCase: Decodable {
        struct Alternative: Decodable { var id: Int; var logprob: Double }
        var prompt: String
        var prompt_tokens: [Int32]
        var prompt_logprobs: [Double?]
        var greedy_tokens: [Int32]
        var greedy_logprobs: [Double]
        var greedy_top10: [[Alternative]]
    }

    /// Against llama.cpp (which quantizes activations, so it differs from an exact f32 engine by ~0.4 nats):
    /// same prompt ids, same greedy choice wherever llama.cpp's margin is clear, logprobs close.
    @Test func agreesWithLlamaCpp() throws {
        struct File: Decodable { var cases: [LlamaCase] }
        let cases = try JSONDecoder().decode(File.self, from: try TestModel.fixture("llamacpp-greedy-reference.json")).cases
        #expect(cases.count == 10)
        var alternativeDiffs: [Double] = [], promptDiffs: [Double] = []
        for c in cases {
            let ids = Self.backend.tokenizer.encode(c.prompt)
            #expect(ids == c.prompt_tokens, "prompt ids of \(c.prompt.prefix(30))")
            let session = GemmaSession(model: Self.backend.model, threads: 2)
            let rows = try session.evaluate(c.prompt_tokens + c.greedy_tokens, logits: .all)
            for i in 1..<c.prompt_tokens.count {
                guard let theirs = c.prompt_logprobs[i] else { continue }
                let mine = Double(rows[i - 1][Int(c.prompt_tokens[i])]) - LogSoftmax.logSumExp(rows[i - 1])
                promptDiffs.append(abs(mine - theirs))
                #expect(abs(mine - theirs) <= 2.0, "prompt token \(i) of \(c.prompt.prefix(30))")
            }
            for step in 0..<c.greedy_tokens.count {
                let alternatives = c.greedy_top10[step]
                let margin = alternatives[0].logprob - alternatives[1].logprob
                if margin <= 0.5 { break }  // a near-tie: the two engines may legitimately part here
                let logits = rows[c.prompt_tokens.count - 1 + step]
                let lse = LogSoftmax.logSumExp(logits)
                #expect(LogSoftmax.top(logits, 1)[0].id == Int(c.greedy_tokens[step]), "step \(step) of \(c.prompt.prefix(30))")
                let chosen = Double(logits[Int(c.greedy_tokens[step])]) - lse
                #expect(abs(chosen - c.greedy_logprobs[step]) <= 0.4, "chosen logprob at step \(step)")
                for alternative in alternatives {
                    let mine = Double(logits[alternative.id]) - lse
                    alternativeDiffs.append(abs(mine - alternative.logprob))
                    #expect(abs(mine - alternative.logprob) <= 2.0)
                }
            }
        }
        let meanAlternatives = alternativeDiffs.reduce(0, +) / Double(max(1, alternativeDiffs.count))
        let meanPrompt = promptDiffs.reduce(0, +) / Double(max(1, promptDiffs.count))
        #expect(alternativeDiffs.count > 100 && meanAlternatives <= 0.25, "mean |Δ| alternatives \(meanAlternatives)")
        #expect(promptDiffs.count > 30 && meanPrompt <= 0.25, "mean |Δ| prompt \(meanPrompt)")
        print("llama.cpp agreement: mean |Δlogprob| alternatives \(meanAlternatives) over \(alternativeDiffs.count), prompt \(meanPrompt) over \(promptDiffs.count)")
    }
}
