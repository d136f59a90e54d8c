import Foundation
import GenerationCore
import Testing
@testable import Playground

/// Issue 12's loom: every run of the prompt is a root, what grows from it hangs from it, and nothing is thrown
/// away by Ctrl-R, re-runs, failures, the history's limit or a session round trip; the tree view shows, renames
/// and deletes trees with undo and redo.
@Suite("The loom")
struct LoomTests {
    /// "Say:" → " one two three", a branch at " two" with " two?" that continues with " four", then Ctrl-R:
    /// " new text".
    static func twoTrees() -> Harness {
        var h = NeverLoseTests.branched()
        h.stream([" new", " text"])
        return h
    }

    static func texts(_ h: Harness) -> [String] { h.state.transcript.tokens.map(\.token.text) }

    /// The tree view's rows as they read on screen (first words), newest tree first.
    static func rowWords(_ h: Harness) -> [String] {
        loomRows(h.state.loom.current).map { row in
            h.state.loom.current.entry(row.entry).map { $0.tree.firstWords(of: row.node) } ?? "?"
        }
    }

    @Test func everyRootRunIsATreeAndCtrlRKeepsThem() throws {
        var h = Self.twoTrees()
        let loom = h.state.loom.current
        #expect(loom.entries.count == 2)
        let first = try #require(loom.entries.first)
        #expect(first.tree.nodes.count == 2)
        #expect(try first.tree.fullTokens(of: 1).map(\.text) == [" one", " two?", " four"])
        #expect(first.rootRun == h.state.history.first?.id)
        // The tree view lists the new tree first, then the first one with its branch.
        h.state.focus = .output
        h.keys(.character("t"))
        #expect(h.state.loomView != nil)
        #expect(Self.rowWords(h) == ["new text", "one two three", "two? four"])
        #expect(h.screen.contains("Trees: 2"))
        #expect(h.screen.contains("◀ shown"))
        // Enter on the first tree's branch shows it; `[` browses back to the original continuation.
        h.keys(.down, .down, .enter)
        #expect(h.state.loomView == nil)
        #expect(Self.texts(h) == [" one", " two?", " four"])
        #expect(h.state.shownTree == first.id)
        h.keys(.character("["))
        #expect(Self.texts(h) == [" one", " two", " three"])
        // The tree replaced went back into the loom and can be shown again.
        h.keys(.character("t"), .home, .enter)
        #expect(Self.texts(h) == [" new", " text"])
    }

    /// A re-run from the history and a run the backend rejects add nothing and take nothing away.
    @Test func rerunsAndFailuresKeepEveryTree() throws {
        var h = Self.twoTrees()
        h.keys(.function(3), .end, .character("r"))
        WorkbenchTests.feed(&h, [" again"])
        #expect(h.state.loom.current.entries.count == 3)
        let before = h.state.loom.current
        h.keys(.ctrl("r"))
        h.send(.runFailed(run: h.state.runID, GenerationError(
            errorType: "validation", message: "Input validation error: invalid regex", statusCode: 422), now: 5))
        #expect(h.state.loom.current == before)
        #expect(Self.texts(h) == [" again"])
        // A run cancelled midway is a root with what it received.
        h.keys(.ctrl("r"))
        h.send(.runEvent(run: h.state.runID, Harness.event(1, " half", -0.3), now: 6))
        h.keys(.escape)
        #expect(h.state.loom.current.entries.count == 4)
        #expect(h.state.loom.current.entries.last?.tree.firstWords(of: BranchTree.rootID) == "half")
    }

    /// The history keeps 200 runs; the loom keeps the trees of the runs it drops.
    @Test func theHistoryLimitDoesNotReachTheTrees() throws {
        var h = NeverLoseTests.branched()
        let tree = try #require(h.state.branches?.current.tree)
        for i in 0..<201 { h.stream([" r\(i)"]) }
        #expect(h.state.history.count == 200)
        #expect(!h.state.history.contains { $0.id == 1 })
        #expect(h.state.loom.current.entries.first?.tree == tree)
        #expect(h.state.loom.current.entries.count == 202)
        h.state.focus = .output
        h.keys(.character("t"), .end, .up, .enter)  // the oldest tree's root
        #expect(Self.texts(h) == [" one", " two", " three"])
        h.keys(.character("]"))
        #expect(Self.texts(h) == [" one", " two?", " four"])
    }

