import Foundation
import GenerationCore
import Playground
import Synchronization

/// Wires the playground to its backends. The header settings of the sidebar (`x-use-cache`,
/// `x-wait-for-model`) rebuild an HTTP backend; the built-in engine is loaded once, when first used, and
/// shared; a compare set or the sidebar's `backend` field can name the built-in engine or any endpoint URL.
enum PlaygroundLauncher {
    static func run(_ options: Options, environment: [String: String]) -> Int32 {
        let first: any TextGenerationBackend
        do {
            first = try BackendFactory.make(options.backend, environment: environment)
        } catch {
            // The playground is not a scripting command: a readable message, no JSON error line.
            let text = (error as? GenerationError)?.message ?? String(describing: error)
            Output.message("cannot open the playground: \(text)")
            return 1
        }
        let isHTTP = !first.identity.isLocal
        let backendOptions = options.backend
        let engine = SharedEngine(isHTTP ? nil : first)
        // Identities carry no credentials; connecting to a configured endpoint uses its URL as written.
        let config = try? Config.load(environment: environment)
        let configured = endpointURLs(environment: environment, config: config)
        let rawURL = Dictionary(configured.map { (BackendIdentity($0), $0) }) { first, _ in first }
        let configuration = PlaygroundConfiguration(
            makeBackend: { identity, useCache, waitForModel in
                var o = backendOptions
                o.noCache = !useCache || backendOptions.noCache
                o.waitForModel = waitForModel || backendOptions.waitForModel
                guard let identity else {
                    guard isHTTP else { return first }
                    return (try? BackendFactory.make(o, environment: environment)) ?? first
                }
                if identity.isLocal {
                    return try engine.get { try BackendFactory.makeLocal(backendOptions, environment: environment) }
                }
                let url = rawURL[identity] ?? identity.value
                return try BackendFactory.make(BackendFactory.options(o, for: url, config: config), environment: environment)
            },
            backendChoices: choices(first: first, urls: configured),
            themeName: options.theme,
            environment: environment,
            executablePath: CommandLine.arguments[0].contains("/")
                ? CommandLine.arguments[0] : (Bundle.main.executablePath ?? CommandLine.arguments[0]),
            sessionPath: options.sessionPath)
        return PlaygroundApp.run(configuration)
    }

    /// TGPLAY_ENDPOINT and the config file's `endpoint` / `endpoints`, as written.
    static func endpointURLs(environment: [String: String], config: Config?) -> [String] {
        var urls: [String] = []
        if let e = environment["TGPLAY_ENDPOINT"], !e.isEmpty { urls.append(e) }
        if let config {
            urls += [config.endpoint].compactMap { $0 } + (config.endpoints ?? []).map(\.url)
        }
        return urls
    }

    /// What the sidebar's `backend` field offers besides the default: the built-in engine and `urls`.
    static func choices(first: any TextGenerationBackend, urls: [String]) -> [BackendIdentity] {
        var list: [BackendIdentity] = [.local]
        for url in urls {
            let id = BackendIdentity(url)
            if !list.contains(id) { list.append(id) }
        }
        let mine = BackendIdentity(of: first)
        return list.filter { $0 != mine }
    }
}

/// The built-in engine, loaded at most once per process (its weights are large).
final class SharedEngine: Sendable {
    private let backend: Mutex<(any TextGenerationBackend)?>

    init(_ loaded: (any TextGenerationBackend)?) { backend = Mutex(loaded) }

    func get(_ load: () throws -> any TextGenerationBackend) throws -> any TextGenerationBackend {
        try backend.withLock { current in
            if let current { return current }
            let made = try load()
            current = made
            return made
        }
    }
}
