import Foundation
import GenerationCore
import LocalEngine

/// `tgplay compare --input FILE [BACKEND]`: runs 2 to 4 parameter sets on one prompt with one seed and prints
/// one JSON object (each set's response or error, stats, the first divergent index and both distributions there).
/// Exit status 0 when every set answered, 1 otherwise.
enum CompareCommand {
    static func run(_ options: Options, environment: [String: String]) async -> Int32 {
        let input: CompareInput
        do {
            input = try CompareInput.decode(try Input.readAll(options.inputPath, what: "the compare input"))
        } catch {
            return Output.fail(error)
        }
        var shared: (any TextGenerationBackend)?
        var local: (any TextGenerationBackend)?
        let result: CompareResult
        do {
            result = try await CompareRunner.run(prompt: input.inputs, base: input.parameters, sets: input.sets) { set in
                let endpoint = input.entries.first { $0.name == set.name }?.endpoint
                switch endpoint {
                case nil:
                    if let shared { return shared }
                    let made = try BackendFactory.make(options.backend, environment: environment)
                    shared = made
                    return made
                case "local"?:
                    if let local { return local }
                    let made = try BackendFactory.makeLocal(options.backend, environment: environment)
                    local = made
                    return made
                case let url?:
                    // Same token and timeouts as the command's own endpoint: the file is the person's own. The
                    // config file's entry for the URL may name its API and model.
                    let config = try Config.load(environment: environment)
                    return try BackendFactory.make(BackendFactory.options(options.backend, for: url, config: config),
                                                   environment: environment)
                }
            }
        } catch {
            return Output.fail(error)
        }
        Output.line(result)
        for set in result.sets {
            if let error = set.error {
                Output.message("set \(set.name) failed (\(error.errorType ?? "unknown")): \(error.error)")
            }
        }
        return result.allSucceeded ? 0 : 1
    }

}
