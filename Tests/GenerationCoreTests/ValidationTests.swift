import Foundation
import Testing
@testable import GenerationCore

@Suite struct ValidationTests {
    static func message(_ p: GenerateParameters, inputs: String = "Hi", streaming: Bool = false,
                        limits: ValidationLimits = .tgiDefaults, tokens: Int? = nil) -> String? {
        Validation.check(GenerateRequest(inputs: inputs, parameters: p), streaming: streaming, limits: limits,
                         inputTokenCount: tokens)?.message
    }

    static let prefix = "Input validation error: "

    @Test(arguments: [
        (GenerateParameters(bestOf: 2), "you must use sampling when `best_of` is > 1"),
        (GenerateParameters(temperature: 0), "`temperature` must be strictly positive"),
        (GenerateParameters(temperature: -1), "`temperature` must be strictly positive"),
        (GenerateParameters(repetitionPenalty: 0), "`repetition_penalty` must be strictly positive"),
        (GenerateParameters(frequencyPenalty: 2.5), "`frequency_penalty` must be >= -2.0 and <= 2.0"),
        (GenerateParameters(frequencyPenalty: -2.01), "`frequency_penalty` must be >= -2.0 and <= 2.0"),
        (GenerateParameters(topP: 1.0), "`top_p` must be > 0.0 and < 1.0"),
        (GenerateParameters(topP: 0), "`top_p` must be > 0.0 and < 1.0"),
        (GenerateParameters(topP: 0.999999999), "`top_p` must be > 0.0 and < 1.0"),
        (GenerateParameters(typicalP: 1.5), "`typical_p` must be > 0.0 and < 1.0"),
        (GenerateParameters(minP: 0), "`min_p` must be > 0.0 and < 1.0"),
        (GenerateParameters(minP: 1), "`min_p` must be > 0.0 and < 1.0"),
        (GenerateParameters(minP: -0.1), "`min_p` must be > 0.0 and < 1.0"),
        (GenerateParameters(minP: 0.999999999), "`min_p` must be > 0.0 and < 1.0"),
        (GenerateParameters(presencePenalty: 2.5), "`presence_penalty` must be >= -2.0 and <= 2.0"),
        (GenerateParameters(presencePenalty: -2.01), "`presence_penalty` must be >= -2.0 and <= 2.0"),
        (GenerateParameters(topK: 0), "`top_k` must be strictly positive"),
        (GenerateParameters(topK: -3), "`top_k` must be strictly positive"),
        (GenerateParameters(maxNewTokens: 0), "`max_new_tokens` must be strictly positive"),
        (GenerateParameters(stop: ["a", "b", "c", "d", "e"]), "`stop` supports up to 4 stop sequences. Given: 5"),
        (GenerateParameters(bestOf: 2, doSample: true, seed: 1), "`seed` must not be set when `best_of` > 1"),
        (GenerateParameters(topNTokens: 6), "`top_n_tokens` must be >= 0 and <= 5. Given: 6"),
        (GenerateParameters(bestOf: 3, doSample: true), "`best_of` must be > 0 and <= 2. Given: 3"),
        (GenerateParameters(grammar: Grammar(type: .json, value: .object([]))),
         "grammar is not valid: Grammar must have a 'properties' field"),
        (GenerateParameters(grammar: Grammar(type: .json, value: .int(3))), "grammar is not supported"),
    ])
    func tgiMessages(parameters: GenerateParameters, expected: String) {
        #expect(Self.message(parameters) == Self.prefix + expected)
    }

    @Test func validRequestsPass() {
        #expect(Self.message(GenerateParameters()) == nil)
        #expect(Self.message(GenerateParameters(minP: 0.05, presencePenalty: -2)) == nil)
        #expect(Self.message(GenerateParameters(minP: 0.99, presencePenalty: 2)) == nil)
        #expect(Self.message(GenerateParameters(bestOf: 2, minP: 0.1)) == Self.prefix + "you must use sampling when `best_of` is > 1",
                "min_p is not one of TGI's warpers: best_of keeps TGI's rule")
        #expect(Self.message(GenerateParameters(bestOf: 2, doSample: true)) == nil)
        #expect(Self.message(GenerateParameters(bestOf: 2, temperature: 0.5)) == nil)
        #expect(Self.message(GenerateParameters(frequencyPenalty: -2, temperature: 1, topK: 1, topNTokens: 5, topP: 0.5)) == nil)
        #expect(Self.message(GenerateParameters(grammar: Grammar(type: .json, value: .string(#"{"properties":{}}"#)))) == nil)
        #expect(Self.message(GenerateParameters(grammar: Grammar(type: .regex, value: .string("[a-z]+")))) == nil)
    }

    @Test func streamingRefusesBestOfAndPrefillDetails() {
        #expect(Self.message(GenerateParameters(bestOf: 2, doSample: true), streaming: true)
            == Self.prefix + "`best_of` != 1 is not supported when streaming tokens")
        #expect(Self.message(GenerateParameters(bestOf: 0), streaming: true)
            == Self.prefix + "`best_of` != 1 is not supported when streaming tokens")
        #expect(Self.message(GenerateParameters(decoderInputDetails: true), streaming: true)
            == Self.prefix + "`decoder_input_details` == true is not supported when streaming tokens")
        #expect(Self.message(GenerateParameters(decoderInputDetails: true), streaming: false) == nil)
    }

    @Test func firstFailingRuleWinsInTGIOrder() {
        #expect(Self.message(GenerateParameters(temperature: 0, topK: 0)) == Self.prefix + "`temperature` must be strictly positive")
        #expect(Self.message(GenerateParameters(topNTokens: 9), inputs: "")
            == Self.prefix + "`top_n_tokens` must be >= 0 and <= 5. Given: 9")
        #expect(Self.message(GenerateParameters(), inputs: "") == Self.prefix + "`inputs` cannot be empty")
    }

    @Test func serverLimitsComeFromInfo() {
        let disabled = ValidationLimits(maxBestOf: 1)
        #expect(Self.message(GenerateParameters(bestOf: 2, doSample: true), limits: disabled)
            == Self.prefix + "`best_of` != 1 is not allowed for this endpoint")
        // Unknown limits are left to the server.
        #expect(Self.message(GenerateParameters(stop: Array(repeating: "x", count: 9), topNTokens: 50), limits: .unknown) == nil)
        let sized = ValidationLimits(maxInputTokens: 1000, maxTotalTokens: 1512)
        #expect(Self.message(GenerateParameters(maxNewTokens: 10000), limits: sized, tokens: 2)
            == Self.prefix + "`inputs` tokens + `max_new_tokens` must be <= 1512. Given: 2 `inputs` tokens and 10000 `max_new_tokens`")
        #expect(Self.message(GenerateParameters(), limits: sized, tokens: 1200)
            == Self.prefix + "`inputs` must have less than 1000 tokens. Given: 1200")
        #expect(Self.message(GenerateParameters(truncate: 100), limits: sized, tokens: 1200) == nil)
        #expect(Self.message(GenerateParameters(truncate: 2000), limits: sized)
            == Self.prefix + "`truncate` must be strictly positive and less than 1000. Given: 2000")
    }
}
