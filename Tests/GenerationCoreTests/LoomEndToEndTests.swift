import Foundation
import Testing
import LocalEngine
import GenerationCore

/// Issue 12's "never lose work" across a restart, on the real binary and the built-in engine in tmux: a branch,
/// Ctrl-R (a new root), quit, start again, the first tree reopened from the tree view and continued.
@Suite("The loom end to end (tmux)", .serialized)
struct LoomEndToEndTests {
    @Test(.enabled(if: PlaygroundEndToEndTests.tmuxAvailable, "tmux is installed by scripts/setup.sh"))
    func branchRerunRestartReopenAndContinue() throws {
        let tmux = PlaygroundEndToEndTests.Tmux()
        defer { tmux.stop() }
        try tmux.launchBuiltInEngine()
        tmux.literal("The capital of France is")
        tmux.keys("Tab")
        tmux.literal("10")  // max_new_tokens, the selected field
        tmux.keys("Enter", "C-r")
        #expect(tmux.waitFor("run", timeout: 120) { $0.contains("the capital of the country") && $0.contains(" done ") },
                "\(tmux.capture())")
        // A branch at the first token with its second alternative.
        tmux.keys("Tab", "Home", "Enter")
        #expect(tmux.waitFor("popup") { $0.contains("rank") }, "\(tmux.capture())")
        tmux.keys("Down", "Down", "Enter")
        #expect(tmux.waitFor("branched", timeout: 120) { $0.contains("branched at token 1") }, "\(tmux.capture())")
        #expect(tmux.waitFor("branch done", timeout: 120) { $0.contains(" done ") && !$0.contains("the capital of the country") },
                "\(tmux.capture())")
        let branchScreen = tmux.capture()
        // Ctrl-R: a new root replaces the output; the first tree stays in the loom.
        tmux.keys("C-r")
        #expect(tmux.waitFor("new root", timeout: 120) { $0.contains("the capital of the country") && $0.contains(" done ") },
                "\(tmux.capture())")
        tmux.keys("C-q")
        #expect(tmux.waitFor("exit") { $0.contains("TGPLAY-EXIT=0") }, "\(tmux.capture())")
        let path = tmux.home.path + "/state/tgplay/session.json"
        let saved = try SessionFile.load(from: path)
        #expect(saved.loom.entries.count == 2)
        let first = try #require(saved.loom.entries.first)
        #expect(first.tree.nodes.count == 2)
        let branchTokens = try first.tree.node(1).tokens.count

        // Start again: the tree view lists both trees; the first one's branch is shown and continued.
        tmux.literal("clear")
        tmux.keys("Enter")
        tmux.literal("\(BinaryRunner.binary.path) --local --model \(PlaygroundEndToEndTests.modelPath); echo TGPLAY-AGAIN=$?")
        tmux.keys("Enter")
        #expect(tmux.waitFor("restored") { $0.contains("Parameters") && $0.contains("the capital of the country") },
                "\(tmux.capture())")
        tmux.keys("Tab", "Tab")  // the output
        tmux.literal("t")
        #expect(tmux.waitFor("tree view") { $0.contains("Trees: 2") && $0.contains("└ at 1") }, "\(tmux.capture())")
        tmux.keys("Down", "Down", "Enter")
        #expect(tmux.waitFor("first tree") { $0.contains("tree #\(first.id)") && !$0.contains("the capital of the country") },
                "\(tmux.capture())\nbefore the restart:\n\(branchScreen)")
        tmux.literal("c")
        #expect(tmux.waitFor("continuing", timeout: 120) { $0.contains("continuing after token") }, "\(tmux.capture())")
        #expect(tmux.waitFor("continued", timeout: 120) { $0.contains(" done ") }, "\(tmux.capture())")
        tmux.keys("C-q")
        #expect(tmux.waitFor("exit again") { $0.contains("TGPLAY-AGAIN=0") }, "\(tmux.capture())")
        let after = try SessionFile.load(from: path)
        #expect(after.loom.entries.count == 2)
        let continued = try #require(after.loom.entry(first.id))
        let last = try #require(after.runs.last)
        #expect(try continued.tree.node(1).tokens.count > branchTokens,
                "the continuation extends the branch: \(continued.tree.nodes.map { ($0.id, $0.parent as Any, $0.start, $0.tokens.map(\.text)) }), before \(branchTokens), continuation \(last.tokens.map(\.text)) \(last.finishReason as Any) \(last.error as Any), \(after.loom.entries.map { ($0.id, $0.rootRun as Any, $0.tree.nodes.count) })")
        #expect(last.origin?.kind == RunOrigin.continuation)
        #expect(last.request.inputs.hasPrefix("The capital of France is"))
    }
}
