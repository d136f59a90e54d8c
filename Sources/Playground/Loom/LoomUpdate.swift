import Foundation
import GenerationCore

/// `t` in the output: the tree view, with the tree shown put into the loom first (so what is listed is what is
/// on screen), the selection on the node shown.
func openLoom(_ state: inout AppState) -> [Effect] {
    keepShownTree(&state)
    let rows = loomRows(state.loom.current)
    guard !rows.isEmpty else {
        state.notice = "no trees yet: every run of the prompt starts one"
        return []
    }
    let node = state.branches?.current.node ?? BranchTree.rootID
    let selection = rows.firstIndex { $0.entry == state.shownTree && $0.node == node } ?? 0
    state.open(.loom(LoomView(selection: selection)))
    return []
}

func loomKey(_ state: inout AppState, _ key: Key) -> [Effect] {
    guard case .loom(var view)? = state.overlay else { return [] }
    let rows = loomRows(state.loom.current)
    view.selection = rows.isEmpty ? 0 : min(max(0, view.selection), rows.count - 1)
    let row = rows.isEmpty ? nil : rows[view.selection]
    switch key {
    case .escape, .character("q"), .character("t"):
        state.close(.loom)
        return []
    case .up, .character("k"): view.selection = max(0, view.selection - 1)
    case .down, .character("j"): view.selection = min(max(0, rows.count - 1), view.selection + 1)
    case .pageUp: view.selection = max(0, view.selection - 10)
    case .pageDown: view.selection = min(max(0, rows.count - 1), view.selection + 10)
    case .home: view.selection = 0
    case .end: view.selection = max(0, rows.count - 1)
    case .enter:
        guard let row else { break }
        state.close(.loom)
        return showLoomNode(&state, entry: row.entry, node: row.node)
    case .character("r"):
        guard let row, let entry = state.loom.current.entry(row.entry) else { break }
        state.overlay = .loom(view)
        state.open(.pathPrompt(PathPrompt(purpose: .renameTree(entry: entry.id), text: entry.name ?? ""),
                               over: nil))
        return []
    case .character("d"):
        guard let row else { break }
        deleteTree(&state, row.entry)
        let left = loomRows(state.loom.current).count
        view.selection = min(view.selection, max(0, left - 1))
    case .character("u"), .ctrl("z"):
        state.notice = state.loom.undo() ? "undone" : "nothing to undo in the trees"
        forgetShownIfGone(&state)
    case .ctrl("y"), .character("U"):
        state.notice = state.loom.redo() ? "redone" : "nothing to redo in the trees"
        forgetShownIfGone(&state)
    default:
        break
    }
    if state.isOpen(.loom) { state.overlay = .loom(view) }
    return []
}

/// `r` then Enter: the tree's new name (an undo step).
func renameTree(_ state: inout AppState, _ id: Int, to name: String) {
    do {
        try state.loom.perform { try $0.rename(id, to: name) }
        state.dirty = true
        state.notice = "tree #\(id) named «\(name)»: u undoes"
    } catch {
        state.notice = "\(error)"
    }
}

/// `d`: the tree goes from the loom (an undo step: `u` brings it back). Its root run stays in the history as a
/// flat run; the tree shown, deleted, leaves the output empty.
func deleteTree(_ state: inout AppState, _ id: Int) {
    do {
        try state.loom.perform { try $0.remove(id) }
    } catch {
        state.notice = "\(error)"
        return
    }
    for i in state.history.indices where state.history[i].tree != nil && state.loom.current.entry(forRun: state.history[i].id) == nil {
        state.history[i].tree = nil
    }
    forgetShownIfGone(&state)
    state.dirty = true
    state.notice = "tree #\(id) deleted: u undoes"
}

/// After a delete (or an undo or redo of one): when the entry shown is no longer in the loom, the output
/// no longer shows it.
func forgetShownIfGone(_ state: inout AppState) {
    state.dirty = true
    guard let shown = state.shownTree, state.loom.current.entry(shown) == nil else { return }
    state.shownTree = nil
    state.branches = nil
    state.outputRun = nil
    state.shownRun = nil
    state.transcript.removeAll()
    state.tokenCursor = nil
    state.outputScroll = nil
    state.shownRecord = ShownRecord()
}

/// Enter in the tree view: the tree of `entry` in the output at `node`, ready to browse (`[` `]`), branch or
/// continue (`c`); the tree shown before goes back into the loom.
func showLoomNode(_ state: inout AppState, entry id: Int, node: BranchTree.NodeID) -> [Effect] {
    guard let entry = state.loom.current.entry(id), (try? entry.tree.node(node)) != nil else { return [] }
    var effects: [Effect] = []
    if state.compare != nil { effects += startCompare(&state) }
    if state.phase.isActive { effects += cancel(&state) }
    if id == state.shownTree, var stack = state.branches {
        syncBranches(&state)
        stack = state.branches ?? stack
        stack.perform { $0.node = node }
        state.branches = stack
    } else {
        archiveTree(&state)
        state.branches = UndoStack(BranchState(tree: entry.tree, node: node))
        state.shownTree = id
    }
    state.shownRun = nil
    state.outputIsOlder = false
    state.outputRun = entry.rootRun
    state.runPrompt = entry.tree.prompt
    state.runChat = entry.rootRun.flatMap { run in state.history.first { $0.id == run } }?.chat
    state.tokenCursor = nil
    showCurrentBranch(&state)
    state.error = nil
    state.phase = .finished
    let root = entry.rootRun.flatMap { run in state.history.first { $0.id == run } }
    state.shownRecord = ShownRecord(finishReason: root?.finishReason, seed: root?.seed)
    state.focus = .output
    state.notice = "tree #\(id)" + (entry.name.map { " «\($0)»" } ?? "") + ": [ ] browse, c continues"
    return effects
}
