import Foundation
import GenerationCore

/// Every run that ends (finished, failed or cancelled) goes into `AppState.history` as a `SessionRun`: the
/// request as sent, where it ran, every token with its logprob and top tokens, statistics, and the error.

/// How many runs the session keeps; older ones are dropped first (each run carries every token's
/// alternatives, and the session is rewritten on every autosave).
let historyLimit = 200

/// Appends `run` to the history (ids keep increasing; the oldest runs beyond the limit are dropped) and
/// returns its id. A run on the default backend records its API and model when they are known (from `/info`).
@discardableResult
func record(_ state: inout AppState, _ run: SessionRun) -> Int {
    var run = run
    run.id = (state.history.last?.id ?? 0) + 1
    if run.backend == state.defaultBackend {
        run.api = state.capabilities?.api
        run.model = state.modelName
    }
    state.history.append(run)
    if state.history.count > historyLimit {
        let dropped = state.history.count - historyLimit
        state.history.removeFirst(dropped)
        // The history list keeps the same run selected.
        state.updateHistoryView { $0.selection = max(0, $0.selection - dropped) }
    }
    state.dirty = true
    return run.id
}

/// Records the main run that just ended (its own tokens: a continuation's accepted prefix is in its request).
func recordMainRun(_ state: inout AppState) {
    guard let live = state.run else { return }
    let own = Array(state.transcript.tokens.suffix(min(live.tokenCount, state.transcript.count)))
    var ended = live
    if ended.lastTokenAt == nil { ended.lastTokenAt = state.now }  // a run with no token ends now
    let id = record(&state, ended.asSessionRun(setName: nil, tokens: own, defaultBackend: state.defaultBackend,
                                               startedAt: state.timestamp(live.startedAt)))
    if live.isRoot {
        // A root run whose tokens replaced the output is the root of any tree grown from it, and a root of the
        // loom from now on.
        if !state.outputIsOlder {
            state.outputRun = id
            keepRoot(&state, prompt: live.request.inputs, tokens: own, run: id,
                     shown: true)
        }
    } else if var stack = state.branches, stack.current.node != BranchTree.rootID,
              live.origin?.kind != RunOrigin.step {
        // The branch node remembers the run that continued it first (its parameters and backend); a step's
        // one-token run is not that.
        stack.amend { b in
            if (try? b.tree.node(b.node))?.runID == nil { try? b.tree.extend(b.node, with: [], runID: id) }
        }
        state.branches = stack
    }
}

/// The history id of the root run of the branch tree shown, when known.
func treeRoot(_ state: AppState) -> Int? {
    state.branches.flatMap { try? $0.current.tree.node(BranchTree.rootID).runID }
}

/// Puts the branch tree shown into its root run's history entry, so that replacing it in the output (a new run,
/// a run shown from the history, a compare set branched) never loses it. A tree whose root run is no longer in
/// the history (beyond the history limit) cannot be kept this way.
func archiveTree(_ state: inout AppState) {
    keepShownTree(&state)
    state.shownTree = nil
    guard let tree = state.branches?.current.tree, let id = treeRoot(state),
          let i = state.history.firstIndex(where: { $0.id == id }), state.history[i].tree != tree else { return }
    state.history[i].tree = tree
    state.dirty = true
}

/// Records a compare column that just ended.
func recordCompareRun(_ state: inout AppState, _ column: CompareColumn) {
    let id = record(&state, column.live.asSessionRun(setName: column.name, tokens: column.transcript.tokens,
                                            defaultBackend: state.defaultBackend,
                                            startedAt: state.timestamp(column.startedAt), timing: column.timing))
    keepRoot(&state, prompt: column.request.inputs, tokens: column.transcript.tokens, run: id, shown: false)
}

extension AppState {
    /// The backend to send `run`'s request to again: nil (the playground's own) when it ran on the default one.
    func launchBackend(of run: SessionRun) -> BackendIdentity? {
        run.backend == defaultBackend ? nil : run.backend
    }
}

extension SessionRun {
    /// The run's tokens as the output pane shows them (with their alternatives).
    var outputTokens: [OutputToken] {
        let tops = topTokens
        return tokens.enumerated().map { OutputToken(token: $1, topTokens: $0 < tops.count ? tops[$0] : []) }
    }
}
