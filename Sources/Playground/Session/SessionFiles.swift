import Foundation
import GenerationCore

/// Another session file was read: the one being left keeps its runs in flight (cancelled, in its history) and
/// is written where it lived, then the opened one replaces it and autosave writes to `path`.
func sessionOpened(_ state: inout AppState, _ session: Session, path: String) -> [Effect] {
    var effects = stopAllRuns(&state)
    if state.autosaveProblem == nil, let leaving = state.sessionPath {
        effects.append(.writeSession(state.sessionDocument(), path: leaving))
    }
    state.restore(session)
    state.sessionPath = path
    state.autosaveProblem = nil
    applyLayout(&state)
    state.notice = "opened \(path): \(session.runs.count) run\(session.runs.count == 1 ? "" : "s")"
    state.runID += 1  // nothing still in flight reaches the opened session
    return effects
}

/// What a file write reported: a save (the changes it holds are no longer unsaved), "save as" (autosave now
/// writes there), an export, or why one failed.
func fileWritten(_ state: inout AppState, _ message: Message) {
    switch message {
    case .saved(let revision, let path, let created):
        state.savedChangeCount = max(state.savedChangeCount, revision)
        if path != nil, path == state.sessionPath, state.sessionCreated == nil { state.sessionCreated = created }
    case .saveFailed(let reason):
        state.notice = reason
    case .sessionSavedAs(let path, let revision, let created):
        state.sessionPath = path
        state.autosaveProblem = nil
        state.savedChangeCount = max(state.savedChangeCount, revision)
        if state.sessionCreated == nil { state.sessionCreated = created }
        state.notice = "session saved to \(path); autosave now writes there"
    case .exported(let what, let path):
        state.notice = "exported \(what) to \(path)"
    case .exportFailed(let path, let reason):
        state.notice = "cannot export to \(path): \(reason)"
    default:
        break
    }
}
