import Foundation
import GenerationCore
import LocalEngine
import Testing
@testable import Playground

/// The prompt pane's context meter: counted once typing pauses, as an effect answered by a message; the title
/// shows the count against the limit, red with what `truncate` keeps when over, and nothing made up when the
/// backend cannot count.
@Suite("Context meter")
struct ContextMeterTests {
    static func counts(_ effects: [Effect]) -> [(id: Int, text: String, backend: BackendIdentity?)] {
        effects.compactMap { e in
            if case .countTokens(let id, let text, _, _, let backend) = e { return (id, text, backend) } else { return nil }
        }
    }

    /// The title row of the prompt pane.
    static func title(_ h: Harness) -> String { h.screen.rowText(Layout(width: h.state.width, height: h.state.height).prompt.y) }

    @Test func countsOnlyAfterTypingPauses() throws {
        var h = Harness(width: 120, height: 30)
        h.type("Hello")
        h.send(.tick(now: 1))
        h.send(.tick(now: 1.2))
        #expect(Self.counts(h.effects).isEmpty, "still within the pause")
        h.type(" world")
        h.send(.tick(now: 1.35))  // a new change: the pause starts again
        h.send(.tick(now: 1.5))
        #expect(Self.counts(h.effects).isEmpty)
        h.send(.tick(now: 1.7))
        let asked = Self.counts(h.effects)
        #expect(asked.count == 1)
        #expect(asked.first?.text == "Hello world")
        #expect(asked.first?.backend == nil)
        h.send(.tick(now: 5))
        #expect(Self.counts(h.effects).count == 1, "the same text is not counted twice")
    }

    @Test func theTitleShowsTheCountAgainstTheLimit() throws {
        var h = Harness(width: 120, height: 30)
        h.type("x")
        h.send(.tick(now: 1))
        h.send(.tick(now: 2))
        let id = try #require(Self.counts(h.effects).first?.id)
        h.send(.tokensCounted(id: id, TokenCount(count: 1204, limit: 8192, limitKind: .input, source: "test")))
        #expect(Self.title(h).contains("1,204 / 8,192 tok · 1 line"))
        let screen = h.screen
        let row = Layout(width: 120, height: 30).prompt.y
        let x = try #require(screen.rowText(row).range(of: "1,204").map { screen.rowText(row).distance(from: screen.rowText(row).startIndex, to: $0.lowerBound) })
        #expect(screen[x, row].role == .dim)
    }

