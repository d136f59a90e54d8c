/// Parses the regex dialect people send TGI (Python `re` / outlines): literals and escapes (`\d \w \s \D \W \S`
/// with Unicode meaning, as Python and Rust give them;
/// `\n \t \r \f \v \0`, `\xHH`, `\uHHHH`, escaped punctuation), classes and negated classes, `.`, groups
/// (capturing, named, `(?:...)`), alternation, quantifiers `* + ? {m} {m,} {m,n}` (lazy forms accepted: they
/// change which match is found, not which strings match) and any UTF-8 text.
///
/// The whole output must match, so `^` at the start and `$` at the end are accepted and mean nothing more.
/// Syntax that a finite automaton cannot express (backreferences, lookaround, word boundaries) is an error
/// rather than something silently dropped.
struct RegexParser {
    private let scalars: [UInt32]
    private var index = 0
    /// Bounded repeats larger than this are refused: every copy becomes automaton states.
    static let maxRepeat = 1000
    /// Groups nested deeper than this are refused. The parser and every later pass over the tree (automaton
    /// construction, comparison, deallocation) recurse once per level, so without a bound 50,000 nested
    /// parentheses exhausted the stack (SIGSEGV, nothing on stderr). Real patterns nest a handful of levels.
    static let maxGroupDepth = 100
    private var depth = 0

    static func parse(_ pattern: String) throws(GrammarError) -> RegexNode {
        var parser = RegexParser(scalars: pattern.unicodeScalars.map(\.value))
        if parser.peek == 0x5E { parser.index += 1 }  // leading ^
        let node = try parser.alternation()
        if parser.index < parser.scalars.count {
            if parser.scalars[parser.index] == 0x29 { throw parser.error("unbalanced `)`") }
            throw parser.error("unexpected `\(parser.character(parser.index))`")
        }
        return node
    }

    private init(scalars: [UInt32]) { self.scalars = scalars }

    private var peek: UInt32? { index < scalars.count ? scalars[index] : nil }

    private func character(_ i: Int) -> String {
        guard i < scalars.count, let s = Unicode.Scalar(scalars[i]) else { return "" }
        return String(Character(s))
    }

    private func error(_ reason: String) -> GrammarError {
        GrammarError("regex: \(reason) at position \(index)")
    }

    private mutating func alternation() throws(GrammarError) -> RegexNode {
        var branches = [try sequence()]
        while peek == 0x7C {  // |
            index += 1
            branches.append(try sequence())
        }
        return branches.count == 1 ? branches[0] : .alternation(branches)
    }

    private mutating func sequence() throws(GrammarError) -> RegexNode {
        var items: [RegexNode] = []
        while let c = peek, c != 0x7C, c != 0x29 {
            if c == 0x24 {  // $: only at the very end (of the pattern or of a branch ending the pattern)
                index += 1
                let atEnd = index == scalars.count || scalars[index] == 0x7C || scalars[index] == 0x29
                if !atEnd { throw error("`$` is only supported at the end (the whole output must match anyway)") }
                continue
            }
            if c == 0x5E { throw error("`^` is only supported at the start (the whole output must match anyway)") }
            let atom = try self.atom()
            items.append(try quantified(atom))
        }
        return items.count == 1 ? items[0] : (items.isEmpty ? .empty : .concat(items))
    }

    private mutating func quantified(_ atom: RegexNode) throws(GrammarError) -> RegexNode {
        var node = atom
        while let c = peek {
            var bounds: (Int, Int?)
            switch c {
            case 0x2A: bounds = (0, nil); index += 1   // *
            case 0x2B: bounds = (1, nil); index += 1   // +
            case 0x3F: bounds = (0, 1); index += 1     // ?
            case 0x7B:                                  // {
                guard let parsed = try braces() else { return node }
                bounds = parsed
            default: return node
            }
            if peek == 0x3F { index += 1 }  // lazy: same language
            else if peek == 0x2B { throw error("possessive quantifiers are not supported") }
            if node != atom { throw error("multiple repeat") }  // `a**`, as Python says; `(a*)*` is fine
            node = .repetition(node, min: bounds.0, max: bounds.1)
        }
        return node
    }

    /// `{m}`, `{m,}`, `{m,n}`; nil (and nothing consumed) when the brace is a literal, as in Python.
    private mutating func braces() throws(GrammarError) -> (Int, Int?)? {
        let start = index
        index += 1
        func number(_ p: inout RegexParser) -> Int? {
            var value: Int?
            while let c = p.peek, c >= 0x30, c <= 0x39 {
                value = min((value ?? 0) * 10 + Int(c - 0x30), 1_000_000)
                p.index += 1
            }
            return value
        }
        let low = number(&self)
        var high: Int? = low
        if peek == 0x2C {
            index += 1
            high = number(&self)
        }
        guard peek == 0x7D, low != nil || high != nil else {
            index = start
            return nil
        }
        index += 1
        let lo = low ?? 0
        if let h = high, h < lo { throw error("min repeat greater than max repeat") }
        if max(lo, high ?? 0) > Self.maxRepeat {
            throw error("repeat count above \(Self.maxRepeat) (the automaton would be too large)")
        }
        return (lo, high)
    }

