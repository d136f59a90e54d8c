import Foundation
import GenerationCore

/// How the loom (`AppState.loom`) is kept: every root run becomes a tree of its own when it ends, the tree shown
/// goes back into it whenever something replaces it, and a session round trip keeps all of them. None of these
/// are undo steps: undo and redo in the tree view are for what the person did there (rename, delete).

/// Keeps a root run's output (`tokens`, with their alternatives) as a new root of the loom; `shown` when it is
/// the output now. A run with no token (rejected, cancelled before it began) makes no tree.
func keepRoot<C: Collection>(_ state: inout AppState, prompt: String, tokens: C, run: Int, shown: Bool)
where C.Element == OutputToken {
    guard !tokens.isEmpty else { return }
    let tree = BranchTree(prompt: prompt, tokens: tokens.map(\.token), topTokens: tokens.map(\.topTokens), runID: run)
    var id = 0
    state.loom.amend { id = $0.keep(tree) }
    if shown { state.shownTree = id }
    state.dirty = true
}

/// Puts the tree shown (its working copy in `branches`, every streamed token recorded) into the loom, in place
/// of its entry; `shownTree` names the entry afterwards.
func keepShownTree(_ state: inout AppState) {
    syncBranches(&state)
    guard let tree = state.branches?.current.tree else { return }
    let shown = state.shownTree
    guard shown.flatMap({ state.loom.current.entry($0)?.tree }) != tree else { return }
    var id = 0
    state.loom.amend { id = $0.keep(tree, as: shown) }
    state.shownTree = id
    state.dirty = true
}

/// The loom's tree for `run` when it grew beyond the run's own output (branched or continued): showing the run
/// from the history brings it back.
func grownTree(_ state: AppState, of run: SessionRun) -> BranchTree? {
    guard let tree = state.loom.current.entry(forRun: run.id)?.tree,
          let root = try? tree.node(BranchTree.rootID) else { return nil }
    return tree.nodes.count > 1 || root.tokens.count != run.tokens.count ? tree : nil
}

extension AppState {
    /// The loom as the session keeps it: the tree shown in its place (without changing the state), and the
    /// entry that is.
    func loomForSaving() -> (loom: Loom, shown: Int?) {
        var loom = self.loom.current
        guard let tree = branches?.current.tree else { return (loom, shownTree) }
        let shown = loom.keep(tree, as: shownTree)
        return (loom, shown)
    }
}
