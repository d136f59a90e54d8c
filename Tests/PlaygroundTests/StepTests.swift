import Foundation
import GenerationCore
import LocalEngine
import Testing
@testable import Playground

/// Step and steer (`n`): one token per step as a continuation run of one token, kept in the branch tree as its own
/// undo step, and the step popup, whose Enter accepts an alternative without generating further.
@Suite struct PlaygroundStepTests {
    static func starts(_ effects: [Effect]) -> [GenerateRequest] {
        effects.compactMap { e in
            if case .startRun(_, let r, _, _, _) = e { return r } else { return nil }
        }
    }

    /// Feeds the main run's single (final) token.
    static func stepToken(_ h: inout Harness, _ text: String, id: UInt32) {
        h.send(.runEvent(run: h.state.runID, Harness.event(id, text, -0.3, final: true), now: 4))
    }

    @Test func nStepsOneTokenAfterTheOutputAndUndoTakesItBack() throws {
        var h = Harness(width: 80, height: 24)
        h.type("Say:")
        h.stream([" one", " two"])
        h.keys(.tab, .tab)
        h.effects = []
        h.keys(.character("n"))
        let request = try #require(Self.starts(h.effects).first)
        #expect(request.inputs == "Say: one two")
        #expect(request.parameters?.maxNewTokens == 1)
        #expect((request.parameters?.topNTokens ?? 0) > 0)
        #expect(h.screen.contains("stepping after token 2"))
        Self.stepToken(&h, " three", id: 3)
        #expect(h.state.transcript.tokens.map(\.token.text) == [" one", " two", " three"])
        // The step popup is open on the new token.
        #expect(h.state.popup?.step == true)
        #expect(h.state.tokenCursor == 2)
        #expect(h.screen.contains("Step: token 3"))
        #expect(h.state.history.last?.origin?.kind == RunOrigin.step)
        #expect(h.state.history.last?.tokens.map(\.text) == [" three"])
        // n in the step popup steps again.
        h.effects = []
        h.keys(.character("n"))
        #expect(Self.starts(h.effects).first?.inputs == "Say: one two three")
        Self.stepToken(&h, " four", id: 4)
        let b = try #require(h.state.branches?.current)
        #expect(try b.tree.acceptedText(for: b.node) == " one two three four")
        // Each step is an undo step of its own.
        h.keys(.escape, .character("u"))
        #expect(h.state.transcript.tokens.map(\.token.text) == [" one", " two", " three"])
        h.keys(.character("u"))
        #expect(h.state.transcript.tokens.map(\.token.text) == [" one", " two"])
    }

    @Test func theStepPopupAcceptsAnAlternativeWithoutGenerating() throws {
        var h = Harness(width: 80, height: 24)
        h.type("Say:")
        h.stream([" one"])
        h.keys(.tab, .tab, .character("n"))
        Self.stepToken(&h, " two", id: 2)
        #expect(h.state.popup?.step == true)
        h.keys(.down, .down)   // most likely first: " two", " two?", "alt"
        #expect(h.state.popup?.selection == 1)
        h.effects = []
        h.keys(.enter)
        #expect(Self.starts(h.effects).isEmpty, "accepting in the step popup generates nothing")
        #expect(h.state.transcript.tokens.map(\.token.text) == [" one", " two?"])
        #expect(h.state.popup?.step == true, "the step popup stays open on the accepted token")
        #expect(!h.state.phase.isActive)
        // n steps on from the accepted alternative.
        h.keys(.character("n"))
        #expect(Self.starts(h.effects).first?.inputs == "Say: one two?")
        Self.stepToken(&h, " three", id: 3)
        #expect(h.state.transcript.tokens.map(\.token.text) == [" one", " two?", " three"])
        // The token it replaced is a branch `[` returns to; u takes back the browse, the step, then the accept.
        h.keys(.escape, .character("["))
        #expect(h.state.transcript.tokens.map(\.token.text) == [" one", " two"])
        h.keys(.character("u"))
        #expect(h.state.transcript.tokens.map(\.token.text) == [" one", " two?", " three"])
        h.keys(.character("u"))
        #expect(h.state.transcript.tokens.map(\.token.text) == [" one", " two?"])
        h.keys(.character("u"))
        #expect(h.state.transcript.tokens.map(\.token.text) == [" one", " two"])
    }

    @Test func cInTheStepPopupContinuesWithTheRunsParameters() throws {
        var h = Harness(width: 80, height: 24)
        h.type("Say:")
        h.stream([" one"])
        h.keys(.tab, .tab, .character("n"))
        Self.stepToken(&h, " two", id: 2)
        h.effects = []
        h.keys(.character("c"))
        let request = try #require(Self.starts(h.effects).first)
        #expect(request.inputs == "Say: one two")
        #expect(request.parameters?.maxNewTokens != 1, "a continuation does not take the step's one token")
        #expect(h.state.popup == nil)
    }

