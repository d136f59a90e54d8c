/// The prompt editor's model: lines of graphemes, a cursor, soft-wrap geometry and undo/redo.
///
/// Lines are arrays of `Character` so cursor moves, wide characters and emoji are grapheme-exact; every edit
/// touches one or two lines, so a 1 MB paste costs one pass over the pasted text, not a rebuild of the buffer.
/// Undo snapshots are taken per edit group (a run of typing coalesces), and the line array is copy-on-write.
public struct TextEditor: Sendable {
    public struct Position: Equatable, Sendable, Comparable {
        public var line: Int
        public var column: Int
        public init(line: Int, column: Int) {
            self.line = line
            self.column = column
        }
        public static func < (a: Position, b: Position) -> Bool {
            a.line != b.line ? a.line < b.line : a.column < b.column
        }
    }

    struct Snapshot: Sendable {
        var lines: [[Character]]
        var cursor: Position
    }

    enum EditKind: Equatable { case typing, deleting, other }

    public private(set) var lines: [[Character]] = [[]]
    public private(set) var cursor = Position(line: 0, column: 0)
    /// Width of the text area in columns; set by the layout so moves follow soft-wrapped rows.
    public var wrapWidth = 40
    /// Height of the text area in rows (for PgUp/PgDn and scrolling).
    public var pageHeight = 10
    /// The first visible visual row: a line and a wrapped row inside it.
    public private(set) var scrollLine = 0
    public private(set) var scrollRow = 0
    /// Counts changes to the text (edits, undo, redo, `setText`): what depends on the text (the prompt's
    /// perplexity) can tell it went stale without comparing a prompt of a megabyte on every frame.
    public private(set) var revision = 0
    var undoStack: [Snapshot] = []
    var redoStack: [Snapshot] = []
    var lastEdit: EditKind?
    /// The display column Up/Down try to keep.
    var goalX: Int?
    static let undoLimit = 500

    public init(text: String = "") {
        if !text.isEmpty { setText(text) }
    }

    /// The whole prompt as one string (lines joined with "\n").
    public var text: String {
        var s = ""
        s.reserveCapacity(lines.reduce(0) { $0 + $1.count + 1 })
        for (i, line) in lines.enumerated() {
            if i > 0 { s.append("\n") }
            s.append(contentsOf: line)
        }
        return s
    }

    public var isEmpty: Bool { lines.count == 1 && lines[0].isEmpty }
    public var canUndo: Bool { !undoStack.isEmpty }
    public var canRedo: Bool { !redoStack.isEmpty }

    /// Replaces the text (restoring a session); clears history, cursor at the end.
    public mutating func setText(_ text: String) {
        lines = Self.split(text)
        revision &+= 1
        cursor = Position(line: lines.count - 1, column: lines[lines.count - 1].count)
        undoStack = []
        redoStack = []
        lastEdit = nil
        scrollLine = 0
        scrollRow = 0
        ensureCursorVisible()
    }

    static func split(_ text: String) -> [[Character]] {
        var result: [[Character]] = []
        var current: [Character] = []
        for c in text {
            if c == "\n" || c == "\r\n" || c == "\r" {
                result.append(current)
                current = []
            } else {
                current.append(c)
            }
        }
        result.append(current)
        return result
    }

    // MARK: - Edits

    mutating func record(_ kind: EditKind) {
        if kind == .other || kind != lastEdit {
            undoStack.append(Snapshot(lines: lines, cursor: cursor))
            if undoStack.count > Self.undoLimit { undoStack.removeFirst(undoStack.count - Self.undoLimit) }
        }
        redoStack.removeAll()
        revision &+= 1
        lastEdit = kind
        goalX = nil
    }

    /// Inserts text at the cursor: one typed grapheme or a whole paste (one undo step either way).
    public mutating func insert(_ text: String) {
        guard !text.isEmpty else { return }
        let isTyping = text.count == 1 && text != "\n" && text != " "
        record(isTyping ? .typing : .other)
        let pieces = Self.split(text)
        if pieces.count == 1 {
            lines[cursor.line].insert(contentsOf: pieces[0], at: cursor.column)
            cursor.column += pieces[0].count
        } else {
            let tail = Array(lines[cursor.line][cursor.column...])
            lines[cursor.line].removeSubrange(cursor.column...)
            let head = lines[cursor.line]
            var newLines: [[Character]] = []
            newLines.reserveCapacity(pieces.count)
            newLines.append(head + pieces[0])
            newLines.append(contentsOf: pieces[1..<(pieces.count - 1)])
            let lastPiece = pieces[pieces.count - 1]
            newLines.append(lastPiece + tail)
            lines.replaceSubrange(cursor.line...cursor.line, with: newLines)
            cursor = Position(line: cursor.line + pieces.count - 1, column: lastPiece.count)
        }
        ensureCursorVisible()
    }

