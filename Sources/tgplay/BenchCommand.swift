import Foundation
import GenerationCore
import LocalEngine
import Playground

/// `tgplay bench engine [--model PATH] [--prompt-tokens N] [--gen-tokens N] [--threads N] [--grammar json]
/// [--single-thread 0|1] [--stages]`: one JSON line, with the machine's limits (read bandwidth, f32 FMA peak) and,
/// with more than one thread, the same run on one thread (`--single-thread 0` skips it). `--grammar json` also
/// decodes under a JSON-schema grammar and reports both speeds; `--stages` also decodes sampled with and without
/// the per-token stage trace and reports the overhead.
/// `tgplay bench tree [--n N] [--depth K] [--prompt-tokens N] [--runs N]`: a sampled token tree's shared prefill
/// against N separate generate calls.
/// `tgplay bench ui [--tokens N]`: the playground's rendering cost under a 2,000 tok/s replayed stream.
/// `tgplay bench soak [--requests N] [--seed S]`: streamed requests against the fault server (SoakCommand).
enum BenchCommand {
    static func run(_ options: Options, environment: [String: String]) -> Int32 {
        var rest = options.rest
        guard let what = rest.first else {
            Output.message("bench needs a target: `tgplay bench engine`, `tgplay bench tree`, `tgplay bench ui` or `tgplay bench soak`")
            return 2
        }
        rest.removeFirst()
        if what == "ui" { return runUI(rest) }
        if what == "tree" { return runTree(rest, options: options, environment: environment) }
        if what == "soak" { return SoakCommand.run(rest) }
        guard what == "engine" else {
            Output.message("unknown benchmark \"\(what)\" (available: engine, tree, ui, soak)")
            return 2
        }
        var promptTokens = 512, generateTokens = 128
        var grammar: String?
        var stages = false
        var singleThread = true
        var index = 0
        while index < rest.count {
            let flag = rest[index]
            if flag == "--stages" {
                stages = true
                index += 1
                continue
            }
            if flag == "--grammar" {
                guard index + 1 < rest.count, rest[index + 1] == "json" else {
                    Output.message("--grammar needs a kind (available: json)")
                    return 2
                }
                grammar = rest[index + 1]
                index += 2
                continue
            }
            guard index + 1 < rest.count, let n = Int(rest[index + 1]), n >= 0 else {
                Output.message("\(flag) needs a number")
                return 2
            }
            switch flag {
            case "--prompt-tokens": promptTokens = max(1, n)
            case "--gen-tokens": generateTokens = n
            case "--single-thread": singleThread = n != 0
            default:
                Output.message("unknown bench option \(flag)")
                return 2
            }
            index += 2
        }
        let path = BackendFactory.modelPath(options.backend, environment: environment)
        do {
            let result = try EngineBenchmark.run(modelPath: path, promptTokens: promptTokens,
                                                 generateTokens: generateTokens, threads: options.backend.threads ?? 2,
                                                 grammar: grammar, singleThread: singleThread, stages: stages)
            Output.line(result)
            return 0
        } catch {
            return Output.fail(GenerationError(errorType: "model_error", message: "\(error)"))
        }
    }

    /// `tgplay bench tree [--n N] [--depth K] [--prompt-tokens N] [--runs N]`: a sampled token tree with one
    /// shared prefill against N separate generate calls (`TreeBenchmark`).
    static func runTree(_ rest: [String], options: Options, environment: [String: String]) -> Int32 {
        let samples: Int, depth: Int, promptTokens: Int, runs: Int
        do {
            let values = try LabCommands.flags(rest, allowed: ["--n", "--depth", "--prompt-tokens", "--runs"])
            samples = try LabCommands.number(values, "--n", default: 32, range: SampleTreeRequest.sampleRange)
            depth = try LabCommands.number(values, "--depth", default: 8, range: SampleTreeRequest.depthRange)
            promptTokens = try LabCommands.number(values, "--prompt-tokens", default: 256, range: 1...4096)
            runs = try LabCommands.number(values, "--runs", default: 3, range: 1...20)
        } catch let error as UsageError {
            return LabCommands.usage(error)
        } catch {
            return Output.fail(error)
        }
        let path = BackendFactory.modelPath(options.backend, environment: environment)
        do {
            Output.line(try TreeBenchmark.run(modelPath: path, samples: samples, depth: depth, promptTokens: promptTokens,
                                              runs: runs, threads: options.backend.threads ?? 2))
            return 0
        } catch {
            return Output.fail(GenerationError.from(error))
        }
    }

    static func runUI(_ rest: [String]) -> Int32 {
        var tokens = 20_000
        if rest.count == 2, rest[0] == "--tokens", let n = Int(rest[1]), n >= 4_000 {
            tokens = n
        } else if !rest.isEmpty {
            Output.message("bench ui takes only --tokens N (N >= 4000)")
            return 2
        }
        Output.line(UIBenchmark.run(transcriptTokens: tokens))
        return 0
    }
}
