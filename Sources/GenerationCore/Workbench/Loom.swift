import Foundation

/// Every tree of a session: each run that starts from the prompt is a root, and the branches and continuations
/// grown from it hang from it (a `BranchTree`). The playground shows one tree at a time; the loom keeps them all,
/// so a new run (Ctrl-R), a re-run, a failure or opening a run from the history never throws one away, and the
/// history's limit on runs does not reach the trees. A value, so rename and delete can be undone (`UndoStack`).
public struct Loom: Codable, Sendable, Equatable {
    /// One tree with its name (nil: its first words stand for it).
    public struct Entry: Codable, Sendable, Equatable, Identifiable {
        public var id: Int
        public var name: String?
        public var tree: BranchTree

        public init(id: Int, name: String? = nil, tree: BranchTree) {
            self.id = id
            self.name = name
            self.tree = tree
        }

        /// The history run the tree's root holds, when known.
        public var rootRun: Int? { try? tree.node(BranchTree.rootID).runID }
    }

    /// What can go wrong when changing the loom.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case unknownEntry(Int)

        public var description: String {
            switch self {
            case .unknownEntry(let id): return "no tree \(id) in the loom"
            }
        }
    }

    /// Oldest first; ids are unique and increasing.
    public private(set) var entries: [Entry] = []

    public init(entries: [Entry] = []) {
        self.entries = entries
    }

    public func entry(_ id: Int) -> Entry? { entries.first { $0.id == id } }

    /// The entry whose tree's root is `run`.
    public func entry(forRun run: Int) -> Entry? { entries.first { $0.rootRun == run } }

    /// Keeps `tree`: in place of entry `id` when there is one, else of the entry with the same root run, else as a
    /// new entry. Returns the entry's id.
    @discardableResult
    public mutating func keep(_ tree: BranchTree, as id: Int? = nil) -> Int {
        let root = try? tree.node(BranchTree.rootID).runID
        if let i = entries.firstIndex(where: { $0.id == id }) ?? root.flatMap({ run in
            entries.firstIndex { $0.rootRun == run }
        }) {
            entries[i].tree = tree
            return entries[i].id
        }
        let newID = (entries.map(\.id).max() ?? 0) + 1
        entries.append(Entry(id: newID, tree: tree))
        return newID
    }

    /// Names entry `id` (an empty or blank name removes the name).
    public mutating func rename(_ id: Int, to name: String?) throws {
        guard let i = entries.firstIndex(where: { $0.id == id }) else { throw Failure.unknownEntry(id) }
        let trimmed = name?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        entries[i].name = trimmed.isEmpty ? nil : trimmed
    }

    /// Removes entry `id` with its whole tree.
    public mutating func remove(_ id: Int) throws {
        guard let i = entries.firstIndex(where: { $0.id == id }) else { throw Failure.unknownEntry(id) }
        entries.remove(at: i)
    }

    /// The loom of a file written before sessions had one (versions 1 and 2), oldest run first: each run of the
    /// prompt (not a branch or continuation) with the tree kept with it (version 2) or as a tree of its own, then
    /// the tree shown in place of its root run's (a tree that did not record its root run is matched by its
    /// tokens, see `rootRun(of:in:)`).
    public static func migrated(runs: [SessionRun], shown: BranchTree?) -> Loom {
        var loom = Loom()
        for run in runs {
            if let tree = run.tree {
                loom.keep(tree)
            } else if run.origin == nil, !run.tokens.isEmpty {
                loom.keep(run.bareTree)
            }
        }
        if var shown, !loom.entries.contains(where: { $0.tree == shown }) {
            if (try? shown.node(BranchTree.rootID))?.runID == nil, let root = rootRun(of: shown, in: runs) {
                try? shown.extend(BranchTree.rootID, with: [], runID: root)
            }
            loom.keep(shown)
        }
        return loom
    }

    /// The newest run on the tree's prompt whose tokens begin the tree's root (a continuation of the root extends
    /// it), for trees from files that did not record their root run.
    public static func rootRun(of tree: BranchTree, in runs: [SessionRun]) -> Int? {
        guard let root = try? tree.node(BranchTree.rootID) else { return nil }
        return runs.last { run in
            run.request.inputs == tree.prompt && !run.tokens.isEmpty && run.tokens.count <= root.tokens.count
                && zip(run.tokens, root.tokens).allSatisfy { $0.isSameToken(as: $1) }
        }?.id
    }
}

extension BranchTree {
    /// The first `count` words of node `id`'s own tokens (special tokens left out), for listing a loom: what the
    /// node says where it starts to differ.
    public func firstWords(of id: NodeID, count: Int = 6) -> String {
        guard let node = try? node(id) else { return "" }
        let text = node.tokens.filter { !$0.special }.map(\.text).joined()
        let words = text.split(whereSeparator: { $0.isWhitespace })
        return words.prefix(count).joined(separator: " ")
    }

    /// The mean probability of node `id`'s own tokens (exp of their mean logprob), nil when none is scored.
    public func meanProbability(of id: NodeID) -> Double? {
        guard let node = try? node(id) else { return nil }
        return LogprobMean(node.tokens.filter { !$0.special }.map(\.logprob)).mean.map { Foundation.exp($0) }
    }

    /// The nodes in depth-first order (a parent before its children, children oldest first), each with its depth
    /// (the root 0): the order a tree view lists them in.
    public func depthFirst() -> [(id: NodeID, depth: Int)] {
        var children: [NodeID: [NodeID]] = [:]
        for node in nodes { if let parent = node.parent { children[parent, default: []].append(node.id) } }
        var result: [(id: NodeID, depth: Int)] = []
        var stack: [(NodeID, Int)] = [(Self.rootID, 0)]
        while let (id, depth) = stack.popLast() {
            guard nodes.indices.contains(id) else { continue }
            result.append((id, depth))
            for child in (children[id] ?? []).reversed() { stack.append((child, depth + 1)) }
        }
        return result
    }
}
