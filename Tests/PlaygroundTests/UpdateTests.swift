import Foundation
import GenerationCore
import Testing
import LocalEngine
@testable import Playground

@Suite("Playground update")
struct UpdateTests {
    @Test func runSendsTheRequestWithPopupFriendlyDefaults() throws {
        var h = Harness()
        h.type("Hello")
        h.keys(.ctrl("r"))
        let start = h.effects.compactMap { effect -> GenerateRequest? in
            if case .startRun(_, let request, _, _, _) = effect { return request }
            return nil
        }
        let request = try #require(start.first)
        #expect(request.inputs == "Hello")
        #expect(request.parameters?.topNTokens == 5)
        #expect(request.parameters?.details == true)
        #expect(h.state.phase == .waiting)
        h.keys(.function(5))
        #expect(h.effects.contains(.cancelRun(id: 1)))
        #expect(h.state.runID == 3)  // the cancelled run's late events are ignored, then the new run
        #expect(h.state.history.first?.error?.errorType == GenerationError.ErrorType.cancelled)
    }

    @Test func emptyPromptIsRefusedWithTGIsMessage() {
        var h = Harness()
        h.keys(.ctrl("r"))
        #expect(h.state.phase == .failed)
        #expect(h.state.error?.message == "Input validation error: `inputs` cannot be empty")
        #expect(!h.effects.contains { if case .startRun = $0 { return true } else { return false } })
    }

    @Test func streamingUpdatesStatsAndFinishes() {
        var h = Harness()
        h.type("x")
        h.stream(["a", "b", "c"])
        #expect(h.state.phase == .finished)
        let stats = h.state.runStatistics
        #expect(stats?.tokens == 3)
        #expect(stats?.finishReason?.rawValue == "length")
        #expect(h.state.run?.seed == 42)
        #expect(stats?.timeToFirstToken == 1)
        let tps = stats?.tokensPerSecond ?? 0
        #expect(abs(tps - 100) < 0.001)
        let mean = h.state.transcript.meanLogprob ?? 0
        #expect(abs((h.state.transcript.perplexity ?? 0) - exp(-mean)) < 1e-9)
    }

    @Test func escCancelsAndLaterEventsAreIgnored() {
        var h = Harness()
        h.type("x")
        h.stream(["a", "b"], finish: false)
        let run = h.state.runID
        h.keys(.escape)
        #expect(h.state.phase == .cancelled)
        #expect(h.effects.contains(.cancelRun(id: run)))
        h.send(.runEvent(run: run, Harness.event(3, "late", -0.1), now: 5))
        #expect(h.state.transcript.count == 2)
        #expect(h.screen.contains("[cancelled]"))
    }

    @Test func focusCyclesAndTokenCursorMoves() {
        var h = Harness()
        h.type("x")
        h.stream(["a", "b", "c"])
        #expect(h.state.focus == .prompt)
        h.keys(.tab)
        #expect(h.state.focus == .sidebar)
        h.keys(.tab)
        #expect(h.state.focus == .output)
        #expect(h.state.tokenCursor == 2)
        h.keys(.left, .left, .left)
        #expect(h.state.tokenCursor == 0)
        h.keys(.right)
        #expect(h.state.tokenCursor == 1)
        h.keys(.enter)
        #expect(h.state.popup != nil)
        h.keys(.right)
        #expect(h.state.tokenCursor == 2)
        h.keys(.escape)
        #expect(h.state.popup == nil)
        h.keys(.backTab)
        #expect(h.state.focus == .sidebar)
        h.keys(.backTab, .backTab)
        #expect(h.state.focus == .output)
    }

