import GenerationCore

/// The sampled token tree overlay (`s` in the output): N continuations of up to K tokens drawn from the output
/// position at the cursor (the tokens before it accepted), or from the prompt's end, shown as a tree of token
/// prefixes; Enter accepts the path to the selected node into the branch tree.
public struct TreeView: Sendable, Equatable {
    /// Samples and depth a tree starts with (`+`/`-` and `<`/`>` change them within `SampleTreeRequest`'s ranges).
    public static let defaultSamples = 16
    public static let defaultDepth = 6

    /// The sampling request this view waits for or shows (answers of other ids are dropped).
    public var id: Int
    /// The output position sampled at: the tokens before it are the accepted text (0: the prompt's end).
    public var index: Int
    public var samples: Int
    public var depth: Int
    /// The tree, nil while it is being sampled.
    public var tree: SampleTree?
    /// Why sampling failed.
    public var error: String?
    /// The selected row of `rows` (depth-first, most frequent first at each level).
    public var selection = 0
    /// The first row on screen.
    public var scroll = 0

    public init(id: Int, index: Int, samples: Int = defaultSamples, depth: Int = defaultDepth) {
        self.id = id
        self.index = index
        self.samples = samples
        self.depth = depth
    }

    /// One line of the drawn tree: a node, how deep it is and the tokens from the root to it.
    public struct Row: Sendable, Equatable {
        public var depth: Int
        public var node: SampleTree.Node
        public var path: [Token]
        /// The node is the last of its siblings (drawn with `└` rather than `├`).
        public var last: Bool
        /// For each ancestor level, whether a later sibling still follows there (a `│` is drawn).
        public var rails: [Bool]
    }

    /// The tree's nodes in drawing order.
    public var rows: [Row] {
        guard let tree else { return [] }
        var out: [Row] = []
        func walk(_ nodes: [SampleTree.Node], depth: Int, prefix: [Token], rails: [Bool]) {
            for (i, node) in nodes.enumerated() {
                let last = i == nodes.count - 1
                let path = prefix + [node.token]
                out.append(Row(depth: depth, node: node, path: path, last: last, rails: rails))
                walk(node.children, depth: depth + 1, prefix: path, rails: rails + [!last])
            }
        }
        walk(tree.children, depth: 0, prefix: [], rails: [])
        return out
    }
}

extension AppState {
    /// The sampled token tree overlay, when it is up.
    public var treeView: TreeView? {
        for case .tree(let t) in overlay?.layers ?? [] { return t }
        return nil
    }

    /// Changes the tree overlay, when it is up.
    mutating func updateTreeView(_ change: (inout TreeView) -> Void) {
        overlay = overlay?.mapping { o in
            guard case .tree(var t) = o else { return o }
            change(&t)
            return .tree(t)
        }
    }
}
