import Foundation
import GenerationCore
import Synchronization

/// Which backend a run names: the command's own (`--endpoint`, `TGPLAY_ENDPOINT`, the config file, else the
/// built-in engine), the built-in engine, or another endpoint URL (a compare set's, the sidebar's `backend`).
enum BackendChoice: Hashable, Sendable {
    case command
    case local
    case endpoint(String)

    /// A compare input's `endpoint` field: absent is the command's own, `"local"` the engine, else a URL.
    init(compareEndpoint: String?) {
        switch compareEndpoint {
        case nil: self = .command
        case "local"?: self = .local
        case let url?: self = .endpoint(url)
        }
    }
}

/// The one way from a `BackendChoice` to a backend, for the playground and `tgplay compare` alike: the built-in
/// engine is loaded at most once per process (its weights are large) and HTTP backends are made once per URL and
/// header settings (so detection and what a backend learned, such as its context size, are kept); a URL another
/// than the command's own gets the same token and timeouts and the config file's API and model for it. A backend
/// that cannot be made is an error, never a quiet fall back to another one.
final class BackendResolver: Sendable {
    private struct Key: Hashable {
        var choice: BackendChoice
        var noCache: Bool
        var waitForModel: Bool
    }

    private let options: BackendOptions
    private let environment: [String: String]
    /// The config file, read once when a URL needs its entry (a broken file is then an error naming it).
    private let config = Mutex<Config??>(nil)
    private let engine = Mutex<(any TextGenerationBackend)?>(nil)
    private let made = Mutex<[Key: any TextGenerationBackend]>([:])

    init(options: BackendOptions, environment: [String: String]) {
        self.options = options
        self.environment = environment
    }

    /// `choice` with the sidebar's header settings (`x-use-cache: false`, `x-wait-for-model: true` are added to
    /// what the command line asked, never taken away).
    func backend(_ choice: BackendChoice, useCache: Bool = true, waitForModel: Bool = false) throws
        -> any TextGenerationBackend {
        var o = options
        o.noCache = !useCache || options.noCache
        o.waitForModel = waitForModel || options.waitForModel
        switch choice {
        case .local:
            return try builtIn()
        case .command:
            guard try BackendFactory.endpointText(options, environment: environment) != nil else { return try builtIn() }
            return try cached(Key(choice: choice, noCache: o.noCache, waitForModel: o.waitForModel)) {
                try BackendFactory.make(o, environment: environment)
            }
        case .endpoint(let url):
            return try cached(Key(choice: choice, noCache: o.noCache, waitForModel: o.waitForModel)) {
                try BackendFactory.make(BackendFactory.options(o, for: url, config: try configFile()), environment: environment)
            }
        }
    }

    private func configFile() throws -> Config? {
        try config.withLock { known in
            if let known { return known }
            let loaded = try Config.load(environment: environment)
            known = .some(loaded)
            return loaded
        }
    }

    private func builtIn() throws -> any TextGenerationBackend {
        try engine.withLock { current in
            if let current { return current }
            let loaded = try BackendFactory.makeLocal(options, environment: environment)
            current = loaded
            return loaded
        }
    }

    private func cached(_ key: Key, _ make: () throws -> any TextGenerationBackend) throws -> any TextGenerationBackend {
        try made.withLock { table in
            if let known = table[key] { return known }
            let backend = try make()
            table[key] = backend
            return backend
        }
    }
}
