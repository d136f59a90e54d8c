/// Which tokens the grammar allows next.
///
/// Two forms, chosen by size: a state inside free text allows most of the 262,144 tokens and is kept as a bitset
/// (32 KiB); a state inside a key, an enum or a number allows a handful and is kept as a sorted id list, which
/// is both small to cache and faster to apply (fill with -infinity, put the few allowed logits back).
public struct TokenMask: Sendable {
    enum Storage: Sendable {
        case bits([UInt64])
        case ids([Int32])
    }

    let storage: Storage
    /// How many tokens are allowed.
    public let allowedCount: Int

    /// At or below this many allowed tokens, the id list is smaller than the bitset.
    static let sparseLimit = 4096

    /// Builds from a bitset, converting to ids when that is smaller.
    init(bits: [UInt64], count: Int) {
        allowedCount = count
        guard count <= Self.sparseLimit else {
            storage = .bits(bits)
            return
        }
        var ids: [Int32] = []
        ids.reserveCapacity(count)
        for (w, word) in bits.enumerated() where word != 0 {
            var rest = word
            while rest != 0 {
                ids.append(Int32(w << 6 + rest.trailingZeroBitCount))
                rest &= rest - 1
            }
        }
        storage = .ids(ids)
    }

    var isDense: Bool {
        if case .bits = storage { return true }
        return false
    }

    public func allows(_ id: Int32) -> Bool {
        switch storage {
        case .bits(let words):
            return id >= 0 && Int(id) >> 6 < words.count && words[Int(id) >> 6] & (UInt64(1) << UInt64(id & 63)) != 0
        case .ids(let ids):
            var lo = 0, hi = ids.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if ids[mid] < id { lo = mid + 1 } else { hi = mid }
            }
            return lo < ids.count && ids[lo] == id
        }
    }

    /// Sets every disallowed logit to -infinity (TGI's grammar processor does the same).
    public func apply(to logits: inout [Float]) {
        switch storage {
        case .ids(let ids):
            let kept = ids.map { Int($0) < logits.count ? logits[Int($0)] : -Float.infinity }
            logits.withUnsafeMutableBufferPointer { $0.update(repeating: -Float.infinity) }
            for (id, value) in zip(ids, kept) where Int(id) < logits.count { logits[Int(id)] = value }
        case .bits(let words):
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
}
