import Foundation
import GenerationCore
import Testing
@testable import Playground

/// Issue 16, item 10: the autosaved prompt is as private as the session (owner-only), written atomically.
@Suite struct PromptFilePermissionTests {
    @Test func thePromptFileIsOwnerOnly() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("tgplay-perm-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let paths = StatePaths(environment: ["XDG_CONFIG_HOME": root.path + "/config", "XDG_STATE_HOME": root.path + "/state"])
        try SavedSession(settings: .defaults, theme: nil, prompt: "a private prompt").save(to: paths)
        let attributes = try FileManager.default.attributesOfItem(atPath: paths.promptFile)
        #expect((attributes[.posixPermissions] as? Int).map { $0 & 0o077 } == 0, "\(String(describing: attributes[.posixPermissions]))")
        #expect(SavedSession.load(from: paths).0.prompt == "a private prompt")
    }
}
