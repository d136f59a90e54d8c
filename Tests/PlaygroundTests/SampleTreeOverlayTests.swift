import Foundation
import GenerationCore
import Testing
@testable import Playground

/// The sampled token tree overlay (`s` in the output): the request it sends, the tree it draws, and accepting a
/// path into the branch tree.
@Suite("Sample tree overlay")
struct SampleTreeOverlayTests {
    static func token(_ id: UInt32, _ text: String, _ p: Double) -> Token {
        Token(id: id, text: text, logprob: log(p), special: false)
    }

    /// 16 samples after "The capital of France is": three first tokens, one of them branching again.
    static func tree(inputs: String) -> SampleTree {
        let paris = token(1, " Paris", 0.5), the = token(2, " the", 0.3), a = token(3, " a", 0.1)
        let dot = token(4, ".", 0.6), comma = token(5, ",", 0.2), city = token(6, " city", 0.4)
        let end = token(7, "<eos>", 0.9)
        var paths: [SampledPath] = []
        paths += Array(repeating: SampledPath(tokens: [paris, dot], finishReason: .length), count: 7)
        paths += Array(repeating: SampledPath(tokens: [paris, comma], finishReason: .length), count: 2)
        paths += Array(repeating: SampledPath(tokens: [the, city], finishReason: .length), count: 5)
        paths += [SampledPath(tokens: [a, end], finishReason: .eosToken), SampledPath(tokens: [a, city], finishReason: .length)]
        return SampleTree(inputs: inputs, depth: 2, seed: 7, probabilities: .processed, paths: paths)
    }

    static func harness(width: Int = 80, height: Int = 24) -> Harness {
        var h = Harness(width: width, height: height)
        h.type("The capital of France is")
        h.stream([" the", " capital", " city"])
        h.keys(.tab, .tab)
        return h
    }

    /// The `sampleTree` effect `s` sent.
    static func sent(_ h: Harness) -> (id: Int, request: SampleTreeRequest)? {
        for case .sampleTree(let id, let request, _, _, _) in h.effects.reversed() { return (id, request) }
        return nil
    }

    @Test func sAtTheCursorSamplesWithTheOutputBeforeItAccepted() throws {
        var h = Self.harness()
        h.keys(.home, .right)  // cursor on " capital"
        h.keys(.character("s"))
        let (id, request) = try #require(Self.sent(h))
        #expect(request.samples == 16 && request.depth == 6, "the defaults")
        #expect(request.request.inputs == "The capital of France is")
        #expect(request.accepted == " the", "the output before the cursor")
        #expect(request.problem == nil)
        #expect(h.state.treeView?.id == id)
        #expect(h.state.treeView?.index == 1)
        #expect(h.screen.contains("sampling 16 continuations of up to 6 tokens"))
    }

    @Test func withNoOutputItSamplesFromThePromptsEnd() throws {
        var h = Harness()
        h.type("Once upon")
        h.keys(.tab, .tab, .character("s"))
        let (_, request) = try #require(Self.sent(h))
        #expect(request.request.inputs == "Once upon")
        #expect(request.accepted == "")
    }

    @Test func theTreeIsDrawnAndSizesChangeWithinTheirRanges() throws {
        var h = Self.harness()
        h.keys(.home, .character("s"))
        let (id, _) = try #require(Self.sent(h))
        h.send(.treeSampled(id: id - 1, .success(Self.tree(inputs: "x"))))
        #expect(h.state.treeView?.tree == nil, "an older answer is dropped")
        h.send(.treeSampled(id: id, .success(Self.tree(inputs: "The capital of France is"))))
        let rows = try #require(h.state.treeView?.rows)
        #expect(rows.map { $0.node.token.text } == [" Paris", ".", ",", " the", " city", " a", "<eos>", " city"],
                "depth first, most frequent first")
        #expect(rows.map(\.node.count) == [9, 7, 2, 5, 5, 2, 1, 1])
        let screen = h.screen
        for label in ["Sample tree · 16 × 6 tokens · seed 7", "\" Paris\"", "├ ", "└ ", "30.00%", "■1", "numbers: processed"] {
            #expect(screen.contains(label), "\(label) is shown")
        }
        Snapshot.check(screen, named: "sample-tree-80x24")
        h.keys(.character("+"))
        #expect(Self.sent(h)?.request.samples == 32)
        h.keys(.character("+"), .character("+"))
        #expect(Self.sent(h)?.request.samples == 64, "at most 64")
        h.keys(.character("<"))
        #expect(Self.sent(h)?.request.depth == 5)
        h.keys(.escape)
        #expect(h.state.treeView == nil)
    }

    @Test func at120x40() throws {
        var h = Self.harness(width: 120, height: 40)
        h.keys(.home, .character("s"))
        let (id, _) = try #require(Self.sent(h))
        h.send(.treeSampled(id: id, .success(Self.tree(inputs: "The capital of France is"))))
        h.keys(.down, .down, .down)
        Snapshot.check(h.screen, named: "sample-tree-120x40")
    }

    @Test func chatModeSaysWhyNot() {
        var h = Self.harness()
        h.keys(.function(4))
        h.state.focus = .output
        h.keys(.character("s"))
        #expect(h.state.treeView == nil)
        #expect(h.state.notice?.contains("text prompt") == true)
    }

    @Test func aFailureIsShown() throws {
        var h = Self.harness()
        h.keys(.character("s"))
        let (id, _) = try #require(Self.sent(h))
        h.send(.treeSampled(id: id, .failure(.validation("no sampling here"))))
        #expect(h.screen.contains("cannot sample: Input validation error: no sampling here"))
    }

    @Test func enterAcceptsThePathIntoTheBranchTree() throws {
        var h = Self.harness()
        h.keys(.home, .right, .character("s"))
        let (id, _) = try #require(Self.sent(h))
        h.send(.treeSampled(id: id, .success(Self.tree(inputs: "The capital of France is the"))))
        h.keys(.down, .down, .down, .down)  // " the" -> " city"
        let selected = try #require(h.state.treeView.map { $0.rows[$0.selection] })
        #expect(selected.path.map(\.text) == [" the", " city"])
        let before = h.effects.count
        h.keys(.enter)
        #expect(h.effects.count == before, "accepting generates nothing")
        #expect(h.state.treeView == nil)
        #expect(h.state.transcript.tokens.map(\.token.text) == [" the", " the", " city"], "cut at the cursor, path after")
        let b = try #require(h.state.branches?.current)
        #expect(try b.tree.fullTokens(of: b.node).map(\.text) == [" the", " the", " city"])
        #expect(try b.tree.fullTokens(of: BranchTree.rootID).map(\.text) == [" the", " capital", " city"], "the original kept")
        h.keys(.character("u"))
        #expect(h.state.transcript.tokens.map(\.token.text) == [" the", " capital", " city"], "u undoes it")
    }

    @Test func acceptingFromAnEmptyOutputStartsTheTree() throws {
        var h = Harness()
        h.type("The capital of France is")
        h.keys(.tab, .tab, .character("s"))
        let (id, _) = try #require(Self.sent(h))
        h.send(.treeSampled(id: id, .success(Self.tree(inputs: "The capital of France is"))))
        h.keys(.down, .enter)  // " Paris" -> "."
        #expect(h.state.transcript.tokens.map(\.token.text) == [" Paris", "."])
        #expect(h.state.branches?.current.tree.prompt == "The capital of France is")
    }
}
