import Foundation
import GenerationCore

/// A command-line mistake: printed with a pointer to `--help`, exit status 2.
struct UsageError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

/// Which backend the person chose on the command line (before defaults from the environment and config).
struct BackendOptions: Equatable {
    var endpoint: String?
    /// `--api`: which API the endpoint speaks (`auto` probes).
    var api: APIChoice = .auto
    /// `--model-id`: the `model` field for OpenAI-compatible servers (else the first of `/v1/models`).
    var modelID: String?
    var token: String?
    var noCache = false
    var waitForModel = false
    var local = false
    var modelPath: String?
    var connectTimeout: Double?
    var readTimeout: Double?
    /// `--max-time`: seconds a whole request may take.
    var maxTime: Double?
    var threads: Int?
    /// `--probabilities raw|processed`: what the server's logprobs are (vLLM's --logprobs-mode), or which to
    /// ask for (llama.cpp's native route).
    var probabilities: ProbabilityKind?
}

/// The parsed command line.
struct Options: Equatable {
    enum Command: String, Equatable {
        case playground, generate, tokenize, info, bench, compare, chat, template, explain, help, version
        case watermarkDetect = "watermark-detect"
        case sampleTree = "sample-tree"
        case step
    }

    var command: Command = .playground
    var backend = BackendOptions()
    var stream = false
    var inputPath: String?
    var theme: String?
    var sessionPath: String?
    var rest: [String] = []

    /// The longest timeout accepted: a year. The transfer turns seconds into milliseconds (a C long) and
    /// nanoseconds (UInt64), where 2e10 s no longer fits and trapped; a year fits both with room to spare.
    static let maxSeconds: Double = 365 * 24 * 3600

    /// Parses `arguments` (without the program name). Flags may come before or after the subcommand.
    static func parse(_ arguments: [String]) throws -> Options {
        var options = Options()
        var index = 0
        var sawCommand = false

        func value(for flag: String) throws -> String {
            index += 1
            guard index < arguments.count else { throw UsageError("\(flag) needs a value") }
            return arguments[index]
        }
        func seconds(for flag: String) throws -> Double {
            let text = try value(for: flag)
            guard let v = Double(text), v > 0, v <= maxSeconds else {
                throw UsageError("\(flag) wants a positive number of seconds up to \(Int(maxSeconds)) (a year), got \"\(text)\"")
            }
            return v
        }

        while index < arguments.count {
            let argument = arguments[index]
            var flag = argument
            var inlineValue: String?
            if argument.hasPrefix("--"), let eq = argument.firstIndex(of: "=") {
                flag = String(argument[..<eq])
                inlineValue = String(argument[argument.index(after: eq)...])
            }
            if let inlineValue {
                // Re-split `--flag=value` so both spellings share one path below.
                var expanded = arguments
                expanded.replaceSubrange(index...index, with: [flag, inlineValue])
                return try parse(expanded)
            }
            switch flag {
            case "-h", "--help": options.command = .help
            case "-V", "--version": options.command = .version
            case "--endpoint", "-e": options.backend.endpoint = try value(for: flag)
            case "--api":
                let text = try value(for: flag)
                guard let api = APIChoice(rawValue: text) else {
                    throw UsageError("--api wants one of \(APIChoice.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(text)\"")
                }
                options.backend.api = api
            case "--model-id": options.backend.modelID = try value(for: flag)
            case "--token": options.backend.token = try value(for: flag)
            case "--no-cache": options.backend.noCache = true
            case "--wait-for-model": options.backend.waitForModel = true
            case "--local": options.backend.local = true
            case "--model": options.backend.modelPath = try value(for: flag)
            case "--connect-timeout": options.backend.connectTimeout = try seconds(for: flag)
            case "--timeout": options.backend.readTimeout = try seconds(for: flag)
            case "--max-time": options.backend.maxTime = try seconds(for: flag)
            case "--threads":
                let text = try value(for: flag)
                guard let n = Int(text), (1...64).contains(n) else { throw UsageError("--threads wants 1 to 64, got \"\(text)\"") }
                options.backend.threads = n
            case "--probabilities":
                let text = try value(for: flag)
                guard let kind = ProbabilityKind(rawValue: text), kind != .unknown else {
                    throw UsageError("--probabilities wants raw or processed, got \"\(text)\"")
                }
                options.backend.probabilities = kind
            case "--stream": options.stream = true
            case "--input", "-i": options.inputPath = try value(for: flag)
            case "--theme": options.theme = try value(for: flag)
            case "--session": options.sessionPath = try value(for: flag)
            default:
                if !sawCommand, !argument.hasPrefix("-"), let command = Command(rawValue: argument),
                   command != .playground {
                    if options.command != .help && options.command != .version { options.command = command }
                    sawCommand = true
                } else if argument == "help" && !sawCommand {
                    options.command = .help
                    sawCommand = true
                } else if [.bench, .sampleTree, .step].contains(options.command) {
                    // The subcommand's own flags (`--n`, `--depth`, `--steps`, `--force`...), parsed there.
                    options.rest.append(argument)
                    if argument.hasPrefix("--"), index + 1 < arguments.count {
                        index += 1
                        options.rest.append(arguments[index])
                    }
                } else {
                    throw UsageError("unknown argument \"\(argument)\"")
                }
            }
            index += 1
        }
        if options.backend.local && options.backend.endpoint != nil {
            throw UsageError("--local and --endpoint exclude each other")
        }
        if options.backend.local && (options.backend.api != .auto || options.backend.modelID != nil) {
            throw UsageError("--api and --model-id go with --endpoint, not --local")
        }
        if options.backend.local && options.backend.probabilities != nil {
            throw UsageError("--probabilities goes with --endpoint: the built-in engine reports processed probabilities, and its stages show the raw ones")
        }
        if options.backend.modelPath != nil && options.backend.endpoint != nil {
            throw UsageError("--model goes with --local, not --endpoint")
        }
        return options
    }
}
