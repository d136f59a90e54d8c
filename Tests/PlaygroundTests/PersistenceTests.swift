import Foundation
import GenerationCore
import Testing
@testable import Playground

@Suite("Persistence")
struct PersistenceTests {
    @Test func sessionRoundTripsThroughXDGDirectories() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("tgplay-xdg-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let paths = StatePaths(environment: ["XDG_CONFIG_HOME": root.path + "/config", "XDG_STATE_HOME": root.path + "/state"])
        #expect(paths.settingsFile == root.path + "/config/tgplay/playground.json")
        var settings = ParameterSettings.defaults
        settings.parameters.temperature = 0.7
        settings.parameters.stop = ["\n"]
        settings.grammarKind = .regex
        settings.grammarText = "[0-9]+"
        let session = SavedSession(settings: settings, theme: "light", prompt: "multi\nline 日本 😀")
        try session.save(to: paths)
        let (loaded, problem) = SavedSession.load(from: paths)
        #expect(problem == nil)
        #expect(loaded == session)
    }

    @Test func missingAndBrokenFilesGiveDefaults() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("tgplay-xdg-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let paths = StatePaths(environment: ["XDG_CONFIG_HOME": root.path, "XDG_STATE_HOME": root.path])
        #expect(SavedSession.load(from: paths).0.settings == .defaults)
        try FileManager.default.createDirectory(atPath: paths.configDirectory, withIntermediateDirectories: true)
        try "{ not json".write(toFile: paths.settingsFile, atomically: true, encoding: .utf8)
        let (loaded, problem) = SavedSession.load(from: paths)
        #expect(loaded.settings == .defaults)
        #expect(problem?.contains("playground.json") == true)
    }
}
