import Foundation
import GenerationCore
import Testing
@testable import LocalEngine

/// The distribution lab's numbers (`StageTrace`, `TokenStages`) against the processors' own formulas, on the
/// model's real logits: what each step reports is what that step did.
@Suite(.serialized) struct StageTraceTests {
    static var backend: LocalBackend { LocalBackendTests.backend }
    static let prompt = "one two three one two three one two"

    /// The model's logits after `text`, and its ids (the penalties' history).
    static func logits(_ text: String = prompt) throws -> (logits: [Float], ids: [Int32]) {
        let ids = backend.tokenizer.encode(text)
        let session = GemmaSession(model: backend.model, threads: 2)
        return (try session.evaluate(ids, logits: .last).first ?? [], ids)
    }

    /// Runs the processors with a trace and returns the trace and the processed scores.
    static func traced(_ logits: [Float], _ ids: [Int32], _ s: SamplingParameters, mask: TokenMask? = nil)
        -> (trace: StageTrace, processed: [Float]) {
        var trace = StageTrace(raw: logits)
        var processed = logits
        LogitsProcessor.process(&processed, history: ids, s, mask: mask) { trace.record($0, $1) }
        return (trace, processed)
    }

    static func describe(_ id: Int) -> (text: String, special: Bool) {
        (backend.tokenizer.decode([Int32(id)], special: true), backend.tokenizer.isSpecial(Int32(id)))
    }

    static func probabilities(_ logits: [Float]) -> [Double] {
        let lse = LogSoftmax.logSumExp(logits)
        return logits.map { Foundation.exp(Double($0) - lse) }
    }

    static var everything: SamplingParameters {
        var s = SamplingParameters()
        s.repetitionPenalty = 1.3
        s.frequencyPenalty = 0.5
        s.presencePenalty = 0.4
        s.temperature = 0.7
        s.topK = 40
        s.topP = 0.9
        s.typicalP = 0.95
        s.minP = 0.01
        s.doSample = true
        return s
    }

