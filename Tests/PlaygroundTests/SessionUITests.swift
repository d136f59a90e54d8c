import Foundation
import GenerationCore
import Testing
@testable import Playground

@Suite("Playground history and sessions")
struct SessionUITests {
    static let words = ["Once", " upon", " a", " time", " there", " was", " a", " fox", "."]

    static func runs(_ effects: [Effect]) -> [(GenerateRequest, BackendIdentity?)] {
        effects.compactMap { e in
            if case .startRun(_, let r, _, _, let b) = e { return (r, b) } else { return nil }
        }
    }

    @Test func everyRunThatEndsIsRecordedWithItsTokens() throws {
        var h = Harness()
        h.type("Tell me")
        h.stream(Self.words)
        #expect(h.state.history.count == 1)
        let run = try #require(h.state.history.first)
        #expect(run.id == 1)
        #expect(run.setName == nil)
        #expect(run.request.inputs == "Tell me")
        #expect(run.tokens.map(\.text) == Self.words)
        #expect(run.topTokens.count == Self.words.count && run.topTokens.allSatisfy { $0.count == 3 })
        #expect(run.finishReason == .length)
        #expect(run.seed == 42)
        #expect(run.stats?.tokens == Self.words.count)
        #expect(run.stats?.perplexity != nil)
        #expect(run.response?.generatedText == Self.words.joined())
        // A cancelled run is kept too, with what it received.
        h.stream(Array(Self.words.prefix(3)), finish: false)
        h.keys(.escape)
        #expect(h.state.history.count == 2)
        #expect(h.state.history[1].tokens.count == 3)
        #expect(h.state.history[1].error?.errorType == GenerationError.ErrorType.cancelled)
        #expect(h.state.dirty)
    }

    /// Everything the playground keeps goes through the session file and comes back equal.
    @Test func sessionDocumentRoundTripsThroughTheFileFormat() throws {
        var h = Harness(width: 100, height: 30)
        h.type("Prompt with ünïcödé, 日本語 and 😀\nsecond line")
        h.state.settings.parameters.temperature = 0.7
        h.state.settings.parameters.minP = 0.05
        h.state.settings.parameters.presencePenalty = -0.5
        h.state.sets[1].parameters.minP = 0.2
        h.state.settings.parameters.stop = ["\n\n", "END"]
        h.state.settings.useCache = false
        h.state.settings.backend = BackendIdentity("http://127.0.0.1:9")
        h.state.sets[0].parameters.topK = 5
        h.state.sets[2].backend = .local
        h.stream(Self.words)
        // A branch: the tree and the node shown are kept.
        h.keys(.tab, .tab, .home, .enter, .down, .down, .enter)
        #expect(h.state.branches != nil)
        h.send(.runEvent(run: h.state.runID, Harness.event(1, " lived", -0.2, final: true), now: 3))
        // A grammar draft (not a valid schema yet: set after the runs, which it would refuse) is kept as typed.
        h.state.settings.grammarKind = .jsonSchema
        h.state.settings.grammarText = "{\"type\": \"object\",\n \"properties\": {\"b\": {}, \"a\": {}}}"
        let before = h.state
        let document = before.sessionDocument()
        let data = try SessionFile.encode(document)
        let decoded = try SessionFile.decode(data, path: "memory")
        #expect(decoded == document)

        var restored = Harness(width: 100, height: 30)
        restored.state.restore(decoded)
        let s = restored.state
        #expect(s.editor.text == before.editor.text)
        #expect(s.settings == before.settings)
        #expect(s.settings.parameters.minP == 0.05 && s.settings.parameters.presencePenalty == -0.5)
        #expect(s.sets[1].parameters.minP == 0.2)
        #expect(s.sets == before.sets)
        #expect(s.history == before.history)
        #expect(s.branches?.current == before.branches?.current)
        #expect(s.transcript.tokens.map(\.token) == before.transcript.tokens.map(\.token))
        #expect(s.transcript.tokens.map(\.topTokens) == before.transcript.tokens.map(\.topTokens))
        #expect(s.sessionCreated == document.createdAt)
    }

    @Test func largeRunsRoundTrip() throws {
        var h = Harness()
        h.type("big")
        h.send(.key(.ctrl("r")))
        let run = h.state.runID
        let count = 5000
        for i in 1...count {
            let text = ["▁", "é", "日本", "😀", "\n", "\"q\"", "\\"][i % 7]
            h.send(.runEvent(run: run, Harness.event(UInt32(i), text, -Double(i % 13) * 0.1, final: i == count), now: Double(i)))
        }
        let document = h.state.sessionDocument()
        let decoded = try SessionFile.decode(SessionFile.encode(document), path: "memory")
        #expect(decoded == document)
        #expect(decoded.runs.first?.tokens.count == count)
    }