    private mutating func atom() throws(GrammarError) -> RegexNode {
        guard let c = peek else { throw error("unexpected end of pattern") }
        switch c {
        case 0x28:  // (
            guard depth < Self.maxGroupDepth else {
                throw error("groups nested more than \(Self.maxGroupDepth) deep")
            }
            depth += 1
            defer { depth -= 1 }
            index += 1
            if peek == 0x3F {  // (?
                index += 1
                switch peek {
                case 0x3A: index += 1  // (?:
                case 0x3D, 0x21: throw error("lookahead is not supported")
                case 0x3C:
                    if index + 1 < scalars.count, scalars[index + 1] == 0x3D || scalars[index + 1] == 0x21 {
                        throw error("lookbehind is not supported")
                    }
                    try groupName()
                case 0x50:  // (?P<name> or (?P=name)
                    index += 1
                    if peek == 0x3D { throw error("backreferences are not supported") }
                    try groupName()
                default: throw error("inline flags and other `(?` extensions are not supported")
                }
            }
            let inner = try alternation()
            guard peek == 0x29 else { throw error("missing `)`") }
            index += 1
            return inner
        case 0x29: throw error("unbalanced `)`")
        case 0x5B: return .set(try characterClass())
        case 0x2E: index += 1; return .set(.dot)
        case 0x2A, 0x2B, 0x3F: throw error("nothing to repeat")
        case 0x7B:
            if try braces() != nil { throw error("nothing to repeat") }
            index += 1
            return .literal([0x7B])
        case 0x5C:
            let set = try escape(inClass: false)
            return .set(set)
        default:
            index += 1
            return .set(CodePointSet(scalar: c))
        }
    }

    private mutating func groupName() throws(GrammarError) {
        guard peek == 0x3C else { throw error("bad group name") }
        while let c = peek, c != 0x3E { index += 1 }
        guard peek == 0x3E else { throw error("missing `>` after a group name") }
        index += 1
    }

    /// A backslash escape; returns the set it stands for.
    private mutating func escape(inClass: Bool) throws(GrammarError) -> CodePointSet {
        index += 1
        guard let c = peek else { throw error("bad escape at the end of the pattern") }
        index += 1
        switch c {
        case 0x64: return .digits                       // \d
        case 0x44: return CodePointSet.digits.inverted()  // \D
        case 0x77: return .word                          // \w
        case 0x57: return CodePointSet.word.inverted()   // \W
        case 0x73: return .space                         // \s
        case 0x53: return CodePointSet.space.inverted()  // \S
        case 0x6E: return CodePointSet(scalar: 0x0A)
        case 0x74: return CodePointSet(scalar: 0x09)
        case 0x72: return CodePointSet(scalar: 0x0D)
        case 0x66: return CodePointSet(scalar: 0x0C)
        case 0x76: return CodePointSet(scalar: 0x0B)
        case 0x61: return CodePointSet(scalar: 0x07)
        case 0x30: return CodePointSet(scalar: 0)
        case 0x78: return CodePointSet(scalar: try hex(2))                  // \xHH
        case 0x75: return CodePointSet(scalar: try hex(4))                  // \uHHHH
        case 0x55: return CodePointSet(scalar: try hex(8))                  // \UHHHHHHHH
        case 0x62 where inClass: return CodePointSet(scalar: 0x08)          // [\b] is backspace
        case 0x31...0x39: throw error("backreferences are not supported")
        case 0x6B: throw error("backreferences are not supported")
        case 0x62, 0x42: throw error("word boundaries are not supported")
        case 0x41, 0x5A, 0x7A: throw error("anchors are not supported (the whole output must match anyway)")
        default:
            let isLetterOrDigit = (0x30...0x39).contains(c) || (0x41...0x5A).contains(c) || (0x61...0x7A).contains(c)
            if isLetterOrDigit { throw error("bad escape `\\\(character(index - 1))`") }
            return CodePointSet(scalar: c)
        }
    }

    private mutating func hex(_ digits: Int) throws(GrammarError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<digits {
            guard let c = peek, let d = Self.hexDigit(c) else { throw error("incomplete hex escape") }
            value = value << 4 | d
            index += 1
        }
        guard value <= CodePointSet.maxScalar else { throw error("hex escape beyond U+10FFFF") }
        return value
    }

    private static func hexDigit(_ c: UInt32) -> UInt32? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x41...0x46: return c - 0x37
        case 0x61...0x66: return c - 0x57
        default: return nil
        }
    }

    /// `[...]` / `[^...]`: members, ranges, escapes; `]` first is a literal, as `-` first or last.
    private mutating func characterClass() throws(GrammarError) -> CodePointSet {
        index += 1
        var negated = false
        if peek == 0x5E {
            negated = true
            index += 1
        }
        var set = CodePointSet()
        var first = true
        while true {
            guard let c = peek else { throw error("unterminated character set") }
            if c == 0x5D && !first { index += 1; break }
            first = false
            // One member: a single code point (which may start a range) or a class escape.
            var low: UInt32?
            if c == 0x5C {
                let member = try escape(inClass: true)
                if member.ranges.count == 1, let r = member.ranges.first, r.lowerBound == r.upperBound {
                    low = r.lowerBound
                } else {
                    set = set.union(member)
                    continue
                }
            } else {
                low = c
                index += 1
            }
            guard let lo = low else { continue }
            if peek == 0x2D, index + 1 < scalars.count, scalars[index + 1] != 0x5D {
                index += 1
                var hi: UInt32
                if peek == 0x5C {
                    let member = try escape(inClass: true)
                    guard member.ranges.count == 1, let r = member.ranges.first, r.lowerBound == r.upperBound else {
                        throw error("bad character range")
                    }
                    hi = r.lowerBound
                } else {
                    guard let h = peek else { throw error("unterminated character set") }
                    hi = h
                    index += 1
                }
                guard lo <= hi else { throw error("bad character range") }
                set.insert(lo...hi)
            } else {
                set.insert(lo...lo)
            }
        }
        return negated ? set.inverted() : set
    }
}