    @Test func renameDeleteUndoAndRedo() throws {
        var h = Self.twoTrees()
        h.state.focus = .output
        h.keys(.character("t"), .down)  // the first tree's root
        let first = try #require(h.state.loom.current.entries.first?.id)
        h.keys(.character("r"))
        #expect(h.state.pathPrompt?.purpose == .renameTree(entry: first))
        h.type("dragons")
        h.keys(.enter)
        #expect(h.state.loomView != nil, "the tree view comes back after the name")
        #expect(h.state.loom.current.entry(first)?.name == "dragons")
        #expect(h.screen.contains("#\(first) «dragons»  \"one two three\""))
        h.keys(.character("d"))
        #expect(h.state.loom.current.entry(first) == nil)
        #expect(Self.rowWords(h) == ["new text"])
        #expect(h.state.history.first?.tree == nil, "the run stays, flat")
        h.keys(.character("u"))
        #expect(h.state.loom.current.entry(first)?.name == "dragons")
        #expect(Self.rowWords(h) == ["new text", "one two three", "two? four"])
        h.keys(.ctrl("y"))
        #expect(h.state.loom.current.entry(first) == nil)
        h.keys(.character("u"), .character("u"))
        #expect(h.state.loom.current.entry(first)?.name == nil)
        #expect(h.state.loom.current.entry(first)?.tree.nodes.count == 2)
        h.keys(.character("u"))
        #expect(h.screen.contains("nothing to undo in the trees"))
        // Deleting the tree shown empties the output; undo brings the tree back into the loom.
        h.keys(.home, .character("d"))
        #expect(h.state.transcript.isEmpty)
        #expect(h.state.branches == nil)
        h.keys(.character("u"), .home, .enter)
        #expect(Self.texts(h) == [" new", " text"])
    }

    /// The whole loom goes through a session file and comes back, with the tree shown; the file is version 3 and
    /// keeps each tree once (runs carry none).
    @Test func sessionsKeepTheWholeLoom() throws {
        var h = Self.twoTrees()
        h.state.focus = .output
        h.keys(.character("t"), .down, .character("r"))
        h.type("first")
        h.keys(.enter, .escape)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tgplay-loom-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("s.json").path
        try SessionFile.save(h.state.sessionDocument(), to: path)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasPrefix(#"{"format":"tgplay-session","version":3,"#))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let runs = try #require(json["runs"] as? [[String: Any]])
        #expect(runs.allSatisfy { $0["tree"] == nil })
        let entries = try #require((json["loom"] as? [String: Any])?["entries"] as? [[String: Any]])
        #expect(entries.count == 2)
        #expect(entries[0]["tree"] != nil, "a tree that grew is written whole")
        #expect(entries[1]["tree"] == nil && entries[1]["run"] as? Int == 3, "a bare root is its run")

        var reopened = Harness(width: 100, height: 30)
        reopened.state.restore(try SessionFile.load(from: path))
        #expect(reopened.state.loom.current.entries.map(\.tree) == h.state.loom.current.entries.map(\.tree))
        #expect(reopened.state.loom.current.entries.first?.name == "first")
        #expect(reopened.state.shownTree == h.state.shownTree)
        #expect(Self.texts(reopened) == [" new", " text"])
        reopened.state.focus = .output
        reopened.keys(.character("t"), .down, .down, .enter)
        #expect(Self.texts(reopened) == [" one", " two?", " four"])
        // `c` continues the branch with the parameters of the run that made it.
        reopened.effects = []
        reopened.keys(.character("c"))
        let next = try #require(NeverLoseTests.starts(reopened.effects).first)
        #expect(next.request.inputs == "Say: one two? four")
        // The continuation is in the next save without anything else happening first.
        WorkbenchTests.feed(&reopened, [" five"])
        let saved = reopened.state.sessionDocument()
        let tree = try #require(saved.loom.entries.first?.tree)
        #expect(try tree.fullTokens(of: 1).map(\.text) == [" one", " two?", " four", " five"])
        #expect(saved.tree == tree)
    }

    /// A version-2 file (trees with their root runs) and a version-1 file (the tree shown only) open with every
    /// run of the prompt in the loom: the trees they kept, and each other run as a tree of its own.
    @Test func olderFilesOpenWithTheirTreesInTheLoom() throws {
        let h = Self.twoTrees()
        let first = try #require(h.state.loom.current.entries.first?.tree)
        var json = try #require(try JSONSerialization.jsonObject(with: SessionFile.encode(h.state.sessionDocument())) as? [String: Any])
        json["loom"] = nil
        json["version"] = 2
        var playground = try #require(json["playground"] as? [String: Any])
        playground["tree"] = nil  // the entry shown is version 3's
        json["playground"] = playground
        var runs = try #require(json["runs"] as? [[String: Any]])
        runs[0]["tree"] = try JSONSerialization.jsonObject(with: WireJSON.encode(first))
        json["runs"] = runs
        let v2 = try SessionFile.decode(try JSONSerialization.data(withJSONObject: json), path: "v2.json")
        #expect(v2.loom.entries.map(\.rootRun) == [1, 3])
        #expect(v2.loom.entries.first?.tree == first)
        var opened = Harness(width: 100, height: 30)
        opened.state.restore(v2)
        #expect(opened.state.loom.current.entries.count == 2)
        #expect(Self.texts(opened) == [" new", " text"])
        #expect(opened.state.shownTree == v2.loom.entries.last?.id)
        opened.state.focus = .output
        opened.keys(.character("t"))
        #expect(Self.rowWords(opened) == ["new text", "one two three", "two? four"])
        opened.keys(.down, .down, .enter)
        #expect(Self.texts(opened) == [" one", " two?", " four"])

        // Version 1: no trees with runs, the tree shown without its root run.
        var old = first
        old = BranchTree(prompt: old.prompt, tokens: try old.node(0).tokens, topTokens: try old.node(0).topTokens,
                         runID: 1)
        try old.branch(from: 0, at: 1, alternative: try first.node(1).tokens[0], topTokens: try first.node(1).topTokens[0])
        try old.extend(1, with: Array(try first.node(1).tokens.dropFirst()))
        json["version"] = 1
        runs[0]["tree"] = nil
        json["runs"] = runs
        json["tree"] = try JSONSerialization.jsonObject(with: WireJSON.encode(old))
        let v1 = try SessionFile.decode(try JSONSerialization.data(withJSONObject: json), path: "v1.json")
        #expect(v1.loom.entries.map(\.rootRun) == [1, 3], "the tree shown takes its root run's place")
        #expect(v1.loom.entries.first?.tree.nodes.count == 2)
        opened.state.restore(v1)
        #expect(opened.state.shownTree == v1.loom.entries.first?.id)
        #expect(Self.texts(opened) == [" one", " two", " three"])
    }

    @Test func treeViewSnapshots() throws {
        for (w, hgt) in [(80, 24), (120, 40)] {
            var h = NeverLoseTests.branched()
            h.send(.resize(width: w, height: hgt))
            h.stream([" new", " text"])
            h.state.focus = .output
            h.keys(.character("t"), .down)
            Snapshot.check(h.screen, named: "loom-\(w)x\(hgt)")
        }
    }
}

/// "Continue here": `c` with the token cursor put inside the output cuts after it and continues from there; the
/// tokens cut stay in the tree.
@Suite("Continue here")
struct ContinueHereTests {
    @Test func cContinuesFromTheCursorAndKeepsWhatItCut() throws {
        var h = Harness(width: 100, height: 30)
        h.type("Say:")
        h.stream([" one", " two", " three"])
        h.keys(.tab, .tab, .left)  // the cursor on " two"
        h.effects = []
        h.keys(.character("c"))
        let start = try #require(NeverLoseTests.starts(h.effects).first)
        #expect(start.request.inputs == "Say: one two")
        #expect(LoomTests.texts(h) == [" one", " two"])
        WorkbenchTests.feed(&h, [" five"])
        #expect(LoomTests.texts(h) == [" one", " two", " five"])
        #expect(h.state.history.last?.origin?.kind == RunOrigin.continuation)
        h.keys(.character("["))
        #expect(LoomTests.texts(h) == [" one", " two", " three"], "what was cut is a branch of its own")
        h.keys(.character("]"))
        #expect(LoomTests.texts(h) == [" one", " two", " five"])
        // At the end (or with the cursor where the playground put it) `c` continues from the end.
        h.keys(.end)
        h.effects = []
        h.keys(.character("c"))
        #expect(NeverLoseTests.starts(h.effects).first?.request.inputs == "Say: one two five")
    }

