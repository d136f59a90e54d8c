import Foundation
import Testing
@testable import LocalEngine

/// The f32 forward pass against the independent numpy reference's vectors (engine spec §10).
@Suite(.serialized) struct ForwardTests {
    static let model: GemmaModel = {
        do { return try GemmaModel(file: TestModel.file) } catch { fatalError("\(error)") }
    }()

    struct Vectors: Decodable {
        struct Stat: Decodable { var first4: [Double]; var sum: Double; var l2: Double }
        struct Prompt: Decodable {
            var text: String
            var ids: [Int32]
            var per_position_top1_f32: [[Double]]
            var greedy_f32: [Int32]
        }
        var prompts: [Prompt]
    }

    static func vectors() throws -> (Vectors, [String: Any]) {
        let data = try TestModel.fixture("f32-testvectors.json")
        let raw = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        return (try JSONDecoder().decode(Vectors.self, from: data), raw)
    }

    @Test func bosLayerTraceAndTopFive() throws {
        let (_, raw) = try Self.vectors()
        let trace = try #require(raw["bos_trace_f32"] as? [String: Any])
        let session = GemmaSession(model: Self.model, threads: 2)
        var seen: [String: [Float]] = [:]
        session.trace = { name, vector in seen[name] = vector }
        let logits = try #require(try session.evaluate([2], logits: .last).first)
        var checked = 0
        for (name, value) in trace where name != "bos_top5" {
            guard let stat = value as? [String: Any], let first4 = stat["first4"] as? [Double],
                  let l2 = stat["l2"] as? Double, let vector = seen[name] else { continue }
            let norm = vector.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            // Relative 1e-4 of the vector's size: the residual stream reaches 1e5 in magnitude.
            let tolerance = max(1e-3, l2 * 1e-4)
            for (a, b) in zip(vector.prefix(4), first4) { #expect(abs(Double(a) - b) <= tolerance, "\(name): \(a) vs \(b)") }
            #expect(abs(norm - l2) <= tolerance * 10, "\(name) L2 \(norm) vs \(l2)")
            checked += 1
        }
        #expect(checked == 24, "compared \(checked) trace stages")
        let top5 = try #require(trace["bos_top5"] as? [[Any]])
        let lse = LogSoftmax.logSumExp(logits)
        let mine = LogSoftmax.top(logits, 5)
        for (entry, got) in zip(top5, mine) {
            let id = entry[0] as? Int, logit = entry[2] as? Double, logprob = entry[3] as? Double
            #expect(got.id == id)
            #expect(abs(Double(got.logit) - (logit ?? .nan)) < 1e-3)
            #expect(abs(Double(got.logit) - lse - (logprob ?? .nan)) < 1e-3)
        }
    }

    /// Every prompt position's top-1 (id, logit, logprob) within 1e-3, evaluated as one batch.
    @Test func promptPositionsMatchReference() throws {
        let (vectors, _) = try Self.vectors()
        for prompt in vectors.prompts {
            let session = GemmaSession(model: Self.model, threads: 2)
            let rows = try session.evaluate(prompt.ids, logits: .all)
            #expect(rows.count == prompt.ids.count)
            for (position, (logits, expected)) in zip(rows, prompt.per_position_top1_f32).enumerated() {
                let top = LogSoftmax.top(logits, 1)[0]
                let lse = LogSoftmax.logSumExp(logits)
                #expect(top.id == Int(expected[0]), "\(prompt.text.prefix(20)) position \(position)")
                #expect(abs(Double(top.logit) - expected[1]) < 1e-3, "position \(position): \(top.logit) vs \(expected[1])")
                #expect(abs(Double(top.logit) - lse - expected[2]) < 1e-3)
            }
        }
    }
}

/// Reusing a cached prefix must give the same bits as evaluating from scratch, even after the sliding-window
/// rings have wrapped around.
@Suite(.serialized) struct PrefixReuseTests {
    @Test func truncatedSessionsMatchFreshOnes() throws {
        let model = ForwardTests.model
        let tokens: [Int32] = (0..<700).map { Int32(1000 + ($0 * 7919) % 5000) }
        let reused = GemmaSession(model: model, threads: 2)
        _ = try reused.evaluate(tokens, logits: .none)
        for keep in [20, 300, 640, 690] {
            let kept = reused.truncate(to: keep)
            if !kept { _ = try reused.evaluate(Array(tokens[0..<keep]), logits: .none) }
            #expect(reused.tokens == Array(tokens[0..<keep]))
            let next: [Int32] = [818, 5279]
            let a = try reused.evaluate(next, logits: .last)
            let fresh = GemmaSession(model: model, threads: 2)
            let b = try fresh.evaluate(Array(tokens[0..<keep]) + next, logits: .last)
            #expect(a == b, "prefix of \(keep) kept=\(kept)")
            _ = reused.truncate(to: 0)
            _ = try reused.evaluate(tokens, logits: .none)
        }
    }
}
