import Foundation
import Testing
@testable import GenerationCore

/// The branch tree and undo, as pure functions.
@Suite struct BranchTreeTests {
    static func t(_ id: UInt32, _ text: String, special: Bool = false) -> Token {
        Token(id: id, text: text, logprob: -0.5, special: special)
    }

    /// Root: " The cat sat ." with top tokens at each position.
    static func tree() -> BranchTree {
        let tokens = [t(1, " The"), t(2, " cat"), t(3, " sat"), t(4, ".")]
        let top = tokens.map { [$0, t(100 + $0.id!, " alt\($0.id!)")] }
        return BranchTree(prompt: "Once:", tokens: tokens, topTokens: top, runID: 1)
    }

    @Test func branchKeepsPrefixAndTakesAlternative() throws {
        var tree = Self.tree()
        let dog = try tree.branch(from: BranchTree.rootID, at: 1, alternative: Self.t(9, " dog"))
        #expect(try tree.fullTokens(of: dog).map(\.text) == [" The", " dog"])
        #expect(try tree.acceptedText(for: dog) == " The dog")
        // The alternative's distribution is the parent's at that position.
        #expect(try tree.fullTopTokens(of: dog)[1] == [Self.t(2, " cat"), Self.t(102, " alt2")])
        try tree.extend(dog, with: [Self.t(5, " ran"), Self.t(6, "!"), Self.t(7, "<eos>", special: true)], runID: 2)
        #expect(try tree.acceptedText(for: dog) == " The dog ran!")
        #expect(try tree.fullTopTokens(of: dog).count == 5)
        #expect(try tree.node(dog).runID == 2)
        #expect(try tree.path(to: dog) == [0, dog])
        // The root is unchanged.
        #expect(try tree.acceptedText(for: BranchTree.rootID) == " The cat sat.")
    }

    @Test func resumeRequestIsPromptPlusAcceptedText() throws {
        var tree = Self.tree()
        let id = try tree.branch(from: 0, at: 2, alternative: Self.t(8, " slept"))
        let base = GenerateRequest(inputs: "ignored", parameters: GenerateParameters(maxNewTokens: 10, seed: 4), stream: true)
        let request = try tree.resumeRequest(for: id, base: base)
        #expect(request.inputs == "Once: The cat slept")
        #expect(request.parameters == base.parameters)
        #expect(request.stream == true)
    }

    @Test func branchingInsideAnInheritedPrefixHangsOffTheOwner() throws {
        var tree = Self.tree()
        let b1 = try tree.branch(from: 0, at: 2, alternative: Self.t(8, " slept"))
        try tree.extend(b1, with: [Self.t(5, " well")])
        // Position 1 of b1 is inherited from the root: the branch belongs to the root.
        let b2 = try tree.branch(from: b1, at: 1, alternative: Self.t(9, " dog"))
        #expect(try tree.node(b2).parent == 0)
        #expect(try tree.fullTokens(of: b2).map(\.text) == [" The", " dog"])
        // A branch of a branch at its own positions.
        let b3 = try tree.branch(from: b1, at: 3, alternative: Self.t(6, " badly"))
        #expect(try tree.node(b3).parent == b1)
        #expect(try tree.fullTokens(of: b3).map(\.text) == [" The", " cat", " slept", " badly"])
        #expect(try tree.path(to: b3) == [0, b1, b3])
        #expect(try tree.children(of: 0) == [b1, b2])
    }

    @Test func siblingsAreAlternativesAtTheSamePosition() throws {
        var tree = Self.tree()
        let a = try tree.branch(from: 0, at: 1, alternative: Self.t(9, " dog"))
        let b = try tree.branch(from: 0, at: 1, alternative: Self.t(10, " bird"))
        let c = try tree.branch(from: 0, at: 3, alternative: Self.t(11, "!"))
        #expect(try tree.siblings(of: a) == [a, b])
        #expect(try tree.siblings(of: b) == [a, b])
        #expect(try tree.siblings(of: c) == [c])
        #expect(try tree.siblings(of: 0) == [0])
    }

    @Test func errors() {
        var tree = Self.tree()
        #expect(throws: BranchTree.Failure.indexOutOfRange(index: 4, count: 4)) {
            try tree.branch(from: 0, at: 4, alternative: Self.t(1, "x"))
        }
        #expect(throws: BranchTree.Failure.unknownNode(7)) { try tree.path(to: 7) }
        #expect(throws: BranchTree.Failure.unknownNode(3)) { try tree.extend(3, with: []) }
    }

    @Test func undoRestoresThePreviousTree() throws {
        var history = UndoStack(Self.tree())
        let original = history.current
        let id = try history.perform { try $0.branch(from: 0, at: 1, alternative: Self.t(9, " dog")) }
        let afterBranch = history.current
        try history.perform { try $0.extend(id, with: [Self.t(5, " ran")]) }
        #expect(history.past.count == 2)
        // A failing change leaves no undo step.
        #expect(throws: BranchTree.Failure.self) { try history.perform { try $0.branch(from: 42, at: 0, alternative: Self.t(1, "x")) } }
        #expect(history.past.count == 2)
        var undone = history.undo()
        #expect(undone)
        #expect(history.current == afterBranch)
        undone = history.undo()
        #expect(undone)
        #expect(history.current == original)
        undone = history.undo()
        #expect(!undone)
        #expect(!history.canUndo)
    }

    @Test func undoLimitDropsTheOldest() {
        var history = UndoStack(0, limit: 2)
        for _ in 0..<5 { history.perform { $0 += 1 } }
        #expect(history.past == [3, 4])
    }

    @Test func treeFromResponse() throws {
        let response = GenerateResponse(generatedText: "ab", details: Details(
            finishReason: .length, generatedTokens: 2, seed: nil, tokens: [Self.t(1, "a"), Self.t(2, "b")],
            topTokens: [[Self.t(1, "a")], [Self.t(2, "b")]]))
        var tree = BranchTree(prompt: "p", response: response, runID: 3)
        let id = try tree.branch(from: 0, at: 1, alternative: Self.t(3, "c"))
        try tree.extend(id, with: response, runID: 4)
        #expect(try tree.acceptedText(for: id) == "acab")
    }
}
