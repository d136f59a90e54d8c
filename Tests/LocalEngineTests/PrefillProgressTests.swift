import Foundation
import GenerationCore
import Synchronization
import Testing
@testable import LocalEngine

/// The built-in engine tells how far a prompt's prefill has got, batch by batch, before the first token; a
/// prompt that starts like the previous one counts only the tokens past the reused prefix.
@Suite(.serialized) struct PrefillProgressTests {
    @Test func prefillIsReportedPerBatchBeforeTheFirstToken() async throws {
        // Its own engine: the shared one's cache holds whatever another suite ran last.
        let backend = try LocalBackend(modelPath: TestModel.path)
        let words = (0..<150).map { "word\($0 % 17)" }.joined(separator: " ")
        let request = GenerateRequest(inputs: words, parameters: GenerateParameters(maxNewTokens: 2))
        let total = try await backend.countTokens(request.inputs).count
        #expect(total > 2 * GemmaSession.maxBatch, "a prompt of several batches: \(total)")
        let seen = Mutex<[(Int, Int, Bool)]>([])
        let tokensSoFar = Mutex(0)
        for try await _ in backend.generateStream(request, prefill: { done, all in
            seen.withLock { $0.append((done, all, tokensSoFar.withLock { $0 } > 0)) }
        }) {
            tokensSoFar.withLock { $0 += 1 }
        }
        let reports = seen.withLock { $0 }
        let step = GemmaSession.maxBatch
        #expect(reports.map(\.0) == Array(stride(from: step, to: total, by: step)) + [total])
        #expect(reports.allSatisfy { $0.1 == total })
        #expect(reports.allSatisfy { !$0.2 }, "every report comes before the first token")
        // The same prompt again, one word longer: the cached prefix is reused, only the rest is evaluated.
        let again = GenerateRequest(inputs: words + " more", parameters: GenerateParameters(maxNewTokens: 1))
        let fewer = Mutex<[Int]>([])
        for try await _ in backend.generateStream(again, prefill: { _, all in fewer.withLock { $0.append(all) } }) {}
        let totals = fewer.withLock { $0 }
        #expect(!totals.isEmpty && totals.allSatisfy { $0 < total / 2 }, "only the tokens past the prefix: \(totals)")
    }
}
