import Foundation

/// What to sample a token tree from: the request's prompt (and parameters) followed by the text accepted so far,
/// `samples` continuations of at most `depth` tokens each.
///
/// Sample `i` (0-based) is drawn with seed `seed + i` (wrapping), so with a seed in the request the tree is
/// reproducible, and sample `i` is exactly what `generate` with `seed + i` and `max_new_tokens: depth` returns.
/// Without one a base seed is drawn and reported in `SampleTree.seed`.
public struct SampleTreeRequest: Sendable, Equatable {
    public static let sampleRange = 8...64
    public static let depthRange = 1...12

    public var request: GenerateRequest
    /// Generated text already accepted after the prompt (empty: sample from the prompt's end).
    public var accepted: String
    public var samples: Int
    public var depth: Int

    public init(request: GenerateRequest, accepted: String = "", samples: Int, depth: Int) {
        self.request = request
        self.accepted = accepted
        self.samples = samples
        self.depth = depth
    }

    /// Why this cannot be sampled (counts out of range), nil when it can.
    public var problem: GenerationError? {
        if !Self.sampleRange.contains(samples) {
            return .validation("a sample tree takes \(Self.sampleRange.lowerBound) to \(Self.sampleRange.upperBound) samples. Given: \(samples)")
        }
        if !Self.depthRange.contains(depth) {
            return .validation("a sample tree's depth is \(Self.depthRange.lowerBound) to \(Self.depthRange.upperBound) tokens. Given: \(depth)")
        }
        return nil
    }

    /// The base seed: the request's, else `drawn`.
    public func baseSeed(drawn: UInt64) -> UInt64 { request.parameters?.seed ?? drawn }

    /// The request that draws sample `index`: prompt + accepted text, `max_new_tokens` = depth, seed
    /// `base + index`, details on (the tokens are read from them). An absent `parameters` object keeps TGI's
    /// meaning ("sample") when fields are added.
    public func sampleRequest(_ index: Int, base: UInt64) -> GenerateRequest {
        var r = request
        r.inputs = request.inputs + accepted
        var p = r.parameters ?? GenerateParameters()
        if r.parameters == nil { p.doSample = true }
        p.maxNewTokens = UInt32(depth)
        p.seed = base &+ UInt64(index)
        p.details = true
        p.bestOf = nil
        p.decoderInputDetails = nil
        p.returnFullText = nil
        r.parameters = p
        r.stream = nil
        r.traceStages = false
        return r
    }
}

/// One sampled continuation: its tokens (with the backend's logprobs) and why it ended.
public struct SampledPath: Sendable, Equatable {
    public var tokens: [Token]
    public var finishReason: FinishReason?

    public init(tokens: [Token], finishReason: FinishReason?) {
        self.tokens = tokens
        self.finishReason = finishReason
    }
}

/// N sampled continuations drawn as a tree of token prefixes: each node is one token after its parent's prefix,
/// with how many samples went through it and the model's logprob of that token there (the backend's, labelled by
/// `probabilities`), and the path's summed logprob, so a node's count / N can be read against exp(path logprob).
///
/// Protocol-neutral: built from a list of paths, so the built-in engine (one prefill, shared cache) and remote
/// backends (N requests) fill the same type. Tokens are merged by `Token.isSameToken` (id, else bytes, else text).
public struct SampleTree: Encodable, Sendable, Equatable {
    public struct Node: Encodable, Sendable, Equatable {
        public var token: Token
        /// Samples whose path goes through this node.
        public var count: Int
        /// Sum of the logprobs from the root to this node (nil when any is unknown).
        public var pathLogprob: Double?
        /// Samples that ended at this node (end of generation or a stop sequence before the depth).
        public var ended: Int
        /// Most frequent first; ties in the order they were first drawn.
        public var children: [Node]

        enum CodingKeys: String, CodingKey {
            case token, count
            case pathLogprob = "path_logprob"
            case ended, children
        }
    }

    /// The text sampled from (prompt and accepted text).
    public var inputs: String
    public var samples: Int
    public var depth: Int
    /// The base seed (sample i used seed + i), nil when the backend cannot make sampling reproducible.
    public var seed: UInt64?
    /// What the logprobs are (`BackendCapabilities.probabilities`).
    public var probabilities: ProbabilityKind
    /// The first tokens drawn, most frequent first.
    public var children: [Node]

    enum CodingKeys: String, CodingKey { case inputs, samples, depth, seed, probabilities, children }

    /// The tree of `paths` (each at most `depth` tokens).
    public init(inputs: String, depth: Int, seed: UInt64?, probabilities: ProbabilityKind, paths: [SampledPath]) {
        self.inputs = inputs
        samples = paths.count
        self.depth = depth
        self.seed = seed
        self.probabilities = probabilities
        var root: [Node] = []
        for path in paths {
            Self.insert(ArraySlice(path.tokens.prefix(depth)), into: &root, pathLogprob: 0,
                        ended: path.finishReason != nil && path.finishReason != .length)
        }
        children = Self.ordered(root)
    }

    private static func insert(_ tokens: ArraySlice<Token>, into nodes: inout [Node], pathLogprob: Double?,
                               ended: Bool) {
        guard let token = tokens.first else { return }
        let summed = pathLogprob.flatMap { sum in token.logprob.map { sum + $0 } }
        let index: Int
        if let found = nodes.firstIndex(where: { $0.token.isSameToken(as: token) }) {
            index = found
        } else {
            nodes.append(Node(token: token, count: 0, pathLogprob: summed, ended: 0, children: []))
            index = nodes.count - 1
        }
        nodes[index].count += 1
        let rest = tokens.dropFirst()
        if rest.isEmpty {
            if ended { nodes[index].ended += 1 }
        } else {
            insert(rest, into: &nodes[index].children, pathLogprob: nodes[index].pathLogprob, ended: ended)
        }
    }

    /// Most frequent first (stable, so ties keep the order they were first drawn in), at every level.
    private static func ordered(_ nodes: [Node]) -> [Node] {
        nodes.enumerated().sorted { a, b in
            a.element.count > b.element.count || (a.element.count == b.element.count && a.offset < b.offset)
        }.map { entry in
            var node = entry.element
            node.children = ordered(node.children)
            return node
        }
    }

    /// Every root-to-leaf path's tokens with its count (a leaf's count), for reading the tree back as samples.
    public var leaves: [(tokens: [Token], count: Int)] {
        var result: [(tokens: [Token], count: Int)] = []
        func walk(_ node: Node, _ prefix: [Token]) {
            let path = prefix + [node.token]
            let below = node.children.reduce(0) { $0 + $1.count }
            if node.count > below { result.append((path, node.count - below)) }
            for child in node.children { walk(child, path) }
        }
        for child in children { walk(child, []) }
        return result
    }
}
