import Foundation
import GenerationCore

/// One run as it happens: what was sent and where, when its tokens came, how it ended. The main run
/// (`AppState.run`) and every compare column are one of these, so receiving, failing, retrying and recording are
/// written once. Its tokens live in the transcript that shows them (the output, or the column's); counts and
/// statistics are computed from what is stored here, never kept twice.
public struct LiveRun: Sendable {
    /// The id its events carry.
    public var id: Int
    /// What was sent; a chat run's parameters with empty inputs, as chat runs are recorded.
    public var request: GenerateRequest
    /// The conversation a chat run answers (its parameters are `request`'s); nil for a text run.
    public var chat: ChatRequest?
    /// nil: the playground's own backend.
    public var backend: BackendIdentity?
    /// The `x-use-cache` and `x-wait-for-model` headers it was sent with.
    public var useCache: Bool
    public var waitForModel: Bool
    public var phase: RunPhase = .waiting
    public var startedAt: Double
    public var firstTokenAt: Double?
    public var lastTokenAt: Double?
    /// How many tokens it delivered (the output also shows the prefix a branch continues).
    public private(set) var tokenCount = 0
    public var finishReason: FinishReason?
    /// The seed the backend reports.
    public var seed: UInt64?
    public var error: GenerationError?
    /// What the main run carries on (a branch or continuation of which run), recorded with it in the history.
    public var origin: RunOrigin?
    /// The main run starts a new root (Ctrl-R, `r` in the history) rather than continuing a branch.
    public var isRoot = false
    /// The watermark detector's verdict on the finished run's token ids (only when the run asked for `watermark`).
    public var watermark: Watermark.Detection?

    public init(id: Int, request: GenerateRequest, chat: ChatRequest? = nil, backend: BackendIdentity?,
                useCache: Bool, waitForModel: Bool, startedAt: Double) {
        self.id = id
        self.request = request
        self.chat = chat
        self.backend = backend
        self.useCache = useCache
        self.waitForModel = waitForModel
        self.startedAt = startedAt
    }

    /// The effect that sends it: a chat run's conversation with `request`'s parameters, else `request`.
    var effect: Effect {
        if var chat {
            chat.parameters = request.parameters
            return .startChat(id: id, request: chat, useCache: useCache, waitForModel: waitForModel, backend: backend)
        }
        return .startRun(id: id, request: request, useCache: useCache, waitForModel: waitForModel, backend: backend)
    }

    /// The same request sent again as run `id` at `now` (a retry after a 503 or a 429): nothing received yet.
    func retried(as id: Int, now: Double) -> LiveRun {
        var again = LiveRun(id: id, request: request, chat: chat, backend: backend, useCache: useCache,
                            waitForModel: waitForModel, startedAt: now)
        again.phase = phase
        again.origin = origin
        again.isRoot = isRoot
        return again
    }

    /// Whether it still waits for tokens.
    public var isActive: Bool { phase.isActive }

    /// A stream event arrived at `now`: the token to show (the last one also says how the run finished).
    mutating func receive(_ event: GenerationEvent, now: Double) -> OutputToken {
        let response = event.response
        if firstTokenAt == nil { firstTokenAt = now }
        lastTokenAt = now
        phase = .streaming
        tokenCount += 1
        if case .finished(let final) = event {
            phase = .finished
            finishReason = final.details?.finishReason
            seed = final.details?.seed
        }
        return OutputToken(token: response.token, topTokens: response.topTokens ?? [], stages: response.stages)
    }

    /// The tokens a failure carries beyond those already received (to show, so nothing delivered is lost).
    mutating func missedTokens(of error: GenerationError) -> [OutputToken] {
        guard error.receivedTokens.count > tokenCount else { return [] }
        let missed = error.receivedTokens[tokenCount...].map { OutputToken(token: $0) }
        tokenCount = error.receivedTokens.count
        return missed
    }

    /// It ended with `error` at `now`: cancelled, or failed.
    mutating func fail(_ error: GenerationError, now: Double) {
        self.error = error
        lastTokenAt = lastTokenAt ?? now
        phase = error.errorType == .cancelled ? .cancelled : .failed
    }

    /// Its timing measured from `servedFrom` (when it left a queue behind other runs) or from when it was sent,
    /// to its last token; a run with no token yet ends where it started.
    func timing(servedFrom: Double? = nil) -> RunTiming {
        let start = servedFrom ?? startedAt
        return RunTiming(start: start, firstToken: firstTokenAt, end: lastTokenAt ?? start)
    }

    /// The run as the session keeps it: the request as sent, where it ran, `tokens` (its own), how it ended, with
    /// statistics over `timing` (a compare column's is measured from when it was served).
    func asSessionRun(setName: String?, tokens: [OutputToken], defaultBackend: BackendIdentity,
                      startedAt: Timestamp, timing: RunTiming? = nil) -> SessionRun {
        let plain = tokens.map(\.token)
        var response: GenerateResponse?
        if !tokens.isEmpty || error == nil {
            let reason = finishReason ?? .other(error?.errorType == .cancelled ? "cancelled" : "incomplete")
            let tops = tokens.map(\.topTokens)
            let details = Details(finishReason: reason, generatedTokens: UInt32(plain.count), seed: seed, prefill: [],
                                  tokens: plain, topTokens: tops.allSatisfy(\.isEmpty) ? nil : tops)
            response = GenerateResponse(generatedText: plain.filter { !$0.special }.map(\.text).joined(),
                                        details: details)
        }
        let failure = error.map {
            ErrorResponse(error: $0.message, errorType: $0.errorType, estimatedTime: $0.estimatedTime)
        }
        var run = SessionRun(setName: setName, backend: backend ?? defaultBackend, request: request, response: response,
                             error: failure,
                             stats: RunStatistics(timing: timing ?? self.timing(), tokens: plain,
                                                  finishReason: finishReason),
                             startedAt: startedAt)
        run.origin = origin
        run.chat = chat?.withoutParameters
        return run
    }
}

extension AppState {
    /// The main run's statistics from its own tokens (as its history entry keeps them); nil before the first run.
    public var runStatistics: RunStatistics? {
        guard let run else { return nil }
        let own = transcript.tokens.suffix(min(run.tokenCount, transcript.count)).map(\.token)
        return RunStatistics(timing: run.timing(), tokens: own, finishReason: run.finishReason)
    }
}
