import Foundation
import GenerationCore

/// Where a run stands; the status bar shows it.
public enum RunPhase: Equatable, Sendable {
    case idle
    /// Request sent, no token yet.
    case waiting
    /// A 503 "model loading" or a 429: retry at `until`.
    case waitingForModel(until: Double, attempt: Int, reason: String)
    case streaming
    case finished
    case cancelled
    case failed

    public var label: String {
        switch self {
        case .idle: return "idle"
        case .waiting: return "waiting"
        case .waitingForModel: return "waiting for model"
        case .streaming: return "streaming"
        case .finished: return "done"
        case .cancelled: return "cancelled"
        case .failed: return "error"
        }
    }

    public var isActive: Bool {
        switch self {
        case .waiting, .streaming, .waitingForModel: return true
        default: return false
        }
    }
}

/// Numbers about the current run, shown in the status bar.
public struct RunStats: Equatable, Sendable {
    public var startedAt: Double?
    public var firstTokenAt: Double?
    public var lastTokenAt: Double?
    public var tokens = 0
    public var finishReason: String?
    public var seed: UInt64?
    /// The watermark detector's verdict on the finished run's token ids (only when the run asked for `watermark`).
    public var watermark: Watermark.Detection?

    public var timeToFirstToken: Double? {
        guard let s = startedAt, let f = firstTokenAt else { return nil }
        return f - s
    }

    /// Tokens per second after the first token (TTFT is prefill, not decoding speed).
    public var tokensPerSecond: Double? {
        guard let f = firstTokenAt, let l = lastTokenAt, tokens > 1, l > f else { return nil }
        return Double(tokens - 1) / (l - f)
    }
}
