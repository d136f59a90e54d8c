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
        let result: CompareResult
        do {
            // Same token and timeouts as the command's own endpoint for every set's URL: the file is the person's
            // own. The config file's entry for a URL may name its API and model.
            let resolver = BackendResolver(options: options.backend, environment: environment)
            result = try await CompareRunner.run(prompt: input.inputs, base: input.parameters, sets: input.sets) { set in
                let endpoint = input.entries.first { $0.name == set.name }?.endpoint
                return try resolver.backend(BackendChoice(compareEndpoint: endpoint))
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
