import Foundation
import GenerationCore
import Testing
@testable import Playground

/// The runtime's effects on real files in a temporary directory: the runner performs them off the UI thread and
/// every result comes back as a message, which `update` turns into state (the runner never writes it).
@Suite("Effect runner")
struct EffectRunnerTests {
    /// A runner over a fresh XDG tree, its queue, and the directory (removed by the caller).
    static func runner(backend: (any TextGenerationBackend)? = nil) throws -> (EffectRunner, String) {
        let dir = try SessionSlotTests.directory()
        let environment = ["XDG_CONFIG_HOME": dir + "/config", "XDG_STATE_HOME": dir + "/state", "HOME": dir]
        let runner = EffectRunner(queue: MessageQueue(), paths: StatePaths(environment: environment),
                                  loader: ThemeLoader(directories: [dir + "/themes"]),
                                  makeBackend: { _, _, _ in
                                      guard let backend else {
                                          throw GenerationError(errorType: .unsupported, message: "no backend in this test")
                                      }
                                      return backend
                                  })
        return (runner, dir)
    }

    /// Performs the harness's effects since `from` and feeds back what the runner reports, until it is quiet.
    static func settle(_ h: inout Harness, _ runner: EffectRunner, from start: Int = 0) {
        var next = start
        for _ in 0..<8 {
            let effects = Array(h.effects[next...])
            next = h.effects.count
            runner.perform(effects, state: h.state)
            runner.waitForFiles()
            let messages = runner.queue.drain()
            if messages.isEmpty && h.effects.count == next { return }
            for message in messages { h.send(message) }
        }
    }

    @Test func saveAsWritesTheSessionAndAutosaveFollowsIt() throws {
        let (runner, dir) = try Self.runner()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var h = Harness()
        h.state.sessionPath = dir + "/slot.json"
        h.type("kept prompt")
        #expect(h.state.dirty)
        h.stream(["reply"])
        h.keys(.function(3), .character("w"), .ctrl("u"))
        h.type(dir + "/elsewhere.json")
        h.effects = []
        h.keys(.enter)
        #expect(h.effects == [.saveSessionAs(path: dir + "/elsewhere.json")])
        #expect(h.state.sessionPath == dir + "/slot.json", "nothing changes before the file is written")
        Self.settle(&h, runner)
        #expect(try SessionFile.load(from: dir + "/elsewhere.json").prompt == "kept prompt")
        #expect(h.state.sessionPath == dir + "/elsewhere.json")
        #expect(!h.state.dirty)
        #expect(h.state.sessionCreated != nil)
        #expect(h.state.notice == "session saved to \(dir)/elsewhere.json; autosave now writes there")

        // The next save goes to the new file and keeps its creation time.
        h.keys(.escape)  // the history, back after the path prompt
        #expect(h.state.historyView == nil)
        h.type(" and more")
        let created = h.state.sessionCreated
        h.effects = []
        runner.perform([.save], state: h.state)
        runner.waitForFiles()
        for message in runner.queue.drain() { h.send(message) }
        let saved = try SessionFile.load(from: dir + "/elsewhere.json")
        #expect(saved.prompt == "kept prompt and more")
        #expect(saved.createdAt == created)
        #expect(!h.state.dirty)
        #expect(!FileManager.default.fileExists(atPath: dir + "/slot.json"))
    }

    /// A change typed while a save is on its way stays unsaved: the save reports the change it wrote.
    @Test func aChangeDuringASaveStaysUnsaved() throws {
        let (runner, dir) = try Self.runner()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var h = Harness()
        h.state.sessionPath = dir + "/slot.json"
        h.type("a")
        runner.perform([.save], state: h.state)
        h.type("b")
        runner.waitForFiles()
        for message in runner.queue.drain() { h.send(message) }
        #expect(h.state.dirty)
        #expect(try SessionFile.load(from: dir + "/slot.json").prompt == "a")
    }

    @Test func saveAsRefusesAFileThatIsNotASession() throws {
        let (runner, dir) = try Self.runner()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let target = dir + "/notes.txt"
        try Data("my notes".utf8).write(to: URL(fileURLWithPath: target))
        var h = Harness()
        h.state.sessionPath = dir + "/slot.json"
        h.type("x")
        h.effects = [.saveSessionAs(path: target)]
        Self.settle(&h, runner)
        #expect(FileManager.default.contents(atPath: target) == Data("my notes".utf8))
        #expect(h.state.sessionPath == dir + "/slot.json")
        #expect(h.state.notice?.contains("not overwritten") == true)
        #expect(h.state.dirty)
    }

