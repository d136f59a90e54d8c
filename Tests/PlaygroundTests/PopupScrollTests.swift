import Foundation
import GenerationCore
import Testing
@testable import Playground

/// The built-in engine gives up to 20 alternatives: more than the popup has rows at 80x24, so its list scrolls
/// with the selection and its border says which rows are shown.
@Suite("Popup scrolling")
struct PopupScrollTests {
    /// A run of one token whose 20 alternatives are `w01` ... `w20`, most likely first.
    static func twenty(width: Int, height: Int) -> Harness {
        var h = Harness(width: width, height: height)
        h.type("Hi")
        h.keys(.ctrl("r"))
        let tops = (1...20).map { i in Harness.token(UInt32(100 + i), String(format: "w%02d", i), -0.1 * Double(i)) }
        let details = StreamDetails(finishReason: .length, generatedTokens: 1, seed: 1)
        h.send(.runEvent(run: h.state.runID, .finished(StreamResponse(index: 1, token: tops[0], topTokens: tops,
                                                                       generatedText: "w01", details: details)), now: 1))
        h.keys(.tab, .tab, .enter)
        return h
    }

    @Test func theListScrollsWithTheSelection() throws {
        var h = Self.twenty(width: 80, height: 24)
        #expect(h.state.popup != nil)
        var screen = Snapshot.render(h.screen)
        #expect(screen.contains("\"w01\""))
        #expect(!screen.contains("\"w20\""))
        #expect(screen.contains(" of 20 ↓"), "\(screen)")
        for _ in 0..<20 { h.keys(.down) }
        #expect(h.state.popup?.selection == 19)
        screen = Snapshot.render(h.screen)
        #expect(screen.contains("➜ \"w20\""), "the selection stays in view")
        #expect(!screen.contains("\"w11\""), "the top rows scrolled away")
        #expect(screen.contains("↑ ") && screen.contains("-20 of 20"))
        Snapshot.check(h.screen, named: "popup-scrolled-80x24")
    }

    @Test func theScrollKeepsTheSelectionOnTheLastRow() {
        #expect(popupScrollStart(selection: nil, count: 20, rows: 8) == 0)
        #expect(popupScrollStart(selection: 7, count: 20, rows: 8) == 0)
        #expect(popupScrollStart(selection: 8, count: 20, rows: 8) == 1)
        #expect(popupScrollStart(selection: 19, count: 20, rows: 8) == 12)
        #expect(popupScrollStart(selection: 3, count: 5, rows: 8) == 0)
    }
}