    @Test func modelLoading503CountsDownAndRetries() {
        var h = Harness(width: 120, height: 30)
        h.type("x")
        h.keys(.ctrl("r"))
        h.send(.tick(now: 10))
        let error = GenerationError(errorType: "overloaded", message: "Model test/model is currently loading",
                                    statusCode: 503, estimatedTime: 20)
        h.send(.runFailed(run: h.state.runID, error, now: 10))
        guard case .waitingForModel(let until, 1, _) = h.state.phase else {
            Issue.record("expected waiting for model, got \(h.state.phase)")
            return
        }
        #expect(until == 30)
        h.send(.tick(now: 15))
        #expect(h.screen.contains("retry in 15s"))
        #expect(h.screen.contains("currently loading"))
        let before = h.effects.count
        h.send(.tick(now: 30))
        #expect(h.effects.count == before + 1)
        if case .startRun(let id, let request, _, _, _)? = h.effects.last {
            #expect(id == h.state.runID)
            #expect(request.inputs == "x")
        } else {
            Issue.record("no retry")
        }
        h.send(.runEvent(run: h.state.runID, Harness.event(1, "ok", -0.1, final: true), now: 31))
        #expect(h.state.phase == .finished)
    }

    @Test func waitForModelHeaderDisablesTheAutomaticRetry() {
        var h = Harness()
        h.state.settings.waitForModel = true
        h.type("x")
        h.keys(.ctrl("r"))
        h.send(.runFailed(run: h.state.runID, GenerationError(errorType: "overloaded", message: "loading", statusCode: 503, estimatedTime: 5), now: 1))
        #expect(h.state.phase == .failed)
    }

    @Test func rateLimitBacksOff() {
        var h = Harness()
        h.type("x")
        h.keys(.ctrl("r"))
        let limited = GenerationError(errorType: "overloaded", message: "Rate limit reached", statusCode: 429)
        h.send(.runFailed(run: h.state.runID, limited, now: 0))
        guard case .waitingForModel(let first, 1, "rate limited") = h.state.phase else {
            Issue.record("expected backoff, got \(h.state.phase)")
            return
        }
        h.send(.tick(now: first))
        h.send(.runFailed(run: h.state.runID, limited, now: first))
        guard case .waitingForModel(let second, 2, _) = h.state.phase else {
            Issue.record("expected a second backoff")
            return
        }
        #expect(second - first > first)
        let retryAfter = GenerationError(errorType: "overloaded", message: "slow down", statusCode: 429, retryAfter: 7)
        h.send(.tick(now: second))
        h.send(.runFailed(run: h.state.runID, retryAfter, now: 100))
        guard case .waitingForModel(let third, 3, _) = h.state.phase else { Issue.record("no third"); return }
        #expect(third == 107)
    }

    @Test func failureMergesReceivedTokensWithoutDuplicates() {
        var h = Harness()
        h.type("x")
        h.stream(["a", "b"], finish: false)
        let received = [Harness.token(1, "a", -0.1), Harness.token(2, "b", -0.1), Harness.token(3, "c", -0.1)]
        h.send(.runFailed(run: h.state.runID, GenerationError(errorType: "incomplete_generation", message: "cut", receivedTokens: received), now: 2))
        #expect(h.state.transcript.tokens.map(\.token.text) == ["a", "b", "c"])
        #expect(h.state.editor.text == "x")
    }

    @Test func pasteGoesToThePromptWhole() {
        var h = Harness()
        h.send(.paste("line one\nline two\n日本"))
        #expect(h.state.editor.lines.count == 3)
        #expect(h.state.editor.text == "line one\nline two\n日本")
        h.keys(.ctrl("z"))
        #expect(h.state.editor.text == "")
    }

    @Test func mouseClickSelectsAToken() {
        var h = Harness()
        h.type("x")
        h.stream(["alpha", " beta", " gamma"])
        let text = Layout(width: 80, height: 24).outputText
        h.send(.mouse(MouseEvent(button: .left, x: text.x + 7, y: text.y)))
        #expect(h.state.focus == .output)
        #expect(h.state.tokenCursor == 1)
    }

    @Test func themeSwitchCyclesThroughAvailableThemes() {
        var h = Harness()
        h.state.themes = ["default-dark", "light", "monochrome"]
        h.keys(.function(2))
        #expect(h.effects.last == .switchTheme(name: "light"))
        h.send(.themeChanged(name: "light", problem: nil))
        h.keys(.function(2))
        #expect(h.effects.last == .switchTheme(name: "monochrome"))
    }

