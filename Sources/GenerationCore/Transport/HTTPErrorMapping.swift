import CCurl
import Foundation

/// Turns what came back from a server into a `GenerationError`, keeping the server's own words.
enum HTTPErrorMapping {
    /// A non-success HTTP answer: TGI's JSON error body when there is one, else the plain-text body as it is
    /// (axum sends plain text for 400/413/415/422 extractor failures), else the status line.
    static func error(status: Int, body: Data, headers: [String: String]) -> GenerationError {
        let retryAfter = headers["retry-after"].flatMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        if var parsed = bodyError(body, status: status) {
            parsed.retryAfter = retryAfter
            return parsed
        }
        let text = ServerText.visible(String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        var message = text.isEmpty ? "HTTP \(status) \(reason(status))" : text
        if text.isEmpty && status == 401 {
            message += ": the endpoint wants a token (--token, HF_TOKEN or ~/.cache/huggingface/token)"
        }
        return GenerationError(errorType: derivedType(status: status, estimatedTime: nil), message: message,
                               statusCode: status, retryAfter: retryAfter)
    }

    /// An error in one of the shapes servers send, or nil when `body` is none of them: TGI's
    /// `{"error": "...", "error_type": ...}`, the OpenAI shape `{"error": {"message", "type", "code"}}` (vLLM,
    /// SGLang, llama.cpp, Ollama, the HF router) and FastAPI's `{"detail": ...}` (llama-cpp-python's 404s).
    /// The server's own type is kept (`invalid_request_error`, `not_found_error`); without one it is derived
    /// from the status (`generation` for an error body that came with a 200).
    static func bodyError(_ body: Data, status: Int) -> GenerationError? {
        func fallback(_ estimatedTime: Double? = nil) -> GenerationError.ErrorType {
            status == 200 ? .generation : derivedType(status: status, estimatedTime: estimatedTime)
        }
        if let parsed = try? WireJSON.decode(ErrorResponse.self, from: body) {
            return GenerationError(errorType: parsed.errorType.map { .fromServer($0.rawValue) } ?? fallback(parsed.estimatedTime),
                                   message: ServerText.visible(parsed.error), statusCode: status,
                                   estimatedTime: parsed.estimatedTime)
        }
        guard let tree = try? JSONValue.parse(body) else { return nil }
        if let error = tree["error"], let message = error["message"]?.stringValue {
            return GenerationError(errorType: error["type"]?.stringValue.map { .fromServer($0) } ?? fallback(),
                                   message: ServerText.visible(message), statusCode: status)
        }
        if let detail = tree["detail"] {
            let message = detail.stringValue ?? String(decoding: (try? WireJSON.encode(detail)) ?? Data(), as: UTF8.self)
            return GenerationError(errorType: fallback(), message: ServerText.visible(message), statusCode: status)
        }
        return nil
    }

    /// An error type from the status when the server gave none (the Python client's mapping, spelled as types).
    static func derivedType(status: Int, estimatedTime: Double?) -> GenerationError.ErrorType {
        switch status {
        case 400: return .badRequest
        case 401: return .unauthorized
        case 403: return .forbidden
        case 404: return .notFound
        case 408: return .timeout
        case 410: return .gone
        case 413: return .payloadTooLarge
        case 415: return .unsupportedMediaType
        case 422: return .validation
        case 424: return .generation
        case 429: return .overloaded
        case 503: return estimatedTime != nil ? .modelLoading : .unavailable
        case 500...599: return .serverError
        default: return .httpError
        }
    }

    static func reason(_ status: Int) -> String {
        switch status {
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 413: return "Payload Too Large"
        case 415: return "Unsupported Media Type"
        case 422: return "Unprocessable Entity"
        case 424: return "Failed Dependency"
        case 429: return "Too Many Requests"
        case 500: return "Internal Server Error"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        default: return ""
        }
    }

    /// A transfer that failed below HTTP (no answer, refused, timed out, cut).
    /// The URL in its messages is shown without credentials (`user:password@` never reaches a message).
    static func transportError(_ outcome: TransferOutcome, url rawURL: String) -> GenerationError {
        let url = BackendIdentity(rawURL).value
        if outcome.timedOut || outcome.curlCode == Int(CURLE_OPERATION_TIMEDOUT.rawValue) {
            return GenerationError(errorType: GenerationError.ErrorType.timeout,
                                   message: "\(url): timed out: \(outcome.curlMessage)")
        }
        if outcome.cancelled {
            return GenerationError(errorType: GenerationError.ErrorType.cancelled, message: "cancelled")
        }
        let connectCodes: Set<UInt32> = [
            CURLE_COULDNT_CONNECT.rawValue, CURLE_COULDNT_RESOLVE_HOST.rawValue,
            CURLE_COULDNT_RESOLVE_PROXY.rawValue, CURLE_SSL_CONNECT_ERROR.rawValue,
            CURLE_PEER_FAILED_VERIFICATION.rawValue,
        ]
        if connectCodes.contains(UInt32(outcome.curlCode)) {
            return GenerationError(errorType: GenerationError.ErrorType.connection,
                                   message: "cannot reach \(url): \(outcome.curlMessage)")
        }
        let what = outcome.receivedBody ? "the connection broke during the answer" : "no answer"
        return GenerationError(errorType: GenerationError.ErrorType.connection,
                               message: "\(url): \(what): \(outcome.curlMessage)")
    }
}
