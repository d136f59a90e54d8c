import Foundation
import GenerationCore
import Testing
@testable import Playground

/// The main run and the compare columns are the same `LiveRun`: what one receives, misses and how it ends is
/// recorded the same way.
@Suite("Live runs")
struct LiveRunTests {
    static let words = ["Once", " upon", " a", " time"]

    @Test func aFailedCompareColumnKeepsTheServersErrorInTheHistory() throws {
        var h = Harness()
        h.type("x")
        h.keys(.function(7))
        let c = try #require(h.state.compare)
        let failing = c.columns[0]
        h.send(.runEvent(run: failing.run, Harness.event(1, "Once", -0.1), now: 1))
        let error = GenerationError(errorType: .validation, message: "Input validation error: nope", statusCode: 422,
                                    receivedTokens: [Harness.token(1, "Once", -0.1), Harness.token(2, " upon", -0.2)])
        h.send(.runFailed(run: failing.run, error, now: 2))
        let column = try #require(h.state.compare?.columns[0])
        #expect(column.error == "422 Input validation error: nope")
        #expect(column.transcript.tokens.map(\.token.text) == ["Once", " upon"], "the tokens the failure carried")
        let recorded = try #require(h.state.history.last)
        #expect(recorded.setName == failing.name)
        #expect(recorded.error?.errorType == .validation)
        #expect(recorded.error?.error == "Input validation error: nope")
        #expect(recorded.tokens.map(\.text) == ["Once", " upon"])
    }

    @Test func theMainRunAndAColumnRecordTheSameWay() throws {
        var h = Harness()
        h.type("x")
        h.stream(Self.words)
        let main = try #require(h.state.history.last)
        h.keys(.function(7))
        let c = try #require(h.state.compare)
        for (i, text) in Self.words.enumerated() {
            // The same tokens and logprobs as `Harness.stream` sends.
            let event = Harness.event(UInt32(i + 1), text, log(max(0.02, 0.97 - Double(i) * 0.11)),
                                      final: i == Self.words.count - 1)
            h.send(.runEvent(run: c.columns[0].run, event, now: 1 + Double(i) * 0.01))
        }
        let column = try #require(h.state.history.last)
        #expect(column.setName == c.columns[0].name)
        #expect(column.tokens == main.tokens)
        #expect(column.finishReason == main.finishReason)
        #expect(column.stats?.tokens == main.stats?.tokens)
        #expect(column.stats?.meanLogprob == main.stats?.meanLogprob)
        // The main run's statistics are computed from it, as its history entry has them.
        #expect(h.state.runStatistics?.tokens == main.stats?.tokens)
    }

    @Test func aRetryIsTheSameRequestAgainWithTheErrorStillShown() throws {
        var h = Harness()
        h.type("x")
        h.keys(.ctrl("r"))
        let first = try #require(h.state.run)
        h.send(.runFailed(run: first.id, GenerationError(errorType: .overloaded, message: "loading", statusCode: 503,
                                                         estimatedTime: 2), now: 1))
        #expect(h.state.history.isEmpty, "a run waiting to be retried is not over")
        h.effects = []
        h.send(.tick(now: 4))
        let again = try #require(h.state.run)
        #expect(again.id == h.state.runID && again.id != first.id)
        #expect(h.effects == [again.effect])
        guard case .startRun(_, let request, _, _, _)? = h.effects.first else {
            Issue.record("no run sent: \(h.effects)")
            return
        }
        #expect(request == first.request)
        #expect(h.state.error?.message == "loading")
        #expect(h.screen.contains("retrying (#1)"))
    }
}
