import Foundation
import GenerationCore

/// Every run that ends (finished, failed or cancelled) goes into `AppState.history` as a `SessionRun`: the
/// request as sent, where it ran, every token with its logprob and top tokens, statistics, and the error.

/// How many runs the session keeps; older ones are dropped first (each run carries every token's
/// alternatives, and the session is rewritten on every autosave).
let historyLimit = 200

/// A run as the session keeps it, from what the playground received.
func sessionRun(setName: String?, backend: BackendIdentity, request: GenerateRequest, tokens: [OutputToken],
                finishReason: FinishReason?, seed: UInt64?, error: GenerationError?, timing: RunTiming,
                startedAt: Timestamp) -> SessionRun {
    let plain = tokens.map(\.token)
    var response: GenerateResponse?
    if !tokens.isEmpty || error == nil {
        let reason = finishReason ?? .other(error?.errorType == GenerationError.ErrorType.cancelled ? "cancelled" : "incomplete")
        let tops = tokens.map(\.topTokens)
        let details = Details(finishReason: reason, generatedTokens: UInt32(plain.count), seed: seed, prefill: [],
                              tokens: plain, topTokens: tops.allSatisfy(\.isEmpty) ? nil : tops)
        response = GenerateResponse(generatedText: plain.filter { !$0.special }.map(\.text).joined(), details: details)
    }
    let failure = error.map { ErrorResponse(error: $0.message, errorType: $0.errorType, estimatedTime: $0.estimatedTime) }
    return SessionRun(setName: setName, backend: backend, request: request, response: response, error: failure,
                      stats: RunStatistics(timing: timing, tokens: plain, finishReason: finishReason),
                      startedAt: startedAt)
}

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
func recordMainRun(_ state: inout AppState, error: GenerationError?) {
    guard let (request, chat, backend) = state.lastRequest?.runRequest else { return }
    let own = Array(state.transcript.tokens.suffix(min(state.runTokenCount, state.transcript.count)))
    let start = state.stats.startedAt ?? state.now
    let timing = RunTiming(start: start, firstToken: state.stats.firstTokenAt, end: state.stats.lastTokenAt ?? state.now)
    let reason = state.stats.finishReason.map { FinishReason(rawValue: $0) }
    var run = sessionRun(setName: nil, backend: backend ?? state.defaultBackend, request: request, tokens: own,
                         finishReason: reason, seed: state.stats.seed, error: error, timing: timing,
                         startedAt: state.timestamp(start))
    run.origin = state.runOrigin
    run.chat = chat
    let id = record(&state, run)
    if state.runIsRoot {
        // A root run whose tokens replaced the output is the root of any tree grown from it.
        if !state.outputIsOlder { state.outputRun = id }
    } else if var stack = state.branches, stack.current.node != BranchTree.rootID {
        // The branch node remembers the run that continued it first (its parameters and backend).
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
    guard let tree = state.branches?.current.tree, let id = treeRoot(state),
          let i = state.history.firstIndex(where: { $0.id == id }), state.history[i].tree != tree else { return }
    state.history[i].tree = tree
    state.dirty = true
}

/// Records a compare column that just ended.
func recordCompareRun(_ state: inout AppState, _ column: CompareColumn, cancelled: Bool = false) {
    let type = cancelled ? GenerationError.ErrorType.cancelled : GenerationError.ErrorType.generation
    let error = column.error.map { GenerationError(errorType: type, message: $0) }
    var run = sessionRun(setName: column.name, backend: column.backend ?? state.defaultBackend,
                         request: column.request, tokens: column.transcript.tokens,
                         finishReason: column.finishReason, seed: column.seed, error: error,
                         timing: column.timing,
                         startedAt: state.timestamp(column.startedAt))
    run.chat = column.chat  // a chat column is kept as chat runs are: its conversation, its parameters in `request`
    record(&state, run)
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
