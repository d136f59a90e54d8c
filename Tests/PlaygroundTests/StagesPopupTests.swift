import Foundation
import GenerationCore
import Testing
@testable import Playground

/// The popup's raw and stages views (`v`), fed the built-in engine's `TokenStages` through the run's events.
@Suite("Popup stages view")
struct StagesPopupTests {
    static func token(_ id: UInt32, _ text: String, _ logprob: Double) -> Token {
        Token(id: id, text: text, logprob: logprob, special: false)
    }

    /// A token the raw model ranked second: the repetition penalty pushes the favourite below it, temperature
    /// sharpens, top_k cuts to two.
    static let stages = TokenStages(
        stages: [
            TokenStage(name: "raw", support: 262_144, keptMass: 1, entropy: 3.91,
                       top: [token(7, " three", -0.51), token(8, " four", -1.2), token(9, " one", -2.3)],
                       chosenRank: 2, chosenLogprob: -1.2),
            TokenStage(name: "repetition_penalty", support: 262_144, keptMass: 1, entropy: 4.2,
                       top: [token(8, " four", -0.9), token(7, " three", -1.1)], chosenRank: 1, chosenLogprob: -0.9),
            TokenStage(name: "temperature", support: 262_144, keptMass: 1, entropy: 2.05,
                       top: [token(8, " four", -0.6), token(7, " three", -0.9)], chosenRank: 1, chosenLogprob: -0.6),
            TokenStage(name: "top_k", support: 2, keptMass: 0.88, entropy: 0.68,
                       top: [token(8, " four", -0.42), token(7, " three", -1.07)], chosenRank: 1, chosenLogprob: -0.42),
        ],
        aboveChosen: [DisplacedToken(token: token(7, " three", -0.51), rawRank: 1, removedBy: nil,
                                     passedAt: "repetition_penalty")])

    static func harness(withStages: Bool) -> Harness {
        var h = Harness(width: 80, height: 24)
        h.type("one two three")
        h.send(.key(.ctrl("r")))
        let run = h.state.runID
        let words = [" four", " five", " six"]
        for (i, text) in words.enumerated() {
            let n = UInt32(i + 1)
            let chosen = token(8, text, -0.42)
            let response = StreamResponse(index: n, token: chosen, topTokens: [chosen, token(7, " three", -1.07)],
                                          generatedText: i == words.count - 1 ? "..." : nil,
                                          details: i == words.count - 1
                                              ? StreamDetails(finishReason: .length, generatedTokens: n, seed: 1) : nil,
                                          stages: withStages ? stages : nil)
            let event: GenerationEvent = i == words.count - 1 ? .finished(response) : .token(response)
            h.send(.runEvent(run: run, event, now: 1 + Double(i) * 0.01))
        }
        return h
    }

    @Test func stagesReachTheTranscript() {
        let h = Self.harness(withStages: true)
        #expect(h.state.transcript.tokens.map(\.stages) == Array(repeating: Self.stages, count: 3))
    }

    @Test func vCyclesProcessedRawStages() {
        var h = Self.harness(withStages: true)
        h.keys(.tab, .tab, .enter)
        #expect(h.state.popup?.mode == .processed)
        h.keys(.down)
        #expect(h.state.popup?.selection == 0)
        h.keys(.character("v"))
        #expect(h.state.popup?.mode == .raw)
        #expect(h.state.popup?.selection == nil, "a selection does not carry into another view")
        #expect(h.screen.contains("before any processor"))
        #expect(h.screen.contains("\" three\""))
        h.keys(.character("v"))
        #expect(h.state.popup?.mode == .stages)
        let screen = h.screen
        Snapshot.check(screen, named: "popup-stages-80x24")
        for label in ["raw", "repeat", "temp", "top_k", "262144", " 88%", "0.68", "#2", "pushed below by repeat", "rank"] {
            #expect(screen.contains(label), "\(label) is shown")
        }
        h.keys(.character("v"))
        #expect(h.state.popup?.mode == .processed, "v wraps around")
        h.keys(.character("v"), .character("v"))
        let before = h.effects.count
        h.keys(.down, .enter)
        #expect(h.effects.count == before, "no branch from the stages view")
        #expect(h.state.popup == nil, "Enter closes it")
    }

    @Test func aServersTokenSaysItHasNoStages() {
        var h = Self.harness(withStages: false)
        h.keys(.tab, .tab, .enter, .character("v"), .character("v"))
        #expect(h.state.popup?.mode == .stages)
        #expect(h.screen.contains("no stages"))
    }
}
