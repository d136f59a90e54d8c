import Testing
@testable import Playground

@Suite("Prompt editor")
struct EditorTests {
    func editor(_ text: String, width: Int = 10, height: Int = 4) -> TextEditor {
        var e = TextEditor()
        e.wrapWidth = width
        e.pageHeight = height
        e.insert(text)
        return e
    }

    @Test func insertsAndMovesByGrapheme() {
        var e = editor("a😀é中")
        #expect(e.cursor.column == 4)
        e.moveLeft()
        e.backspace()
        #expect(e.text == "a😀中")
        e.moveHome()
        e.deleteForward()
        #expect(e.text == "😀中")
        e.moveEnd()
        e.insert("\n")
        e.insert("next")
        #expect(e.lines.count == 2)
        e.moveVertically(-1)
        #expect(e.cursor.line == 0)
    }

    @Test func readlineKills() {
        var e = editor("hello brave new world")
        e.deleteWordBackward()
        #expect(e.text == "hello brave new ")
        e.moveWordLeft()
        e.moveWordLeft()
        #expect(e.cursor.column == 6)
        e.killToEnd()
        #expect(e.text == "hello ")
        e.killToStart()
        #expect(e.text == "")
    }

    @Test func wordJumps() {
        var e = editor("one two  three")
        e.moveHome()
        e.moveWordRight()
        #expect(e.cursor.column == 3)
        e.moveWordRight()
        #expect(e.cursor.column == 7)
        e.moveWordRight()
        #expect(e.cursor.column == 14)
        e.moveWordLeft()
        #expect(e.cursor.column == 9)
    }

    @Test func undoRedoGroupsTyping() {
        var e = editor("")
        for c in "abc" { e.insert(String(c)) }
        e.insert(" ")
        for c in "def" { e.insert(String(c)) }
        #expect(e.text == "abc def")
        e.undo()
        #expect(e.text == "abc ")
        e.undo()
        #expect(e.text == "abc")
        e.undo()
        #expect(e.text == "")
        e.redo()
        e.redo()
        #expect(e.text == "abc ")
        e.insert("x")
        #expect(!e.canRedo)
    }

    @Test func softWrapCountsWideCharactersAsTwoColumns() {
        let e = editor("中中中中中中", width: 5)
        // 2 wide glyphs per 5-column row.
        #expect(e.wrapStarts(of: 0) == [0, 2, 4])
        let ascii = editor("abcdefghij", width: 5)
        #expect(ascii.wrapStarts(of: 0) == [0, 5, 10])
    }

    @Test func upDownFollowWrappedRows() {
        var e = editor("abcdefghijklmnop", width: 5)
        e.moveHome()
        e.moveRight()
        e.moveVertically(1)
        #expect(e.cursor.column == 6)
        e.moveVertically(1)
        #expect(e.cursor.column == 11)
        e.moveVertically(-2)
        #expect(e.cursor.column == 1)
    }

    @Test func pageMovesAndScrollKeepTheCursorVisible() {
        var e = editor((0..<50).map { "line \($0)" }.joined(separator: "\n"), width: 20, height: 5)
        #expect(e.cursor.line == 49)
        #expect(e.scrollLine == 45)
        e.pageUp()
        #expect(e.cursor.line == 45)
        e.moveDocumentStart()
        #expect(e.scrollLine == 0)
        e.pageDown()
        #expect(e.cursor.line == 4)
        let (row, _) = e.cursorScreenPosition()
        #expect(row >= 0 && row < 5)
    }

    @Test func aOneMegabytePasteIsOneEditAndStaysEditable() {
        var e = editor("start ", width: 80, height: 20)
        let line = String(repeating: "token ", count: 16) + "日本\n"
        let paste = String(repeating: line, count: 1_048_576 / line.utf8.count)
        e.insert(paste)
        #expect(e.lines.count == 1_048_576 / line.utf8.count + 1)
        for c in "typed" { e.insert(String(c)) }
        #expect(e.lines[e.cursor.line] == Array("typed"))
        e.undo()
        e.undo()
        #expect(e.text == "start ")
    }

    @Test func aOneMegabyteSingleLinePasteWraps() {
        var e = editor("", width: 100, height: 20)
        e.insert(String(repeating: "x", count: 1 << 20))
        #expect(e.wrapStarts(of: 0).count == (1 << 20) / 100 + 1)
        e.insert("!")
        #expect(e.cursorScreenPosition().row == 19)
    }
}

/// A tab in the prompt is visible (a terminal drops it as a control): drawn as one `→` cell, the text keeping the
/// tab, and the cursor moves over it as over any character.
@Suite("Visible tabs")
struct VisibleTabTests {
    @Test func aTabIsDrawnAndTheCursorStandsOnIt() {
        var h = Harness(width: 80, height: 24)
        h.send(.paste("a\tb"))
        #expect(h.state.editor.text == "a\tb")
        let row = h.screen.rowText(1)
        #expect(row.contains("│a→b"), "\(row)")
        #expect(Self.role(of: "→", in: h.screen) == .whitespace)
        h.keys(.left, .left)
        #expect(h.state.editor.cursorScreenPosition().1 == 1, "the cursor on the tab's cell")
    }

    static func role(of text: Character, in screen: CellBuffer) -> Role? {
        for y in 0..<screen.height {
            for (x, c) in screen.rowText(y).enumerated() where c == text { return screen[x, y].role }
        }
        return nil
    }
}