    /// The diff of two runs says which parameters differ between them, old value → new.
    @Test func historyDiffShowsTheParameterChanges() throws {
        var h = Harness(width: 100, height: 30)
        h.type("Tell me")
        h.stream(Self.words)
        h.state.settings.parameters.temperature = 0.7
        h.stream(Array(Self.words.prefix(5)) + [" lived", "!"])
        h.keys(.function(3), .character("="))
        #expect(h.screen.contains("parameters: temperature unset → 0.7"), "\(h.screen.rowText(3))")
        #expect(!h.screen.contains("same parameters"))
    }

    @Test func historyShowsRerunsDiffsAndExports() throws {
        var h = Harness(width: 100, height: 30)
        h.type("Tell me")
        h.stream(Self.words)
        h.stream(Array(Self.words.prefix(5)) + [" lived", "!"])
        h.keys(.function(3))
        var screen = h.screen
        #expect(screen.contains("History: 2 runs"))
        #expect(screen.contains("#2"))
        #expect(screen.contains("#1"))
        Snapshot.check(screen, named: "history-100x30")
        // = diffs the selected (newest) run with the one before it.
        h.keys(.character("="))
        screen = h.screen
        #expect(screen.contains("Run #1 vs #2: diverge at token 8"))  // the harness numbers token ids by position
        #expect(screen.contains("#2 then:") && screen.contains("(ends here)"))
        Snapshot.check(screen, named: "history-diff-100x30")
        h.keys(.escape)
        // Enter shows the older run in the output pane.
        h.keys(.down, .enter)
        #expect(h.state.historyView == nil)
        #expect(h.state.transcript.tokens.map(\.token.text) == Self.words)
        // r re-runs the selected run with its seed pinned.
        h.keys(.function(3), .down)
        h.effects = []
        h.keys(.character("r"))
        let again = try #require(Self.runs(h.effects).first)
        #expect(again.0.inputs == "Tell me")
        #expect(again.0.parameters?.seed == 42)
        #expect(again.1 == nil)
        // e and J export the selected run through a path prompt (#3 is the re-run, cancelled by this run).
        h.stream(Self.words)
        #expect(h.state.history.map(\.id) == [1, 2, 3, 4])
        h.keys(.function(3), .character("e"))
        #expect(h.state.pathPrompt?.text == "tgplay-run-4.md")
        #expect(h.screen.contains("export run #4 (Markdown) to: tgplay-run-4.md"))
        h.effects = []
        h.keys(.enter)
        guard case .writeFile(let path, let contents, _)? = h.effects.last else {
            Issue.record("no export: \(h.effects)")
            return
        }
        #expect(path == "tgplay-run-4.md")
        #expect(contents.contains("Tell me"))
        h.keys(.character("J"), .ctrl("u"))
        h.type("/tmp/x.jsonl")
        h.effects = []
        h.keys(.enter)
        guard case .writeFile(let jpath, let jsonl, _)? = h.effects.last else {
            Issue.record("no JSONL export: \(h.effects)")
            return
        }
        #expect(jpath == "/tmp/x.jsonl")
        #expect(jsonl.split(separator: "\n").count >= Self.words.count)
        // w saves the session elsewhere, Ctrl-O opens one.
        h.keys(.character("w"), .ctrl("u"))
        h.type("~/s.json")
        h.effects = []
        h.keys(.enter)
        #expect(h.effects == [.saveSessionAs(path: "~/s.json")])
        h.keys(.escape, .ctrl("o"))
        h.type("other.json")
        h.effects = []
        h.keys(.enter)
        #expect(h.effects == [.openSession(path: "other.json")])
    }

    @Test func openingASessionReplacesTheCurrentOne() throws {
        var a = Harness()
        a.type("first session")
        a.stream(Self.words)
        let document = a.state.sessionDocument()
        var b = Harness()
        b.type("something else")
        b.send(.sessionOpened(document, path: "/tmp/first.json"))
        #expect(b.state.editor.text == "first session")
        #expect(b.state.history.count == 1)
        #expect(b.state.transcript.count == Self.words.count)
        #expect(b.state.sessionPath == "/tmp/first.json")
        #expect(b.screen.contains("opened /tmp/first.json: 1 run"))
    }

