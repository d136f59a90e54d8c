import Foundation

/// Everything that shapes requests to one endpoint. Immutable once a backend is made from it.
public struct HTTPBackendConfiguration: Sendable {
    public var endpoint: Endpoint
    /// Sent as `Authorization: Bearer ...`; never printed or stored by tgplay.
    public var token: String?
    /// false sends `x-use-cache: false` (serverless: do not answer from cache).
    public var useCache: Bool
    /// true sends `x-wait-for-model: true` (serverless: hold the request while the model loads, no 503).
    public var waitForModel: Bool
    /// Seconds to establish a connection.
    public var connectTimeout: Double
    /// Seconds without any byte from the server (keep-alive comments count) before giving up.
    public var readTimeout: Double
    /// Seconds a whole exchange may take however slowly the bytes come (`--max-time`): nil gives streams no
    /// limit and one-shot calls `defaultExchangeMaxTime`, so a server trickling a byte at a time cannot hold a
    /// script forever.
    public var maxTime: Double?
    public static let defaultExchangeMaxTime = 600.0
    /// What the person said the server's logprobs are (`--probabilities`): fills in a kind the adapter cannot
    /// know (vLLM's `--logprobs-mode`, SGLang, unknown servers), asks llama.cpp's native route for post-sampling
    /// probabilities when `processed`, and is refused where it contradicts what the server is known to report.
    public var declaredProbabilities: ProbabilityKind?

    public init(endpoint: Endpoint, token: String? = nil, useCache: Bool = true, waitForModel: Bool = false,
                connectTimeout: Double = 10, readTimeout: Double = 120) {
        self.endpoint = endpoint
        self.token = token
        self.useCache = useCache
        self.waitForModel = waitForModel
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
    }

    /// This configuration at the server's root (`Endpoint.serverRoot`: a `/v1` suffix dropped), for the
    /// routes that live there (`/props`, `/tokenize`, `/info`) whatever URL the person gave.
    public var atServerRoot: HTTPBackendConfiguration {
        var rooted = self
        if let endpoint = try? Endpoint(endpoint.serverRoot) { rooted.endpoint = endpoint }
        return rooted
    }

    /// The request headers, in a fixed order.
    var headers: [(name: String, value: String)] {
        var list: [(name: String, value: String)] = [("Content-Type", "application/json")]
        if let token, !token.isEmpty { list.append(("Authorization", "Bearer \(token)")) }
        if !useCache { list.append(("x-use-cache", "false")) }
        if waitForModel { list.append(("x-wait-for-model", "true")) }
        return list
    }
}

/// Finds the Hugging Face token the way `huggingface_hub` does, so a logged-in person needs no flag:
/// the explicit value, else `HF_TOKEN`, else `HUGGING_FACE_HUB_TOKEN`, else the file at `HF_TOKEN_PATH`,
/// else `$HF_HOME/token`, else `~/.cache/huggingface/token`. Whitespace and line breaks are stripped; empty is none.
public enum TokenLookup {
    public static func resolve(explicit: String?, environment: [String: String],
                               readFile: (String) -> String? = { try? String(contentsOfFile: $0, encoding: .utf8) })
        -> String? {
        func clean(_ value: String?) -> String? {
            guard let value else { return nil }
            let stripped = value.replacingOccurrences(of: "\r", with: "").replacingOccurrences(of: "\n", with: "")
                .trimmingCharacters(in: .whitespaces)
            return stripped.isEmpty ? nil : stripped
        }
        if let token = clean(explicit) { return token }
        if let token = clean(environment["HF_TOKEN"]) { return token }
        if let token = clean(environment["HUGGING_FACE_HUB_TOKEN"]) { return token }
        let path: String
        if let explicitPath = environment["HF_TOKEN_PATH"], !explicitPath.isEmpty {
            path = explicitPath
        } else if let hfHome = environment["HF_HOME"], !hfHome.isEmpty {
            path = hfHome + "/token"
        } else {
            path = XDGDirectory.cache.path(environment: environment) + "/huggingface/token"
        }
        return clean(readFile(path))
    }
}