    @Test func quitCancelsSavesAndQuits() {
        var h = Harness()
        h.type("x")
        h.keys(.ctrl("r"))
        h.keys(.ctrl("q"))
        #expect(Array(h.effects.suffix(3)) == [.cancelRun(id: 1), .save, .quit])
    }
}

@Suite("Playground workbench")
struct WorkbenchTests {
    @Test func watermarkVerdictIsShownWhenTheRunAskedForIt() {
        var h = Harness(width: 120, height: 30)
        h.type("x")
        h.stream(["a", "b", "c"])
        #expect(h.state.run?.watermark == nil)
        #expect(!h.screen.contains("wm z"))
        h.state.settings.parameters.watermark = true
        h.stream(["a", "b", "c", "d"])
        let w = h.state.run?.watermark
        #expect(w?.tokensScored == 3)
        #expect(w?.watermarked == false)
        #expect(h.screen.contains("wm z "))
        #expect(h.screen.contains("no watermark"))

        // A sequence where every token is green after its predecessor scores far above the threshold.
        var ids: [UInt32] = [7]
        while ids.count < 40 {
            var next = ids.last! &+ 1
            while !Watermark.tgi.isGreen(previous: Int32(ids.last!), token: Int(next)) { next &+= 1 }
            ids.append(next)
        }
        h.keys(.ctrl("r"))
        let run = h.state.runID
        for (i, id) in ids.enumerated() {
            let token = Harness.token(id, "t", -0.1)
            let response = StreamResponse(index: UInt32(i + 1), token: token, topTokens: [token],
                                          details: i == ids.count - 1 ? StreamDetails(finishReason: .length, generatedTokens: 40, seed: 1) : nil)
            h.send(.runEvent(run: run, i == ids.count - 1 ? .finished(response) : .token(response), now: 2))
        }
        #expect(h.state.run?.watermark?.watermarked == true)
        #expect(h.screen.contains("WATERMARKED"))
    }

    /// Streams `texts` into the current run (already started) and finishes it.
    static func feed(_ h: inout Harness, _ texts: [String], base: UInt32 = 100) {
        let run = h.state.runID
        for (i, text) in texts.enumerated() {
            h.send(.runEvent(run: run, Harness.event(base + UInt32(i), text, -0.2, final: i == texts.count - 1), now: 3))
        }
    }

