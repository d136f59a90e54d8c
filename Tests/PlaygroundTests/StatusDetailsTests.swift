import Foundation
import GenerationCore
import Testing
@testable import Playground

/// Alt-I lists every status-bar field at full length, with the whole error the bar cuts at its end.
@Suite("Status details")
struct StatusDetailsTests {
    @Test func altIShowsEveryFieldAndTheWholeError() throws {
        var h = Harness(width: 80, height: 24)
        h.type("Say:")
        h.stream([" one", " two", " three"])
        h.keys(.ctrl("r"))
        let rejected = GenerationError(
            errorType: "validation",
            message: "Input validation error: `inputs` tokens + `max_new_tokens` must be <= 4096. Given: 4000 `inputs` tokens and 100 `max_new_tokens`",
            statusCode: 422)
        h.send(.runFailed(run: h.state.runID, rejected, now: 5))
        let bar = h.screen.rowText(23)
        #expect(bar.contains("422 validation") && !bar.contains("100 `max_new_tokens`"), "the bar cuts it: \(bar)")
        h.keys(.alt("i"))
        #expect(h.screen.contains("100 `max_new_tokens`"), "the whole message")
        #expect(h.screen.contains("3 tok"), "the fields the error covered in the bar")
        Snapshot.check(h.screen, named: "status-details-80x24")
        // Any key closes it, and a key that means something also does that.
        h.keys(.escape)
        #expect(!h.screen.contains("100 `max_new_tokens`"))
        h.keys(.alt("i"))
        h.keys(.function(1))
        #expect(!h.screen.contains("100 `max_new_tokens`"))
        #expect(h.state.isOpen(.help))
    }
}
