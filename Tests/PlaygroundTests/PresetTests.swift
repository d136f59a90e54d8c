import Foundation
import GenerationCore
import Testing
@testable import Playground

/// Named presets: files in the config directory, and the sidebar keys that save and cycle them.
@Suite struct PresetTests {
    static func store() -> (PresetStore, String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tgplay-presets-\(UUID())").path
        return (PresetStore(paths: StatePaths(environment: ["XDG_CONFIG_HOME": dir, "XDG_STATE_HOME": dir])), dir)
    }

    @Test func saveListLoadRoundTrip() throws {
        let (store, dir) = Self.store()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(store.names().isEmpty)
        var creative = ParameterSettings.defaults
        creative.parameters.temperature = 1.3
        creative.parameters.topP = 0.95
        try store.save(creative, as: "creative")
        try store.save(.defaults, as: "greedy")
        #expect(store.names() == ["creative", "greedy"])
        #expect(try store.load("creative") == creative)
        #expect(throws: PresetError.self) { try store.save(.defaults, as: "../escape") }
        #expect(throws: PresetError.self) { try store.load("missing") }
        try Data("{broken".utf8).write(to: URL(fileURLWithPath: store.directory + "/broken.json"))
        do {
            _ = try store.load("broken")
            Issue.record("a broken preset must not load")
        } catch let error as PresetError {
            #expect(error.description.contains("broken"))
        }
    }

    @Test func sidebarKeysSaveAndCycle() {
        var state = AppState(backendName: "test")
        state.focus = .sidebar
        _ = update(&state, .key(.character("S")))
        #expect(state.presetName == "")
        for c in "fast" { _ = update(&state, .key(.character(c))) }
        state.settings.parameters.temperature = 0.7
        let effects = update(&state, .key(.enter))
        #expect(effects == [.savePreset(name: "fast", settings: state.settings)])
        #expect(state.presetName == nil)
        _ = update(&state, .presetsListed(["fast", "slow"], active: "fast"))
        #expect(update(&state, .key(.character("P"))) == [.loadPreset(name: "slow")])
        var slow = ParameterSettings.defaults
        slow.parameters.maxNewTokens = 7
        _ = update(&state, .presetLoaded(name: "slow", settings: slow))
        #expect(state.settings == slow && state.sidebar.activePreset == "slow")
        #expect(update(&state, .key(.character("P"))) == [.loadPreset(name: "fast")], "cycles back to the first")
        // Esc abandons naming; an invalid name saves nothing.
        _ = update(&state, .key(.character("S")))
        _ = update(&state, .key(.escape))
        #expect(state.presetName == nil)
        _ = update(&state, .key(.character("S")))
        _ = update(&state, .key(.ctrl("u")))
        _ = update(&state, .key(.character("/")))
        #expect(update(&state, .key(.enter)).isEmpty)
    }

    @Test func footerShowsNamingAndActivePreset() {
        var state = AppState(backendName: "test")
        _ = update(&state, .resize(width: 120, height: 40))
        state.focus = .sidebar
        _ = update(&state, .presetsListed(["json"], active: "json"))
        #expect(view(state, width: 120, height: 40).plainText.contains("S/P preset: json"))
        _ = update(&state, .key(.character("S")))
        #expect(view(state, width: 120, height: 40).plainText.contains("save preset as: json"))
    }
}
