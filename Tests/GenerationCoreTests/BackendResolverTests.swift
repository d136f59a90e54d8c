import Foundation
import Testing
import GenerationCore
@testable import tgplay

/// The one way from "which backend" to a backend, as the playground and `tgplay compare` use it. No engine is
/// loaded here: the built-in engine's path is pointed at nothing, so asking for it must fail with its own message
/// (never fall back to another backend), and endpoints are made without contacting them.
@Suite struct BackendResolverTests {
    static func environment(_ extra: [String: String] = [:]) -> [String: String] {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("tgplay-resolver-\(UUID().uuidString)").path
        return ["HOME": home, "XDG_CONFIG_HOME": home + "/config", "TGPLAY_MODEL": home + "/no-model.gguf"]
            .merging(extra) { _, new in new }
    }

    static func same(_ a: any TextGenerationBackend, _ b: any TextGenerationBackend) -> Bool {
        (a as AnyObject) === (b as AnyObject)
    }

    @Test func endpointsAreMadeOncePerURLAndHeaderSettings() throws {
        var options = BackendOptions()
        options.endpoint = "http://127.0.0.1:9"
        options.api = .tgi
        let resolver = BackendResolver(options: options, environment: Self.environment())
        let a = try resolver.backend(.command)
        #expect(Self.same(a, try resolver.backend(.command)), "the same backend, not a new one per run")
        #expect(!Self.same(a, try resolver.backend(.command, useCache: false)), "headers make their own backend")
        let other = try resolver.backend(.endpoint("http://127.0.0.1:10"))
        #expect(other.identity == BackendIdentity("http://127.0.0.1:10"))
        #expect(Self.same(other, try resolver.backend(.endpoint("http://127.0.0.1:10"))))
        #expect((try resolver.backend(.command, useCache: false) as? TGIBackend)?.configuration.useCache == false)
    }

    @Test func theBuiltInEngineFailsWithItsOwnMessageAndNothingElseIsUsed() throws {
        var options = BackendOptions()
        options.endpoint = "http://127.0.0.1:9"
        let resolver = BackendResolver(options: options, environment: Self.environment())
        _ = try resolver.backend(.command)
        let error = #expect(throws: GenerationError.self) { _ = try resolver.backend(.local) }
        #expect(error?.errorType == .modelNotFound)
        // With no endpoint named anywhere, the command's own backend is the engine: the same failure.
        let local = BackendResolver(options: BackendOptions(), environment: Self.environment())
        #expect(throws: GenerationError.self) { _ = try local.backend(.command) }
    }

    @Test func aConfigFileIsReadOnlyWhenAURLNeedsItAndABrokenOneIsAnError() throws {
        let environment = Self.environment()
        let directory = environment["XDG_CONFIG_HOME"]! + "/tgplay"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Data("{not json".utf8).write(to: URL(fileURLWithPath: directory + "/config.json"))
        defer { try? FileManager.default.removeItem(atPath: environment["HOME"]!) }
        var options = BackendOptions()
        options.endpoint = "http://127.0.0.1:9"
        let resolver = BackendResolver(options: options, environment: environment)
        _ = try resolver.backend(.command)
        let error = #expect(throws: GenerationError.self) { _ = try resolver.backend(.endpoint("http://127.0.0.1:10")) }
        #expect(error?.message.contains("config.json") == true)
    }

    @Test func compareEndpointsNameTheirChoice() {
        #expect(BackendChoice(compareEndpoint: nil) == .command)
        #expect(BackendChoice(compareEndpoint: "local") == .local)
        #expect(BackendChoice(compareEndpoint: "http://h:1") == .endpoint("http://h:1"))
    }
}
