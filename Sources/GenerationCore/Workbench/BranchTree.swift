import Foundation

/// The tree of continuations that branching from alternatives builds, as a pure value.
///
/// A node owns the tokens it added; its full output is its parent's first `start` tokens followed by its own.
/// The root holds the first run. Branching at position `i` of a node's output with an alternative token makes a
/// child whose own tokens begin with that alternative; generation then continues from prompt + accepted text
/// (TGI has no "continue": see `resumeRequest(for:base:)`) and the new tokens are appended with `extend`.
/// Being a value, every state can be kept for undo (`UndoStack`) and saved in a session.
public struct BranchTree: Codable, Sendable, Equatable {
    public typealias NodeID = Int

    public struct Node: Codable, Sendable, Equatable, Identifiable {
        public var id: NodeID
        /// nil for the root.
        public var parent: NodeID?
        /// Position in the full output where this node's own tokens begin (0 for the root).
        public var start: Int
        /// The tokens this node added; for a branch the first one is the chosen alternative.
        public var tokens: [Token]
        /// The `top_tokens` at each of this node's own positions (empty where unknown), parallel to `tokens`.
        public var topTokens: [[Token]]
        /// The session run that produced this node's continuation, when there is one.
        public var runID: Int?

        public init(id: NodeID, parent: NodeID?, start: Int, tokens: [Token], topTokens: [[Token]] = [],
                    runID: Int? = nil) {
            self.id = id
            self.parent = parent
            self.start = start
            self.tokens = tokens
            self.topTokens = topTokens
            self.runID = runID
        }

        enum CodingKeys: String, CodingKey {
            case id, parent, start, tokens
            case topTokens = "top_tokens"
            case runID = "run_id"
        }
    }

    /// What can go wrong when changing the tree.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case unknownNode(NodeID)
        case indexOutOfRange(index: Int, count: Int)

