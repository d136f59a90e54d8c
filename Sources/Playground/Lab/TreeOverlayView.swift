import Foundation
import GenerationCore

/// The sampled token tree over the panes: one row per token prefix (depth-first, most frequent first), with
/// how many of the N samples went through it (and a bar of that share), the backend's probability of that token
/// after its parent, and the path's probability from the sampling point (the product along it), which can be
/// read against the count's share. The selected row's path is what Enter accepts.
func drawTree(_ buffer: inout CellBuffer, _ view: TreeView, _ area: Rect) {
    guard area.width > 30, area.height > 6 else { return }
    let rect = area
    buffer.fill(rect, role: .popup)
    let seed = view.tree?.seed.map { " · seed \($0)" } ?? ""
    drawBox(&buffer, rect, title: "Sample tree · \(view.samples) × \(view.depth) tokens\(seed)", focused: true,
            right: "↑↓ Enter accept  +- N  <> K  r  Esc")
    let inner = rect.inner
    var y = inner.y
    func text(_ s: String, role: Role) {
        guard y < inner.maxY else { return }
        buffer.put(s, x: inner.x, y: y, role: role, limit: inner.maxX)
        y += 1
    }
    let from = view.index == 0 ? "from the prompt's end" : "from token \(view.index + 1) (the output before it accepted)"
    if let error = view.error {
        text(" " + from, role: .dim)
        text(" cannot sample: " + error, role: .error)
        return
    }
    guard let tree = view.tree else {
        text(" " + from, role: .dim)
        text(" sampling \(view.samples) continuations of up to \(view.depth) tokens…", role: .dim)
        return
    }
    text(" \(from) · numbers: \(tree.probabilities.rawValue)", role: .dim)
    let statsWidth = 34
    let treeWidth = max(10, inner.width - statsWidth)
    let header = " tokens".padding(toLength: treeWidth, withPad: " ", startingAt: 0) + "count  " + "share   " + "       p" + "    path"
    text(header, role: .popupTitle)
    let rows = view.rows
    let height = max(1, inner.maxY - y)
    let top = min(max(0, view.selection - height + 1), max(0, rows.count - height))
    for (offset, row) in rows.dropFirst(top).prefix(height).enumerated() {
        let i = top + offset
        let selected = i == view.selection
        let base: Role = selected ? .popupSelected : .popup
        if selected { buffer.fill(Rect(x: inner.x, y: y, width: inner.width, height: 1), role: base) }
        var rails = " "
        for open in row.rails { rails += open ? "│ " : "  " }
        rails += row.last ? "└ " : "├ "
        var x = buffer.put(rails, x: inner.x, y: y, role: selected ? base : .dim, limit: inner.x + treeWidth)
        let tokenRole: Role = selected ? base : (row.node.token.special ? .special : Role.probabilityRole(row.node.token.probability))
        x = buffer.put(visible(row.node.token.text), x: x, y: y, role: tokenRole, limit: inner.x + treeWidth - 1)
        if row.node.ended > 0 {
            buffer.put(" ■\(row.node.ended)", x: x, y: y, role: selected ? base : .dim, limit: inner.x + treeWidth - 1)
        }
        var sx = inner.x + treeWidth
        sx = buffer.put(String(format: "%5d  ", row.node.count), x: sx, y: y, role: base, limit: inner.maxX)
        let share = Double(row.node.count) / Double(max(1, tree.samples))
        let cells = Int((share * 8).rounded())
        for c in 0..<8 { buffer.put(c < cells ? "█" : "·", x: sx + c, y: y, role: c < cells ? (selected ? base : .popupBar) : (selected ? base : .dim)) }
        sx += 8
        let p = row.node.token.probability.map { String(format: " %6.1f%%", $0 * 100) } ?? "       ?"
        let path = row.node.pathLogprob.map { String(format: " %6.2f%%", exp($0) * 100) } ?? "       ?"
        buffer.put(p + path, x: sx, y: y, role: base, limit: inner.maxX)
        y += 1
    }
}
