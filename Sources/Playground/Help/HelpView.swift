/// A line of the help overlay: a section's heading or one of its keys.
enum HelpLine: Equatable {
    case title(String)
    case binding(KeyBinding)
}

/// `keyTable` packed top to bottom into columns of `rows` lines; a section that does not fit goes on in the next
/// column, and a heading never ends a column.
func helpColumns(rows: Int) -> [[HelpLine]] {
    var columns: [[HelpLine]] = [[]]
    func add(_ line: HelpLine) {
        if columns[columns.count - 1].count >= rows { columns.append([]) }
        columns[columns.count - 1].append(line)
    }
    for section in keyTable {
        if columns[columns.count - 1].count + 2 > rows, !columns[columns.count - 1].isEmpty { columns.append([]) }
        add(.title(section.title))
        for binding in section.bindings { add(.binding(binding)) }
    }
    return columns
}

/// The narrowest help column that keeps a key's short description whole: a blank, the key column (10 cells and a
/// blank) and the description (13 cells).
let helpMinimumColumnWidth = 26

/// How many columns fit side by side in `width`, and how many pages the help needs at this size.
func helpLayout(width: Int, height: Int) -> (columns: [[HelpLine]], perPage: Int) {
    let columns = helpColumns(rows: max(4, height - 2))
    let perPage = max(1, min(columns.count, (width - 2) / helpMinimumColumnWidth))
    return (columns, perPage)
}

func helpPageCount(width: Int, height: Int) -> Int {
    let (columns, perPage) = helpLayout(width: width, height: height)
    return (columns.count + perPage - 1) / perPage
}

/// Every key of `keyTable` (the README's key table), in as few columns as the height allows (80x24 shows all:
/// the box may cover the status bar, the whole height is the room). Where the columns do not fit side by side
/// with their descriptions whole (60x16), the help has pages, and its title says how to turn them.
func drawHelp(_ buffer: inout CellBuffer, width: Int, height: Int, page: Int = 0) {
    let (all, perPage) = helpLayout(width: width, height: height)
    let pages = (all.count + perPage - 1) / perPage
    let shown = min(max(0, page), pages - 1)
    let columns = Array(all[(shown * perPage)..<min(all.count, (shown + 1) * perPage)])
    let columnRows = columns.map(\.count).max() ?? 0
    let columnWidth = min(40, max(helpMinimumColumnWidth, (width - 2) / columns.count))
    let w = min(width - 2, columnWidth * columns.count + 2)
    let h = min(height, columnRows + 2)
    let rect = Rect(x: (width - w) / 2, y: (height - h) / 2, width: w, height: h)
    buffer.fill(rect, role: .help)
    let right = pages > 1 ? "\(shown + 1)/\(pages) PgDn PgUp · Esc" : "Esc closes"
    drawBox(&buffer, rect, title: "Keys", focused: true, right: right)
    let inner = rect.inner
    let colWidth = inner.width / columns.count
    for (c, lines) in columns.enumerated() {
        let x0 = inner.x + c * colWidth
        let limit = min(inner.maxX, x0 + colWidth)
        let kw = colWidth < 30 ? 12 : 16
        for (row, line) in lines.enumerated() {
            let y = inner.y + row
            guard y < inner.maxY else { break }
            switch line {
            case .title(let title):
                buffer.put(" " + title, x: x0, y: y, role: .popupTitle, limit: limit)
            case .binding(let key):
                buffer.put(" " + key.shortKeys, x: x0, y: y, role: .helpKey, limit: x0 + kw)
                buffer.put(key.shortDoes, x: x0 + kw, y: y, role: .help, limit: limit)
            }
        }
    }
}
