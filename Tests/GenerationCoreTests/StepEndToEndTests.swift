import Foundation
import Testing
import LocalEngine
import GenerationCore

/// Step and steer on the real binary and the built-in engine in tmux: `n` twice, an alternative accepted in the
/// step popup without generating, text forced with `f`, undone with `u`, and the session keeping the step runs.
@Suite("Step and steer end to end (tmux)", .serialized)
struct StepEndToEndTests {
    @Test(.enabled(if: PlaygroundEndToEndTests.tmuxAvailable, "tmux is installed by scripts/setup.sh"))
    func stepAcceptForceUndo() throws {
        let tmux = PlaygroundEndToEndTests.Tmux()
        defer { tmux.stop() }
        try tmux.launchBuiltInEngine()
        tmux.literal("The capital of France is")
        tmux.keys("Tab", "Tab")  // the output
        tmux.literal("n")
        #expect(tmux.waitFor("first step", timeout: 120) { $0.contains("Step: token 1") }, "\(tmux.capture())")
        tmux.literal("n")
        #expect(tmux.waitFor("second step", timeout: 120) { $0.contains("Step: token 2") }, "\(tmux.capture())")
        tmux.keys("Down", "Down", "Enter")
        #expect(tmux.waitFor("accepted") { $0.contains("accepted") && $0.contains("at token 2") }, "\(tmux.capture())")
        tmux.literal("f")
        #expect(tmux.waitFor("force prompt") { $0.contains("force text") }, "\(tmux.capture())")
        tmux.literal(" Paris")
        tmux.keys("Enter")
        #expect(tmux.waitFor("forced", timeout: 120) { $0.contains("forced") && $0.contains("logprob") }, "\(tmux.capture())")
        tmux.keys("Escape")
        // Escape then a key at once reads as Alt-key: the popup closes first.
        #expect(tmux.waitFor("popup closed") { !$0.contains("Step: token") }, "\(tmux.capture())")
        tmux.literal("u")
        #expect(tmux.waitFor("undone") { $0.contains("undone") && !$0.contains("Paris") }, "\(tmux.capture())")
        tmux.keys("C-q")
        #expect(tmux.waitFor("exit") { $0.contains("TGPLAY-EXIT=0") }, "\(tmux.capture())")
        let saved = try SessionFile.load(from: tmux.home.path + "/state/tgplay/session.json")
        let steps = saved.runs.filter { $0.origin?.kind == RunOrigin.step }
        #expect(steps.count == 2, "\(saved.runs.map { ($0.id, $0.origin as Any) })")
        #expect(steps.allSatisfy { $0.tokens.count == 1 && $0.request.parameters?.maxNewTokens == 1 })
    }
}
