import Foundation
import GenerationCore

func startRun(_ state: inout AppState) -> [Effect] {
    if state.sidebar.editText != nil { commitSidebarEdit(&state) }
    var effects: [Effect] = []
    if state.phase.isActive { effects += cancel(&state) }  // the interrupted run stays in the history
    if state.mode == .chat { return effects + startChatRun(&state) }
    let settings = state.runSettings
    let request = settings.request(prompt: state.editor.text)
    if let problem = state.problem(with: request, backend: settings.backend) {
        state.error = problem
        state.phase = .failed
        return effects
    }
    effects += launch(&state, request, backend: settings.backend)
    state.run?.isRoot = true
    state.outputIsOlder = true  // replaced by the run's first token (see `replaceOlderOutput`)
    return effects + [.save]
}

/// The first token of a new root run arrived: the output and branch tree shown before make way for it (the
/// tree goes into its root run's history entry).
func replaceOlderOutput(_ state: inout AppState) {
    guard state.outputIsOlder else { return }
    state.outputIsOlder = false
    archiveTree(&state)
    state.outputRun = nil
    state.transcript.removeAll()
    state.tokenCursor = nil
    state.outputScroll = nil
    state.branches = nil
    state.shownRun = nil
    if let run = state.run {
        state.runPrompt = run.request.inputs
        state.runChat = run.chat?.withoutParameters
    }
}

/// Sends `request` as the current run; the transcript is kept (a branch continues it). With `chat`, the run is
/// that conversation sent with `request`'s parameters (`chatStream`); its tokens arrive the same way.
func launch(_ state: inout AppState, _ request: GenerateRequest, backend: BackendIdentity?,
            chat: ChatRequest? = nil) -> [Effect] {
    var effects: [Effect] = []
    if state.compare != nil { effects += startCompare(&state) }  // a run leaves compare mode
    state.close(.history)
    state.shownRun = nil
    state.runID += 1
    state.close(.popup)
    state.shownPhase = nil
    state.shownError = nil
    state.shownRecord = nil
    state.outputIsOlder = false
    var sent = chat
    sent?.parameters = request.parameters
    // A chat run is kept as its parameters with empty inputs, and its conversation.
    let run = LiveRun(id: state.runID, request: sent.map { $0.textRequest(inputs: "") } ?? request, chat: sent,
                      backend: backend, useCache: state.settings.useCache, waitForModel: state.settings.waitForModel,
                      startedAt: state.now)
    state.run = run
    return effects + [run.effect]
}

/// Cancels the main run and every compare column in flight, each kept in the history with what it received
/// (before quitting or opening another session).
func stopAllRuns(_ state: inout AppState) -> [Effect] {
    var effects: [Effect] = []
    if state.phase.isActive { effects += cancel(&state) }
    if state.compare != nil { effects += startCompare(&state) }
    return effects
}

func cancel(_ state: inout AppState) -> [Effect] {
    let id = state.runID
    state.run?.fail(GenerationError(errorType: .cancelled, message: "cancelled"), now: state.now)
    state.shownPhase = nil
    recordMainRun(&state)
    // Events still in flight for this run are ignored from now on.
    state.runID += 1
    return [.cancelRun(id: id)]
}

func receive(_ state: inout AppState, _ event: GenerationEvent) {
    guard var run = state.run else { return }
    let token = run.receive(event, now: state.now)
    state.run = run
    state.shownPhase = nil
    replaceOlderOutput(&state)
    state.transcript.append(token)
    state.cursorPlaced = false
    if case .finished = event {
        scoreWatermark(&state)
        let step = state.run?.origin?.kind == RunOrigin.step
        syncBranches(&state, asStep: step)
        recordMainRun(&state)
        if step { openStepPopup(&state) }
    }
}

/// Runs TGI's watermark detector over the generated token ids (any backend that reports ids), when the run asked
/// for `watermark`.
func scoreWatermark(_ state: inout AppState) {
    guard state.run?.request.parameters?.watermark == true else { state.run?.watermark = nil; return }
    let ids = state.transcript.tokens.filter { !$0.token.special }.compactMap { $0.token.id.map { Int32(bitPattern: $0) } }
    state.run?.watermark = Watermark.tgi.detect(ids)
}

/// Keeps the prompt and partial output; a loading model (503 with `estimated_time`) or a rate limit (429)
/// is retried automatically after a countdown.
func fail(_ state: inout AppState, _ error: GenerationError) -> [Effect] {
    guard var run = state.run else { return [] }
    let missed = run.missedTokens(of: error)
    state.run = run
    if !missed.isEmpty {
        replaceOlderOutput(&state)
        for token in missed { state.transcript.append(token) }
    }
    if error.errorType == .cancelled {
        state.run?.fail(error, now: state.now)
        state.shownPhase = nil
        recordMainRun(&state)
        return []
    }
    let attempt: Int
    if case .waitingForModel(_, let a, _) = run.phase { attempt = a + 1 } else { attempt = 1 }
    let retryable = run.tokenCount == 0 && attempt <= 6
        && ((error.statusCode == 503 && !state.settings.waitForModel) || error.statusCode == 429)
    state.shownPhase = nil
    if retryable {
        let wait: Double
        if error.statusCode == 429 {
            wait = error.retryAfter ?? min(30, pow(2, Double(attempt)))
        } else {
            wait = max(1, error.estimatedTime ?? error.retryAfter ?? pow(2, Double(attempt)))
        }
        let reason = error.statusCode == 429 ? "rate limited" : "model loading"
        state.run?.error = error
        state.run?.phase = .waitingForModel(until: state.now + wait, attempt: attempt, reason: reason)
    } else {
        state.run?.fail(error, now: state.now)
        state.notice = nil  // the error takes the status bar (a branch's "branched at..." must not hide why it failed)
        syncBranches(&state)
        recordMainRun(&state)
    }
    return []
}

/// A run waiting for its model is sent again when its countdown is over (as a new run id: late events of the
/// one before are ignored); it stays in the waiting phase, keeping the attempt count, until a token or another
/// error arrives, and the error that made it wait stays on the status bar meanwhile.
func retryIfDue(_ state: inout AppState) -> [Effect] {
    guard let run = state.run, case .waitingForModel(let until, let attempt, let reason) = run.phase,
          state.now >= until else { return [] }
    state.runID += 1
    var again = run.retried(as: state.runID, now: state.now)
    again.error = run.error
    again.phase = .waitingForModel(until: .infinity, attempt: attempt, reason: reason)
    state.run = again
    return [again.effect]
}
