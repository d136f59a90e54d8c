import GenerationCore

/// A generated token as the output pane draws it: its glyphs measured once, its probability bucket, and the
/// alternatives the server sent.
public struct OutputToken: Sendable {
    public enum Kind: Sendable, Equatable { case text, whitespace, special }

    public struct Glyph: Sendable {
        var character: Character
        var width: UInt8
        /// A newline: drawn as a marker, then the row ends.
        var breaksLine: Bool
    }

    public var token: Token
    public var topTokens: [Token]
    /// What each sampling step did to this token's distribution (the built-in engine's `stages`), for the
    /// popup's raw and stages views; nil from servers, from sessions and from the branch tree.
    public var stages: TokenStages?
    public var kind: Kind
    var glyphs: [Glyph]

    public init(token: Token, topTokens: [Token] = [], stages: TokenStages? = nil) {
        self.token = token
        self.topTokens = topTokens
        self.stages = stages
        if token.special {
            kind = .special
        } else if !token.text.isEmpty && token.text.allSatisfy({ $0.isWhitespace }) {
            kind = .whitespace
        } else {
            kind = .text
        }
        glyphs = Self.glyphs(for: token.text, kind: kind)
    }

    /// Specials are drawn by their text (or `<id>` when empty); newlines as `↵` ending the row, tabs as `→`,
    /// controls as `·`, and a whitespace-only token's spaces as `·` so it can be seen and selected.
    static func glyphs(for text: String, kind: Kind) -> [Glyph] {
        var out: [Glyph] = []
        for c in text {
            switch c {
            case "\n", "\r\n", "\r": out.append(Glyph(character: "↵", width: 1, breaksLine: true))
            case "\t": out.append(Glyph(character: "→", width: 1, breaksLine: false))
            case " " where kind == .whitespace: out.append(Glyph(character: "·", width: 1, breaksLine: false))
            default:
                let w = DisplayWidth.of(c)
                if w == 0 {
                    if c.unicodeScalars.first.map({ $0.value < 0x300 }) == true {
                        out.append(Glyph(character: "·", width: 1, breaksLine: false))
                    } else if var last = out.popLast() {
                        last.character = Character(String(last.character) + String(c))
                        out.append(last)
                    }
                } else {
                    out.append(Glyph(character: c, width: UInt8(w), breaksLine: false))
                }
            }
        }
        if out.isEmpty { out.append(contentsOf: "∅".map { Glyph(character: $0, width: 1, breaksLine: false) }) }
        return out
    }

    /// Rank of the chosen token among the alternatives (1 = most likely); nil when it is not listed.
    public var rank: Int? {
        guard !topTokens.isEmpty else { return nil }
        let sorted = topTokens.sorted { ($0.logprob ?? -.infinity) > ($1.logprob ?? -.infinity) }
        return sorted.firstIndex { $0.isSameToken(as: token) }.map { $0 + 1 }
    }
}

/// The output of runs, laid out into rows incrementally: appending a token lays out only that token, so the cost
/// per token does not grow with the transcript; only a width change re-wraps everything (once).
public struct Transcript: Sendable {
    /// Where a visual row starts: a token and a glyph inside it.
    public struct RowStart: Sendable, Equatable {
        public var token: Int32
        public var glyph: Int32
    }

    public private(set) var tokens: [OutputToken] = []
    public private(set) var rows: [RowStart] = []
    /// The first row each token appears on.
    public private(set) var tokenRow: [Int32] = []
    public private(set) var width: Int
    /// Column where the next glyph goes on the last row.
    var x = 0
    /// Mean logprob and perplexity of the non-special tokens, kept up to date in O(1) per token.
    public private(set) var scored = LogprobMean()

    public init(width: Int = 80) {
        self.width = max(1, width)
    }

    public var count: Int { tokens.count }
    public var isEmpty: Bool { tokens.isEmpty }

    public mutating func append(_ token: OutputToken) {
        let index = Int32(tokens.count)
        tokens.append(token)
        if !token.token.special { scored.add(token.token.logprob) }
        layout(index)
    }

