import Foundation
import GenerationCore

/// The tree view (`t` in the output): every tree of the loom, newest first, each root followed by its branches
/// and continuations indented under the node they grew from.
public struct LoomView: Sendable, Equatable {
    /// The selected row of `rows`.
    public var selection = 0
}

/// One row of the tree view: a node of a loom entry's tree at its depth.
struct LoomRow: Equatable {
    var entry: Int
    var node: BranchTree.NodeID
    var depth: Int
}

/// The tree view's rows: entries newest first, each tree depth first.
func loomRows(_ loom: Loom) -> [LoomRow] {
    loom.entries.reversed().flatMap { entry in
        entry.tree.depthFirst().map { LoomRow(entry: entry.id, node: $0.id, depth: $0.depth) }
    }
}

/// A row's text: the tree's number and «name» on a root, where a branch starts (its first token's position) on
/// the others, then the node's first words (quoted, whitespace visible), the mean probability of its tokens, its
/// token count, and the run that made it with its sampling parameters.
func loomLine(_ state: AppState, _ row: LoomRow) -> String {
    guard let entry = state.loom.current.entry(row.entry), let node = try? entry.tree.node(row.node) else { return "" }
    var parts: [String] = []
    let indent = String(repeating: "  ", count: row.depth)
    if row.depth == 0 {
        parts.append("#\(entry.id)" + (entry.name.map { " «\($0)»" } ?? ""))
    } else {
        parts.append(indent + "└ at \(node.start + 1)")
    }
    let words = entry.tree.firstWords(of: row.node).replacingOccurrences(of: "\n", with: "↵")
    parts.append(words.isEmpty ? "(empty)" : visible(words))
    if let p = entry.tree.meanProbability(of: row.node) { parts.append(String(format: "mean p %.0f%%", p * 100)) }
    parts.append("\(node.tokens.count) tok")
    let run = node.runID.flatMap { id in state.history.first { $0.id == id } }
    if let run {
        let p = run.request.parameters ?? GenerateParameters()
        var knobs: [String] = ["run #\(run.id)"]
        if let set = run.setName ?? run.origin?.set { knobs.append("set \(set)") }
        if let t = p.temperature { knobs.append("t=\(ParameterField.format(t))") }
        if let k = p.topK { knobs.append("k=\(k)") }
        if let v = p.topP { knobs.append("p=\(ParameterField.format(v))") }
        if let seed = run.seed { knobs.append("seed \(seed)") }
        parts.append(knobs.joined(separator: " "))
    }
    if row.entry == state.shownTree, state.branches?.current.node ?? BranchTree.rootID == row.node, state.shownRun == nil {
        parts.append("◀ shown")
    }
    return parts.joined(separator: "  ")
}

/// Draws the tree view over the panes (`rect`).
func drawLoom(_ buffer: inout CellBuffer, _ state: AppState, _ view: LoomView, _ rect: Rect) {
    buffer.fill(rect, role: .popup)
    let count = state.loom.current.entries.count
    drawBox(&buffer, rect, title: "Trees: \(count)", focused: true,
            right: "Enter show  r rename  d delete  u/C-Y undo/redo  Esc")
    let inner = rect.inner
    let rows = loomRows(state.loom.current)
    guard inner.height > 0 else { return }
    guard !rows.isEmpty else {
        buffer.put("no trees yet: every run of the prompt starts one", x: inner.x, y: inner.y, role: .placeholder,
                   limit: inner.maxX)
        return
    }
    let selected = min(max(0, view.selection), rows.count - 1)
    let top = max(0, selected - inner.height + 1)
    for line in 0..<inner.height {
        let index = top + line
        guard index < rows.count else { break }
        let role: Role = index == selected ? .popupSelected : .popup
        let y = inner.y + line
        if index == selected { buffer.fill(Rect(x: inner.x, y: y, width: inner.width, height: 1), role: role) }
        buffer.put(loomLine(state, rows[index]), x: inner.x, y: y, role: role, limit: inner.maxX)
    }
}
