import Foundation

/// Where a TGI-speaking server lives, and which routes it has.
///
/// A TGI base URL keeps its path prefix (`https://host/prefix` -> `https://host/prefix/generate`). A serverless
/// model URL (its path contains `/models/`) is one route for everything: requests go to it as is, with
/// `"stream"` in the body, and it has no `/info` or `/tokenize`.
public struct Endpoint: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case tgi
        case serverless(modelId: String)
    }

    /// The URL as given, without trailing slashes.
    public let base: String
    public let kind: Kind

    /// Parses `text`; throws a readable `GenerationError` for anything that is not an http(s) URL.
    public init(_ text: String) throws {
        var trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard let components = URLComponents(string: trimmed),
              let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = components.host, !host.isEmpty
        else {
            throw GenerationError(
                errorType: GenerationError.ErrorType.invalidRequest,
                message: "not an http(s) URL: \"\(text)\" (expected e.g. http://127.0.0.1:8080)")
        }
        base = trimmed
        if let range = components.path.range(of: "/models/") {
            let id = String(components.path[range.upperBound...])
            kind = .serverless(modelId: id)
        } else {
            kind = .tgi
        }
    }

    public var description: String { base }

    /// Whether the URL ends in `/v1`, as OpenAI-compatible base URLs are often written.
    public var hasVersionSuffix: Bool { base.hasSuffix("/v1") }

    /// The server root: the URL without a trailing `/v1` (people give either form; adapters add their routes).
    public var serverRoot: String { hasVersionSuffix ? String(base.dropLast(3)) : base }

    public var isServerless: Bool {
        if case .serverless = kind { return true }
        return false
    }

    /// The URL of a TGI route (`generate`, `generate_stream`, `info`, `tokenize`, `health`).
    public func url(_ route: String) -> String {
        switch kind {
        case .tgi: return "\(base)/\(route)"
        case .serverless: return base
        }
    }
}
