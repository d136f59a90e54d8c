/// Streaming detokenizer: never emits half a UTF-8 character. Feed token ids one at a time; each call returns
/// the text completed by that token ("" when the token ends inside a multi-byte character, as TGI does).
///
/// Why: with byte fallback, a character outside the vocabulary (a rare emoji or CJK character) arrives as 2-4
/// `<0xXX>` tokens. Decoding each token alone would print U+FFFD for each; instead the bytes of an unfinished
/// character are held until a later token completes it. Bytes that can never become valid UTF-8 are not held:
/// they come out as U+FFFD at once, exactly where `decode` puts them, so the concatenation of everything pushed
/// (plus `flush()`) equals `tokenizer.decode(ids, special:)`.
public struct StreamingDetokenizer: Sendable {
    /// The vocabulary the ids belong to.
    public let tokenizer: GemmaTokenizer
    /// Whether control tokens show as their text (`<end_of_turn>`) or vanish, as in `GemmaTokenizer.decode`.
    public let special: Bool
    /// Bytes of a character that is not finished yet (at most 3).
    private var pending: [UInt8] = []

    /// A stream with nothing held yet.
    public init(tokenizer: GemmaTokenizer, special: Bool = false) {
        self.tokenizer = tokenizer
        self.special = special
    }

    /// Adds one token; returns the text it completes ("" if it ends inside a character).
    public mutating func push(_ id: Int32) -> String {
        tokenizer.appendPiece(id, special: special, to: &pending)
        let cut = Self.completePrefixLength(pending)
        guard cut > 0 else { return "" }
        let text = String(decoding: pending[0..<cut], as: UTF8.self)
        pending.removeFirst(cut)
        return text
    }

    /// Ends the stream: whatever is still held can no longer be completed and comes out as U+FFFD.
    public mutating func flush() -> String {
        defer { pending.removeAll() }
        return pending.isEmpty ? "" : String(decoding: pending, as: UTF8.self)
    }

    /// How many leading bytes of `bytes` can be decoded now: all of them, unless they end with the start of a
    /// character that further bytes could still complete (a lead byte followed by fewer continuation bytes than it
    /// announces, each allowed at its place by Unicode's well-formed UTF-8 table). Such a tail always starts at a
    /// non-continuation byte, where any UTF-8 decoder starts a new character, so cutting there cannot change how the
    /// bytes before it decode.
    static func completePrefixLength(_ bytes: [UInt8]) -> Int {
        let count = bytes.count
        var lead = count - 1
        // The lead byte of a 4-byte character is at most 3 bytes before the end.
        while lead >= 0, lead >= count - 4, bytes[lead] & 0xC0 == 0x80 { lead -= 1 }
        guard lead >= 0, lead >= count - 4 else { return count }
        let have = count - lead
        let b0 = bytes[lead]
        let need: Int
        switch b0 {
        case 0xC2...0xDF: need = 2
        case 0xE0...0xEF: need = 3
        case 0xF0...0xF4: need = 4
        default: return count  // ASCII, or a byte that can never start a character
        }
        guard have < need else { return count }  // complete (or over-long, which decodes as U+FFFD now)
        if have >= 2 {
            let b1 = bytes[lead + 1]
            let range: ClosedRange<UInt8>
            switch b0 {
            case 0xE0: range = 0xA0...0xBF
            case 0xED: range = 0x80...0x9F
            case 0xF0: range = 0x90...0xBF
            case 0xF4: range = 0x80...0x8F
            default: range = 0x80...0xBF
            }
            guard range.contains(b1) else { return count }
        }
        return lead
    }
}
