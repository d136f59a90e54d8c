import Foundation
import Testing
@testable import GenerationCore

/// What each adapter says its probabilities are, and what a person's declaration (`--probabilities`) changes:
/// it fills in what cannot be known, never overrides what is known, and a contradiction is refused.
@Suite struct ProbabilityLabelTests {
    static func configuration(_ declared: ProbabilityKind?) throws -> HTTPBackendConfiguration {
        var c = HTTPBackendConfiguration(endpoint: try Endpoint("http://127.0.0.1:9"))
        c.declaredProbabilities = declared
        return c
    }

    @Test func eachServerKindIsLabelled() throws {
        #expect(BackendCapabilities.tgi.probabilities == .processed)
        #expect(OpenAIServer.llamaCppPython.capabilities.probabilities == .raw)
        #expect(OpenAIServer.llamaServer.capabilities.probabilities == .raw)
        // vLLM's --logprobs-mode is the server's and its answers do not say: unknown until declared.
        #expect(OpenAIServer.vllm.capabilities.probabilities == .unknown)
        #expect(OpenAIServer.sglang.capabilities.probabilities == .unknown)
        #expect(LlamaCppBackend(configuration: try Self.configuration(nil)).capabilities.probabilities == .raw)
        #expect(LlamaCppBackend(configuration: try Self.configuration(nil), postSamplingProbabilities: true)
            .capabilities.probabilities == .processed)
        #expect(TGIBackend(configuration: try Self.configuration(nil)).capabilities.probabilities == .processed)
    }

    @Test func aDeclarationFillsInOnlyWhatIsUnknown() throws {
        let request = GenerateRequest(inputs: "x")
        for kind in [ProbabilityKind.raw, .processed] {
            let vllm = OpenAIBackend(configuration: try Self.configuration(kind), server: .vllm)
            #expect(vllm.capabilities.probabilities == kind)
            #expect(vllm.capabilities.problem(with: request, backend: "b") == nil)
        }
        let python = OpenAIBackend(configuration: try Self.configuration(.processed), server: .llamaCppPython)
        #expect(python.capabilities.probabilities == .raw, "a known kind is never overridden")
        let refusal = try #require(python.capabilities.problem(with: request, backend: "b"))
        #expect(refusal.errorType == GenerationError.ErrorType.validation)
        #expect(refusal.message.contains("--probabilities processed does not hold"))
        let tgi = TGIBackend(configuration: try Self.configuration(.raw))
        #expect(tgi.capabilities.problem(with: request, backend: "b") != nil)
        #expect(TGIBackend(configuration: try Self.configuration(.processed)).capabilities.problem(with: request, backend: "b") == nil)
        // llama.cpp's native route can give either: the declaration picks which it asks for.
        let post = LlamaCppBackend(configuration: try Self.configuration(.processed))
        #expect(post.postSamplingProbabilities && post.capabilities.probabilities == .processed)
        #expect(post.capabilities.problem(with: request, backend: "b") == nil)
    }
}