    public mutating func newline() { insert("\n") }

    /// Deletes the grapheme before the cursor (joining lines at a line start).
    public mutating func backspace() {
        if cursor.column > 0 {
            record(.deleting)
            lines[cursor.line].remove(at: cursor.column - 1)
            cursor.column -= 1
        } else if cursor.line > 0 {
            record(.other)
            let line = lines.remove(at: cursor.line)
            cursor.line -= 1
            cursor.column = lines[cursor.line].count
            lines[cursor.line].append(contentsOf: line)
        }
        ensureCursorVisible()
    }

    /// Deletes the grapheme under the cursor (joining the next line at a line end).
    public mutating func deleteForward() {
        if cursor.column < lines[cursor.line].count {
            record(.deleting)
            lines[cursor.line].remove(at: cursor.column)
        } else if cursor.line + 1 < lines.count {
            record(.other)
            let next = lines.remove(at: cursor.line + 1)
            lines[cursor.line].append(contentsOf: next)
        }
        ensureCursorVisible()
    }

    /// Ctrl-K: kill to the end of the line; at the end, join the next line.
    public mutating func killToEnd() {
        if cursor.column == lines[cursor.line].count { deleteForward(); return }
        record(.other)
        lines[cursor.line].removeSubrange(cursor.column...)
        ensureCursorVisible()
    }

    /// Ctrl-U: kill to the start of the line.
    public mutating func killToStart() {
        guard cursor.column > 0 else { return }
        record(.other)
        lines[cursor.line].removeSubrange(..<cursor.column)
        cursor.column = 0
        ensureCursorVisible()
    }

    /// Ctrl-W: delete the word before the cursor.
    public mutating func deleteWordBackward() {
        guard cursor.column > 0 else { backspace(); return }
        let start = wordStart(before: cursor.column, in: lines[cursor.line])
        record(.other)
        lines[cursor.line].removeSubrange(start..<cursor.column)
        cursor.column = start
        ensureCursorVisible()
    }

    public mutating func undo() {
        guard let snap = undoStack.popLast() else { return }
        revision &+= 1
        redoStack.append(Snapshot(lines: lines, cursor: cursor))
        lines = snap.lines
        cursor = snap.cursor
        lastEdit = nil
        ensureCursorVisible()
    }

    public mutating func redo() {
        guard let snap = redoStack.popLast() else { return }
        revision &+= 1
        undoStack.append(Snapshot(lines: lines, cursor: cursor))
        lines = snap.lines
        cursor = snap.cursor
        lastEdit = nil
        ensureCursorVisible()
    }

    // MARK: - Moves

    mutating func moved() {
        lastEdit = nil
        ensureCursorVisible()
    }

    public mutating func moveLeft() {
        if cursor.column > 0 { cursor.column -= 1 } else if cursor.line > 0 {
            cursor.line -= 1
            cursor.column = lines[cursor.line].count
        }
        goalX = nil
        moved()
    }

    public mutating func moveRight() {
        if cursor.column < lines[cursor.line].count { cursor.column += 1 } else if cursor.line + 1 < lines.count {
            cursor.line += 1
            cursor.column = 0
        }
        goalX = nil
        moved()
    }

    public mutating func moveHome() { cursor.column = 0; goalX = nil; moved() }
    public mutating func moveEnd() { cursor.column = lines[cursor.line].count; goalX = nil; moved() }
    public mutating func moveDocumentStart() { cursor = Position(line: 0, column: 0); goalX = nil; moved() }
    public mutating func moveDocumentEnd() {
        cursor = Position(line: lines.count - 1, column: lines[lines.count - 1].count)
        goalX = nil
        moved()
    }