    @Test func branchingFromAnAlternativeContinuesFromTheAcceptedText() throws {
        var h = Harness(width: 80, height: 24)
        h.type("Say:")
        h.stream([" one", " two", " three"])
        h.keys(.tab, .tab, .left, .enter)   // popup on " two"
        #expect(h.state.tokenCursor == 1)
        h.keys(.down, .down)                // most likely first: " two", " two?", "alt"
        #expect(h.state.popup?.selection == 1)
        #expect(h.screen.contains("➜"))
        h.effects = []
        h.keys(.enter)
        #expect(h.state.popup == nil)
        let request = try #require(h.effects.compactMap { e -> GenerateRequest? in
            if case .startRun(_, let r, _, _, _) = e { return r } else { return nil }
        }.first)
        #expect(request.inputs == "Say: one two?")
        #expect(h.state.transcript.tokens.map(\.token.text) == [" one", " two?"])
        #expect(h.state.phase == .waiting)
        Self.feed(&h, [" four", " five"])
        #expect(h.state.transcript.tokens.map(\.token.text) == [" one", " two?", " four", " five"])
        #expect(h.screen.contains("one two? four five"))
        let b = try #require(h.state.branches?.current)
        #expect(try b.tree.acceptedText(for: b.node) == " one two? four five")

        // [ ] browse the branch point: the original continuation, then the branch.
        h.keys(.character("["))
        #expect(h.state.transcript.tokens.map(\.token.text) == [" one", " two", " three"])
        #expect(h.state.tokenCursor == 1)
        h.keys(.character("]"))
        #expect(h.state.transcript.tokens.map(\.token.text) == [" one", " two?", " four", " five"])

        // Undo steps back through the tree states: the browse, the other browse, then the branch itself.
        h.keys(.character("u"), .character("u"))
        #expect(h.state.transcript.tokens.map(\.token.text) == [" one", " two?", " four", " five"])
        h.keys(.ctrl("z"))
        #expect(h.state.transcript.tokens.map(\.token.text) == [" one", " two", " three"])
        h.keys(.character("u"))
        #expect(h.screen.contains("nothing to undo"))
    }

    /// `c` continues the output shown: a cancelled run first, then the original branch browsed to with `[`.
    @Test func continueResumesTheNodeShown() throws {
        var h = Harness(width: 80, height: 24)
        h.type("Say:")
        h.stream([" one", " two"], finish: false)
        h.keys(.escape)
        #expect(h.state.phase == .cancelled)
        h.keys(.tab, .tab)
        h.effects = []
        h.keys(.character("c"))
        let request = try #require(h.effects.compactMap { e -> GenerateRequest? in
            if case .startRun(_, let r, _, _, _) = e { return r } else { return nil }
        }.first)
        #expect(request.inputs == "Say: one two")
        #expect(h.screen.contains("continuing after token 2"))
        Self.feed(&h, [" three", "."])
        #expect(h.state.transcript.tokens.map(\.token.text) == [" one", " two", " three", "."])
        // The notice leads the status bar and the run's numbers stay in sight after it.
        let status = h.screen.rowText(h.state.height - 1)
        #expect(status.contains("continuing after token 2") && status.contains("4 tok"), "\(status)")
        let b = try #require(h.state.branches?.current)
        #expect(try b.tree.acceptedText(for: b.node) == " one two three.")
        // The continuation is its own run in the history (its tokens only).
        #expect(h.state.history.last?.tokens.map(\.text) == [" three", "."])
        #expect(h.state.history.last?.request.inputs == "Say: one two")
        // While a run streams, c says so instead of starting another.
        h.stream([" x"], finish: false)
        h.keys(.tab, .tab, .tab)
        h.keys(.character("c"))
        #expect(h.screen.contains("still generating"))
    }

    @Test func branchingWhileStreamingCancelsTheRunAndKeepsItsTokens() throws {
        var h = Harness(width: 80, height: 24)
        h.type("x")
        h.stream(["a", "b", "c"], finish: false)
        let run = h.state.runID
        h.keys(.tab, .tab, .home, .enter, .down, .down, .down)
        #expect(h.state.popup?.selection == 2)
        h.effects = []
        h.keys(.character("b"))
        #expect(h.effects.contains(.cancelRun(id: run)))
        #expect(h.state.transcript.tokens.map(\.token.text) == ["alt"])
        Self.feed(&h, ["!"])
        h.keys(.character("["))
        #expect(h.state.transcript.tokens.map(\.token.text) == ["a", "b", "c"])
    }

    @Test func branchKeysExplainThemselvesWithoutATree() {
        var h = Harness(width: 80, height: 24)
        h.type("x")
        h.stream(["a"])
        h.keys(.tab, .tab, .character("]"))
        #expect(h.screen.contains("no branches yet"))
        h.keys(.enter, .character("b"))
        #expect(h.screen.contains("select an alternative"))
        h.keys(.escape)
        #expect(h.state.popup == nil)
    }
}

@Suite("Playground prompt perplexity")
struct PromptPerplexityViewTests {
    static func answer(_ texts: [String], logprobs: [Double?]) -> GenerateResponse {
        let prefill = zip(texts, logprobs).enumerated().map { i, p in PrefillToken(id: UInt32(i + 1), text: p.0, logprob: p.1) }
        let details = Details(finishReason: .length, generatedTokens: 1, seed: nil, prefill: prefill,
                              tokens: [Token(id: 99, text: "!", logprob: -1, special: false)])
        return GenerateResponse(generatedText: "!", details: details)
    }