        public var description: String {
            switch self {
            case .unknownNode(let id): return "no branch node \(id)"
            case .indexOutOfRange(let index, let count):
                return "token index \(index) is outside the output (\(count) tokens)"
            }
        }
    }

    public var prompt: String
    /// Every node; a node's id is its index here.
    public private(set) var nodes: [Node]
    public static let rootID: NodeID = 0

    /// A tree whose root is the first run's output.
    public init(prompt: String, tokens: [Token], topTokens: [[Token]] = [], runID: Int? = nil) {
        self.prompt = prompt
        nodes = [Node(id: Self.rootID, parent: nil, start: 0, tokens: tokens, topTokens: topTokens, runID: runID)]
    }

    /// A tree from a run's answer (its tokens and top tokens).
    public init(prompt: String, response: GenerateResponse, runID: Int? = nil) {
        self.init(prompt: prompt, tokens: response.details?.tokens ?? [],
                  topTokens: response.details?.topTokens ?? [], runID: runID)
    }

    public func node(_ id: NodeID) throws -> Node {
        guard nodes.indices.contains(id) else { throw Failure.unknownNode(id) }
        return nodes[id]
    }

    /// The node's full output: the inherited prefix and its own tokens.
    public func fullTokens(of id: NodeID) throws -> [Token] {
        try collect(id, \.tokens)
    }

    /// The `top_tokens` along the node's full output (empty lists where unknown).
    public func fullTopTokens(of id: NodeID) throws -> [[Token]] {
        try collect(id) { node in
            (0..<node.tokens.count).map { node.topTokens.indices.contains($0) ? node.topTokens[$0] : [] }
        }
    }

    private func collect<T>(_ id: NodeID, _ own: (Node) -> [T]) throws -> [T] {
        var result: [T] = []
        var limit = Int.max
        for nodeID in try path(to: id).reversed() {
            let node = nodes[nodeID]
            let mine = own(node)
            let keep = min(mine.count, max(0, limit - node.start))
            result = Array(mine.prefix(keep)) + result
            limit = node.start
        }
        return result
    }

    /// Root first, `id` last.
    public func path(to id: NodeID) throws -> [NodeID] {
        var current = try node(id)
        var path = [current.id]
        while let parent = current.parent {
            current = try node(parent)
            path.append(current.id)
        }
        return path.reversed()
    }

    /// The nodes that branch from the same parent at the same position, `id` included, oldest first: the
    /// alternatives tried at that point. The root's list is just the root.
    public func siblings(of id: NodeID) throws -> [NodeID] {
        let me = try node(id)
        guard let parent = me.parent else { return [id] }
        return nodes.filter { $0.parent == parent && $0.start == me.start }.map(\.id)
    }

    /// Every node that branches off `id`, oldest first.
    public func children(of id: NodeID) throws -> [NodeID] {
        _ = try node(id)
        return nodes.filter { $0.parent == id }.map(\.id)
    }

    /// The generated text accepted up to and including the node's last token (special tokens are not text,
    /// as in TGI's `generated_text`).
    public func acceptedText(for id: NodeID) throws -> String {
        try fullTokens(of: id).filter { !$0.special }.map(\.text).joined()
    }

    /// The request that continues the node: TGI has no "continue", so its inputs are the prompt followed by the
    /// accepted text; parameters are `base`'s. (The built-in engine reuses its cache for the shared prefix.)
    public func resumeRequest(for id: NodeID, base: GenerateRequest) throws -> GenerateRequest {
        var request = base
        request.inputs = prompt + (try acceptedText(for: id))
        return request
    }

    /// Branches from position `index` of node `id`'s full output with `alternative` in place of the token there.
    /// The new node keeps the output before `index`, starts with the alternative and has no continuation yet.
    /// When `index` lies in the inherited prefix, the branch hangs off the ancestor that owns that position.
    @discardableResult
    public mutating func branch(from id: NodeID, at index: Int, alternative: Token,
                                topTokens: [Token]? = nil) throws -> NodeID {
        let full = try fullTokens(of: id)
        guard index >= 0, index < full.count else { throw Failure.indexOutOfRange(index: index, count: full.count) }
        var owner = nodes[id]
        while index < owner.start, let parent = owner.parent { owner = nodes[parent] }
        let distribution = topTokens ?? ((try? fullTopTokens(of: id)).flatMap { $0.indices.contains(index) ? $0[index] : nil } ?? [])
        let newID = nodes.count
        nodes.append(Node(id: newID, parent: owner.id, start: index, tokens: [alternative], topTokens: [distribution]))
        return newID
    }

    /// Cuts node `id`'s full output after its first `count` tokens, as a branch: a new node with no tokens yet,
    /// hanging off the node that owns position `count`, whose output is that prefix (a continuation then extends
    /// it, and the tokens cut stay in the tree as the branch it left). `count` equal to the output's length cuts
    /// nothing and returns `id`.
    @discardableResult
    public mutating func cut(_ id: NodeID, keeping count: Int) throws -> NodeID {
        let full = try fullTokens(of: id)
        guard count >= 0, count <= full.count else { throw Failure.indexOutOfRange(index: count, count: full.count) }
        guard count < full.count else { return id }
        var owner = nodes[id]
        while count < owner.start, let parent = owner.parent { owner = nodes[parent] }
        let newID = nodes.count
        nodes.append(Node(id: newID, parent: owner.id, start: count, tokens: []))
        return newID
    }

    /// Appends a continuation's tokens (and their top tokens) to node `id`.
    public mutating func extend(_ id: NodeID, with tokens: [Token], topTokens: [[Token]] = [], runID: Int? = nil) throws {
        _ = try node(id)
        var padded = nodes[id].topTokens
        while padded.count < nodes[id].tokens.count { padded.append([]) }
        for offset in tokens.indices { padded.append(topTokens.indices.contains(offset) ? topTokens[offset] : []) }
        nodes[id].tokens += tokens
        nodes[id].topTokens = padded
        if let runID { nodes[id].runID = runID }
    }

    /// Appends a `/generate` answer's tokens to node `id` (the answer to `resumeRequest(for: id, ...)`).
    public mutating func extend(_ id: NodeID, with response: GenerateResponse, runID: Int? = nil) throws {
        try extend(id, with: response.details?.tokens ?? [], topTokens: response.details?.topTokens ?? [], runID: runID)
    }
}

/// Past states of a value, for undo and redo. The TUI keeps its branch tree (and its loom) in one and changes it
/// through `perform`, so undo restores exactly the previous state and redo the one undone.
public struct UndoStack<State: Sendable & Equatable>: Sendable, Equatable {
    public private(set) var current: State
    public private(set) var past: [State] = []
    /// States undone, newest last; a new change (`perform`) clears them.
    public private(set) var future: [State] = []
    /// How many past states are kept (the oldest are dropped first).
    public var limit: Int

    public init(_ initial: State, limit: Int = 100) {
        current = initial
        self.limit = max(1, limit)
    }

    public var canUndo: Bool { !past.isEmpty }
    public var canRedo: Bool { !future.isEmpty }

    /// Changes the current state; the state before is kept for `undo` unless the change throws or changes
    /// nothing.
    @discardableResult
    public mutating func perform<R>(_ change: (inout State) throws -> R) rethrows -> R {
        var next = current
        let result = try change(&next)
        if next != current {
            past.append(current)
            if past.count > limit { past.removeFirst(past.count - limit) }
            current = next
            future = []
        }
        return result
    }

    /// Changes the current state without keeping the state before (e.g. recording a continuation that finished
    /// streaming, which undo should not take apart from the state it belongs to).
    @discardableResult
    public mutating func amend<R>(_ change: (inout State) throws -> R) rethrows -> R {
        try change(&current)
    }

    /// Restores the previous state; false when there is none.
    @discardableResult
    public mutating func undo() -> Bool {
        guard let previous = past.popLast() else { return false }
        future.append(current)
        current = previous
        return true
    }

    /// Restores the state the last undo left; false when there is none.
    @discardableResult
    public mutating func redo() -> Bool {
        guard let next = future.popLast() else { return false }
        past.append(current)
        current = next
        return true
    }
}
