import Testing
@testable import Playground

@Suite("CellBuffer and widths")
struct CellBufferTests {
    @Test func widthsFollowWcwidth() {
        #expect(DisplayWidth.of("a") == 1)
        #expect(DisplayWidth.of("中") == 2)
        #expect(DisplayWidth.of("😀") == 2)
        #expect(DisplayWidth.of("❤️") == 2)
        #expect(DisplayWidth.of("é") == 1)
        #expect(DisplayWidth.of("e\u{301}") == 1)
        #expect(DisplayWidth.of("👍🏽") == 2)
        #expect(DisplayWidth.of("日本語") == 6)
    }

    @Test func wideCharactersTakeTwoCells() {
        var b = CellBuffer(width: 6, height: 1)
        let end = b.put("a中b", x: 0, y: 0, role: .normal)
        #expect(end == 4)
        #expect(b[1, 0].text == "中" && b[1, 0].width == 2)
        #expect(b[2, 0].width == 0)
        #expect(b.rowText(0) == "a中b  ")
    }

    @Test func wideCharacterAtTheMarginBecomesABlank() {
        var b = CellBuffer(width: 3, height: 1)
        b.put("ab中", x: 0, y: 0, role: .normal)
        #expect(b.rowText(0) == "ab ")
    }

    @Test func overwritingHalfAWideCharacterClearsTheOtherHalf() {
        var b = CellBuffer(width: 4, height: 1)
        b.put("中中", x: 0, y: 0, role: .normal)
        b.put("x", x: 1, y: 0, role: .normal)
        #expect(b.rowText(0) == " x中")
    }

    @Test func writesOutsideAreClipped() {
        var b = CellBuffer(width: 2, height: 1)
        b.put("hello", x: 1, y: 0, role: .normal)
        b.put("x", x: 5, y: 3, role: .normal)
        #expect(b.rowText(0) == " h")
    }
}
