import Foundation
import Testing
@testable import GenerationCore

/// Parameter sets, divergence, run statistics and prompt perplexity: pure functions.
@Suite struct WorkbenchTests {
    static let everyField = GenerateParameters(
        adapterId: "lora", bestOf: 2, decoderInputDetails: true, details: true, doSample: true, frequencyPenalty: 0.5,
        grammar: Grammar(type: .regex, value: .string("[a-z]+")), maxNewTokens: 7, minP: 0.05, presencePenalty: 0.4,
        repetitionPenalty: 1.2,
        returnFullText: false, seed: 42, stop: ["\n"], temperature: 0.7, topK: 40, topNTokens: 3, topP: 0.9,
        truncate: 100, typicalP: 0.95, watermark: true)

    static func token(_ id: UInt32, _ text: String = "t", _ logprob: Double? = -1, special: Bool = false) -> Token {
        Token(id: id, text: text, logprob: logprob, special: special)
    }

    @Test func overrideWinsFieldByField() {
        let base = GenerateParameters(maxNewTokens: 20, temperature: 0.5, topK: 10)
        let set = ParameterSet(name: "B", parameters: GenerateParameters(temperature: 1.5, topP: 0.8))
        let merged = set.merged(with: base)
        #expect(merged == GenerateParameters(maxNewTokens: 20, temperature: 1.5, topK: 10, topP: 0.8))
    }

    @Test func mergeCoversEveryField() {
        // An empty override keeps the whole base; a full override replaces all of it.
        #expect(GenerateParameters().overriding(Self.everyField) == Self.everyField)
        #expect(Self.everyField.overriding(GenerateParameters()) == Self.everyField)
        var other = GenerateParameters(
            adapterId: "x", bestOf: 1, decoderInputDetails: false, details: false, doSample: false, frequencyPenalty: 0,
            grammar: Grammar(type: .json, value: .object([])), maxNewTokens: 1, minP: 0.5, presencePenalty: -1,
            repetitionPenalty: 1, returnFullText: true,
            seed: 1, stop: [], temperature: 1, topK: 1, topNTokens: 1, topP: 0.5, truncate: 1, typicalP: 0.5, watermark: false)
        #expect(other.overriding(Self.everyField) == other)
        other = Self.everyField.overriding(other)
        #expect(other == Self.everyField)
        // The list of wire names is every key a full set of parameters encodes.
        #expect(Self.everyField.wireValues.keys.sorted() == GenerateParameters.wireNames.sorted())
    }

    @Test func differingParameters() {
        let base = GenerateParameters(maxNewTokens: 20, temperature: 0.5)
        let sets = [
            ParameterSet(name: "A"),
            ParameterSet(name: "B", parameters: GenerateParameters(temperature: 1.5)),
            ParameterSet(name: "C", parameters: GenerateParameters(topK: 5), backend: BackendIdentity("http://h:1")),
        ]
        let differences = ParameterDifference.between(sets, base: base, defaultBackend: .local)
        #expect(differences.map(\.field) == ["temperature", "top_k", "backend"])
        #expect(differences[0].values == [.double(0.5), .double(1.5), .double(0.5)])
        #expect(differences[1].values == [nil, nil, .int(5)])
        #expect(differences[1].text(at: 0) == "unset")
        #expect(differences[1].text(at: 2) == "5")
        #expect(differences[2].text(at: 0) == "local")
        #expect(differences[2].text(at: 2) == "http://h:1")
        // Identical sets differ in nothing.
        #expect(ParameterDifference.between([ParameterSet(name: "A"), ParameterSet(name: "B")], base: base).isEmpty)
    }

    @Test func backendIdentityNeverKeepsCredentials() throws {
        #expect(BackendIdentity("https://user:secret@host.example/prefix").value == "https://host.example/prefix")
        #expect(BackendIdentity(endpoint: try Endpoint("http://a:b@127.0.0.1:8080/")).value == "http://127.0.0.1:8080")
        #expect(BackendIdentity("built-in (model.gguf)") == .local)
        let backend = TGIBackend(configuration: HTTPBackendConfiguration(endpoint: try Endpoint("http://127.0.0.1:9"),
                                                                         token: "hf_secret"))
        #expect(BackendIdentity(of: backend).value == "http://127.0.0.1:9")
    }

