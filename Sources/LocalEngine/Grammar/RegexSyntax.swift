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
    /// ASCII digits, for the JSON number grammar.
    static let asciiDigits = CodePointSet([0x30...0x39])
    /// `\d`: Unicode decimal digits (general category Nd), as Python's `re` and Rust's `regex` (which TGI's
    /// outlines-core builds on) read it for text patterns. `[0-9]` is the way to ask for ASCII only.
    static let digits = CodePointSet.scanning { $0.properties.generalCategory == .decimalNumber }
    /// `\w`: Unicode word characters (UTS #18: alphabetic, marks, decimal digits, connector punctuation,
    /// join controls), as Python and Rust read it.
    static let word = CodePointSet.scanning { scalar in
        let p = scalar.properties
        switch p.generalCategory {
        case .decimalNumber, .nonspacingMark, .spacingMark, .enclosingMark, .connectorPunctuation: return true
        default: return p.isAlphabetic || p.isJoinControl
        }
    }
    /// `\s`: Unicode whitespace (the White_Space property), which includes Python's ASCII set.
    static let space = CodePointSet.scanning { $0.properties.isWhitespace }

    /// The set of scalars with a property: one pass over the code space, computed once per process.
    private static func scanning(_ member: (Unicode.Scalar) -> Bool) -> CodePointSet {
        var result = CodePointSet()
        var runStart: UInt32?
        var value: UInt32 = 0
        while value <= maxScalar + 1 {
            let inside = value <= maxScalar && Unicode.Scalar(value).map(member) == true
            if inside, runStart == nil { runStart = value }
            if !inside, let start = runStart {
                result.ranges.append(start...(value - 1))  // ascending and separated: no merging needed
                runStart = nil
            }
            value += 1
        }
        return result
    }
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
