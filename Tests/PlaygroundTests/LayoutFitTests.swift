import Foundation
import GenerationCore
import Testing
@testable import Playground

/// A layout that fits the terminal: output wraps at word boundaries in the main pane and in compare columns,
/// the sidebar narrows below 80 columns and Ctrl-T hides it, at 60x16, 80x24 and 120x40.
@Suite("Layout that fits")
struct LayoutFitTests {
    static let sizes = [(60, 16), (80, 24), (120, 40)]
    static let words = ["The", " quick", " brown", " fox", " jumps", " over", " the", " lazy", " dog", " while",
                        " the", " extraordinarily", " patient", " tortoise", " keeps", " walking", " onwards", "."]

    /// Every output row ends at a word boundary unless a single word is wider than the row.
    static func checkWordWrap(_ t: Transcript, sourceLocation: SourceLocation = #_sourceLocation) {
        for r in 0..<max(0, t.rows.count - 1) {
            var last: Character = " "
            t.forEachGlyph(onRow: r) { glyph, _, _ in last = glyph.character }
            var next: Character = " "
            var first = true
            t.forEachGlyph(onRow: r + 1) { glyph, _, _ in if first { next = glyph.character; first = false } }
            #expect(last == " " || last == "↵" || next == " ", "row \(r) splits a word", sourceLocation: sourceLocation)
        }
    }

    @Test func theOutputWrapsAtWordsAtEverySize() {
        for (w, h) in Self.sizes {
            var harness = Harness(width: w, height: h)
            harness.type("Tell a story")
            harness.stream(Self.words)
            Self.checkWordWrap(harness.state.transcript)
            Snapshot.check(harness.screen, named: "wrap-output-\(w)x\(h)")
        }
    }

    @Test func compareColumnsWrapAtWordsAtEverySize() throws {
        for (w, h) in Self.sizes {
            var harness = Harness(width: w, height: h)
            harness.type("Tell a story")
            harness.state.sets[1].parameters.temperature = 0.5
            harness.keys(.function(7))
            let c = try #require(harness.state.compare)
            for (i, column) in c.columns.enumerated() {
                for (j, text) in Self.words.enumerated() {
                    let t = i == 1 && j == 3 ? " cat" : text
                    harness.send(.runEvent(run: column.run, Harness.event(UInt32(j + 1), t, -0.3,
                                                                          final: j == Self.words.count - 1),
                                           now: 1 + Double(j) * 0.01))
                }
            }
            for column in try #require(harness.state.compare).columns { Self.checkWordWrap(column.transcript) }
            Snapshot.check(harness.screen, named: "wrap-compare-\(w)x\(h)")
        }
    }

    @Test func ctrlTHidesTheSidebarAndTheOutputTakesItsWidth() {
        var h = Harness(width: 80, height: 24)
        h.type("Tell a story")
        h.stream(Self.words)
        let narrow = h.state.transcript.width
        h.keys(.tab)
        #expect(h.state.focus == .sidebar)
        h.keys(.ctrl("t"))
        #expect(h.state.sidebarHidden)
        #expect(h.state.focus == .prompt, "the focus leaves the hidden sidebar")
        #expect(h.state.transcript.width == 78 && h.state.transcript.width > narrow)
        #expect(!h.screen.contains("Parameters"))
        Self.checkWordWrap(h.state.transcript)
        h.keys(.tab)
        #expect(h.state.focus == .output, "Tab skips the hidden sidebar")
        h.keys(.backTab)
        #expect(h.state.focus == .prompt)
        Snapshot.check(h.screen, named: "sidebar-hidden-80x24")
        h.keys(.ctrl("t"))
        #expect(!h.state.sidebarHidden)
        #expect(h.screen.contains("Parameters"))
        #expect(h.state.transcript.width == narrow)
    }

    @Test func theSidebarNarrowsBelow80Columns() {
        #expect(Layout(width: 60, height: 16).sidebar.width == 26)
        #expect(Layout(width: 79, height: 24).sidebar.width == 33)
        #expect(Layout(width: 80, height: 24).sidebar.width == 34)
        #expect(Layout(width: 120, height: 40).sidebar.width == 40)
        #expect(Layout(width: 60, height: 16, sidebarHidden: true).output.width == 60)
    }
}

/// "Say what will happen": `do_sample` off with a warper set samples anyway, and the sidebar says so.
@Suite("Say what will happen")
struct SayWhatWillHappenTests {
    @Test func doSampleShowsThatSamplingIsImplied() {
        #expect(samplingImpliedBy(GenerateParameters()) == [])
        #expect(samplingImpliedBy(GenerateParameters(temperature: 1)) == [], "temperature 1 is neutral")
        #expect(samplingImpliedBy(GenerateParameters(temperature: 0.7, topK: 40)) == ["temp", "top_k"])
        #expect(samplingImpliedBy(GenerateParameters(doSample: true, temperature: 0.7)) == [])
        #expect(samplingImpliedBy(GenerateParameters(topP: 0.9, typicalP: 0.5)) == ["top_p", "typ_p"])
        var h = Harness(width: 80, height: 24)
        #expect(h.screen.contains("do_sample            off"))
        h.state.settings.parameters.temperature = 0.7
        #expect(h.screen.contains("do_sample            on: temp "), "\(Snapshot.render(h.screen))")
        h.state.settings.parameters.topK = 40
        #expect(h.screen.contains("do_sample            on: temp+"), "the names that fit, never one cut")
        var wide = Harness(width: 120, height: 40)
        wide.state.settings.parameters.temperature = 0.7
        wide.state.settings.parameters.topK = 40
        #expect(wide.screen.contains("on: temp,top_k"))
        h.state.settings.parameters.doSample = true
        #expect(h.screen.contains("do_sample            on"))
    }

    /// A box's hints never lose half a key: those that do not fit go whole from the end, the last (Esc) stays.
    @Test func boxHintsDropWholeAndKeepEsc() {
        let hint = "Enter show  r re-run  p load  Space mark  = diff  e/J export  w/o save/open  Esc"
        let whole = Set(boxHintParts(hint).map(\.text))
        #expect(whole.count == 8)
        for width in [30, 45, 60, 80, 100] {
            var buffer = CellBuffer(width: width, height: 3)
            drawBox(&buffer, Rect(x: 0, y: 0, width: width, height: 3), title: "History: 2 runs", focused: true, right: hint)
            let top = buffer.rowText(0)
            #expect(top.contains(" Esc "), "\(width): \(top)")
            let shown = top.split(separator: "─", omittingEmptySubsequences: true).last.map(String.init) ?? ""
            for piece in boxHintParts(shown.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "┐", with: "")) {
                #expect(whole.contains(piece.text), "\(width): a cut hint \(piece.text)")
            }
        }
        #expect(boxHintParts("read-only · Esc").map(\.text) == ["read-only", "Esc"])
    }
}
