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
    state.runIsRoot = true
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
    if let run = state.lastRequest?.runRequest {
        state.runPrompt = run.request.inputs
        state.runChat = run.chat
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
    state.error = nil
    state.stats = RunStats(startedAt: state.now)
    state.runTokenCount = 0
    state.outputIsOlder = false
    state.runIsRoot = false
    state.runOrigin = nil
    state.phase = .waiting
    let run: Effect
    if var chat {
        chat.parameters = request.parameters
        run = .startChat(id: state.runID, request: chat, useCache: state.settings.useCache,
                         waitForModel: state.settings.waitForModel, backend: backend)
    } else {
        run = .startRun(id: state.runID, request: request, useCache: state.settings.useCache,
                        waitForModel: state.settings.waitForModel, backend: backend)
    }
    state.lastRequest = run
    state.runWatermarked = request.parameters?.watermark == true
    return effects + [run]
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
    state.phase = .cancelled
    recordMainRun(&state, error: GenerationError(errorType: GenerationError.ErrorType.cancelled, message: "cancelled"))
    // Events still in flight for this run are ignored from now on.
    state.runID += 1
    return [.cancelRun(id: id)]
}

func receive(_ state: inout AppState, _ event: GenerationEvent) {
    let response = event.response
    if state.stats.firstTokenAt == nil { state.stats.firstTokenAt = state.now }
    state.stats.lastTokenAt = state.now
    state.phase = .streaming
    replaceOlderOutput(&state)
    state.transcript.append(OutputToken(token: response.token, topTokens: response.topTokens ?? [], stages: response.stages))
    state.runTokenCount += 1
    state.stats.tokens = state.runTokenCount
    if case .finished(let final) = event {
        state.phase = .finished
        if let details = final.details {
            state.stats.finishReason = details.finishReason.rawValue
            state.stats.seed = details.seed
        }
        scoreWatermark(&state)
        syncBranches(&state)
        recordMainRun(&state, error: nil)
    }
}

/// Runs TGI's watermark detector over the generated token ids (any backend that reports ids).
func scoreWatermark(_ state: inout AppState) {
    guard state.runWatermarked else { state.stats.watermark = nil; return }
    let ids = state.transcript.tokens.filter { !$0.token.special }.compactMap { $0.token.id.map { Int32(bitPattern: $0) } }
    state.stats.watermark = Watermark.tgi.detect(ids)
}

/// Keeps the prompt and partial output; a loading model (503 with `estimated_time`) or a rate limit (429)
/// is retried automatically after a countdown.
func fail(_ state: inout AppState, _ error: GenerationError) -> [Effect] {
    if error.receivedTokens.count > state.runTokenCount {
        replaceOlderOutput(&state)
        for token in error.receivedTokens[state.runTokenCount...] {
            state.transcript.append(OutputToken(token: token))
        }
        state.runTokenCount = error.receivedTokens.count
        state.stats.tokens = state.runTokenCount
    }
    if error.errorType == GenerationError.ErrorType.cancelled {
        state.phase = .cancelled
        recordMainRun(&state, error: error)
        return []
    }
    state.error = error
    let attempt: Int
    if case .waitingForModel(_, let a, _) = state.phase { attempt = a + 1 } else { attempt = 1 }
    let retryable = state.runTokenCount == 0 && attempt <= 6
        && ((error.statusCode == 503 && !state.settings.waitForModel) || error.statusCode == 429)
    if retryable {
        let wait: Double
        if error.statusCode == 429 {
            wait = error.retryAfter ?? min(30, pow(2, Double(attempt)))
        } else {
            wait = max(1, error.estimatedTime ?? error.retryAfter ?? pow(2, Double(attempt)))
        }
        let reason = error.statusCode == 429 ? "rate limited" : "model loading"
        state.phase = .waitingForModel(until: state.now + wait, attempt: attempt, reason: reason)
    } else {
        state.phase = .failed
        state.notice = nil  // the error takes the status bar (a branch's "branched at..." must not hide why it failed)
        syncBranches(&state)
        recordMainRun(&state, error: error)
    }
    return []
}

func retryIfDue(_ state: inout AppState) -> [Effect] {
    guard case .waitingForModel(let until, let attempt, let reason) = state.phase, state.now >= until,
          let again = state.lastRequest?.retried(as: state.runID + 1) else { return [] }
    state.runID += 1
    state.runTokenCount = 0
    state.stats = RunStats(startedAt: state.now)
    // Stay in the waiting phase (keeping the attempt count) until a token or another error arrives.
    state.phase = .waitingForModel(until: .infinity, attempt: attempt, reason: reason)
    state.lastRequest = again
    return [again]
}
