import Foundation
import GenerationCore

func drawPrompt(_ buffer: inout CellBuffer, _ state: AppState, _ rect: Rect) {
    let focused = state.focus == .prompt
    let editor = state.editor
    let info = "\(editor.lines.count) line\(editor.lines.count == 1 ? "" : "s")"
    let (right, over) = promptTitleRight(state, info: info, room: rect.width - DisplayWidth.of("Prompt") - 9)
    drawBox(&buffer, rect, title: "Prompt", focused: focused, right: right, rightRole: over ? .error : .dim)
    let area = rect.inner
    guard area.width > 0, area.height > 0 else { return }
    if editor.isEmpty && !focused {
        buffer.put("Type a prompt here; Ctrl-R runs it", x: area.x, y: area.y, role: .placeholder, limit: area.maxX)
    } else if editor.isEmpty {
        buffer.put("Type a prompt; Ctrl-R runs it", x: area.x + 1, y: area.y, role: .placeholder, limit: area.maxX)
    }
    drawEditorText(&buffer, editor, area: area, cursor: focused)
}

/// The prompt title's right side: the context meter's longest wording that fits `room` cells (with the line
/// count when it fits too), so a number is never cut; the line count alone when there is no count.
func promptTitleRight(_ state: AppState, info: String, room: Int) -> (String, Bool) {
    let p = state.runSettings.parameters
    let meter = state.contextMeter.titles(truncate: p.truncate.map { Int(clamping: $0) },
                                          canTruncate: state.refusal(of: .truncate) == nil,
                                          maxNewTokens: Int(p.maxNewTokens ?? 0))
    // A backend that cannot count says so, and why when it fits, where the number would be.
    let reason = state.contextMeter.count == nil ? state.contextMeter.unavailable.map { $0.split(whereSeparator: \.isNewline).joined(separator: " ") } : nil
    let candidates = meter.texts.prefix(1).map { "\($0) · \(info)" } + meter.texts
        + (reason.map { ["no token count: \($0) · \(info)", "no token count · \(info)", "no count"] } ?? [])
    if let fit = candidates.first(where: { DisplayWidth.of($0) <= room }) { return (fit, meter.over) }
    return (info, false)
}

/// A text editor's visible rows in `area`, with the cursor block when `cursor` (shared by the prompt and the
/// grammar editor). The editor's wrap width is set by `update`; a view at another size wraps a copy.
func drawEditorText(_ buffer: inout CellBuffer, _ editor: TextEditor, area: Rect, cursor: Bool) {
    var e = editor
    if e.wrapWidth != area.width || e.pageHeight != area.height {
        e.wrapWidth = area.width
        e.pageHeight = area.height
        e.ensureCursorVisible()
    }
    var y = area.y
    var line = e.scrollLine
    var row = e.scrollRow
    while y < area.maxY && line < e.lines.count {
        let starts = e.wrapStarts(of: line)
        let chars = e.lines[line]
        while row < starts.count && y < area.maxY {
            let end = row + 1 < starts.count ? starts[row + 1] : chars.count
            var x = area.x
            var i = starts[row]
            while i < end {
                x = chars[i] == "\t"
                    ? buffer.put(TextEditor.tabMark, x: x, y: y, role: .whitespace, limit: area.maxX)
                    : buffer.put(chars[i], x: x, y: y, role: .editorText, limit: area.maxX)
                i += 1
            }
            row += 1
            y += 1
        }
        line += 1
        row = 0
    }
    if cursor {
        let (cy, cx) = e.cursorScreenPosition()
        if cy >= 0 && cy < area.height && cx <= area.width {
            let x = min(area.x + cx, area.maxX - 1)
            let w = max(1, Int(buffer[x, area.y + cy].width))
            buffer.paint(x: x, y: area.y + cy, count: w, role: .editorCursor)
        }
    }
}
