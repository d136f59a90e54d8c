import Foundation

/// Turns a token-by-token byte stream into text without ever splitting a character.
///
/// A token can end inside a UTF-8 character (a CJK character or an emoji spread over two tokens); servers then
/// send U+FFFD as its text and only the token's `bytes` say what it was. Feeding each token's bytes here gives
/// the text that token completes (possibly empty), so concatenating tokens' texts gives the true string.
public struct UTF8Assembler: Sendable, Equatable {
    private var pending: [UInt8] = []

    public init() {}

    /// The complete characters that `bytes` finishes; an unfinished trailing character waits for the next call.
    /// Invalid sequences become U+FFFD, as a decoder would show them.
    public mutating func push(_ bytes: [UInt8]) -> String {
        pending += bytes
        let cut = Self.completePrefixLength(pending)
        let text = String(decoding: pending[..<cut], as: UTF8.self)
        pending.removeFirst(cut)
        return text
    }

    /// The bytes still waiting for the rest of their character, as a decoder would show them now (U+FFFD).
    public var pendingText: String { pending.isEmpty ? "" : String(decoding: pending, as: UTF8.self) }

    /// Whatever is left (an unfinished character at the end of the stream), as a decoder would show it.
    public mutating func flush() -> String {
        defer { pending.removeAll() }
        return pending.isEmpty ? "" : String(decoding: pending, as: UTF8.self)
    }

    /// The length of the longest prefix that does not end inside a possibly valid, unfinished character.
    static func completePrefixLength(_ bytes: [UInt8]) -> Int {
        var start = bytes.count
        // Walk back over at most 3 continuation bytes to the last lead byte.
        var back = 0
        while start > 0 && back < 4 {
            let b = bytes[start - 1]
            if b & 0xC0 != 0x80 { break }
            start -= 1
            back += 1
        }
        guard start > 0 else { return bytes.count }
        let lead = bytes[start - 1]
        let need: Int
        switch lead {
        case 0xC2...0xDF: need = 2
        case 0xE0...0xEF: need = 3
        case 0xF0...0xF4: need = 4
        default: return bytes.count
        }
        let have = bytes.count - (start - 1)
        return have < need ? start - 1 : bytes.count
    }
}
