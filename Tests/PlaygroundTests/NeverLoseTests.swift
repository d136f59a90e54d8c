import Foundation
import GenerationCore
import Testing
@testable import Playground

/// Issue 12's "bugs to fix first": the playground never loses work between its features.
@Suite("The playground never loses work")
struct NeverLoseTests {
    static func starts(_ effects: [Effect]) -> [(request: GenerateRequest, backend: BackendIdentity?)] {
        effects.compactMap { e in
            if case .startRun(_, let r, _, _, let b) = e { return (r, b) } else { return nil }
        }
    }

    /// "Say:" → " one two three", then a branch at " two" with " two?" that continues with " four".
    static func branched() -> Harness {
        var h = Harness(width: 100, height: 30)
        h.type("Say:")
        h.stream([" one", " two", " three"])
        h.keys(.tab, .tab, .left, .enter, .down, .down, .enter)
        WorkbenchTests.feed(&h, [" four"])
        return h
    }

    // MARK: 1. a rejected run

    /// A 422 (the input over the context limit) arrives before any token: the output and the tree shown before
    /// stay, `]` and `u` still work on them, and the error is in the status bar and the history.
    @Test func aRejectedRunLeavesTheOutputAndTheTree() throws {
        var h = Self.branched()
        let tree = try #require(h.state.branches)
        let shown = h.state.transcript.tokens.map(\.token.text)
        #expect(shown == [" one", " two?", " four"])
        h.keys(.ctrl("r"))
        let rejected = GenerationError(
            errorType: "validation",
            message: "Input validation error: `inputs` tokens + `max_new_tokens` must be <= 4096. Given: 4100",
            statusCode: 422)
        h.send(.runFailed(run: h.state.runID, rejected, now: 5))
        #expect(h.state.phase == .failed)
        #expect(h.state.transcript.tokens.map(\.token.text) == shown)
        #expect(h.state.branches == tree)
        #expect(h.screen.contains("422 validation: Input validation error"))
        let last = try #require(h.state.history.last)
        #expect(last.error?.errorType == "validation")
        #expect(last.error?.error.contains("must be <= 4096") == true)
        #expect(last.tokens.isEmpty)
        #expect(last.request.inputs == "Say:")
        h.state.focus = .output
        h.keys(.character("["))
        #expect(!h.screen.contains("no branches yet"))
        #expect(h.state.transcript.tokens.map(\.token.text) == [" one", " two", " three"])
        h.keys(.character("u"))
        #expect(!h.screen.contains("nothing to undo"))
        #expect(h.state.transcript.tokens.map(\.token.text) == shown)
    }

    /// `r` in the history rejected the same way leaves the output too.
    @Test func aRejectedRerunLeavesTheOutput() throws {
        var h = Self.branched()
        let tree = try #require(h.state.branches)
        h.keys(.function(3), .end, .character("r"))
        h.send(.runFailed(run: h.state.runID, GenerationError(
            errorType: "validation", message: "Input validation error: invalid regex", statusCode: 422), now: 5))
        #expect(h.state.transcript.tokens.map(\.token.text) == [" one", " two?", " four"])
        #expect(h.state.branches == tree)
        #expect(h.state.history.last?.error?.error == "Input validation error: invalid regex")
    }

    // MARK: 2. Ctrl-R keeps the tree

    /// Ctrl-R starts a new root run; the previous tree goes with its root run in the history, and showing that
    /// run (F3, Enter) brings the branches back. The trees survive a session round trip.
    @Test func ctrlRKeepsThePreviousTreeWithItsRun() throws {
        var h = Self.branched()
        let tree = try #require(h.state.branches?.current.tree)
        h.stream([" new", " text"])
        #expect(h.state.transcript.tokens.map(\.token.text) == [" new", " text"])
        #expect(h.state.history.first?.tree == tree)

        // Through the session file and back: both trees are there.
        h.keys(.tab, .tab, .tab, .home, .enter, .down, .down, .enter)  // a branch of the new run
        WorkbenchTests.feed(&h, ["!"])
        let second = try #require(h.state.branches?.current.tree)
        let data = try SessionFile.encode(h.state.sessionDocument())
        var reopened = Harness(width: 100, height: 30)
        reopened.state.restore(try SessionFile.decode(data, path: "s.json"))
        #expect(reopened.state.branches?.current.tree == second)
        #expect(reopened.state.history.first?.tree == tree)

        // F3, the first run, Enter: its branches come back (the new tree is kept with its own run).
        reopened.keys(.function(3), .end, .enter)
        #expect(reopened.state.branches?.current.tree == tree)
        #expect(reopened.state.transcript.tokens.map(\.token.text) == [" one", " two", " three"])
        reopened.keys(.character("]"))
        #expect(reopened.state.transcript.tokens.map(\.token.text) == [" one", " two?", " four"])
        let newRoot = try #require(reopened.state.history.first { $0.request.inputs == "Say:" && $0.tokens.first?.text == " new" })
        #expect(reopened.state.history.first { $0.id == newRoot.id }?.tree == second)
    }

