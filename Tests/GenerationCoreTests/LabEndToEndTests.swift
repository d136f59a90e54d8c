import Foundation
import Testing
import LocalEngine
import GenerationCore

/// The distribution lab in the real binary on the built-in engine: colour-by entropy makes the run record stages
/// (the legend shows the scale, no token is `n/a`), and a sampled token tree from the first token, greedy, is
/// one path of 16 whose first three tokens are accepted into the branch tree.
extension PlaygroundEndToEndTests {
    @Test(.enabled(if: tmuxAvailable, "tmux is installed by scripts/setup.sh"))
    func builtInEngineColourByAndSampleTree() throws {
        let tmux = Tmux()
        defer { tmux.stop() }
        try tmux.launchBuiltInEngine()

        tmux.literal("The capital of France is")
        tmux.keys("Tab", "Tab", "m", "m")
        #expect(tmux.waitFor("colour by entropy") { $0.contains("colour by entropy") }, "\(tmux.capture())")
        tmux.keys("C-r")
        #expect(tmux.waitFor("tokens", timeout: 120) { $0.contains("the capital of the country of France") }, "\(tmux.capture())")
        tmux.keys("Escape")
        #expect(tmux.waitFor("cancelled") { $0.contains(" cancelled ") }, "\(tmux.capture())")
        let screen = tmux.capture()
        #expect(screen.contains("entropy █3+ █<3 █<2 █<1 █<.5 █<.25"), "the stages came with the run: \(screen)")
        #expect(!screen.contains("n/a"), "every token has its entropy: \(screen)")

        // Greedy (do_sample off): all 16 samples are the model's greedy path, one chain of 16s.
        tmux.keys("Home")
        #expect(tmux.waitFor("cursor on the first token") { $0.contains("token 1/") }, "\(tmux.capture())")
        tmux.keys("s")
        #expect(tmux.waitFor("tree", timeout: 180) { $0.contains("Sample tree · 16 × 6 tokens") && $0.contains("\" country\"") },
                "\(tmux.capture())")
        let tree = tmux.capture()
        let rows = tree.split(separator: "\n").filter { $0.contains("█") && $0.contains("\"") }
        #expect(rows.count == 6, "one path of 6 tokens: \(tree)")
        #expect(rows.allSatisfy { $0.contains("   16  ████████") }, "every sample took it: \(tree)")
        tmux.keys("Down", "Down", "Enter")
        #expect(tmux.waitFor("accepted") { $0.contains("accepted 3 sampled tokens at token 1") }, "\(tmux.capture())")
        #expect(tmux.capture().contains("token 3/3"), "the output is the accepted path: \(tmux.capture())")
        tmux.keys("C-q")
        #expect(tmux.waitFor("exit") { $0.contains("TGPLAY-EXIT=0") }, "\(tmux.capture())")
    }
}
