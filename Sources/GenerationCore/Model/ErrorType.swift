import Foundation

extension GenerationError {
    /// The kind of a failure, written on the wire as TGI's `error_type` string (the raw value).
    ///
    /// TGI's own kinds and the client's kinds are cases, so a switch over them is checked by the compiler. A server
    /// may send any string (vLLM's `invalid_request_error`, a proxy's `not_found_error`, kinds TGI adds later):
    /// that string is kept as `.other(raw)` instead of failing to decode, because a session file or a stream must
    /// never be refused for an error word we do not know, and the person must see the server's own word.
    /// Equality and hashing go by the raw value, so `.other("validation")` and `.validation` are the same kind.
    public enum ErrorType: Sendable, Hashable, RawRepresentable, Codable, CustomStringConvertible,
        ExpressibleByStringLiteral {
        // TGI's router kinds.
        case validation
        case generation
        case overloaded
        case incompleteGeneration
        // Kinds derived from an HTTP status when the server named none (the Python client's mapping).
        case badRequest, unauthorized, forbidden, notFound, gone, payloadTooLarge, unsupportedMediaType
        case modelLoading, unavailable, serverError, httpError
        /// The request body itself could not be read (bad JSON, wrong types).
        case invalidRequest
        /// Could not reach the server (refused, DNS, TLS).
        case connection
        /// Connect or read timeout.
        case timeout
        /// The person cancelled.
        case cancelled
        /// The server answered with bytes that are not what the API promises.
        case invalidResponse
        /// The operation does not exist on this backend (e.g. `/tokenize` on a serverless URL).
        case unsupported
        /// A failure of no known kind (reported with its own description).
        case unknown
        /// The server sent more than tgplay reads: a body over 64 MiB, or one stream event over 16 MiB.
        case responseTooLarge
        /// The server streamed more tokens than were asked for (`max_new_tokens` plus a margin for special tokens).
        case tooManyTokens
        /// A session file that cannot be read or written.
        case sessionFile
        /// The built-in engine's model file is not where it was looked for.
        case modelNotFound
        /// The built-in engine's model file is there but cannot be loaded.
        case modelError
        /// A kind this build does not know, exactly as the server (or an older file) wrote it.
        case other(String)

        /// Every named kind, for reading a wire string back (a new case goes here and in `rawValue`).
        static let known: [ErrorType] = [
            .validation, .generation, .overloaded, .incompleteGeneration,
            .badRequest, .unauthorized, .forbidden, .notFound, .gone, .payloadTooLarge, .unsupportedMediaType,
            .modelLoading, .unavailable, .serverError, .httpError,
            .invalidRequest, .connection, .timeout, .cancelled, .invalidResponse, .unsupported, .unknown,
            .responseTooLarge, .tooManyTokens, .sessionFile, .modelNotFound, .modelError,
        ]
        private static let byName: [String: ErrorType] = Dictionary(known.map { ($0.rawValue, $0) },
                                                                    uniquingKeysWith: { first, _ in first })

        /// The kind a wire string names; never fails (an unknown string is `.other`).
        public init(rawValue: String) {
            self = Self.byName[rawValue] ?? .other(rawValue)
        }

        /// A literal is read as the wire name it spells, exactly as decoding would read it (tests and fixtures
        /// write kinds the way servers send them).
        public init(stringLiteral value: String) { self.init(rawValue: value) }

        /// A kind a server sent, with control characters made visible (it may reach the terminal).
        static func fromServer(_ raw: String) -> ErrorType { ErrorType(rawValue: ServerText.visible(raw)) }

        /// TGI's wire name for the kind.
        public var rawValue: String {
            switch self {
            case .validation: "validation"
            case .generation: "generation"
            case .overloaded: "overloaded"
            case .incompleteGeneration: "incomplete_generation"
            case .badRequest: "bad_request"
            case .unauthorized: "unauthorized"
            case .forbidden: "forbidden"
            case .notFound: "not_found"
            case .gone: "gone"
            case .payloadTooLarge: "payload_too_large"
            case .unsupportedMediaType: "unsupported_media_type"
            case .modelLoading: "model_loading"
            case .unavailable: "unavailable"
            case .serverError: "server_error"
            case .httpError: "http_error"
            case .invalidRequest: "invalid_request"
            case .connection: "connection"
            case .timeout: "timeout"
            case .cancelled: "cancelled"
            case .invalidResponse: "invalid_response"
            case .unsupported: "unsupported"
            case .unknown: "unknown"
            case .responseTooLarge: "response_too_large"
            case .tooManyTokens: "too_many_tokens"
            case .sessionFile: "session_file"
            case .modelNotFound: "model_not_found"
            case .modelError: "model_error"
            case .other(let raw): raw
            }
        }

        public var description: String { rawValue }

        public static func == (lhs: ErrorType, rhs: ErrorType) -> Bool { lhs.rawValue == rhs.rawValue }
        public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }

        public init(from decoder: any Decoder) throws {
            self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            try c.encode(rawValue)
        }
    }
}
