import Foundation
import GenerationCore
import Testing
@testable import Playground

@Suite("Playground views")
struct ViewTests {
    static let words = ["Once", " upon", " a", " time", ",", " there", " was", " a", " 小さな", " 🐱", ".", "\n",
                        " It", " lived", " in", " a", " teapot", "."]

    @Test func idleAt80x24() {
        var h = Harness(width: 80, height: 24)
        h.type("Write a story about a cat.")
        Snapshot.check(h.screen, named: "idle-80x24")
        #expect(h.screen.contains("Write a story about a cat."))
        #expect(h.screen.contains("top_n_tokens"))
        #expect(h.screen.contains("<10"))
    }

    @Test func streamingAt120x40() {
        var h = Harness(width: 120, height: 40)
        h.type("Tell me a story")
        h.stream(Self.words, finish: false)
        let screen = h.screen
        Snapshot.check(screen, named: "streaming-120x40")
        #expect(screen.contains("streaming"))
        #expect(screen.contains("18 tok"))
        #expect(screen.contains("小さな 🐱"))
        // Tokens are painted on the probability scale: the first (p=0.97) top bucket, a later one lower.
        let layout = Layout(width: 120, height: 40).outputText
        #expect(screen[layout.x, layout.y].role == .prob5)
        #expect(screen.roleMap.contains("0") || screen.roleMap.contains("1"))
    }

    @Test func popupOpen() {
        var h = Harness(width: 80, height: 24)
        h.type("Hi")
        h.stream(Self.words)
        h.keys(.tab, .tab, .left, .left, .enter)
        #expect(h.state.popup != nil)
        let screen = h.screen
        Snapshot.check(screen, named: "popup-80x24")
        #expect(screen.contains("rank"))
        #expect(screen.contains("\"alt\""))
        #expect(screen.contains("logprob"))
        h.keys(.escape)
        #expect(h.state.popup == nil)
    }

    @Test func popupWithASelectedAlternative() {
        var h = Harness(width: 80, height: 24)
        h.type("Hi")
        h.stream(Self.words)
        h.keys(.tab, .tab, .left, .left, .enter, .down, .down, .down)
        Snapshot.check(h.screen, named: "popup-selected-80x24")
        #expect(h.screen.contains("➜ \"alt\""))
    }

    @Test func promptTokenView() {
        var h = Harness(width: 80, height: 24)
        h.type("The cat sat on the mat")
        h.keys(.function(6))
        let texts = ["The", " cat", " sat", " on", " the", " mat"]
        let prefill = texts.enumerated().map { i, t in
            PrefillToken(id: UInt32(i + 1), text: t, logprob: i == 0 ? nil : -Double(i) * 0.4)
        }
        let details = Details(finishReason: .length, generatedTokens: 1, seed: nil, prefill: prefill, tokens: [])
        h.send(.promptScored(id: h.state.promptScoreID, GenerateResponse(generatedText: "", details: details)))
        h.keys(.right, .right)
        Snapshot.check(h.screen, named: "prompt-tokens-80x24")
        #expect(h.screen.contains("Prompt tokens"))
    }

    @Test func compareColumns() {
        var h = Harness(width: 80, height: 24)
        h.type("Hi")
        h.state.settings.parameters.topK = 5
        h.state.sets[1].parameters.topK = 50
        h.keys(.function(7))
        let c = h.state.compare!
        for (run, texts) in [(c.columns[0].run, ["The", " cat", " sat", "."]), (c.columns[1].run, ["The", " dog", " ran", " off", "."])] {
            for (i, text) in texts.enumerated() {
                h.send(.runEvent(run: run, Harness.event(text.unicodeScalars.reduce(0) { $0 + $1.value }, text, -0.2 * Double(i), final: i == texts.count - 1), now: 2))
            }
        }
        Snapshot.check(h.screen, named: "compare-80x24")
        #expect(h.screen.contains("top_k 5"))
        #expect(h.screen.contains("top_k 50"))
    }

    @Test func errorKeepsPromptAndPartialOutput() {
        var h = Harness(width: 80, height: 24)
        h.type("Prompt stays")
        h.stream(Array(Self.words.prefix(4)), finish: false)
        let error = GenerationError(errorType: "generation", message: "Request failed during generation: CUDA out of memory",
                                    receivedTokens: Self.words.prefix(4).enumerated().map { Harness.token(UInt32($0.offset + 1), $0.element, -0.1) })
        h.send(.runFailed(run: h.state.runID, error, now: 2))
        let screen = h.screen
        Snapshot.check(screen, named: "error-80x24")
        #expect(h.state.phase == .failed)
        #expect(h.state.transcript.count == 4)
        #expect(screen.contains("CUDA out of memory"))
        #expect(screen.contains("[incomplete]"))
        #expect(screen.contains("Prompt stays"))
    }

    @Test func helpOverlay() {
        var h = Harness(width: 80, height: 24)
        h.keys(.function(1))
        let screen = h.screen
        Snapshot.check(screen, named: "help-80x24")
        #expect(screen.contains("Ctrl-R F5"))
        #expect(screen.contains("md / JSONL"))
        #expect(screen.contains("Ctrl-Q"))
        h.keys(.escape)
        #expect(!h.state.helpOpen)
    }

    @Test func tooSmallAt20x6() {
        let h = Harness(width: 20, height: 6)
        let screen = h.screen
        Snapshot.check(screen, named: "too-small-20x6")
        #expect(screen.contains("too small"))
    }

    @Test func wideCharactersInThePromptWrapOnCellBoundaries() {
        var h = Harness(width: 80, height: 24)
        let text = String(repeating: "日本語テキスト😀", count: 12)
        h.type(text)
        let screen = h.screen
        let area = Layout(width: 80, height: 24).promptText
        for y in area.y..<area.maxY {
            // A wide glyph never starts in the last column of the text area.
            #expect(screen[area.maxX - 1, y].width != 2)
        }
        #expect(h.state.editor.text == text)
        #expect(screen.rowText(area.y).contains("日本語テキスト😀"))
    }

    @Test func resizeReflowsOutputAndFollowsTheTail() {
        var h = Harness(width: 120, height: 40)
        h.type("x")
        h.stream((0..<400).map { " word\($0)" })
        let wide = h.state.transcript.rows.count
        h.send(.resize(width: 80, height: 24))
        #expect(h.state.transcript.rows.count > wide)
        let screen = h.screen
        #expect(screen.contains("word399"))
        h.send(.resize(width: 30, height: 10))
        #expect(h.screen.contains("too small"))
        h.send(.resize(width: 100, height: 30))
        #expect(h.screen.contains("word399"))
    }

    @Test func everyMainScreenFillsEachSize() {
        for (w, hgt) in [(80, 24), (120, 40), (20, 6), (200, 60)] {
            var h = Harness(width: w, height: hgt)
            h.type("p")
            h.stream(Self.words)
            let screen = h.screen
            #expect(screen.width == w && screen.height == hgt)
            #expect(screen.cells.count == w * hgt)
        }
    }
}
