import Foundation

/// Every failure a backend reports: TGI's own errors (with TGI's `error_type` and message, unchanged) and the
/// client's (connection, timeout, malformed bytes), in one shape so the UI and the CLI treat them alike.
///
/// `receivedTokens` keeps whatever a stream delivered before it failed, so nothing shown is lost.
public struct GenerationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// TGI's `error_type` when the server gave one (`validation`, `generation`, `overloaded`,
    /// `incomplete_generation`, ...), else one of the client's own kinds.
    public var errorType: ErrorType
    /// The server's message verbatim (plain-text bodies included), or the client's explanation.
    public var message: String
    /// HTTP status, when the failure came with one.
    public var statusCode: Int?
    /// Seconds until a loading model is expected to be ready (serverless 503 `estimated_time`).
    public var estimatedTime: Double?
    /// Seconds the server asked us to wait (`Retry-After` on 429/503).
    public var retryAfter: Double?
    /// Tokens that arrived before the failure.
    public var receivedTokens: [Token]

    public init(errorType: ErrorType, message: String, statusCode: Int? = nil, estimatedTime: Double? = nil,
                retryAfter: Double? = nil, receivedTokens: [Token] = []) {
        self.errorType = errorType
        self.message = message
        self.statusCode = statusCode
        self.estimatedTime = estimatedTime
        self.retryAfter = retryAfter
        self.receivedTokens = receivedTokens
    }

    public var description: String { message }

    /// The error as TGI would write it: `{"error": ..., "error_type": ...}`.
    public var response: ErrorResponse { ErrorResponse(error: message, errorType: errorType) }

    /// Any error as a `GenerationError`: itself, `cancelled` for a task cancellation, else `otherwise` with the
    /// error's own description after `prefix`. The one conversion every caller uses, so a failure reads the same
    /// in the CLI, compare and the playground.
    public static func from(_ error: any Error, otherwise: ErrorType = .unknown, prefix: String = "")
        -> GenerationError {
        if let error = error as? GenerationError { return error }
        if error is CancellationError { return GenerationError(errorType: ErrorType.cancelled, message: "cancelled") }
        return GenerationError(errorType: otherwise, message: prefix + String(describing: error))
    }

    /// A TGI validation error with TGI's prefix, as the router words it.
    public static func validation(_ detail: String) -> GenerationError {
        GenerationError(errorType: ErrorType.validation, message: "Input validation error: \(detail)", statusCode: 422)
    }

}