    @Test func f6ScoresThePromptAndShowsItsTokensColouredByLogprob() throws {
        var h = Harness(width: 120, height: 30)
        h.type("The cat sat")
        h.effects = []
        h.keys(.function(6))
        guard case .scorePrompt(let id, let request, _, _, _)? = h.effects.last else {
            Issue.record("no scorePrompt effect: \(h.effects)")
            return
        }
        #expect(request.inputs == "The cat sat")
        #expect(request.stream == nil)
        #expect(request.parameters?.decoderInputDetails == true)
        #expect(request.parameters?.maxNewTokens == 1)
        #expect(h.state.promptScoring)
        // A stale answer is ignored.
        h.send(.promptScored(id: id - 1, Self.answer(["x"], logprobs: [nil])))
        #expect(h.state.promptScore == nil)
        h.send(.promptScored(id: id, Self.answer(["The", " cat", " sat"], logprobs: [nil, -0.05, -2.3])))
        #expect(h.state.promptView)
        let ppl = try #require(h.state.promptScore?.perplexity)
        #expect(abs(ppl - exp((0.05 + 2.3) / 2)) < 1e-9)
        let screen = h.screen
        #expect(screen.contains("Prompt tokens"))
        #expect(screen.contains(String(format: "prompt ppl %.2f", ppl)))
        // " cat" (p = 0.95) is in the top bucket, " sat" (p = 0.10) lower; the first token is the cursor.
        let area = Layout(width: 120, height: 30).promptText
        #expect(screen[area.x, area.y].role == .tokenCursor)
        #expect(screen[area.x + 4, area.y].role == .prob5)
        #expect(screen[area.x + 8, area.y].role == Role.probabilityRole(exp(-2.3)))

        // The popup works on prompt tokens.
        h.keys(.right, .right, .enter)
        #expect(h.state.popup?.onPrompt == true)
        #expect(h.screen.contains("Prompt token 3"))
        #expect(h.screen.contains("-2.3000"))
        #expect(h.screen.contains("prompt tokens have no alternatives"))
        h.keys(.escape)
        #expect(h.state.popup == nil)
        // Read-only: typing changes nothing; Esc returns to the editor, F6 reopens without a new request.
        h.keys(.character("z"))
        #expect(h.state.editor.text == "The cat sat")
        h.keys(.escape)
        #expect(!h.state.promptView)
        h.effects = []
        h.keys(.function(6))
        #expect(h.state.promptView)
        #expect(h.effects.isEmpty)
        // After an edit, F6 scores again.
        h.keys(.function(6), .character("!"), .function(6))
        #expect(h.effects.contains { if case .scorePrompt = $0 { return true } else { return false } })
    }

    @Test func scoringFailureIsReported() {
        var h = Harness(width: 80, height: 24)
        h.type("x")
        h.keys(.function(6))
        h.send(.promptScoreFailed(id: h.state.promptScoreID, GenerationError(errorType: "validation", message: "nope")))
        #expect(!h.state.promptScoring)
        #expect(h.screen.contains("prompt scoring failed: nope"))
    }
}

@Suite("Playground compare mode")
struct CompareModeTests {
    static func feed(_ h: inout Harness, run: Int, _ ids: [UInt32]) {
        for (i, id) in ids.enumerated() {
            let token = Harness.token(id, "w\(id) ", -0.3)
            let other = Harness.token(id + 100, "v\(id) ", -1.6)
            let response = StreamResponse(index: UInt32(i + 1), token: token, topTokens: [token, other])
            h.send(.runEvent(run: run, i == ids.count - 1 ? .finished(response) : .token(response), now: 2))
        }
    }

    static func starts(_ effects: [Effect]) -> [(Int, GenerateRequest, BackendIdentity?)] {
        effects.compactMap { e in
            if case .startRun(let id, let r, _, _, let b) = e { return (id, r, b) } else { return nil }
        }
    }

    /// Selects `field` and types `value` into it (typing starts an edit, Enter sets it).
    static func set(_ h: inout Harness, _ field: ParameterField, _ value: String) {
        h.state.focus = .sidebar
        h.state.sidebar.selected = field
        h.keys(.enter, .ctrl("u"))  // open the field's edit and clear it
        h.type(value)
        h.keys(.enter)
    }

