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

/// Every key of `keyTable` (the README's key table), in as few columns as the height allows (80x24 shows all:
/// the box may cover the status bar, the whole height is the room).
func drawHelp(_ buffer: inout CellBuffer, width: Int, height: Int) {
    let room = max(4, height - 2)
    let columns = helpColumns(rows: room)
    let columnRows = columns.map(\.count).max() ?? 0
    let columnWidth = min(40, max(20, (width - 2) / columns.count))
    let w = min(width - 2, columnWidth * columns.count + 2)
    let h = min(height, columnRows + 2)
    let rect = Rect(x: (width - w) / 2, y: (height - h) / 2, width: w, height: h)
    buffer.fill(rect, role: .help)
    drawBox(&buffer, rect, title: "Keys", focused: true, right: "Esc closes")
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