    /// `r` in the history throws nothing away either.
    @Test func rerunKeepsTheTree() throws {
        var h = Self.branched()
        let tree = try #require(h.state.branches?.current.tree)
        h.keys(.function(3), .end, .character("r"))
        WorkbenchTests.feed(&h, [" again"])
        #expect(h.state.history.first?.tree == tree)
        h.keys(.function(3), .end, .enter)
        #expect(h.state.branches?.current.tree == tree)
    }

    /// Older session files (no trees with their runs) still open.
    @Test func sessionsWithoutRunTreesOpen() throws {
        var h = Self.branched()
        let data = try SessionFile.encode(h.state.sessionDocument())
        var json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let runs = try #require(json["runs"] as? [[String: Any]])
        json["runs"] = runs.map { run in run.filter { $0.key != "tree" && $0.key != "origin" } }
        let old = try JSONSerialization.data(withJSONObject: json)
        let session = try SessionFile.decode(old, path: "old.json")
        #expect(session.runs.count == 2)
        #expect(session.runs.allSatisfy { $0.tree == nil && $0.origin == nil })
        h.state.restore(session)
        #expect(h.state.branches?.current.tree.nodes.count == 2)
    }

    // MARK: 3. continuing a set's branch

    /// `c` on a compare set's branch continues with that set's parameters and backend, not the base's.
    @Test func continuingASetsBranchUsesTheSetsParameters() throws {
        var h = Harness(width: 100, height: 30)
        h.type("x")
        let remote = BackendIdentity("http://127.0.0.1:9")
        h.state.sets[1].parameters.temperature = 0.5
        h.state.sets[1].backend = remote
        h.keys(.function(7))
        let c = try #require(h.state.compare)
        CompareModeTests.feed(&h, run: c.columns[0].run, [1, 2, 3])
        CompareModeTests.feed(&h, run: c.columns[1].run, [1, 5, 3])
        h.state.focus = .output
        h.keys(.enter, .tab, .down, .down, .enter)  // branch set B at token 2
        WorkbenchTests.feed(&h, [" more"])
        let branchRun = try #require(h.state.history.last)
        #expect(branchRun.request.parameters?.temperature == 0.5)
        h.effects = []
        h.keys(.character("c"))
        let next = try #require(Self.starts(h.effects).first)
        #expect(next.request.parameters?.temperature == 0.5)
        #expect(next.request.parameters?.seed == c.seed)
        #expect(next.backend == remote)
        #expect(next.request.inputs.hasSuffix(" more"))
    }

    // MARK: 4. a stale prompt perplexity

    @Test func promptPerplexityGoesWhenThePromptChanges() throws {
        var h = Harness(width: 120, height: 30)
        h.type("The cat sat")
        h.keys(.function(6))
        h.send(.promptScored(id: h.state.promptScoreID,
                             PromptPerplexityViewTests.answer(["The", " cat", " sat"], logprobs: [nil, -0.05, -2.3])))
        h.keys(.escape)
        #expect(h.screen.contains("prompt ppl"))
        h.keys(.character("!"))
        h.keys(.left)  // a key that leaves no notice
        #expect(!h.screen.contains("prompt ppl"))
    }

    // MARK: 5. compare's queue time