    @Test func f8EditsSetsAsOverridesAndF7RunsThemWithOneSeed() throws {
        var h = Harness(width: 120, height: 30)
        h.type("x")
        Self.set(&h, .maxNewTokens, "20")
        h.keys(.function(8))
        #expect(h.state.editTarget == 0)
        Self.set(&h, .temperature, "0.3")
        h.keys(.function(8))
        Self.set(&h, .temperature, "1.5")
        // The base is untouched; each set keeps only its change.
        #expect(h.state.settings.parameters.temperature == nil)
        #expect(h.state.sets[0].parameters == GenerateParameters(temperature: 0.3))
        #expect(h.state.sets[1].parameters == GenerateParameters(temperature: 1.5))
        #expect(h.screen.contains("Set B"))
        // A base edit reaches every set.
        h.keys(.function(8), .function(8), .function(8))
        #expect(h.state.editTarget == nil)
        Self.set(&h, .maxNewTokens, "24")
        h.effects = []
        h.keys(.function(7))
        let starts = Self.starts(h.effects)
        #expect(starts.count == 2)  // C and D change nothing, so they do not run
        let (a, ra, _) = try #require(starts.first)
        let (b, rb, _) = try #require(starts.last)
        #expect(ra.parameters?.temperature == 0.3)
        #expect(rb.parameters?.temperature == 1.5)
        #expect(ra.parameters?.maxNewTokens == 24 && rb.parameters?.maxNewTokens == 24)
        #expect(ra.parameters?.seed != nil)
        #expect(ra.parameters?.seed == rb.parameters?.seed)
        Self.feed(&h, run: a, [1, 2, 3, 4])
        Self.feed(&h, run: b, [1, 2, 7, 8])
        let c = try #require(h.state.compare)
        #expect(c.divergence == 2)
        let screen = h.screen
        #expect(screen.contains("diverge at token 3"))
        #expect(screen.contains("temperature 0.3"))
        #expect(screen.contains("temperature 1.5"))
        #expect(screen.contains("w1 w2 w3 w4"))
        #expect(screen.contains("w1 w2 w7 w8"))
        // The divergent token is marked in both columns (row 1: one line of differing parameters above).
        let rects = compareColumns(Layout(width: 120, height: 30), count: 2)
        for rect in rects {
            let y = (rect.inner.y...rect.inner.maxY).first { y in (0..<rect.inner.width).contains { screen[rect.inner.x + $0, y].role == .divergence } }
            #expect(y != nil)
        }
        // Both columns went into the history, named by set.
        #expect(h.state.history.map(\.setName) == ["A", "B"])
        #expect(h.state.history[1].tokens.map(\.id) == [1, 2, 7, 8])
        h.keys(.escape)
        #expect(h.state.compare == nil)
    }

