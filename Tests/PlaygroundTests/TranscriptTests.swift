import Foundation
import GenerationCore
import Testing
@testable import Playground

@Suite("Output transcript")
struct TranscriptTests {
    static func tokens(_ n: Int) -> [OutputToken] {
        (0..<n).map { i in
            let text = i % 17 == 16 ? "\n" : i % 13 == 0 ? " 日本語" : i % 7 == 0 ? "  " : " w\(i)"
            return OutputToken(token: Token(id: UInt32(i), text: text, logprob: -Double(i % 5) * 0.3, special: i % 29 == 28))
        }
    }

    @Test func incrementalLayoutEqualsAFullRelayout() {
        var incremental = Transcript(width: 23)
        for t in Self.tokens(2000) { incremental.append(t) }
        var full = incremental
        full.relayout(width: 40)
        full.relayout(width: 23)
        #expect(incremental.rows == full.rows)
        #expect(incremental.tokenRow == full.tokenRow)
    }

    static func rowTexts(_ t: Transcript) -> [String] {
        (0..<t.rows.count).map { r in
            var line = ""
            t.forEachGlyph(onRow: r) { glyph, _, _ in line.append(glyph.character) }
            return line
        }
    }

    static func laidOut(_ texts: [String], width: Int) -> Transcript {
        var t = Transcript(width: width)
        for (i, text) in texts.enumerated() {
            t.append(OutputToken(token: Token(id: UInt32(i), text: text, logprob: -0.1, special: false)))
        }
        return t
    }

    /// Output wraps at word boundaries: a word that does not fit the row moves whole to the next one, even when
    /// it is made of several tokens; a word wider than the row still breaks where it overflows.
    @Test func wrapsAtWordBoundaries() {
        let t = Self.laidOut(["Hello", " wor", "ld", " again", " and", " again"], width: 10)
        #expect(Self.rowTexts(t) == ["Hello ", "world ", "again and ", "again"])
        #expect(t.tokenRow == [0, 0, 1, 1, 2, 2], "\(t.tokenRow)")
        #expect(t.token(atRow: 1, x: 0) == 1, "the moved \"wor\" is hit on its new row")
        #expect(t.token(atRow: 1, x: 3) == 2)
        let long = Self.laidOut(["a", " abcdefghijklmnop", "q"], width: 8)
        #expect(Self.rowTexts(long) == ["a ", "abcdefgh", "ijklmnop", "q"])
        let moved = Self.laidOut(["one two", " three"], width: 9)
        #expect(Self.rowTexts(moved) == ["one two ", "three"])
        #expect(moved.tokenRow == [0, 0])
        let whole = Self.laidOut(["ab ", "cdefgh", "ij"], width: 8)
        #expect(Self.rowTexts(whole) == ["ab ", "cdefghij"])
        #expect(whole.tokenRow == [0, 1, 1], "a token that begins the moved word begins on the new row")
        let hanging = Self.laidOut(["abcd", " efg"], width: 4)
        #expect(Self.rowTexts(hanging) == ["abcd ", "efg"], "the space hangs past the end instead of starting a row")
        #expect(hanging.tokenRow == [0, 0])
        var resized = t
        resized.relayout(width: 40)
        resized.relayout(width: 10)
        #expect(resized.rows == t.rows && resized.tokenRow == t.tokenRow)
    }

    @Test func appendingTouchesOnlyTheLastRows() {
        var t = Transcript(width: 30)
        for token in Self.tokens(5000) { t.append(token) }
        let before = t.rows
        t.append(OutputToken(token: Token(id: 1, text: " more", logprob: -0.1, special: false)))
        #expect(Array(t.rows.prefix(before.count)) == before)
        #expect(t.rows.count - before.count <= 1)
    }

    @Test func kindsAreDistinguished() {
        #expect(OutputToken(token: Token(id: 1, text: "<eos>", logprob: nil, special: true)).kind == .special)
        #expect(OutputToken(token: Token(id: 2, text: "\n\n", logprob: -1, special: false)).kind == .whitespace)
        #expect(OutputToken(token: Token(id: 3, text: " hi", logprob: -1, special: false)).kind == .text)
        var t = Transcript(width: 20)
        t.append(OutputToken(token: Token(id: 2, text: "a\nb", logprob: -1, special: false)))
        #expect(t.rows.count == 2)
    }

    @Test func rankAmongAlternatives() {
        let chosen = Token(id: 5, text: "b", logprob: -1.5, special: false)
        let tops = [Token(id: 4, text: "a", logprob: -0.5, special: false), chosen]
        #expect(OutputToken(token: chosen, topTokens: tops).rank == 2)
        #expect(OutputToken(token: chosen, topTokens: [tops[0]]).rank == nil)
    }

    @Test func probabilityBuckets() {
        #expect(Role.probabilityRole(0.05) == .prob0)
        #expect(Role.probabilityRole(0.95) == .prob5)
        #expect(Role.probabilityRole(nil) == .prob0)
        #expect(Role.probabilityRole(0.5) == .prob3)
    }
}
