import Foundation
import GenerationCore
import Playground

/// Wires the playground to its backends through the one `BackendResolver`: the sidebar's header settings
/// (`x-use-cache`, `x-wait-for-model`) pick an HTTP backend made for them; the built-in engine is loaded once, when
/// first used, and shared; a compare set or the sidebar's `backend` field can name the engine or any endpoint URL.
enum PlaygroundLauncher {
    static func run(_ options: Options, environment: [String: String]) -> Int32 {
        let resolver: BackendResolver
        let first: any TextGenerationBackend
        // Identities carry no credentials; connecting to a configured endpoint uses its URL as written.
        let config = try? Config.load(environment: environment)
        do {
            resolver = BackendResolver(options: options.backend, environment: environment)
            first = try resolver.backend(.command)
        } catch {
            // The playground is not a scripting command: a readable message, no JSON error line.
            let text = (error as? GenerationError)?.message ?? String(describing: error)
            Output.message("cannot open the playground: \(text)")
            return 1
        }
        let configured = endpointURLs(environment: environment, config: config)
        let rawURL = Dictionary(configured.map { (BackendIdentity($0), $0) }) { first, _ in first }
        let configuration = PlaygroundConfiguration(
            makeBackend: { identity, useCache, waitForModel in
                let choice: BackendChoice
                if let identity {
                    choice = identity.isLocal ? .local : .endpoint(rawURL[identity] ?? identity.value)
                } else {
                    choice = .command
                }
                return try resolver.backend(choice, useCache: useCache, waitForModel: waitForModel)
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
