import Foundation
import GenerationCore

/// The grammar editor: the text, and under it the JSON problem (if any) and the keys.
func drawGrammarEditor(_ buffer: inout CellBuffer, _ grammar: GrammarEditor, _ rect: Rect) {
    buffer.fill(rect, role: .normal)
    let kind = grammar.kind?.rawValue ?? "regex or JSON"
    drawBox(&buffer, rect, title: "Grammar value (\(kind))", focused: true,
            right: "\(grammar.editor.lines.count) line\(grammar.editor.lines.count == 1 ? "" : "s")")
    let inner = rect.inner
    guard inner.height > 3, inner.width > 4 else { return }
    let text = Rect(x: inner.x, y: inner.y, width: inner.width, height: inner.height - 2)
    drawEditorText(&buffer, grammar.editor, area: text, cursor: true)
    if let problem = grammar.problem {
        buffer.put(problem, x: inner.x, y: inner.maxY - 2, role: .error, limit: inner.maxX)
    }
    buffer.put("Esc applies · Ctrl-G discards · paste works", x: inner.x, y: inner.maxY - 1, role: .dim, limit: inner.maxX)
}
