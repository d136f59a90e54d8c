/// Which tokens the grammar allows next: a bitset over the vocabulary.
///
/// A bitset rather than a list of ids because a state inside a free-text string allows most of the 262,144
/// tokens: 32 KiB per cached state, and applying it is one pass over the logits.
public struct TokenMask: Sendable {
    var words: [UInt64]
    /// How many tokens are allowed (for diagnostics and the "only EOS" case).
    public private(set) var allowedCount: Int

    init(vocabularySize: Int) {
        words = [UInt64](repeating: 0, count: (vocabularySize + 63) / 64)
        allowedCount = 0
    }

    mutating func insert(_ id: Int32) {
        let w = Int(id) >> 6, bit = UInt64(1) << UInt64(id & 63)
        if words[w] & bit == 0 {
            words[w] |= bit
            allowedCount += 1
        }
    }

    public func allows(_ id: Int32) -> Bool {
        id >= 0 && Int(id) >> 6 < words.count && words[Int(id) >> 6] & (UInt64(1) << UInt64(id & 63)) != 0
    }

    /// Sets every disallowed logit to -infinity (TGI's grammar processor does the same).
    public func apply(to logits: inout [Float]) {
        let count = logits.count
        words.withUnsafeBufferPointer { words in
            logits.withUnsafeMutableBufferPointer { logits in
                for w in 0..<words.count {
                    let bits = words[w]
                    if bits == ~0 { continue }
                    let base = w << 6
                    for b in 0..<64 where bits & (UInt64(1) << UInt64(b)) == 0 {
                        let i = base + b
                        if i < count { logits[i] = -Float.infinity }
                    }
                }
            }
        }
    }
}
