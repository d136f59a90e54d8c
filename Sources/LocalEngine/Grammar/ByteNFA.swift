/// Thompson's construction over bytes: each code-point set becomes its UTF-8 byte-range sequences, so the
/// automaton never needs to know about characters, and tokens (which may split a character) are walked byte by byte.
struct ByteNFA {
    struct Edge {
        var lo: UInt8
        var hi: UInt8
        var to: Int32
    }

    private(set) var epsilon: [[Int32]] = []
    private(set) var edges: [[Edge]] = []
    private(set) var start = 0
    private(set) var accept = 0

    /// A cap on construction, well above what `ByteDFA.maxStates` lets through, so a huge repeat fails fast.
    static let maxStates = 400_000

    var stateCount: Int { epsilon.count }

    init(_ node: RegexNode) throws(GrammarError) {
        start = newState()
        accept = try emit(node, from: start)
    }

    private mutating func newState() -> Int {
        epsilon.append([])
        edges.append([])
        return epsilon.count - 1
    }

    private mutating func link(_ from: Int, _ to: Int) { epsilon[from].append(Int32(to)) }

    /// Adds states matching `node` from `from`; returns the state reached at its end.
    private mutating func emit(_ node: RegexNode, from: Int) throws(GrammarError) -> Int {
        guard epsilon.count < Self.maxStates else {
            throw GrammarError("the grammar is too large: its automaton needs more than \(ByteDFA.maxStates) states "
                + "(reduce maxLength/maxItems/repeat counts or the number of alternatives)")
        }
        switch node {
        case .empty:
            return from
        case .literal(let bytes):
            var current = from
            for b in bytes {
                let next = newState()
                edges[current].append(Edge(lo: b, hi: b, to: Int32(next)))
                current = next
            }
            return current
        case .set(let set):
            let end = newState()
            for range in set.ranges {
                for sequence in UTF8Ranges.sequences(range) {
                    var current = from
                    for (i, r) in sequence.enumerated() {
                        let next = i == sequence.count - 1 ? end : newState()
                        edges[current].append(Edge(lo: r.lowerBound, hi: r.upperBound, to: Int32(next)))
                        current = next
                    }
                }
            }
            return end
        case .concat(let items):
            var current = from
            for item in items { current = try emit(item, from: current) }
            return current
        case .alternation(let branches):
            let end = newState()
            for branch in branches {
                let s = newState()
                link(from, s)
                link(try emit(branch, from: s), end)
            }
            return end
        case .repetition(let inner, let min, let max):
            var current = from
            for _ in 0..<min {
                let s = newState()
                link(current, s)
                current = try emit(inner, from: s)
            }
            if let max {
                guard max > min else { return current }
                let end = newState()
                for _ in min..<max {
                    link(current, end)
                    let s = newState()
                    link(current, s)
                    current = try emit(inner, from: s)
                }
                link(current, end)
                return end
            }
            let loop = newState()
            link(current, loop)
            let body = newState()
            link(loop, body)
            link(try emit(inner, from: body), loop)
            return loop
        }
    }
}