    @Test func stepsRunInTheEnginesOrderAndOnlyWhenSet() throws {
        let (logits, ids) = try Self.logits()
        #expect(Self.traced(logits, ids, SamplingParameters()).trace.steps.isEmpty, "greedy runs no processor")
        let names = Self.traced(logits, ids, Self.everything).trace.steps.map(\.stage)
        #expect(names == [.repetitionPenalty, .frequencyPenalty, .presencePenalty, .temperature, .topK, .topP,
                          .typicalP, .minP])
        var onlyTopK = SamplingParameters()
        onlyTopK.topK = 3
        #expect(Self.traced(logits, ids, onlyTopK).trace.steps.map(\.stage) == [.topK])
    }

    /// Every step's distribution sums to 1, and the reported support, entropy, rank and kept mass are what a
    /// direct computation over that step's scores gives.
    @Test func everyStepsNumbersMatchADirectComputation() throws {
        let (logits, ids) = try Self.logits()
        let (trace, processed) = Self.traced(logits, ids, Self.everything)
        let chosen = try #require(LogSoftmax.top(processed, 2).last?.id, "a token other than the top one")
        let summary = trace.summary(chosen: chosen, describe: Self.describe)
        let all = [logits] + trace.steps.map(\.logits)
        #expect(summary.stages.map(\.name) == ["raw"] + trace.steps.map(\.stage.rawValue))
        #expect(summary.stages.count == all.count)
        var previous: [Double]?
        for (stage, scores) in zip(summary.stages, all) {
            let p = Self.probabilities(scores)
            #expect(abs(p.reduce(0, +) - 1) < 1e-9, "\(stage.name) sums to 1")
            // The reported chosen logprob fixes the step's normaliser; with it the step's scores sum to 1 too.
            let logprob = try #require(stage.chosenLogprob)
            let lse = Double(scores[chosen]) - logprob
            #expect(abs(scores.map { Foundation.exp(Double($0) - lse) }.reduce(0, +) - 1) < 1e-5, "\(stage.name)")
            #expect(stage.support == scores.filter { $0 > -.infinity }.count, "\(stage.name) support")
            let entropy = -p.filter { $0 > 0 }.map { $0 * Foundation.log($0) }.reduce(0, +)
            #expect(abs(stage.entropy - entropy) < 1e-6, "\(stage.name) entropy \(stage.entropy) vs \(entropy)")
            let order = scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
            #expect(stage.chosenRank == (order.firstIndex(of: chosen) ?? -1) + 1, "\(stage.name) rank")
            #expect(stage.top.map { Int($0.id ?? 0) } == Array(order.prefix(min(10, stage.support))), "\(stage.name) top")
            if let previous {
                let kept = scores.indices.filter { scores[$0] > -.infinity }.map { previous[$0] }.reduce(0, +)
                #expect(abs(stage.keptMass - kept) < 1e-9, "\(stage.name) kept mass \(stage.keptMass) vs \(kept)")
            } else {
                #expect(stage.keptMass == 1)
            }
            previous = p
        }
        #expect(summary.processed?.chosenRank == 2)
    }

    /// temperature divides the log-odds between any two tokens by T; top_k leaves k; top_p keeps the smallest
    /// most-likely prefix whose mass reaches p; min_p keeps tokens at least min_p times the top one.
    @Test func warpersFollowTheirFormulas() throws {
        let (logits, ids) = try Self.logits()
        let (trace, processed) = Self.traced(logits, ids, Self.everything)
        let chosen = try #require(LogSoftmax.top(processed, 1).first?.id)
        let summary = trace.summary(chosen: chosen, describe: Self.describe)
        func stage(_ name: String) throws -> TokenStage { try #require(summary.stages.first { $0.name == name }) }
        func before(_ name: String) throws -> TokenStage {
            let i = try #require(summary.stages.firstIndex { $0.name == name })
            return summary.stages[i - 1]
        }

        let hot = try stage("temperature"), cold = try before("temperature")
        #expect(hot.entropy < cold.entropy, "T < 1 sharpens")
        for (a, b) in zip(cold.top, cold.top.dropFirst()) {
            let odds = try #require(a.logprob) - #require(b.logprob)
            let scaledA = try #require(hot.top.first { $0.id == a.id }?.logprob)
            let scaledB = try #require(hot.top.first { $0.id == b.id }?.logprob)
            #expect(abs((scaledA - scaledB) - odds / 0.7) < 1e-4, "log-odds / T")
        }

        let k = try stage("top_k"), beforeK = try before("top_k")
        #expect(k.support == 40)
        #expect(beforeK.support > 40)
        #expect(k.keptMass < 1 && k.keptMass > 0)

        let p = try stage("top_p")
        let kIndex = try #require(trace.steps.firstIndex { $0.stage == .topK })
        let sorted = Self.probabilities(trace.steps[kIndex].logits).filter { $0 > 0 }.sorted(by: >)
        let prefix = sorted.prefix(p.support).reduce(0, +)
        let shorter = sorted.prefix(p.support - 1).reduce(0, +)
        #expect(abs(p.keptMass - prefix) < 1e-6, "top_p keeps the most likely prefix")
        #expect(prefix >= 0.9 - 1e-6 && shorter < 0.9, "the smallest prefix reaching p: \(shorter) < 0.9 <= \(prefix)")

        let m = try stage("min_p")
        let finalTop = try #require(m.top.first?.logprob)
        #expect(m.top.allSatisfy { ($0.logprob ?? -.infinity) - finalTop >= Foundation.log(0.01) - 1e-5 })
    }

    /// typical_p keeps exactly `LogitsProcessor.typical`'s set.
    @Test func typicalPKeepsTheTypicalSet() throws {
        let (logits, ids) = try Self.logits()
        var s = SamplingParameters()
        s.typicalP = 0.5
        let (trace, processed) = Self.traced(logits, ids, s)
        var expected = logits
        LogitsProcessor.typical(&expected, 0.5)
        let chosen = try #require(LogSoftmax.top(processed, 1).first?.id)
        let summary = trace.summary(chosen: chosen, describe: Self.describe)
        let typical = try #require(summary.stages.last)
        #expect(typical.name == "typical_p")
        #expect(typical.support == expected.filter { $0 > -.infinity }.count)
        #expect(typical.top.allSatisfy { expected[Int($0.id ?? 0)] > -.infinity })
    }

    /// The penalties move only the tokens of the history (each by its own formula); the grammar leaves only the
    /// tokens its mask allows, and the tokens it removed are named as removed by it.
    @Test func penaltiesMoveOnlyHistoryTokensAndTheGrammarOnlyAllows() throws {
        let (logits, ids) = try Self.logits()
        var s = SamplingParameters()
        s.repetitionPenalty = 1.5
        s.frequencyPenalty = 0.8
        s.presencePenalty = 0.3
        let history = Set(ids.map(Int.init))
        let (trace, _) = Self.traced(logits, ids, s)
        var previous = logits
        for step in trace.steps {
            let moved = Set(previous.indices.filter { previous[$0] != step.logits[$0] })
            #expect(!moved.isEmpty && moved.isSubset(of: history), "\(step.stage) moves history tokens only")
            for id in moved {
                let before = previous[id], after = step.logits[id]
                let count = Float(ids.filter { Int($0) == id }.count)
                switch step.stage {
                case .repetitionPenalty: #expect(after == (before < 0 ? before * 1.5 : before / 1.5))
                case .frequencyPenalty: #expect(abs(after - (before - 0.8 * count / Float(ids.count))) < 1e-5)
                case .presencePenalty: #expect(abs(after - (before - 0.3)) < 1e-5)
                default: Issue.record("unexpected step \(step.stage)")
                }
            }
            previous = step.logits
        }

        // A grammar allowing only digits: the raw favourite (" three") is removed by it.
        let constraint = try Self.backend.grammars.constraint(for: Grammar(type: .regex, value: .string(" ?[0-9]+")))
        let mask = constraint.mask(constraint.start)
        let (masked, processed) = Self.traced(logits, ids, SamplingParameters(), mask: mask)
        let chosen = try #require(LogSoftmax.top(processed, 1).first?.id)
        let summary = masked.summary(chosen: chosen, describe: Self.describe)
        let grammar = try #require(summary.stages.last)
        #expect(grammar.name == "grammar")
        #expect(grammar.support == mask.allowedCount)
        #expect(grammar.top.allSatisfy { mask.allows(Int32($0.id ?? 0)) })
        #expect(grammar.keptMass < 0.5, "the model wanted words here, not digits")
        let three = Self.backend.tokenizer.encode(" three", addSpecial: false)[0]
        let favourite = try #require(summary.aboveChosen.first)
        #expect(favourite.token.id == UInt32(three) && favourite.rawRank == 1)
        #expect(summary.aboveChosen.allSatisfy { $0.removedBy == "grammar" })
        #expect(summary.stages.first?.chosenRank == summary.aboveChosen.count + 1)
    }

    /// A penalty that pushes the favourite below the chosen token is named as where it fell; a sampled lower
    /// token leaves the tokens above it kept.
    @Test func aboveChosenSaysWhatHappened() throws {
        let (logits, ids) = try Self.logits()
        var s = SamplingParameters()
        s.repetitionPenalty = 5
        let (trace, processed) = Self.traced(logits, ids, s)
        let chosen = try #require(LogSoftmax.top(processed, 1).first?.id)
        let summary = trace.summary(chosen: chosen, describe: Self.describe)
        #expect(!summary.aboveChosen.isEmpty, "the penalty changed the favourite")
        #expect(summary.aboveChosen.allSatisfy { $0.passedAt == "repetition_penalty" && $0.removedBy == nil })

        let plain = StageTrace(raw: logits).summary(chosen: try #require(LogSoftmax.top(logits, 3).last?.id),
                                                   describe: Self.describe)
        #expect(plain.aboveChosen.count == 2)
        #expect(plain.aboveChosen.allSatisfy { $0.removedBy == nil && $0.passedAt == nil })
        #expect(plain.aboveChosen.map(\.rawRank) == [1, 2])
    }

    /// Through the backend: stages only when asked, and their last step is what TGI's fields report.
    @Test func streamEventsCarryStagesOnlyWhenAsked() async throws {
        let parameters = GenerateParameters(details: true, maxNewTokens: 4, repetitionPenalty: 1.2, seed: 11,
                                            temperature: 0.8, topK: 20, topNTokens: 5, topP: 0.9)
        var request = GenerateRequest(inputs: Self.prompt, parameters: parameters)
        var plain: [StreamResponse] = []
        for try await event in Self.backend.generateStream(request) { plain.append(event.response) }
        #expect(plain.allSatisfy { $0.stages == nil })
        request.traceStages = true
        var traced: [StreamResponse] = []
        for try await event in Self.backend.generateStream(request) { traced.append(event.response) }
        #expect(traced.map(\.token) == plain.map(\.token), "tracing changes nothing generated")
        for event in traced {
            let stages = try #require(event.stages)
            #expect(stages.stages.map(\.name) == ["raw", "repetition_penalty", "temperature", "top_k", "top_p"])
            let last = try #require(stages.processed)
            #expect(last.chosenLogprob == event.token.logprob)
            #expect(Array(last.top.prefix(5)) == event.topTokens)
            let line = try WireJSON.line(event)
            #expect(!line.contains("stages"), "never on TGI's wire")
        }
    }
}