    @Test(arguments: [
        ([[1, 2, 3], [1, 2, 3]], nil),
        ([[1, 2, 3], [1, 9, 3]], 1),
        ([[5], [6]], 0),
        ([[1, 2], [1, 2, 3]], 2),
        ([[1, 2, 3], [1, 2]], 2),
        ([[], [1]], 0),
        ([[], []], nil),
        ([[1, 2, 3]], nil),
        ([[1, 2, 3], [1, 2, 3], [1, 2, 4]], 2),
        ([[1, 2, 3], [1, 2, 3, 4], [1, 7]], 1),
        ([[1, 2], [1, 2, 3], [1, 2, 3, 4]], 2),
    ] as [([[UInt32]], Int?)])
    func divergenceIndex(_ sequences: [[UInt32]], _ expected: Int?) {
        #expect(Divergence.firstIndex(sequences) == expected)
    }

    @Test func divergencePointTakesEachRunsTopTokens() {
        let topA = [[Self.token(1, "a"), Self.token(2, "b")], [Self.token(3, "c"), Self.token(4, "d")]]
        let topB = [[Self.token(1, "a"), Self.token(2, "b")], [Self.token(4, "d"), Self.token(3, "c")]]
        let a = GenerateResponse(generatedText: "ac", details: Details(
            finishReason: .length, generatedTokens: 2, seed: 1, tokens: [Self.token(1, "a"), Self.token(3, "c")], topTokens: topA))
        let b = GenerateResponse(generatedText: "a", details: Details(
            finishReason: .eosToken, generatedTokens: 1, seed: 1, tokens: [Self.token(1, "a")], topTokens: [topB[0]]))
        let index = Divergence.firstIndex(of: [a, b])
        #expect(index == 1)
        let point = Divergence.point(at: 1, runs: [("A", a), ("B", b)])
        #expect(point.sets[0].token == Self.token(3, "c"))
        #expect(point.sets[0].topTokens == topA[1])
        #expect(point.sets[1].token == nil)
        #expect(point.sets[1].topTokens.isEmpty)
        #expect(point.sets[0].logprob(of: Self.token(4)) == -1)
    }

    @Test func statisticsFormulas() throws {
        let tokens = [Self.token(1, "a", -1), Self.token(2, "b", -3), Self.token(3, "<eos>", -50, special: true),
                      Self.token(4, "c", nil)]
        let streamed = RunStatistics(timing: RunTiming(start: 10, firstToken: 10.5, end: 12), tokens: tokens,
                                     finishReason: .eosToken)
        #expect(streamed.timeToFirstToken == 0.5)
        #expect(streamed.tokensPerSecond == 2)  // 3 tokens after the first in 1.5 s
        #expect(streamed.duration == 2)
        #expect(streamed.tokens == 4)
        #expect(streamed.finishReason == .eosToken)
        #expect(streamed.meanLogprob == -2)  // special and null logprobs left out
        #expect(abs(try #require(streamed.perplexity) - exp(2.0)) < 1e-12)

        let whole = RunStatistics(timing: RunTiming(start: 0, end: 2), tokens: tokens, finishReason: .length)
        #expect(whole.timeToFirstToken == nil)
        #expect(whole.tokensPerSecond == 2)  // 4 tokens in 2 s
        let empty = RunStatistics(timing: RunTiming(start: 0, end: 0), tokens: [], finishReason: nil)
        #expect(empty.meanLogprob == nil && empty.perplexity == nil && empty.tokensPerSecond == nil)
        let line = try WireJSON.line(streamed)
        #expect(line.hasPrefix(#"{"ttft_s":0.5,"tokens_per_second":2.0,"duration_s":2.0,"tokens":4,"finish_reason":"eos_token","mean_logprob":-2.0,"perplexity":"#))
        #expect(try WireJSON.decode(RunStatistics.self, from: Data(line.utf8)) == streamed)
    }

