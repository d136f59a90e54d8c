import Foundation
import Testing
@testable import tgplay

/// The command line as `Options.parse` reads it: flags before or after the subcommand, `--flag=value`, the
/// backend choices and their conflicts, and clear usage errors.
@Suite struct OptionsTests {
    @Test func subcommandsAndFlagsInAnyOrder() throws {
        let a = try Options.parse(["generate", "--endpoint", "http://h:1", "--stream", "--input", "f.json"])
        let b = try Options.parse(["--stream", "--endpoint=http://h:1", "generate", "-i", "f.json"])
        #expect(a == b)
        #expect(a.command == .generate && a.stream && a.inputPath == "f.json" && a.backend.endpoint == "http://h:1")
        #expect(try Options.parse([]).command == .playground)
        #expect(try Options.parse(["chat", "--local"]).command == .chat)
        #expect(try Options.parse(["template"]).command == .template)
        #expect(try Options.parse(["help"]).command == .help)
        #expect(try Options.parse(["generate", "--help"]).command == .help, "--help wins over a subcommand")
    }

    @Test func backendOptions() throws {
        let o = try Options.parse(["info", "--endpoint", "http://h:1/v1", "--api", "openai", "--model-id", "m",
                                   "--token", "t", "--no-cache", "--wait-for-model", "--timeout", "30",
                                   "--connect-timeout", "2.5"])
        #expect(o.backend.api == .openai && o.backend.modelID == "m" && o.backend.token == "t")
        #expect(o.backend.noCache && o.backend.waitForModel)
        #expect(o.backend.readTimeout == 30 && o.backend.connectTimeout == 2.5)
        let local = try Options.parse(["--local", "--model", "/m.gguf", "--threads", "1"])
        #expect(local.backend.local && local.backend.modelPath == "/m.gguf" && local.backend.threads == 1)
        #expect(try Options.parse(["bench", "engine", "--prompt-tokens", "8"]).rest == ["engine", "--prompt-tokens", "8"])
    }

    @Test(arguments: [
        (["--endpoint"], "--endpoint needs a value"),
        (["--api", "grpc"], "--api wants one of auto, tgi, openai, llamacpp, ollama"),
        (["--timeout", "0"], "--timeout"),
        (["--timeout", "nan"], "--timeout"),
        (["--threads", "0"], "--threads wants 1 to 64"),
        (["--local", "--endpoint", "http://h:1"], "--local and --endpoint exclude each other"),
        (["--endpoint", "http://h:1", "--model", "/m"], "--model goes with --local"),
        (["--local", "--api", "openai"], "--api and --model-id go with --endpoint"),
        (["frobnicate"], "unknown argument \"frobnicate\""),
    ])
    func usageErrors(_ arguments: [String], _ message: String) {
        do {
            _ = try Options.parse(arguments)
            Issue.record("\(arguments) parsed")
        } catch let error as UsageError {
            #expect(error.description.contains(message), "\(arguments): \(error.description)")
        } catch {
            Issue.record("\(arguments): not a usage error: \(error)")
        }
    }
}