    /// Where the word being laid out begins on the last row (just after the row's last space) and its column;
    /// nil while the row has no space. A glyph that would overflow moves that word to a new row, so output wraps
    /// at word boundaries; a word wider than the row still breaks where it overflows.
    var wordStart: RowStart?
    var wordX = 0

    mutating func layout(_ index: Int32) {
        let token = tokens[Int(index)]
        if rows.isEmpty { rows.append(RowStart(token: index, glyph: 0)) }
        var first: Int32?
        let glyphCount = token.glyphs.count
        for (g, glyph) in token.glyphs.enumerated() {
            let w = Int(glyph.width)
            let after = g + 1 < glyphCount ? RowStart(token: index, glyph: Int32(g + 1)) : RowStart(token: index + 1, glyph: 0)
            if glyph.character == " " && x + w > width && x > 0 {
                // A space that does not fit hangs past the row's end (clipped there), so no row starts with one.
                if first == nil { first = Int32(rows.count - 1) }
                rows.append(after)
                x = 0
                wordStart = nil
                continue
            }
            if x + w > width && x > 0, let start = wordStart, wordX > 0 {
                let moved = Int32(rows.count)
                rows.append(start)
                // The tokens that begin inside the moved word begin on the new row now (a word is at most a row
                // wide, so this touches a bounded number of tokens).
                var t = Int(start.token) + (start.glyph > 0 ? 1 : 0)
                while t < Int(index) {
                    if tokenRow[t] == moved - 1 { tokenRow[t] = moved }
                    t += 1
                }
                if first != nil && (start.token < index || start.glyph == 0) { first = moved }
                x -= wordX
                wordStart = nil
            }
            if x + w > width && x > 0 {
                rows.append(RowStart(token: index, glyph: Int32(g)))
                x = 0
                wordStart = nil
            }
            if first == nil { first = Int32(rows.count - 1) }
            x += w
            if glyph.breaksLine {
                rows.append(RowStart(token: index, glyph: Int32(g + 1)))
                x = 0
                wordStart = nil
            } else if glyph.character == " " {
                wordStart = after
                wordX = x
            }
        }
        tokenRow.append(first ?? Int32(rows.count - 1))
    }

    /// Re-wraps everything for a new width (resize only).
    public mutating func relayout(width newWidth: Int) {
        let w = max(1, newWidth)
        guard w != width || rows.isEmpty != tokens.isEmpty else { return }
        width = w
        rows = []
        tokenRow = []
        x = 0
        wordStart = nil
        rows.reserveCapacity(tokens.count / 4)
        tokenRow.reserveCapacity(tokens.count)
        for i in tokens.indices { layout(Int32(i)) }
    }

    public mutating func removeAll() {
        tokens = []
        rows = []
        tokenRow = []
        x = 0
        wordStart = nil
        scored = LogprobMean()
    }

    public var meanLogprob: Double? { scored.mean }
    public var perplexity: Double? { scored.perplexity }

    /// Calls `body(glyph, tokenIndex, x)` for every glyph on `row`, left to right.
    func forEachGlyph(onRow row: Int, _ body: (OutputToken.Glyph, Int, Int) -> Void) {
        guard row >= 0, row < rows.count else { return }
        let start = rows[row]
        let end = row + 1 < rows.count ? rows[row + 1] : RowStart(token: Int32(tokens.count), glyph: 0)
        var t = Int(start.token), g = Int(start.glyph), x = 0
        while t < tokens.count && (t < Int(end.token) || (t == Int(end.token) && g < Int(end.glyph))) {
            let glyphs = tokens[t].glyphs
            if g >= glyphs.count { t += 1; g = 0; continue }
            body(glyphs[g], t, x)
            x += Int(glyphs[g].width)
            g += 1
        }
    }

    /// The token drawn at column `x` of `row`, if any.
    public func token(atRow row: Int, x: Int) -> Int? {
        var found: Int?
        forEachGlyph(onRow: row) { glyph, t, gx in
            if x >= gx && x < gx + Int(glyph.width) { found = t }
        }
        return found
    }
}

import Foundation