    @Test func emptyHistorySaysWhatItWillHold() {
        var h = Harness()
        h.keys(.function(3))
        #expect(h.state.historyView == nil)
        #expect(h.screen.contains("no runs yet"))
    }
}

@Suite("Playground run lifecycle")
struct RunLifecycleTests {
    static let words = SessionUITests.words

    /// Closing compare leaves no column id equal to the main run's: late events are dropped, nothing is
    /// recorded twice.
    @Test func lateEventsOfClosedCompareColumnsAreIgnored() throws {
        var h = Harness()
        h.type("x")
        h.stream(Self.words)
        #expect(h.state.history.count == 1)
        h.keys(.function(7))
        let c = try #require(h.state.compare)
        h.keys(.escape)
        #expect(h.state.history.count == 3)  // the two cancelled columns
        for column in c.columns {
            h.send(.runEvent(run: column.run, Harness.event(1, "late", -0.1), now: 5))
            h.send(.runFailed(run: column.run, GenerationError(errorType: GenerationError.ErrorType.cancelled,
                                                                message: "cancelled"), now: 5))
        }
        #expect(h.state.history.count == 3)
        #expect(h.state.transcript.tokens.map(\.token.text) == Self.words)
        #expect(!h.state.phase.isActive)
    }

    /// Restarting, quitting and opening another session cancel what is in flight and keep it in the history
    /// it belonged to.
    @Test func interruptedRunsAreKept() throws {
        var h = Harness()
        h.type("x")
        h.stream(Array(Self.words.prefix(2)), finish: false)
        h.keys(.ctrl("r"))  // restart
        #expect(h.state.history.count == 1)
        #expect(h.state.history[0].tokens.count == 2)
        h.keys(.function(7))
        let c = try #require(h.state.compare)
        h.effects = []
        h.keys(.ctrl("q"))
        #expect(h.state.history.count == 4)  // the restarted run, the run F7 cancelled, two columns
        #expect(h.effects.suffix(2) == [.save, .quit])
        #expect(h.effects.contains(.cancelRun(id: c.columns[0].run)))

        var other = Harness()
        other.type("y")
        other.stream(Array(Self.words.prefix(3)), finish: false)
        let old = other.state.runID
        let opened = Session(prompt: "opened")
        other.effects = []
        other.send(.sessionOpened(opened, path: "/tmp/o.json"))
        #expect(other.effects.contains(.cancelRun(id: old)))
        #expect(other.state.history.isEmpty)  // the opened session's history
        other.send(.runEvent(run: old, Harness.event(4, " late", -0.1, final: true), now: 9))
        #expect(other.state.history.isEmpty)
        #expect(other.state.transcript.isEmpty)
    }

    @Test func pasteGoesIntoAPathBeingTyped() {
        var h = Harness()
        h.type("prompt")
        h.keys(.ctrl("o"))
        h.send(.paste("/tmp/some\nsession.json"))
        #expect(h.state.pathPrompt?.text == "/tmp/somesession.json")
        #expect(h.state.editor.text == "prompt")
    }

    /// A set keeps an override equal to the base's value; keys that change nothing change no override.
    @Test func overridesSurviveUnrelatedKeysAndEqualBaseValues() {
        var h = Harness()
        h.state.settings.parameters.temperature = 0.7
        h.state.sets[0].parameters.temperature = 1.0
        h.state.settings.parameters.temperature = 1.0  // the base now equals A's override
        h.keys(.function(8))
        h.keys(.down, .down, .up)
        #expect(h.state.sets[0].parameters.temperature == 1.0)
        h.state.settings.parameters.temperature = 0.7
        #expect(h.state.runSettings.parameters.temperature == 1.0)
        // d on the field returns it to the base.
        h.state.sidebar.selected = .temperature
        h.keys(.character("d"))
        #expect(h.state.sets[0].isEmpty)
        #expect(h.state.runSettings.parameters.temperature == 0.7)
    }

    /// Showing a run from the history keeps the branch tree; `[` returns to it.
    @Test func showingAnOldRunKeepsTheBranchTree() throws {
        var h = Harness()
        h.type("x")
        h.stream(Self.words)
        h.keys(.tab, .tab, .home, .enter, .down, .down, .enter)
        h.send(.runEvent(run: h.state.runID, Harness.event(1, " fin", -0.2, final: true), now: 3))
        let tree = try #require(h.state.branches)
        h.keys(.function(3), .end, .enter)  // the oldest run
        #expect(h.state.transcript.tokens.map(\.token.text) == Self.words)
        #expect(h.state.branches == tree)
        #expect(h.state.sessionDocument().tree == tree.current.tree)
        h.keys(.character("["))
        #expect(h.state.shownRun == nil)
        #expect(h.state.branches?.current.tree == tree.current.tree)
    }

