/// One terminal cell: a grapheme, its width in columns, and the role it is painted with. A wide grapheme
/// occupies its cell and a following continuation cell (`width == 0`, empty text), as terminals draw it.
public struct Cell: Equatable, Sendable {
    public var text: String
    public var width: UInt8
    public var role: Role

    public init(text: String = " ", width: UInt8 = 1, role: Role = .normal) {
        self.text = text
        self.width = width
        self.role = role
    }

    public static let blank = Cell()
    /// The right half of a wide grapheme.
    public static func continuation(_ role: Role) -> Cell { Cell(text: "", width: 0, role: role) }
}

/// A screen as data: `view` returns one, the runtime diffs two and blits only what changed, tests compare
/// them to snapshot files. Writes outside the buffer are clipped, never trapped.
public struct CellBuffer: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]

    public init(width: Int, height: Int, fill: Cell = .blank) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: fill, count: self.width * self.height)
    }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
        set { cells[y * width + x] = newValue }
    }

    /// Fills a rectangle with blanks of `role`.
    public mutating func fill(_ rect: Rect, role: Role) {
        let r = rect.clipped(width: width, height: height)
        guard r.width > 0, r.height > 0 else { return }
        let cell = Cell(text: " ", width: 1, role: role)
        for y in r.y..<(r.y + r.height) {
            let base = y * width
            for x in r.x..<(r.x + r.width) { cells[base + x] = cell }
        }
    }

    /// Writes one grapheme at (x, y) if it fits before `limit` (exclusive column); returns the next column.
    /// A wide grapheme that would straddle the limit is replaced by a blank, as terminals do at the margin.
    @discardableResult
    public mutating func put(_ character: Character, x: Int, y: Int, role: Role, limit: Int? = nil) -> Int {
        let w = DisplayWidth.of(character)
        return put(character, width: w, x: x, y: y, role: role, limit: limit)
    }

    /// As `put(_:x:y:role:limit:)` with the width already known (hot paths measure once).
    @discardableResult
    public mutating func put(_ character: Character, width w: Int, x: Int, y: Int, role: Role, limit: Int? = nil) -> Int {
        let end = min(limit ?? width, width)
        guard y >= 0, y < height, x >= 0, x < end else { return x + max(w, 0) }
        if w == 0 {
            // Combining marks are folded into the previous cell when there is one; controls are dropped.
            if x > 0, character.unicodeScalars.first.map({ $0.value >= 0x300 }) == true {
                cells[y * width + x - 1].text.append(character)
            }
            return x
        }
        if w == 2 && x + 1 >= end {
            cells[y * width + x] = Cell(text: " ", width: 1, role: role)
            return x + 1
        }
        clearOverlap(x: x, y: y)
        cells[y * width + x] = Cell(text: String(character), width: UInt8(w), role: role)
        if w == 2 {
            clearOverlap(x: x + 1, y: y)
            cells[y * width + x + 1] = .continuation(role)
        }
        return x + w
    }

    /// Writes a string from (x, y), clipped at `limit`; returns the next column.
    @discardableResult
    public mutating func put(_ text: some StringProtocol, x: Int, y: Int, role: Role, limit: Int? = nil) -> Int {
        var col = x
        let end = min(limit ?? width, width)
        for c in text {
            if col >= end { break }
            col = put(c, x: col, y: y, role: role, limit: end)
        }
        return col
    }

    /// Changes the role of cells in a row range without touching their text (cursor highlights).
    public mutating func paint(x: Int, y: Int, count: Int, role: Role) {
        guard y >= 0, y < height else { return }
        for cx in max(0, x)..<min(width, x + count) { cells[y * width + cx].role = role }
    }

    /// Overwriting half of a wide grapheme blanks its other half so no stray half-glyph stays on screen.
    private mutating func clearOverlap(x: Int, y: Int) {
        let i = y * width + x
        let old = cells[i]
        if old.width == 2, x + 1 < width { cells[i + 1] = Cell(text: " ", width: 1, role: old.role) }
        if old.width == 0, x > 0 { cells[i - 1] = Cell(text: " ", width: 1, role: cells[i - 1].role) }
    }

    /// The text of row `y` as the terminal shows it (continuation cells contribute nothing).
    public func rowText(_ y: Int) -> String {
        var s = ""
        for x in 0..<width { s += cells[y * width + x].text }
        return s
    }

    /// The whole screen as text, one line per row, trailing spaces kept so columns line up in snapshots.
    public var plainText: String {
        (0..<height).map(rowText).joined(separator: "\n")
    }

    /// One code character per column (see `Role.code`), a continuation cell repeating its grapheme's code.
    public var roleMap: String {
        (0..<height).map { y in
            String((0..<width).map { x in cells[y * width + x].role.code })
        }.joined(separator: "\n")
    }

    /// True when `text` appears on some row.
    public func contains(_ text: String) -> Bool {
        (0..<height).contains { rowText($0).contains(text) }
    }
}

/// A rectangle of cells.
public struct Rect: Equatable, Sendable {
    public var x: Int, y: Int, width: Int, height: Int
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = max(0, width)
        self.height = max(0, height)
    }
    public var maxX: Int { x + width }
    public var maxY: Int { y + height }
    public func contains(x px: Int, y py: Int) -> Bool { px >= x && px < maxX && py >= y && py < maxY }
    func clipped(width w: Int, height h: Int) -> Rect {
        let x0 = max(0, x), y0 = max(0, y)
        return Rect(x: x0, y: y0, width: min(maxX, w) - x0, height: min(maxY, h) - y0)
    }
    /// The rectangle shrunk by one cell on every side (inside a border).
    public var inner: Rect { Rect(x: x + 1, y: y + 1, width: width - 2, height: height - 2) }
}

extension CellBuffer: CustomStringConvertible {
    /// Short, so a failed test expectation does not print every cell.
    public var description: String { "CellBuffer(\(width)x\(height))" }
}