    @Test func promptPerplexity() throws {
        let prefill = [PrefillToken(id: 2, text: "<bos>", logprob: nil), PrefillToken(id: 5, text: "Hi", logprob: -2),
                       PrefillToken(id: 6, text: " there", logprob: -4)]
        let ppl = PromptPerplexity(prefill: prefill)
        #expect(ppl.logprobs == [nil, -2, -4])
        #expect(ppl.meanLogprob == -3)
        #expect(abs(try #require(ppl.perplexity) - exp(3.0)) < 1e-12)
        #expect(PromptPerplexity(prefill: [PrefillToken(id: 1, text: "x", logprob: nil)]).perplexity == nil)
        #expect(PromptPerplexity(response: GenerateResponse(generatedText: "")) == nil)
        let request = PromptPerplexity.request(for: "Hi there", base: GenerateParameters(bestOf: 2, temperature: 0.5))
        #expect(request.parameters?.decoderInputDetails == true)
        #expect(request.parameters?.bestOf == nil)
        #expect(request.stream == nil)
        #expect(request.inputs == "Hi there")
    }

    @Test func compareSeedAndParameters() throws {
        let base = GenerateParameters(maxNewTokens: 5)
        let sets = [ParameterSet(name: "A"), ParameterSet(name: "B", parameters: GenerateParameters(seed: 9))]
        #expect(CompareRunner.sharedSeed(base: GenerateParameters(seed: 3), sets: sets) == 3)
        #expect(CompareRunner.sharedSeed(base: base, sets: sets) == 9)
        let sent = CompareRunner.parameters(for: sets[0], base: base, seed: 9)
        #expect(sent == GenerateParameters(details: true, maxNewTokens: 5, seed: 9, topNTokens: 5))
        let own = CompareRunner.parameters(for: ParameterSet(name: "C", parameters: GenerateParameters(seed: 1, topNTokens: 2)),
                                           base: base, seed: 9)
        #expect(own.seed == 1 && own.topNTokens == 2)
    }

    @Test func compareRejectsBadSetCounts() {
        #expect(throws: GenerationError.self) { try CompareRunner.validate([ParameterSet(name: "A")]) }
        #expect(throws: GenerationError.self) { try CompareRunner.validate((0..<5).map { ParameterSet(name: "\($0)") }) }
        #expect(throws: GenerationError.self) { try CompareRunner.validate([ParameterSet(name: "A"), ParameterSet(name: "A")]) }
        #expect(throws: Never.self) { try CompareRunner.validate([ParameterSet(name: "A"), ParameterSet(name: "B")]) }
    }

    @Test func compareInputDecoding() throws {
        let text = #"{"inputs":"Hi","parameters":{"max_new_tokens":3,"grammar":{"type":"json","value":{"z":1,"a":2}}},"sets":[{"name":"A","parameters":{"temperature":0.3}},{"parameters":{"temperature":1.5},"endpoint":"http://u:p@127.0.0.1:1"}]}"#
        let input = try CompareInput.decode(Data(text.utf8))
        #expect(input.inputs == "Hi")
        #expect(input.entries.map(\.name) == ["A", "B"])
        #expect(input.sets[1].backend?.value == "http://127.0.0.1:1")
        #expect(input.parameters.grammar?.value == .object([.init("z", .int(1)), .init("a", .int(2))]))
        let one = #"{"inputs":"Hi","sets":[{"name":"A"}]}"#
        #expect { try CompareInput.decode(Data(one.utf8)) } throws: { error in
            (error as? GenerationError)?.message == "compare needs 2 to 4 parameter sets, got 1"
        }
        #expect(throws: GenerationError.self) { try CompareInput.decode(Data(#"{"inputs":"Hi","sets":[{}, {"endpoint":"ftp://x"}]}"#.utf8)) }
        #expect(throws: GenerationError.self) { try CompareInput.decode(Data("{".utf8)) }
    }
}