    @Test func fourSetsWithTheirOwnBackends() throws {
        var h = Harness(width: 120, height: 40)
        h.type("x")
        h.state.defaultBackend = BackendIdentity("http://127.0.0.1:8080")
        h.state.backendChoices = [.local, BackendIdentity("http://127.0.0.1:9/")]
        h.keys(.function(8), .function(8), .function(8))  // set C
        Self.set(&h, .topK, "5")
        h.keys(.function(8))  // set D
        h.state.sidebar.selected = .backend
        h.keys(.right)
        #expect(h.state.sets[3].backend == .local)
        h.effects = []
        h.keys(.function(7))
        let starts = Self.starts(h.effects)
        #expect(starts.map { $0.2 } == [nil, nil, nil, .local])
        #expect(starts[2].1.parameters?.topK == 5)
        let c = try #require(h.state.compare)
        #expect(c.differences.map(\.field) == ["top_k", "backend"])
        for (i, start) in starts.enumerated() { Self.feed(&h, run: start.0, i == 3 ? [1, 9] : [1, 2]) }
        #expect(h.state.compare?.divergence == 1)
        let screen = h.screen
        for name in ["─ A ", "─ B ", "─ C ", "─ D "] { #expect(screen.contains(name)) }
        #expect(screen.contains("backend local"))
        #expect(screen.contains("backend default"))
        #expect(screen.contains("compare A-D"))
        Snapshot.check(screen, named: "compare-4-sets-120x40")
    }

    @Test func distributionsAtTheDivergenceSideBySide() throws {
        var h = Harness(width: 80, height: 24)
        h.type("x")
        h.keys(.function(8))
        Self.set(&h, .temperature, "0.2")
        h.keys(.function(7))
        let c = try #require(h.state.compare)
        Self.feed(&h, run: c.columns[0].run, [1, 2, 3])
        Self.feed(&h, run: c.columns[1].run, [1, 5, 3])
        h.state.focus = .output
        h.keys(.enter)
        #expect(h.state.compare != nil && h.state.distributionsOpen)
        var screen = h.screen
        #expect(screen.contains("Token 2: first divergence"))
        #expect(screen.contains("A chose \"w2 \""))
        #expect(screen.contains("B chose \"w5 \""))
        #expect(screen.contains("the distributions differ"))
        Snapshot.check(screen, named: "compare-distributions-80x24")
        h.keys(.right)
        screen = h.screen
        #expect(screen.contains("Token 3"))
        #expect(!screen.contains("first divergence"))
        h.keys(.escape)
        #expect(h.state.compare != nil && !h.state.distributionsOpen)
        #expect(h.state.compare != nil)
        h.keys(.character("g"))
        #expect(h.state.compare?.position == 1)
        // A click on a token in any column moves the cursor there (tokens "w1 w5 w3": the third starts at 6).
        let rect = compareColumns(Layout(width: 80, height: 24), count: 2)[1]
        let compare = try #require(h.state.compare)
        let parts = try #require(columnParts(compare, 1, rect))
        h.send(.mouse(MouseEvent(button: .left, x: parts.tokens.x + 6, y: parts.tokens.y)))
        #expect(h.state.compare?.position == 2)
        #expect(h.state.focus == .output)
    }

    /// In the distributions, an alternative of any set can be picked and branched from: compare closes, that
    /// set's output is cut there and continues with the set's own parameters.
    @Test func branchingASetFromTheDistributions() throws {
        var h = Harness(width: 80, height: 24)
        h.type("x")
        h.state.sets[0].parameters.temperature = 0.2
        h.state.sets[1].parameters.topK = 7
        h.keys(.function(7))
        let c = try #require(h.state.compare)
        Self.feed(&h, run: c.columns[0].run, [1, 2, 3])
        Self.feed(&h, run: c.columns[1].run, [1, 5, 3])
        h.state.focus = .output
        h.keys(.enter, .tab, .down, .down)
        #expect(h.state.compare?.pickColumn == 1)
        #expect(h.state.compare?.pick == 1)
        #expect(h.screen.contains("➜"))
        h.effects = []
        h.keys(.enter)
        #expect(h.state.compare == nil)
        let request = try #require(h.effects.compactMap { e -> GenerateRequest? in
            if case .startRun(_, let r, _, _, _) = e { return r } else { return nil }
        }.first)
        #expect(request.inputs == "xw1 v5 ")
        #expect(request.parameters?.topK == 7)
        #expect(request.parameters?.temperature == nil)
        #expect(request.parameters?.seed == c.seed)
        #expect(h.state.transcript.tokens.map(\.token.text) == ["w1 ", "v5 "])
        #expect(h.screen.contains("set B branched at token 2"))
        let tree = try #require(h.state.branches?.current.tree)
        #expect(tree.prompt == "x")
        #expect(tree.nodes.count == 2)
    }

    @Test func setOverridesFollowTheBaseAndDResetsToIt() {
        var base = ParameterSettings.defaults
        base.parameters.temperature = 0.7
        var edited = base
        edited.parameters.topK = 5
        let (set, lost) = base.override(to: edited, name: "A")
        #expect(set.parameters == GenerateParameters(topK: 5))
        #expect(lost.isEmpty)
        base.parameters.temperature = 0.9
        #expect(base.applying(set).parameters.temperature == 0.9)
        #expect(base.applying(set).parameters.topK == 5)
        var unset = base
        unset.parameters.temperature = nil
        #expect(base.override(to: unset, name: "A").cannotUnset == ["temperature"])
        var grammar = base
        grammar.grammarKind = .regex
        grammar.grammarText = "[0-9]+"
        let g = base.override(to: grammar, name: "B").set
        #expect(g.parameters.grammar == Grammar(type: .regex, value: .string("[0-9]+")))
        #expect(base.applying(g).grammarText == "[0-9]+")

        var h = Harness()
        h.keys(.function(8))
        Self.set(&h, .temperature, "1.1")
        #expect(h.state.sets[0].parameters.temperature == 1.1)
        h.keys(.character("d"))
        #expect(h.state.sets[0].isEmpty)
    }

    /// The smallest screen the layout supports, with four columns, the distributions and the history open.
    @Test func fourColumnsAtTheMinimumSize() throws {
        var h = Harness(width: AppState.minimumWidth, height: AppState.minimumHeight)
        h.type("x")
        h.state.sets[2].parameters.topK = 3
        h.state.sets[3].parameters.temperature = 0.5
        h.keys(.function(7))
        let c = try #require(h.state.compare)
        #expect(c.columns.count == 4)
        for (i, column) in c.columns.enumerated() { Self.feed(&h, run: column.run, i == 3 ? [1, 2, 9] : [1, 2, 3]) }
        Snapshot.check(h.screen, named: "compare-4-sets-60x16")
        h.state.focus = .output
        h.keys(.enter)
        #expect(h.screen.contains("Token 3"))
        h.keys(.escape, .escape, .function(3))
        #expect(h.screen.contains("History: 4 runs"))
        h.send(.resize(width: 20, height: 6))
        #expect(h.screen.contains("Terminal too small"))
    }

    /// A set that fails shows its error in its column, takes no part in the divergence and is named.
    @Test func aFailedSetShowsItsErrorAndIsLeftOutOfTheDivergence() throws {
        var h = Harness(width: 100, height: 30)
        h.type("x")
        h.keys(.function(7))
        let c = try #require(h.state.compare)
        Self.feed(&h, run: c.columns[0].run, [1, 2, 3])
        h.send(.runFailed(run: c.columns[1].run, GenerationError(
            errorType: GenerationError.ErrorType.connection,
            message: "Failed to connect to 127.0.0.1 port 9 after 0 ms: Couldn't connect to server"), now: 3))
        let state = try #require(h.state.compare)
        #expect(state.divergence == nil)
        #expect(!state.isActive)
        let screen = h.screen
        #expect(screen.contains("failed: B"))
        #expect(!screen.contains("identical"))
        #expect(screen.contains("Failed to connect"))
        #expect(screen.contains("port 9 after 0 ms"), "\(screen.plainText)")
        #expect(h.state.history.last?.error?.error.contains("Couldn't connect") == true)
    }

    @Test func escWhileComparingCancelsEveryRun() throws {
        var h = Harness(width: 80, height: 24)
        h.type("x")
        h.keys(.function(7))
        let c = try #require(h.state.compare)
        #expect(h.screen.contains("F8 picks a set"))
        Self.feed(&h, run: c.columns[0].run, [1, 2])
        Self.feed(&h, run: c.columns[1].run, [1, 2])
        #expect(h.screen.contains("identical"))
        h.state.compare = c
        h.effects = []
        h.keys(.escape)
        #expect(h.effects == [.cancelRun(id: c.columns[0].run), .cancelRun(id: c.columns[1].run)])
        // The cancelled columns are kept in the history (after the two finished ones).
        #expect(h.state.history.count == 4)
        #expect(h.state.history.suffix(2).allSatisfy { $0.error?.errorType == GenerationError.ErrorType.cancelled })
    }

    @Test func aRunLeavesCompareMode() throws {
        var h = Harness(width: 80, height: 24)
        h.type("x")
        h.keys(.function(7))
        let c = try #require(h.state.compare)
        h.effects = []
        h.keys(.ctrl("r"))
        #expect(h.state.compare == nil)
        #expect(h.effects.contains(.cancelRun(id: c.columns[0].run)) && h.effects.contains(.cancelRun(id: c.columns[1].run)))
        #expect(h.effects.contains { if case .startRun = $0 { return true } else { return false } })
    }
}