    static func isWordCharacter(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" }

    func wordStart(before column: Int, in line: [Character]) -> Int {
        var i = column
        while i > 0 && !Self.isWordCharacter(line[i - 1]) { i -= 1 }
        while i > 0 && Self.isWordCharacter(line[i - 1]) { i -= 1 }
        return i
    }

    public mutating func moveWordLeft() {
        if cursor.column == 0 { moveLeft(); return }
        cursor.column = wordStart(before: cursor.column, in: lines[cursor.line])
        goalX = nil
        moved()
    }

    public mutating func moveWordRight() {
        let line = lines[cursor.line]
        if cursor.column == line.count { moveRight(); return }
        var i = cursor.column
        while i < line.count && !Self.isWordCharacter(line[i]) { i += 1 }
        while i < line.count && Self.isWordCharacter(line[i]) { i += 1 }
        cursor.column = i
        goalX = nil
        moved()
    }

    /// Up/Down follow soft-wrapped rows, keeping the display column.
    public mutating func moveVertically(_ delta: Int) {
        var remaining = abs(delta)
        let rowsHere = wrapStarts(of: cursor.line)
        var row = Self.row(of: cursor.column, in: rowsHere)
        let x = goalX ?? columnX(line: cursor.line, rowStart: rowsHere[row], column: cursor.column)
        var line = cursor.line
        var rows = rowsHere
        while remaining > 0 {
            if delta < 0 {
                if row > 0 { row -= 1 } else if line > 0 {
                    line -= 1
                    rows = wrapStarts(of: line)
                    row = rows.count - 1
                } else { break }
            } else {
                if row + 1 < rows.count { row += 1 } else if line + 1 < lines.count {
                    line += 1
                    rows = wrapStarts(of: line)
                    row = 0
                } else { break }
            }
            remaining -= 1
        }
        let rowEnd = row + 1 < rows.count ? rows[row + 1] : lines[line].count
        var column = rows[row], cx = 0
        while column < rowEnd {
            let w = Self.cellWidth(lines[line][column])
            if cx + w > x { break }
            cx += w
            column += 1
        }
        // On a wrapped row (not the last), the position after the last grapheme is the next row's start.
        if column == rowEnd && row + 1 < rows.count && column > rows[row] { column -= 1 }
        cursor = Position(line: line, column: column)
        goalX = x
        lastEdit = nil
        ensureCursorVisible()
    }

    public mutating func pageUp() { moveVertically(-max(1, pageHeight - 1)) }
    public mutating func pageDown() { moveVertically(max(1, pageHeight - 1)) }

    // MARK: - Soft wrap

    /// The cells a character takes in the editor: a tab takes one (drawn as `tabMark`, so it is visible and the
    /// cursor can stand on it; a terminal would otherwise drop it as a control), the rest their display width.
    static func cellWidth(_ c: Character) -> Int { c == "\t" ? 1 : DisplayWidth.of(c) }

    /// How a tab is drawn in the editor (the text keeps the tab).
    static let tabMark: Character = "→"

    /// Grapheme indexes at which the visual rows of `line` start (always at least `[0]`).
    public func wrapStarts(of line: Int) -> [Int] {
        let chars = lines[line]
        let width = max(1, wrapWidth)
        var starts = [0]
        var x = 0
        for (i, c) in chars.enumerated() {
            let w = Self.cellWidth(c)
            if x + w > width && x > 0 {
                starts.append(i)
                x = 0
            }
            x += w
        }
        // A cursor after a full last row needs a row of its own.
        if x >= width && !chars.isEmpty { starts.append(chars.count) }
        return starts
    }

    static func row(of column: Int, in starts: [Int]) -> Int {
        var row = 0
        while row + 1 < starts.count && starts[row + 1] <= column { row += 1 }
        return row
    }

    func columnX(line: Int, rowStart: Int, column: Int) -> Int {
        var x = 0
        for i in rowStart..<column { x += Self.cellWidth(lines[line][i]) }
        return x
    }

    /// The cursor's visual row relative to the scroll top and its x on that row.
    public func cursorScreenPosition() -> (row: Int, x: Int) {
        let starts = wrapStarts(of: cursor.line)
        let row = Self.row(of: cursor.column, in: starts)
        var visual = 0
        if cursor.line == scrollLine {
            visual = row - scrollRow
        } else if cursor.line > scrollLine {
            visual = wrapStarts(of: scrollLine).count - scrollRow
            var l = scrollLine + 1
            while l < cursor.line && visual <= pageHeight { visual += wrapStarts(of: l).count; l += 1 }
            visual += row
        } else {
            visual = -1
        }
        return (visual, columnX(line: cursor.line, rowStart: starts[row], column: cursor.column))
    }

    /// Moves the scroll position so the cursor's row is on screen (only lines near the cursor are measured).
    public mutating func ensureCursorVisible() {
        let starts = wrapStarts(of: cursor.line)
        let row = Self.row(of: cursor.column, in: starts)
        if cursor.line < scrollLine || (cursor.line == scrollLine && row < scrollRow) {
            scrollLine = cursor.line
            scrollRow = row
            return
        }
        // Walk back from the cursor row pageHeight-1 rows; if the scroll top is above that, move it down.
        var budget = max(1, pageHeight) - 1
        var line = cursor.line
        var r = row
        while budget > 0 {
            if line == scrollLine && r == scrollRow { return }
            if r > 0 { r -= 1 } else if line > 0 {
                line -= 1
                r = wrapStarts(of: line).count - 1
            } else { break }
            budget -= 1
        }
        if line > scrollLine || (line == scrollLine && r > scrollRow) {
            scrollLine = line
            scrollRow = r
        }
    }
}
