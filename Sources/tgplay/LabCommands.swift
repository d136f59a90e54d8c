import Foundation
import GenerationCore

/// The distribution lab's scripting commands (README, "Distribution lab"):
/// `tgplay sample-tree [BACKEND] --input FILE --n N --depth K [--accepted TEXT]`: the sampled token tree as one
/// JSON object (`SampleTree`);
/// `tgplay step [BACKEND] --input FILE --steps K [--force TEXT]`: K one-token steps, then the forced text, one
/// JSON line per token (`StepToken` with its step number), each step starting from the tokens before it.
enum LabCommands {
    /// The subcommand's flags (`Options.rest`): `--name value` pairs, only `allowed` names.
    static func flags(_ rest: [String], allowed: Set<String>) throws -> [String: String] {
        var values: [String: String] = [:]
        var index = 0
        while index < rest.count {
            let flag = rest[index]
            guard allowed.contains(flag) else {
                throw UsageError("unknown option \(flag) (takes \(allowed.sorted().joined(separator: ", ")))")
            }
            guard index + 1 < rest.count else { throw UsageError("\(flag) needs a value") }
            values[flag] = rest[index + 1]
            index += 2
        }
        return values
    }

    static func number(_ values: [String: String], _ flag: String, default fallback: Int, range: ClosedRange<Int>)
        throws -> Int {
        guard let text = values[flag] else { return fallback }
        guard let n = Int(text), range.contains(n) else {
            throw UsageError("\(flag) wants \(range.lowerBound) to \(range.upperBound), got \"\(text)\"")
        }
        return n
    }

    static func usage(_ error: UsageError) -> Int32 {
        Output.message("\(error.description) (see tgplay --help)")
        return 2
    }

    static func sampleTree(_ options: Options, backend: any TextGenerationBackend) async -> Int32 {
        let samples: Int, depth: Int, accepted: String
        do {
            let values = try flags(options.rest, allowed: ["--n", "--depth", "--accepted"])
            samples = try number(values, "--n", default: 16, range: SampleTreeRequest.sampleRange)
            depth = try number(values, "--depth", default: 8, range: SampleTreeRequest.depthRange)
            accepted = values["--accepted"] ?? ""
        } catch let error as UsageError {
            return usage(error)
        } catch {
            return Output.fail(error)
        }
        do {
            let request = try Commands.readRequest(options.inputPath)
            let tree = try await SampleTrees.sample(
                SampleTreeRequest(request: request, accepted: accepted, samples: samples, depth: depth), on: backend)
            Output.line(tree)
            return 0
        } catch {
            return Output.fail(error)
        }
    }

    /// One line of `tgplay step`.
    struct StepLine: Encodable {
        /// 1-based: the K generated steps, then K + 1 for every token of the forced text.
        var step: Int
        var token: StepToken

        func encode(to encoder: any Encoder) throws {
            enum Key: String, CodingKey { case step }
            var c = encoder.container(keyedBy: Key.self)
            try c.encode(step, forKey: .step)
            try token.encode(to: encoder)
        }
    }

    static func step(_ options: Options, backend: any TextGenerationBackend) async -> Int32 {
        let steps: Int, force: String?
        do {
            let values = try flags(options.rest, allowed: ["--steps", "--force"])
            steps = try number(values, "--steps", default: 1, range: 0...256)
            force = values["--force"]
        } catch let error as UsageError {
            return usage(error)
        } catch {
            return Output.fail(error)
        }
        do {
            var request = try Commands.readRequest(options.inputPath)
            request.traceStages = true
            var accepted: [Token] = []
            for n in 0..<steps {
                let answer = try await Stepping.step(StepRequest(request: request, accepted: accepted), on: backend)
                for token in answer { Output.line(StepLine(step: n + 1, token: token)) }
                accepted += answer.map(\.token)
            }
            if let force {
                let answer = try await Stepping.step(StepRequest(request: request, accepted: accepted, force: force),
                                                     on: backend)
                for token in answer { Output.line(StepLine(step: steps + 1, token: token)) }
            }
            return 0
        } catch {
            return Output.fail(error)
        }
    }
}
