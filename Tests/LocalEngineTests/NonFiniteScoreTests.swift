import Foundation
import GenerationCore
import Testing
@testable import LocalEngine

/// Scores that are not numbers (issue 16, item 10): NaN from damaged weights, or overflow from a temperature of
/// 1e-40, end the generation with an error instead of `<pad>` tokens with null logprobs.
@Suite struct NonFiniteScoreTests {
    static let request = GenerateRequest(inputs: "The capital of France is",
                                         parameters: GenerateParameters(details: true, maxNewTokens: 3, topNTokens: 2))

    static func expectGenerationError(_ backend: LocalBackend, _ request: GenerateRequest, mentioning words: [String],
                                      sourceLocation: SourceLocation = #_sourceLocation) async {
        do {
            let response = try await backend.generate(request)
            Issue.record("generated \(response.generatedText.debugDescription) with logprobs \(response.details?.tokens.map(\.logprob) ?? [])",
                         sourceLocation: sourceLocation)
        } catch let error as GenerationError {
            #expect(error.errorType == GenerationError.ErrorType.generation, "\(error)", sourceLocation: sourceLocation)
            for word in words { #expect(error.message.contains(word), "\(error.message)", sourceLocation: sourceLocation) }
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        }
        var streamed: [String] = []
        do {
            for try await event in backend.generateStream(request) { streamed.append(event.response.token.text) }
            Issue.record("streamed \(streamed)", sourceLocation: sourceLocation)
        } catch let error as GenerationError {
            #expect(error.errorType == GenerationError.ErrorType.generation, "\(error)", sourceLocation: sourceLocation)
            #expect(streamed.isEmpty, "\(streamed)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test(arguments: [1e-40, 1e-38])
    func aTemperatureTooSmallToDivideByIsAnError(_ temperature: Double) async throws {
        for sampled in [false, true] {
            var request = Self.request
            request.parameters?.temperature = temperature
            if sampled { request.parameters?.topP = 0.9 }
            await Self.expectGenerationError(LocalBackendTests.backend, request, mentioning: ["temperature"])
        }
    }

    /// Small but workable temperatures still generate (greedy in effect), with finite logprobs.
    @Test func aSmallTemperatureStillWorks() async throws {
        var request = Self.request
        request.parameters?.temperature = 1e-3
        let response = try await LocalBackendTests.backend.generate(request)
        #expect(response.details?.tokens.allSatisfy { $0.logprob != nil } == true)
        #expect(response.generatedText == " the capital of")
    }

    /// A model file whose final norm is NaN: every score is NaN.
    @Test func nanWeightsAreAnError() async throws {
        let nan = Array(repeating: Float.nan, count: 640).flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian, Array.init) }
        let path = try GGUFWriter.copy(of: TestModel.file, changing: [:], tensorData: ["output_norm.weight": nan])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let backend = try LocalBackend(modelPath: path)
        await Self.expectGenerationError(backend, Self.request, mentioning: ["NaN", "model"])
    }
}