    /// Opening another session writes the one being left where it lived (its run in flight cancelled and kept),
    /// then shows the opened one; autosave writes to the opened file from then on.
    @Test func openingWritesTheLeftSessionThenRestoresTheOpenedOne() throws {
        let (runner, dir) = try Self.runner()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var other = Session(prompt: "the other prompt")
        other.runs = []
        try SessionFile.save(other, to: dir + "/other.json")
        var h = Harness()
        h.state.sessionPath = dir + "/slot.json"
        h.type("left behind")
        h.stream(["one", " two"], finish: false)
        h.effects = [.openSession(path: dir + "/other.json")]
        Self.settle(&h, runner)
        #expect(h.state.editor.text == "the other prompt")
        #expect(h.state.sessionPath == dir + "/other.json")
        #expect(h.state.notice == "opened \(dir)/other.json: 0 runs")
        let left = try SessionFile.load(from: dir + "/slot.json")
        #expect(left.prompt == "left behind")
        #expect(left.runs.count == 1)
        #expect(left.runs.first?.tokens.count == 2)
    }

    @Test func aSessionThatCannotBeReadIsANoticeAndChangesNothing() throws {
        let (runner, dir) = try Self.runner()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data("{not json".utf8).write(to: URL(fileURLWithPath: dir + "/bad.json"))
        var h = Harness()
        h.type("mine")
        h.effects = [.openSession(path: dir + "/bad.json")]
        Self.settle(&h, runner)
        #expect(h.state.editor.text == "mine")
        #expect(h.state.notice?.isEmpty == false)
        #expect(h.state.notice?.hasPrefix("opened") == false)
    }

    @Test func exportsAndTheirFailuresAreReported() throws {
        let (runner, dir) = try Self.runner()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var h = Harness()
        h.effects = [.writeFile(path: dir + "/run.md", contents: "# run\n", what: "run #1")]
        Self.settle(&h, runner)
        #expect(FileManager.default.contents(atPath: dir + "/run.md") == Data("# run\n".utf8))
        #expect(h.state.notice == "exported run #1 to \(dir)/run.md")
        try Data("a file".utf8).write(to: URL(fileURLWithPath: dir + "/file"))
        h.effects = [.writeFile(path: dir + "/file/run.md", contents: "x", what: "run #1")]
        Self.settle(&h, runner)
        #expect(h.state.notice?.hasPrefix("cannot export to \(dir)/file/run.md: ") == true)
    }

    @Test func aFailedSaveIsANoticeAndIsReportedAtQuit() throws {
        let (runner, dir) = try Self.runner()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data("a file".utf8).write(to: URL(fileURLWithPath: dir + "/file"))
        var h = Harness()
        h.state.sessionPath = dir + "/file/session.json"
        h.type("x")
        h.effects = [.save]
        Self.settle(&h, runner)
        #expect(h.state.notice?.isEmpty == false)
        #expect(h.state.dirty, "a save that failed saved nothing")
        #expect(runner.finish() != nil)
    }

    @Test func presetsAreSavedAndLoadedThroughMessages() throws {
        let (runner, dir) = try Self.runner()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var h = Harness()
        h.state.settings.parameters.temperature = 0.3
        h.effects = [.savePreset(name: "cool", settings: h.state.settings)]
        Self.settle(&h, runner)
        #expect(h.state.sidebar.presets == ["cool"])
        #expect(h.state.notice == "saved preset cool")
        h.state.settings = .defaults
        h.effects = [.loadPreset(name: "cool")]
        Self.settle(&h, runner)
        #expect(h.state.settings.parameters.temperature == 0.3)
        #expect(h.state.notice == "preset cool")
        h.effects = [.loadPreset(name: "missing")]
        Self.settle(&h, runner)
        #expect(h.state.notice != "preset missing")
    }

    @Test func aThemeIsReadOffTheLoopAndAppliedThroughAnEffect() throws {
        let (runner, dir) = try Self.runner()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var applied: [String] = []
        runner.applyTheme = { applied.append($0.name) }
        var h = Harness()
        h.effects = [.switchTheme(name: "no-such-theme")]
        Self.settle(&h, runner)
        #expect(h.state.notice?.contains("no-such-theme") == true)
        #expect(h.state.themeName == Theme.builtinDefault.name)
        #expect(applied == [Theme.builtinDefault.name])
    }
}
