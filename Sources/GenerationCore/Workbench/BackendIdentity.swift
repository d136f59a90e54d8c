import Foundation

/// Which backend a run or a parameter set used, as it is shown and stored: an endpoint URL or `"local"` (the
/// built-in engine).
///
/// Why a separate type rather than the backend's configuration: sessions and compare output are files people
/// share, and a configuration carries the bearer token. An identity is built from the URL alone, with any
/// `user:password@` part removed, so nothing secret can reach a file through it.
public struct BackendIdentity: Codable, Sendable, Equatable, Hashable, CustomStringConvertible {
    /// `"local"` or an http(s) URL without credentials.
    public let value: String

    /// The built-in engine.
    public static let local = BackendIdentity(trusted: "local")

    private init(trusted value: String) { self.value = value }

    /// An endpoint's identity: its URL without user info (credentials never leave through an identity).
    public init(endpoint: Endpoint) {
        self.init(trusted: Self.withoutCredentials(endpoint.base))
    }

    /// `"local"` (or `"built-in"`) for the built-in engine, else a URL (credentials stripped).
    public init(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed == "local" || trimmed.hasPrefix("built-in") {
            self = .local
        } else {
            self.init(trusted: Self.withoutCredentials(trimmed))
        }
    }

    /// The identity of a live backend (each backend says its own).
    public init(of backend: any TextGenerationBackend) {
        self = backend.identity
    }

    public var isLocal: Bool { value == "local" }
    public var description: String { value }

    public init(from decoder: any Decoder) throws {
        self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(value)
    }

    private static func withoutCredentials(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.user != nil || components.password != nil
        else { return url }
        components.user = nil
        components.password = nil
        return components.string ?? url
    }
}