    @Test func theNormalPopupStillBranchesAndNStepsFromThePromptWhenEmpty() throws {
        var h = Harness(width: 80, height: 24)
        h.type("Say:")
        h.keys(.tab, .tab)
        h.effects = []
        h.keys(.character("n"))
        let request = try #require(Self.starts(h.effects).first)
        #expect(request.inputs == "Say:" && request.parameters?.maxNewTokens == 1)
        Self.stepToken(&h, " one", id: 1)
        #expect(h.state.transcript.tokens.map(\.token.text) == [" one"])
        #expect(h.state.popup?.step == true)
        // The popup Enter opens is the normal one: `n` there does nothing, b branches and continues.
        h.keys(.escape, .enter)
        #expect(h.state.popup?.step == false)
        h.effects = []
        h.keys(.character("n"))
        #expect(Self.starts(h.effects).isEmpty)
        h.keys(.down, .down, .character("b"))
        #expect(Self.starts(h.effects).first?.inputs == "Say: one?")
    }

    @Test func fInTheStepPopupForcesTypedTextAsOneUndoStep() throws {
        var h = Harness(width: 80, height: 24)
        h.type("Say:")
        h.stream([" one"])
        h.keys(.tab, .tab, .character("n"))
        Self.stepToken(&h, " two", id: 2)
        h.effects = []
        h.keys(.character("f"))
        #expect(h.screen.contains("force text"))
        h.type(" Paris")
        h.keys(.enter)
        let (id, request) = try #require(h.effects.compactMap { e -> (Int, StepRequest)? in
            if case .forceStep(let id, let r, _, _, _) = e { return (id, r) } else { return nil }
        }.first)
        #expect(request.force == " Paris", "the leading space is kept")
        #expect(request.accepted.map(\.text) == [" one", " two"])
        #expect(request.request.inputs == "Say:")
        // A failure says why and changes nothing.
        h.send(.stepForced(id: id, .failure(GenerationError(errorType: .validation, message: "no scores here"))))
        #expect(h.screen.contains("cannot force: no scores here"))
        #expect(h.state.transcript.count == 2)
        h.keys(.character("f"))
        h.type(" Paris")
        h.keys(.enter)
        let again = h.state.forceID
        let paris = Harness.token(77, " Paris", -1.5)
        let other = Harness.token(78, " Lyon", -2.5)
        let forced = [StepToken(token: paris, forced: true, probabilities: .raw, topTokens: [paris, other])]
        h.send(.stepForced(id: id, .success(forced)))
        #expect(h.state.transcript.count == 2, "an older answer is ignored")
        h.send(.stepForced(id: again, .success(forced)))
        #expect(h.state.transcript.tokens.map(\.token.text) == [" one", " two", " Paris"])
        #expect(h.state.popup?.step == true && h.state.tokenCursor == 2)
        #expect(h.screen.contains("forced 1 token, logprob -1.500"))
        h.keys(.escape, .character("u"))
        #expect(h.state.transcript.tokens.map(\.token.text) == [" one", " two"])
    }

    /// Performs the harness's new effects on `runner` and feeds back its messages until `done` holds.
    static func drive(_ h: inout Harness, _ runner: EffectRunner, until done: (Harness) -> Bool) async throws {
        var next = h.effects.count
        runner.perform(h.effects, state: h.state)
        for _ in 0..<4000 where !done(h) {
            let messages = runner.queue.drain()
            if messages.isEmpty { try await Task.sleep(nanoseconds: 5_000_000) }
            for message in messages { h.send(message) }
            if h.effects.count > next {
                runner.perform(Array(h.effects[next...]), state: h.state)
                next = h.effects.count
            }
        }
    }

    /// On the real built-in engine through the real runner: `n` gets one token and its alternatives, and `f`
    /// forces text whose tokens come back scored after it.
    @Test func stepAndForceOnTheBuiltInEngine() async throws {
        let engine = try LocalBackend(modelPath: ModelLocation.resolve(environment: ProcessInfo.processInfo.environment))
        let (runner, dir) = try EffectRunnerTests.runner(backend: engine)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var h = Harness(width: 80, height: 24)
        h.type("The capital of France is")
        h.keys(.tab, .tab)
        h.effects = []
        h.keys(.character("n"))
        try await Self.drive(&h, runner) { $0.state.popup?.step == true || $0.state.phase == .failed }
        #expect(h.state.error == nil)
        #expect(h.state.transcript.count == 1)
        #expect((h.state.transcript.tokens.first?.topTokens.count ?? 0) > 1, "a step brings alternatives")
        h.keys(.character("f"))
        h.type(" Paris, a city")
        h.effects = []
        h.keys(.enter)
        try await Self.drive(&h, runner) { ($0.state.notice ?? "").hasPrefix("forced") || ($0.state.notice ?? "").hasPrefix("cannot") }
        let forced = h.state.transcript.tokens.dropFirst()
        #expect(forced.map(\.token.text).joined() == " Paris, a city", "\(h.state.notice ?? "")")
        #expect(forced.allSatisfy { $0.token.logprob != nil })
        #expect(h.state.popup?.step == true && h.state.tokenCursor == h.state.transcript.count - 1)
    }
}
