import Foundation
import GenerationCore
import Testing
@testable import LocalEngine

/// The requests behind TGI's own integration snapshots (their parameters, our prompt): the built-in engine accepts
/// or rejects each as TGI does, and what it accepts comes back with the same fields as TGI's recorded answer.
@Suite(.serialized) struct SnapshotRequestTests {
    struct Case: Sendable, CustomStringConvertible {
        var snapshot: String
        var parameters: GenerateParameters
        var rejection: String?
        var description: String { snapshot }
    }

    /// From snapshots/INDEX.md. The Python client behind most of them always sends `details: true`.
    static let cases: [Case] = [
        Case(snapshot: "test_flash_llama__test_flash_llama_simple",
             parameters: GenerateParameters(decoderInputDetails: true, details: true, maxNewTokens: 10)),
        Case(snapshot: "test_flash_llama__test_flash_llama_all_params",
             parameters: GenerateParameters(decoderInputDetails: true, details: true, maxNewTokens: 10,
                                            repetitionPenalty: 1.2, returnFullText: true, seed: 0, stop: ["test"],
                                            temperature: 0.5, topK: 10, topP: 0.9, truncate: 5, typicalP: 0.9,
                                            watermark: true)),
        Case(snapshot: "test_bloom_560m__test_bloom_560m",
             parameters: GenerateParameters(decoderInputDetails: true, details: true, maxNewTokens: 10, seed: 0, topP: 0.9)),
        Case(snapshot: "test_mt0_base__test_mt0_base",
             parameters: GenerateParameters(decoderInputDetails: true, details: true, maxNewTokens: 10, seed: 0, topP: 0.9)),
        Case(snapshot: "test_t5_sharded__test_t5_sharded",
             parameters: GenerateParameters(decoderInputDetails: true, details: true, maxNewTokens: 10)),
        Case(snapshot: "test_flash_starcoder__test_flash_starcoder_default_params",
             parameters: GenerateParameters(decoderInputDetails: true, details: true, maxNewTokens: 60, seed: 0,
                                            temperature: 0.2, topP: 0.95)),
        Case(snapshot: "test_flash_gemma3__test_exceed_window",
             parameters: GenerateParameters(details: true, maxNewTokens: 20, seed: 42)),
        Case(snapshot: "test_flash_grammar_llama__test_flash_llama_grammar_json",
             parameters: GenerateParameters(decoderInputDetails: true, details: true,
                                            grammar: Grammar(type: .json, value: .string(#"{"type":"object","properties":{"firstName":{"type":"string"},"lastName":{"type":"string"},"hobby":{"type":"string"},"numCats":{"type":"integer"}},"required":["firstName","lastName","hobby","numCats"]}"#)),
                                            maxNewTokens: 100, seed: 0)),
        Case(snapshot: "test_flash_grammar_llama__test_flash_llama_grammar_regex",
             parameters: GenerateParameters(decoderInputDetails: true, details: true,
                                            grammar: Grammar(type: .regex, value: .string(#"((25[0-5]|2[0-4]\d|[01]?\d\d?)\.){3}(25[0-5]|2[0-4]\d|[01]?\d\d?)"#)),
                                            maxNewTokens: 10, seed: 0)),
        Case(snapshot: "test_flash_grammar_llama__test_flash_llama_grammar_load",
             parameters: GenerateParameters(decoderInputDetails: true, details: true,
                                            grammar: Grammar(type: .regex, value: .string(#"[\w-]+@([\w-]+\.)+[\w-]+"#)),
                                            maxNewTokens: 10, seed: 0, stop: [".com"])),
        Case(snapshot: "test_lora_mistral__test_lora_mistral_with_dbpedia_adapter",
             parameters: GenerateParameters(adapterId: "predibase/dbpedia", details: true, maxNewTokens: 40),
             rejection: "adapter_id"),
    ]

    static func snapshot(_ name: String) throws -> JSONValue {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("GenerationCoreTests/Fixtures/snapshots/\(name).json")
        let value = try JSONValue.parse(try Data(contentsOf: url))
        if case .array(let items) = value, let first = items.first { return first }
        return value
    }

    /// The non-null keys of an object, and of its `details` object.
    static func keys(_ value: JSONValue) -> (top: Set<String>, details: Set<String>) {
        func nonNull(_ v: JSONValue?) -> Set<String> {
            guard case .object(let members)? = v else { return [] }
            return Set(members.filter { $0.value != .null }.map(\.key))
        }
        return (nonNull(value), nonNull(value["details"]))
    }

    @Test(arguments: cases)
    func acceptedOrRejectedAsTGI(_ c: Case) async throws {
        let request = GenerateRequest(inputs: "Test request", parameters: c.parameters)
        if let rejection = c.rejection {
            do {
                _ = try await LocalBackendTests.backend.generate(request)
                Issue.record("\(c.snapshot) must be refused")
            } catch let error as GenerationError {
                #expect(error.errorType == "validation" && error.message.contains(rejection))
            }
            return
        }
        let response = try await LocalBackendTests.backend.generate(request)
        let mine = Self.keys(try JSONValue.parse(try WireJSON.encode(response)))
        let theirs = Self.keys(try Self.snapshot(c.snapshot))
        #expect(mine.top == theirs.top, "top-level fields")
        #expect(mine.details == theirs.details, "details fields")
        let details = try #require(response.details)
        #expect(details.seed == c.parameters.seed.flatMap { SamplingParameters(c.parameters).doSample ? $0 : nil },
                "seed reported only when sampling")
        if c.parameters.returnFullText == true { #expect(response.generatedText.hasPrefix("Test request")) }
        if let truncate = c.parameters.truncate {
            let promptLength = LocalBackendTests.backend.tokenizer.encode("Test request").count
            #expect(details.prefill.count == min(Int(truncate), promptLength))
        }
        if details.finishReason == .stopSequence { #expect(c.parameters.stop?.contains { response.generatedText.hasSuffix($0) } == true) }
        if case .regex? = c.parameters.grammar?.type, details.finishReason == .eosToken,
           let pattern = c.parameters.grammar?.value.stringValue {
            #expect(response.generatedText.range(of: "^(\(pattern))$", options: .regularExpression) != nil, "\(response.generatedText)")
        }
    }
}
