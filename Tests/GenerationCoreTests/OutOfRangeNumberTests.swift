import Foundation
import Testing
import LocalEngine
@testable import GenerationCore

/// Numbers at the edge of their wire types (issue 16, item 3): validation and the command line answer with an
/// error, never an integer conversion that traps.
@Suite struct OutOfRangeNumberTests {
    static let huge = UInt.max  // 18446744073709551615, a valid `usize` on the wire

    static func message(_ p: GenerateParameters, streaming: Bool = false, limits: ValidationLimits = .tgiDefaults,
                        tokens: Int? = nil) -> String? {
        Validation.check(GenerateRequest(inputs: "Hi", parameters: p), streaming: streaming, limits: limits,
                         inputTokenCount: tokens)?.message
    }

    @Test func hugeBestOfIsAValidationError() {
        let prefix = "Input validation error: "
        #expect(Self.message(GenerateParameters(bestOf: Self.huge, doSample: true))
                == prefix + "`best_of` must be > 0 and <= 2. Given: 18446744073709551615")
        #expect(Self.message(GenerateParameters(bestOf: Self.huge), limits: .unknown)
                == prefix + "you must use sampling when `best_of` is > 1")
        #expect(Self.message(GenerateParameters(bestOf: Self.huge, doSample: true), streaming: true)
                == prefix + "`best_of` != 1 is not supported when streaming tokens")
        #expect(Self.message(GenerateParameters(bestOf: Self.huge, doSample: true, seed: 3), limits: .unknown)
                == prefix + "`seed` must not be set when `best_of` > 1")
    }

    @Test func hugeTruncateIsAValidationError() {
        let limits = ValidationLimits(maxInputTokens: 8191, maxTotalTokens: 8192)
        #expect(Self.message(GenerateParameters(truncate: Self.huge), limits: limits)
                == "Input validation error: `truncate` must be strictly positive and less than 8191. Given: 18446744073709551615")
        // Limits on the total only: truncation to "everything" keeps the prompt as it is.
        let totalOnly = ValidationLimits(maxTotalTokens: 8192)
        #expect(Self.message(GenerateParameters(maxNewTokens: 10, truncate: Self.huge), limits: totalOnly, tokens: 5) == nil)
        #expect(Self.message(GenerateParameters(maxNewTokens: 8190, truncate: Self.huge), limits: totalOnly, tokens: 5)
                == "Input validation error: `inputs` tokens + `max_new_tokens` must be <= 8192. Given: 5 `inputs` tokens and 8190 `max_new_tokens`")
    }

    /// Through the binary: the wire body with u64::MAX, and timeouts too large for the clocks they feed.
    @Test func theCommandLineRefusesThem() throws {
        let model = ModelLocation.resolve(environment: ProcessInfo.processInfo.environment)
        for parameters in [#"{"best_of":18446744073709551615,"do_sample":true}"#, #"{"truncate":18446744073709551615}"#] {
            let body = #"{"inputs":"Hi","parameters":"# + parameters + "}"
            let run = try CLIStreamTests.run(["generate", "--local", "--model", model], input: body)
            #expect(run.status == 1 && run.stdout.contains(#""error_type":"validation""#), "\(run.status) \(run.stdout) \(run.stderr)")
            #expect(run.stdout.contains("Given: 18446744073709551615"), "\(run.stdout)")
        }
        for (flag, value) in [("--timeout", "2e10"), ("--connect-timeout", "1e16"), ("--timeout", "1e300")] {
            let run = try CLIStreamTests.run(["info", "--endpoint", "http://127.0.0.1:9", flag, value])
            #expect(run.status == 2, "\(flag) \(value): \(run.status) \(run.stderr)")
            #expect(run.stderr.contains(flag) && run.stderr.contains(value), "\(run.stderr)")
        }
    }
}
