import GenerationCore

/// Chat mode's prompt pane: every message stacked, its role in a label column on its first row, the selected
/// message marked (`▶` and a highlighted label) and edited in place with the cursor.

/// Cells of the label column ("assistant" and a blank, with the selection mark before it).
let chatLabelWidth = 11

/// One visual row of the conversation: the message, its line, and the grapheme range of that line drawn.
struct ChatRow: Equatable, Sendable {
    var message: Int
    var line: Int
    var start: Int
    var end: Int
    /// The message's first row (where its label goes).
    var first: Bool
}

/// The conversation's rows at text width `width` (every message at least one row), and the row of the
/// selected message's cursor. `Layout` scrolls with it and the view draws with it, so they agree.
func chatRows(_ draft: ChatDraft, width: Int) -> (rows: [ChatRow], cursorRow: Int) {
    var rows: [ChatRow] = []
    var cursorRow = 0
    for (i, turn) in draft.turns.enumerated() {
        var e = turn.editor
        e.wrapWidth = max(1, width)
        for line in e.lines.indices {
            let starts = e.wrapStarts(of: line)
            if i == draft.selected && line == e.cursor.line {
                cursorRow = rows.count + TextEditor.row(of: e.cursor.column, in: starts)
            }
            for (r, start) in starts.enumerated() {
                let end = r + 1 < starts.count ? starts[r + 1] : e.lines[line].count
                rows.append(ChatRow(message: i, line: line, start: start, end: end, first: line == 0 && r == 0))
            }
        }
    }
    return (rows, cursorRow)
}

/// The first conversation row shown in a pane of `height` rows: the selected message's first row when the
/// cursor fits with it, else just enough to show the cursor.
func chatFirstRow(_ draft: ChatDraft, width: Int, height: Int) -> Int {
    let (rows, cursorRow) = chatRows(draft, width: width)
    let first = rows.firstIndex { $0.message == draft.selected } ?? 0
    let top = cursorRow - first < height ? first : cursorRow - height + 1
    return max(0, min(top, max(0, rows.count - height)))
}

func drawChatPrompt(_ buffer: inout CellBuffer, _ state: AppState, _ layout: Layout) {
    let rect = layout.prompt
    let focused = state.focus == .prompt
    let draft = state.chat
    let info = "msg \(draft.selected + 1)/\(draft.turns.count) · F4 text"
    drawBox(&buffer, rect, title: "Chat", focused: focused, right: info)
    let area = rect.inner
    guard area.width > chatLabelWidth + 1, area.height > 0 else { return }
    let textX = area.x + chatLabelWidth
    let width = area.width - chatLabelWidth
    let (rows, cursorRow) = chatRows(draft, width: width)
    let top = layout.chatTop
    for r in 0..<area.height {
        let index = top + r
        guard index < rows.count else { break }
        let row = rows[index]
        let y = area.y + r
        let turn = draft.turns[row.message]
        let selected = row.message == draft.selected
        if row.first {
            let mark = selected ? "▶" : " "
            buffer.put(mark + turn.role.rawValue, x: area.x, y: y, role: selected ? .titleFocus : .sidebarLabel,
                       limit: textX - 1)
        } else if selected {
            buffer.put("│", x: area.x, y: y, role: .titleFocus)
        }
        let chars = turn.editor.lines[row.line]
        if turn.editor.isEmpty && row.first {
            let hint = selected ? placeholder(for: turn.role) : "(empty)"
            buffer.put(hint, x: textX + (selected && focused ? 1 : 0), y: y, role: .placeholder, limit: area.maxX)
        }
        var x = textX
        var i = row.start
        while i < row.end {
            x = buffer.put(chars[i], x: x, y: y, role: .editorText, limit: area.maxX)
            i += 1
        }
        if selected && focused && index == cursorRow {
            let e = turn.editor
            let cx = e.columnX(line: row.line, rowStart: row.start, column: max(row.start, e.cursor.column))
            let cursorX = min(textX + cx, area.maxX - 1)
            let w = max(1, Int(buffer[cursorX, y].width))
            buffer.paint(x: cursorX, y: y, count: w, role: .editorCursor)
        }
    }
}

/// What an empty selected message invites.
func placeholder(for role: ChatMessage.Role) -> String {
    switch role {
    case .system: return "system prompt (optional) · Alt-N adds a message"
    case .user: return "user turn · Ctrl-R sends the chat"
    case .assistant: return "assistant turn (a reply to continue, or an example)"
    }
}