    @Test func overTheLimitIsRedAndSaysWhatTruncateKeeps() throws {
        var h = Harness(width: 120, height: 30)
        h.type("x")
        h.send(.tick(now: 1))
        h.send(.tick(now: 2))
        let id = try #require(Self.counts(h.effects).first?.id)
        h.send(.tokensCounted(id: id, TokenCount(count: 9000, limit: 8191, limitKind: .input, source: "test")))
        let title = Self.title(h)
        #expect(title.contains("9,000 / 8,191 tok · 809 over · truncate would keep the last 8,191"), "\(title)")
        let row = Layout(width: 120, height: 30).prompt.y
        let x = title.distance(from: title.startIndex, to: try #require(title.range(of: "9,000")).lowerBound)
        #expect(h.screen[x, row].role == .error)
        // With `truncate` set the input fits: not red, and the title says what is kept.
        h.state.settings.parameters.truncate = 512
        let kept = Self.title(h)
        #expect(kept.contains("9,000 / 8,191 tok · truncate keeps the last 512"), "\(kept)")
        let keptX = kept.distance(from: kept.startIndex, to: try #require(kept.range(of: "9,000")).lowerBound)
        #expect(h.screen[keptX, row].role == .dim)
    }

    /// A context-size limit (vLLM's `max_model_len`) bounds the prompt with the tokens to generate.
    @Test func aContextLimitLeavesRoomForTheNewTokens() throws {
        var h = Harness(width: 120, height: 30)
        h.state.settings.parameters.maxNewTokens = 100
        h.type("x")
        h.send(.tick(now: 1))
        h.send(.tick(now: 2))
        let id = try #require(Self.counts(h.effects).first?.id)
        h.send(.tokensCounted(id: id, TokenCount(count: 4000, limit: 4096, limitKind: .context, source: "test")))
        #expect(Self.title(h).contains("4,000 / 4,096 tok · 4 over"), "\(Self.title(h))")
    }

    /// A narrow pane takes a shorter wording, never a number cut in half.
    @Test func aNarrowPaneNeverCutsANumber() throws {
        var h = Harness(width: 60, height: 16)
        h.type("x")
        h.send(.tick(now: 1))
        h.send(.tick(now: 2))
        let id = try #require(Self.counts(h.effects).first?.id)
        h.send(.tokensCounted(id: id, TokenCount(count: 9000, limit: 8191, limitKind: .input, source: "test")))
        let title = Self.title(h)
        #expect(title.contains(" 9,000 / 8,191 tok ─┐"), "the longest wording that fits, whole: \(title)")
    }

    @Test func anEditWhileCountingIsCountedWhenTheAnswerComes() throws {
        var h = Harness(width: 120, height: 30)
        h.type("a")
        h.send(.tick(now: 1))
        h.send(.tick(now: 2))
        let first = try #require(Self.counts(h.effects).first?.id)
        h.type("b")
        h.send(.tick(now: 3))
        h.send(.tick(now: 4))
        #expect(Self.counts(h.effects).count == 1, "one request at a time")
        h.send(.tokensCounted(id: first, TokenCount(count: 2, limit: 10, limitKind: .input, source: "test")))
        h.send(.tick(now: 5))
        let asked = Self.counts(h.effects)
        #expect(asked.count == 2)
        #expect(asked.last?.text == "ab")
        // An answer to an older request is ignored.
        h.send(.tokensCounted(id: first, TokenCount(count: 99, limit: 10, limitKind: .input, source: "test")))
        #expect(Self.title(h).contains("2 / 10 tok"))
    }

    /// A backend that cannot count shows no number, says why once, and is not asked again.
    @Test func aBackendThatCannotCountShowsNoNumber() throws {
        var h = Harness(width: 120, height: 30)
        h.type("a")
        h.send(.tick(now: 1))
        h.send(.tick(now: 2))
        let id = try #require(Self.counts(h.effects).first?.id)
        let refusal = GenerationError(errorType: .unsupported, message: "vLLM at x has no /tokenize")
        h.send(.tokenCountFailed(id: id, refusal))
        #expect(h.state.notice == nil, "the title says it, the status bar keeps its numbers")
        #expect(Self.title(h).contains("no token count: vLLM at x has no /tokenize · 1 line"))
        #expect(!Self.title(h).contains(" tok "), "no number")
        // A late failure never replaces a notice already shown.
        var late = Harness(width: 120, height: 30)
        late.type("a")
        late.send(.tick(now: 1))
        late.send(.tick(now: 2))
        let lateID = try #require(Self.counts(late.effects).first?.id)
        late.state.notice = "branch 1/2 at token 3"
        late.send(.tokenCountFailed(id: lateID, refusal))
        #expect(late.state.notice == "branch 1/2 at token 3")
        // Nor hides the prompt perplexity F6 computed before the failure came (the tmux flow's race).
        var scored = Harness(width: 120, height: 30)
        scored.type("a")
        scored.send(.tick(now: 1))
        scored.send(.tick(now: 2))
        let scoredID = try #require(Self.counts(scored.effects).first?.id)
        scored.keys(.function(6))
        scored.send(.promptScored(id: scored.state.promptScoreID,
                                  PromptPerplexityViewTests.answer(["a", "b"], logprobs: [nil, -1])))
        scored.keys(.escape)
        #expect(scored.screen.contains("prompt ppl"))
        scored.send(.tokenCountFailed(id: scoredID, refusal))
        #expect(scored.screen.contains("prompt ppl"), "a late failure leaves the status bar's numbers")
        h.type("b")
        h.send(.tick(now: 3))
        h.send(.tick(now: 4))
        #expect(Self.counts(h.effects).count == 1)
    }

    /// Counts against the built-in tokenizer through the real runner: the meter's number is llama.cpp's token
    /// count for each text of the tokenizer corpus (BOS included, as the engine sends it).
    @Test func theBuiltInEngineCountsAsLlamaCppTokenizes() async throws {
        struct Case: Decodable { var text: String; var ids: [Int] }
        struct File: Decodable { var cases: [Case] }
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../LocalEngineTests/Fixtures/tokenizer-llamacpp.json")
        let cases = try JSONDecoder().decode(File.self, from: Data(contentsOf: fixture)).cases
        #expect(cases.count >= 5)
        let engine = try LocalBackend(modelPath: ModelLocation.resolve(environment: ProcessInfo.processInfo.environment))
        let (runner, dir) = try EffectRunnerTests.runner(backend: engine)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var compared = 0
        for c in cases {
            var h = Harness(width: 120, height: 30)
            h.send(.paste(c.text))
            // The editor keeps lines, not "\r\n": what it holds is what a run sends and what is counted.
            guard h.state.editor.text == c.text else { continue }
            compared += 1
            h.send(.tick(now: 1))
            h.send(.tick(now: 2))
            runner.perform(h.effects, state: h.state)
            var answer: Message?
            for _ in 0..<2000 where answer == nil {
                answer = runner.queue.drain().first
                if answer == nil { try await Task.sleep(nanoseconds: 5_000_000) }
            }
            let message = try #require(answer)
            h.send(message)
            let count = try #require(h.state.contextMeter.count)
            #expect(count.count == c.ids.count, "\(c.text)")
            #expect(count.limit == 8191)
            #expect(Self.title(h).contains("\(c.ids.count.grouped) / 8,191 tok"), "\(Self.title(h))")
        }
        #expect(compared >= 5)
    }

    /// A long prompt on the built-in engine shows its prefill's progress instead of a bare "waiting", until the
    /// first token; a report for an older run is ignored.
    @Test func prefillProgressReplacesWaiting() {
        var h = Harness(width: 120, height: 30)
        h.type("A long prompt")
        h.keys(.ctrl("r"))
        let run = h.state.runID
        #expect(h.screen.rowText(29).contains("waiting"))
        h.send(.prefillProgress(run: run, done: 320, total: 1200))
        #expect(h.screen.rowText(29).contains("prefill 320/1,200"))
        #expect(h.screen.contains("prefill 320/1,200 tokens of the prompt evaluated"))
        h.send(.prefillProgress(run: run - 1, done: 5, total: 9))
        #expect(h.screen.rowText(29).contains("prefill 320/1,200"), "an older run's report is ignored")
        h.send(.runEvent(run: run, Harness.event(1, " x", -0.1), now: 2))
        #expect(!h.screen.contains("prefill"), "the first token ends it")
    }
}