/// `tgplay explain` through the built binary reports the numbers the engine computes in process.
@Suite(.serialized) struct ExplainCLITests {
    /// The `tgplay` built beside the test bundle (SwiftPM builds it for the package's other test target).
    static var binary: URL {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("tgplay")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug/tgplay")
    }

    static func explain(_ body: String) throws -> (status: Int32, lines: [String]) {
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("tgplay-explain-\(getpid()).json")
        try Data(body.utf8).write(to: input)
        defer { try? FileManager.default.removeItem(at: input) }
        let process = Process()
        process.executableURL = binary
        process.arguments = ["explain", "--local", "--model", TestModel.path, "--input", input.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init))
    }

    struct Line: Decodable {
        var index: UInt32?
        var token: Token
        var probabilities: String
        var top_tokens: [Token]?
        var stages: [TokenStage]?
        var above_chosen: [DisplacedToken]?
        var generated_text: String?
        var finish_reason: String?
    }

    @Test func explainReportsTheEnginesStages() async throws {
        let body = #"{"inputs": "one two three one two three one two", "parameters": {"max_new_tokens": 3, "seed": 5, "temperature": 0.7, "top_k": 8, "top_p": 0.8, "repetition_penalty": 1.3}}"#
        let (status, lines) = try Self.explain(body)
        #expect(status == 0)
        let decoded = try lines.map { try JSONDecoder().decode(Line.self, from: Data($0.utf8)) }
        #expect(decoded.count == 3)

        var request = try GenerateRequest.decode(from: Data(body.utf8))
        request.traceStages = true
        request.parameters?.topNTokens = 5
        request.parameters?.details = true
        var events: [StreamResponse] = []
        for try await event in LocalBackendTests.backend.generateStream(request) { events.append(event.response) }
        #expect(decoded.count == events.count)
        for (line, event) in zip(decoded, events) {
            #expect(line.probabilities == "processed")
            #expect(line.token == event.token)
            #expect(line.top_tokens == event.topTokens)
            #expect(line.stages == event.stages?.stages, "the same numbers as in process")
            #expect(line.above_chosen == event.stages?.aboveChosen)
            #expect(line.stages?.map(\.name) == ["raw", "repetition_penalty", "temperature", "top_k", "top_p"])
            #expect(line.stages?.first { $0.name == "top_k" }?.support == 8)
        }
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            for displaced in object["above_chosen"] as? [[String: Any]] ?? [] {
                #expect(displaced.keys.contains("removed_by") && displaced.keys.contains("passed_at"), "nulls are written")
            }
        }
        #expect(decoded.last?.finish_reason == "length")
        #expect(decoded.last?.generated_text != nil)
        #expect(decoded.dropLast().allSatisfy { $0.generated_text == nil })
    }
}
