import GenerationCore
import Testing
@testable import Playground

/// One overlay at a time decides the keys, the mouse and what is drawn on top; help and path prompts go over
/// another overlay, which comes back when they close.
@Suite("Overlays")
struct OverlayTests {
    /// A finished run with the output focused and the cursor on the last token.
    func finishedRun() -> Harness {
        var h = Harness()
        h.type("Say:")
        h.stream([" one", " two", " three"])
        h.keys(.tab, .tab)
        return h
    }

    @Test func helpGoesOverThePopupAndGivesItBack() {
        var h = finishedRun()
        h.keys(.enter)
        #expect(h.state.popup != nil)
        h.keys(.function(1))
        guard case .help(over: .popup?)? = h.state.overlay else {
            Issue.record("help is not over the popup: \(String(describing: h.state.overlay))")
            return
        }
        #expect(h.screen.contains("Esc closes"))
        // Keys go to the help, not to the popup under it.
        h.keys(.down)
        #expect(h.state.popup?.selection == nil)
        h.keys(.escape)
        guard case .popup? = h.state.overlay else {
            Issue.record("the popup did not come back: \(String(describing: h.state.overlay))")
            return
        }
        #expect(h.screen.contains("Token 3"))
        // F1 toggles the help off as well.
        h.keys(.function(1), .function(1))
        #expect(h.state.overlay?.kind == .popup)
    }

    @Test func anExportPathTypedFromTheHistoryReturnsToTheHistory() {
        var h = finishedRun()
        h.keys(.function(3), .character("e"))
        #expect(h.state.overlay?.kind == .pathPrompt)
        #expect(h.state.historyView != nil)
        #expect(h.screen.contains("History: 1 run"))
        h.keys(.character("x"))
        #expect(h.state.pathPrompt?.text == "tgplay-run-1.mdx")
        #expect(h.state.historyView != nil, "typing the path leaves the history under it")
        h.keys(.escape)
        #expect(h.state.overlay?.kind == .history)
        h.keys(.escape)
        #expect(h.state.overlay == nil)
    }

    @Test func aClickClosesThePopupWithItsSelection() {
        var h = finishedRun()
        h.keys(.enter, .down)
        #expect(h.state.popup?.selection == 0)
        h.send(.mouse(MouseEvent(button: .left, x: 1, y: 1)))
        #expect(h.state.overlay == nil)
        #expect(h.state.focus == .output, "the click only closed the popup")
        h.keys(.enter)
        #expect(h.state.popup == Popup(onPrompt: false, selection: nil), "a reopened popup starts unselected")
    }

    @Test func overlaysThatTakeTheKeysTakeTheMouse() {
        var h = finishedRun()
        h.keys(.function(3))
        let before = h.state.focus
        let prompt = Layout(width: 80, height: 24).promptText
        h.send(.mouse(MouseEvent(button: .left, x: prompt.x, y: prompt.y)))
        #expect(h.state.focus == before)
        #expect(h.state.overlay?.kind == .history)
    }

    /// A run started from the prompt-token popup closes that popup; a popup opened later on the output is the
    /// output's (the prompt-popup mark used to outlive the popup and take over the next one).
    @Test func aPopupOnThePromptDoesNotOutliveItself() {
        var h = finishedRun()
        h.keys(.tab)  // to the prompt
        h.keys(.function(6))
        guard case .scorePrompt(let id, _, _, _, _)? = h.effects.last else {
            Issue.record("no scorePrompt effect: \(h.effects)")
            return
        }
        let score = PromptPerplexityViewTests.answer(["Say", ":"], logprobs: [nil, -0.5])
        h.send(.promptScored(id: id, score))
        #expect(h.state.promptView)
        h.keys(.right, .enter)
        #expect(h.state.popup?.onPrompt == true)
        h.keys(.ctrl("r"))
        #expect(h.state.popup == nil)
        let run = h.state.runID
        h.send(.runEvent(run: run, Harness.event(1, " again", -0.1, final: true), now: 5))
        h.keys(.tab, .tab)  // the prompt-token view stays; on to the output
        #expect(h.state.focus == .output)
        h.keys(.enter)
        #expect(h.state.popup == Popup(onPrompt: false))
        #expect(h.screen.contains("Token 1"))
    }

    @Test func stacksCloseByKindWhereverTheyAre() {
        let stack = Overlay.help(over: .pathPrompt(PathPrompt(purpose: .openSession, text: "a"), over: .history(HistoryView(selection: 0))))
        #expect(stack.layers.map(\.kind) == [.help, .pathPrompt, .history])
        #expect(stack.removing([.pathPrompt])?.layers.map(\.kind) == [.help, .history])
        #expect(stack.removing([.help])?.layers.map(\.kind) == [.pathPrompt, .history])
        #expect(stack.removing([.history, .help])?.layers.map(\.kind) == [.pathPrompt])
        #expect(stack.removing(Set(Overlay.Kind.allCases)) == nil)
    }
}
