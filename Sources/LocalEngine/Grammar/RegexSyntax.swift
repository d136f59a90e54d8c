/// A regular expression over Unicode code points, the common ground of TGI's `regex` grammars and the
/// JSON-Schema compiler. It has no anchors or captures: a grammar always matches the whole output, and a
/// constrained decoder only needs the language, not the groups.
indirect enum RegexNode: Sendable, Equatable {
    /// The empty string.
    case empty
    /// One code point from the set (an empty set matches nothing).
    case set(CodePointSet)
    /// These bytes exactly (UTF-8 of a literal).
    case literal([UInt8])
    case concat([RegexNode])
    case alternation([RegexNode])
    /// `min` to `max` copies (`nil`: unbounded).
    case repetition(RegexNode, min: Int, max: Int?)

    static func text(_ s: String) -> RegexNode { .literal(Array(s.utf8)) }
    static func optional(_ node: RegexNode) -> RegexNode { .repetition(node, min: 0, max: 1) }
    static func star(_ node: RegexNode) -> RegexNode { .repetition(node, min: 0, max: nil) }
}

/// A set of Unicode scalar values as sorted, disjoint, non-adjacent ranges. Surrogates (U+D800-U+DFFF) are never
/// members: they have no UTF-8 encoding, so they could not be generated anyway.
struct CodePointSet: Sendable, Equatable, Hashable {
    private(set) var ranges: [ClosedRange<UInt32>] = []

    static let maxScalar: UInt32 = 0x10FFFF

    init() {}

    init(_ ranges: [ClosedRange<UInt32>]) {
        for r in ranges { insert(r) }
    }

    init(scalar: UInt32) { self.init([scalar...scalar]) }

    /// Every code point (what a negated class is taken from).
    static let all = CodePointSet([0...maxScalar])
    static let digits = CodePointSet([0x30...0x39])
    /// ASCII word characters, as in outlines' generated patterns (`[A-Za-z0-9_]`).
    static let word = CodePointSet([0x30...0x39, 0x41...0x5A, 0x5F...0x5F, 0x61...0x7A])
    /// Python's ASCII whitespace: space, \t, \n, \v, \f, \r.
    static let space = CodePointSet([0x09...0x0D, 0x20...0x20])
    /// `.`: anything but a newline.
    static let dot = CodePointSet.all.subtracting(CodePointSet(scalar: 0x0A))

    var isEmpty: Bool { ranges.isEmpty }

    func contains(_ scalar: UInt32) -> Bool { ranges.contains { $0.contains(scalar) } }

    mutating func insert(_ range: ClosedRange<UInt32>) {
        var lo = range.lowerBound, hi = min(range.upperBound, Self.maxScalar)
        guard lo <= hi else { return }
        // Cut out the surrogates.
        if lo <= 0xDFFF && hi >= 0xD800 {
            if lo < 0xD800 { insert(lo...0xD7FF) }
            if hi > 0xDFFF { insert(0xE000...hi) }
            return
        }
        var merged: [ClosedRange<UInt32>] = []
        var placed = false
        for r in ranges {
            if r.upperBound &+ 1 < lo {
                merged.append(r)
            } else if hi &+ 1 < r.lowerBound {
                if !placed { merged.append(lo...hi); placed = true }
                merged.append(r)
            } else {
                lo = min(lo, r.lowerBound)
                hi = max(hi, r.upperBound)
            }
        }
        if !placed { merged.append(lo...hi) }
        ranges = merged
    }

    func union(_ other: CodePointSet) -> CodePointSet {
        var result = self
        for r in other.ranges { result.insert(r) }
        return result
    }

    /// Everything not in the set.
    func inverted() -> CodePointSet {
        var result = CodePointSet()
        var next: UInt32 = 0
        for r in ranges {
            if r.lowerBound > next { result.insert(next...(r.lowerBound - 1)) }
            next = r.upperBound + 1
        }
        if next <= Self.maxScalar { result.insert(next...Self.maxScalar) }
        return result
    }

    func subtracting(_ other: CodePointSet) -> CodePointSet {
        inverted().union(other).inverted()
    }
}