    /// From a shown history run (one never branched from: a run kept with its tree brings that tree back),
    /// `]` with no sibling and `u` both return to the tree without changing it.
    @Test func leavingAShownRunNeverTouchesTheTree() throws {
        var h = Harness()
        h.type("x")
        h.stream(Array(Self.words.prefix(2)))
        h.keys(.tab, .tab)
        h.stream(Self.words)  // a longer, unrelated run
        h.keys(.tab, .tab, .tab, .character("c"))
        h.send(.runEvent(run: h.state.runID, Harness.event(10, " end", -0.2, final: true), now: 4))
        let tree = try #require(h.state.branches)
        h.keys(.function(3), .end, .enter)  // the oldest, shorter run
        h.keys(.character("]"))
        #expect(h.state.shownRun == nil)
        #expect(h.state.branches == tree)
        #expect(h.state.transcript.count == Self.words.count + 1)
        h.keys(.function(3), .end, .enter, .character("u"))
        #expect(h.state.branches == tree)
        #expect(h.screen.contains("back to the branch tree"))
    }

    @Test func sidebarShortcutsStillWorkOnTheGrammarRow() {
        var h = Harness()
        h.state.settings.grammarKind = .regex
        h.state.settings.grammarText = "[0-9]+"
        h.state.focus = .sidebar
        h.state.sidebar.selected = .grammarValue
        h.keys(.character("d"))
        #expect(h.state.grammarEditor == nil)
        #expect(h.state.settings.grammarText.isEmpty)
        h.keys(.character("x"))
        #expect(h.state.grammarEditor?.editor.text == "x")
    }

    @Test func f3ClosesTheDistributions() throws {
        var h = Harness()
        h.type("x")
        h.keys(.function(7))
        let c = try #require(h.state.compare)
        CompareModeTests.feed(&h, run: c.columns[0].run, [1, 2])
        CompareModeTests.feed(&h, run: c.columns[1].run, [1, 3])
        h.state.focus = .output
        h.keys(.enter)
        #expect(h.state.compare != nil && h.state.distributionsOpen)
        h.keys(.function(3))
        #expect(h.state.compare != nil && !h.state.distributionsOpen)
        #expect(h.screen.contains("History: 2 runs"))
    }
}

@Suite("Session files at start-up")
struct SessionSlotTests {
    static func directory() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tgplay-slot-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func damagedSlotIsMovedAsideByteForByte() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/session.json"
        let bytes = Data(#"{"format":"tgplay-session","version":1,"prom"#.utf8)
        try bytes.write(to: URL(fileURLWithPath: path))
        let opening = try SessionSlot.open(path: path, explicit: false, now: Date(timeIntervalSince1970: 1000))
        #expect(opening.session == nil)
        #expect(opening.autosaveProblem == nil)
        #expect(opening.notice?.contains("session.json.damaged-1000") == true)
        #expect(FileManager.default.contents(atPath: path + ".damaged-1000") == bytes)
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func newerSlotIsLeftAndAutosaveIsOff() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/session.json"
        let bytes = Data(#"{"format":"tgplay-session","version":7}"#.utf8)
        try bytes.write(to: URL(fileURLWithPath: path))
        let opening = try SessionSlot.open(path: path, explicit: false)
        #expect(opening.autosaveProblem != nil)
        #expect(opening.notice?.contains("newer tgplay") == true)
        #expect(FileManager.default.contents(atPath: path) == bytes)
        #expect(SessionSlot.overwriteProblem(path)?.contains("not overwritten") == true)
        // Save-as to a fresh file or over a readable session is fine.
        #expect(SessionSlot.overwriteProblem(dir + "/new.json") == nil)
        try SessionFile.save(Session(prompt: "p"), to: dir + "/ok.json")
        #expect(SessionSlot.overwriteProblem(dir + "/ok.json") == nil)
        // An explicit --session file that cannot be read is an error.
        #expect(throws: SessionFileError.self) { try SessionSlot.open(path: path, explicit: true) }
    }

    @Test func readableAndMissingFiles() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(try SessionSlot.open(path: dir + "/none.json", explicit: true).session == nil)
        try SessionFile.save(Session(prompt: "hello"), to: dir + "/s.json")
        #expect(try SessionSlot.open(path: dir + "/s.json", explicit: false).session?.prompt == "hello")
    }
}