    /// A cut in the core: the new node's output is the prefix, the node it cut keeps every token.
    @Test func cutMakesAnEmptyBranchOfThePrefix() throws {
        var tree = BranchTree(prompt: "p", tokens: (0..<4).map { Harness.token(UInt32($0), "t\($0)", -0.1) })
        let b = try tree.branch(from: 0, at: 2, alternative: Harness.token(9, "x", -1))
        try tree.extend(b, with: [Harness.token(10, "y", -1)])
        let cut = try tree.cut(b, keeping: 1)
        #expect(try tree.node(cut).parent == 0, "position 1 belongs to the root")
        #expect(try tree.fullTokens(of: cut).map(\.text) == ["t0"])
        #expect(try tree.fullTokens(of: b).map(\.text) == ["t0", "t1", "x", "y"])
        #expect(try tree.cut(b, keeping: 4) == b)
        #expect(throws: BranchTree.Failure.indexOutOfRange(index: 5, count: 4)) { try tree.cut(b, keeping: 5) }
        var undo = UndoStack(tree)
        undo.perform { try? $0.cut(cut, keeping: 0) }
        let undone = undo.undo()
        #expect(undone && undo.current == tree)
        let redone = undo.redo()
        #expect(redone && undo.current.nodes.count == tree.nodes.count + 1)
        let again = undo.redo()
        #expect(!again)
    }
}
