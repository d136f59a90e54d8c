import Foundation
import GenerationCore
import Playground

/// Wires the playground to the chosen backend. The header settings of the sidebar (`x-use-cache`,
/// `x-wait-for-model`) rebuild an HTTP backend; the built-in engine is loaded once and shared.
enum PlaygroundLauncher {
    static func run(_ options: Options, environment: [String: String]) -> Int32 {
        let first: any TextGenerationBackend
        do {
            first = try BackendFactory.make(options.backend, environment: environment)
        } catch {
            // The playground is not a scripting command: a readable message, no JSON error line.
            let text = (error as? GenerationError)?.message ?? String(describing: error)
            FileHandle.standardError.write(Data("tgplay: cannot open the playground: \(text)\n".utf8))
            return 1
        }
        let isHTTP = first is TGIBackend
        let backendOptions = options.backend
        let configuration = PlaygroundConfiguration(
            makeBackend: { useCache, waitForModel in
                guard isHTTP else { return first }
                var o = backendOptions
                o.noCache = !useCache || backendOptions.noCache
                o.waitForModel = waitForModel || backendOptions.waitForModel
                return (try? BackendFactory.make(o, environment: environment)) ?? first
            },
            themeName: options.theme,
            environment: environment,
            executablePath: CommandLine.arguments[0].contains("/")
                ? CommandLine.arguments[0] : (Bundle.main.executablePath ?? CommandLine.arguments[0]),
            sessionPath: options.sessionPath)
        return PlaygroundApp.run(configuration)
    }
}
