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