    /// Two sets on one engine: B waits until A has finished. B's TTFT counts from A's end, the wait is shown
    /// apart as `queue`.
    @Test func compareShowsQueueTimeApartFromTTFT() throws {
        var h = Harness(width: 120, height: 30)
        h.type("x")
        h.send(.tick(now: 10))
        h.keys(.function(7))
        let c = try #require(h.state.compare)
        func send(_ run: Int, _ i: UInt32, at now: Double, final: Bool) {
            h.send(.runEvent(run: run, Harness.event(i, "w\(i) ", -0.3, final: final), now: now))
        }
        send(c.columns[0].run, 1, at: 10.5, final: false)
        send(c.columns[0].run, 2, at: 11.2, final: true)
        send(c.columns[1].run, 1, at: 11.5, final: false)
        send(c.columns[1].run, 2, at: 11.6, final: true)
        let screen = h.screen
        #expect(screen.contains("ttft 500ms"))
        #expect(screen.contains("ttft 300ms"))
        #expect(screen.contains("queue 1.2s"))
        #expect(!screen.contains("ttft 1500ms"))
        // The history keeps the same numbers.
        let b = try #require(h.state.history.last)
        #expect(abs((b.stats?.timeToFirstToken ?? 0) - 0.3) < 1e-9)
    }

    // MARK: 6. the history's selection and rows

    /// F3 reopens on the run shown, so `r` re-runs that one; rows say what each run is.
    @Test func historyReopensOnTheRunShownAndSaysWhatRunsAre() throws {
        var h = Self.branched()  // #1 the run, #2 its branch
        h.keys(.character("c"))
        WorkbenchTests.feed(&h, [" five"])  // #3 a continuation of the branch
        h.stream([" other"])  // #4
        h.keys(.function(3), .end, .enter)  // shows #1
        h.keys(.function(3))
        #expect(h.state.historyView?.selection == 0)
        h.effects = []
        h.keys(.character("r"))
        #expect(Self.starts(h.effects).first?.request.inputs == "Say:")
        #expect(Self.starts(h.effects).first?.request.parameters?.seed == 42)
        WorkbenchTests.feed(&h, [" again"])  // #5 replaces the output
        // With nothing shown from the history, it opens on the run shown last: the newest.
        h.keys(.function(3))
        #expect(h.state.historyView?.selection == h.state.history.count - 1)
        let screen = h.screen
        #expect(screen.contains("#2 branch of #1"))
        #expect(screen.contains("#3 continues #2"))

        // A set's branch keeps its letter.
        var s = Harness(width: 120, height: 30)
        s.type("x")
        s.keys(.function(7))
        let c = try #require(s.state.compare)
        CompareModeTests.feed(&s, run: c.columns[0].run, [1, 2, 3])
        CompareModeTests.feed(&s, run: c.columns[1].run, [1, 5, 3])
        s.state.focus = .output
        s.keys(.enter, .tab, .down, .down, .enter)
        WorkbenchTests.feed(&s, [" more"])
        s.keys(.function(3))
        #expect(s.screen.contains("#3 B branch of #2"))
    }

    // MARK: Say what will happen

    /// F2's new theme is named in the status bar (a problem loading it is named instead).
    @Test func f2NamesTheTheme() {
        var h = Harness(width: 100, height: 30)
        h.state.themes = ["default", "light"]
        h.keys(.function(2))
        h.send(.themeChanged(name: "light", problem: nil))
        #expect(h.screen.contains("theme light"))
        h.send(.themeChanged(name: "default", problem: "theme nope: no such file"))
        #expect(h.screen.contains("theme nope: no such file"))
    }

    /// Spaces at the ends of a stop sequence matter (" END" is not "END"): they are kept, and shown as ␣ in the
    /// sidebar, which is also how they are typed (spaces after a comma only separate the items).
    @Test func stopSequencesKeepTheirEdgeSpacesVisibly() {
        var h = Harness(width: 100, height: 30)
        CompareModeTests.set(&h, .stop, "␣END, x␣, a b, \\␣")
        #expect(h.state.settings.parameters.stop == [" END", "x ", "a b", "␣"])
        #expect(ParameterField.stop.value(in: h.state.settings) == "␣END, x␣, a b, \\␣")
        #expect(h.screen.contains("␣END, x␣"))
        h.state.settings.parameters.stop = ["  two  "]
        #expect(ParameterField.stop.value(in: h.state.settings) == "␣␣two␣␣")
    }
}
