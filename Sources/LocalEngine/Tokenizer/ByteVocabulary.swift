/// The token texts of a vocabulary, stored back to back as raw bytes, with a byte-keyed hash index.
///
/// Why not `[String: Int32]`: Swift `String` equality is Unicode canonical equivalence, and the Gemma 3 vocabulary
/// holds 434 pairs of distinct tokens that are canonically equivalent (e.g. 3244 `▁là` precomposed and 127866
/// `▁la` + U+0300). A `String`-keyed map silently merges them; llama.cpp's `std::string` map compares bytes, and
/// so does this one.
///
/// Why a flat buffer and a hand-made open-addressing table: loading 262,144 tokens into 262,144 separate arrays and
/// a `Dictionary` of arrays costs allocations and SipHash per key; here loading is two passes over the bytes, and a
/// lookup hashes a slice of the caller's buffer without building any array (the SPM merge does millions of them).
struct ByteVocabulary: Sendable {
    /// Every token's bytes, token after token.
    let storage: [UInt8]
    /// `offsets[id]..<offsets[id + 1]` is token `id` in `storage`.
    let offsets: [Int32]
    /// Open addressing with linear probing: token id, or -1 for an empty slot. Capacity is a power of two.
    let slots: [Int32]
    let mask: Int
    /// The longest token, in bytes (no lookup of a longer slice can succeed).
    let maxLength: Int

    var count: Int { offsets.count - 1 }

    /// Builds the index. Duplicated texts map to the last id, as llama.cpp's `token_to_id[text] = id` does.
    init(tokens: [[UInt8]]) throws {
        var total = 0
        for token in tokens { total += token.count }
        guard total < Int(Int32.max), tokens.count < Int(Int32.max) / 4 else {
            throw TokenizerError("the vocabulary is too large (\(tokens.count) tokens, \(total) bytes)")
        }
        var storage: [UInt8] = []
        storage.reserveCapacity(total)
        var offsets: [Int32] = []
        offsets.reserveCapacity(tokens.count + 1)
        offsets.append(0)
        var longest = 0
        for token in tokens {
            storage.append(contentsOf: token)
            offsets.append(Int32(storage.count))
            longest = max(longest, token.count)
        }
        var capacity = 16
        while capacity < 2 * tokens.count { capacity *= 2 }
        let mask = capacity - 1
        var slots = [Int32](repeating: -1, count: capacity)
        storage.withUnsafeBufferPointer { bytes in
            offsets.withUnsafeBufferPointer { offsets in
                slots.withUnsafeMutableBufferPointer { slots in
                    for id in 0..<tokens.count {
                        let start = Int(offsets[id]), length = Int(offsets[id + 1]) - start
                        var slot = Int(truncatingIfNeeded: Self.hash(bytes.baseAddress, start, length)) & mask
                        while true {
                            let occupant = slots[slot]
                            if occupant < 0 {
                                slots[slot] = Int32(id)
                                break
                            }
                            let oStart = Int(offsets[Int(occupant)]), oLength = Int(offsets[Int(occupant) + 1]) - oStart
                            if oLength == length, Self.equal(bytes.baseAddress, oStart, bytes.baseAddress, start, length) {
                                slots[slot] = Int32(id)  // last one wins, like llama.cpp
                                break
                            }
                            slot = (slot + 1) & mask
                        }
                    }
                }
            }
        }
        self.storage = storage
        self.offsets = offsets
        self.slots = slots
        self.mask = mask
        self.maxLength = longest
    }

    /// FNV-1a over the bytes, then a final avalanche so that linear probing sees well-spread low bits.
    @inline(__always)
    static func hash(_ base: UnsafePointer<UInt8>?, _ start: Int, _ length: Int) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        if let base {
            for i in start..<(start + length) {
                h = (h ^ UInt64(base[i])) &* 0x0000_0100_0000_01b3
            }
        }
        h ^= h >> 33
        h = h &* 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        return h
    }

    @inline(__always)
    static func equal(_ a: UnsafePointer<UInt8>?, _ aStart: Int, _ b: UnsafePointer<UInt8>?, _ bStart: Int, _ length: Int) -> Bool {
        guard length > 0 else { return true }
        guard let a, let b else { return false }
        for i in 0..<length where a[aStart + i] != b[bStart + i] { return false }
        return true
    }

    /// The id whose text is exactly `length` bytes at `base + start`, or -1.
    @inline(__always)
    func id(_ base: UnsafePointer<UInt8>?, _ start: Int, _ length: Int) -> Int32 {
        guard length <= maxLength else { return -1 }
        var slot = Int(truncatingIfNeeded: Self.hash(base, start, length)) & mask
        return storage.withUnsafeBufferPointer { bytes in
            offsets.withUnsafeBufferPointer { offsets in
                slots.withUnsafeBufferPointer { slots in
                    while true {
                        let occupant = slots[slot]
                        if occupant < 0 { return -1 }
                        let oStart = Int(offsets[Int(occupant)]), oLength = Int(offsets[Int(occupant) + 1]) - oStart
                        if oLength == length, Self.equal(bytes.baseAddress, oStart, base, start, length) { return occupant }
                        slot = (slot + 1) & mask
                    }
                }
            }
        }
    }

    /// The id whose text is exactly `bytes`, or -1.
    func id(of bytes: [UInt8]) -> Int32 {
        bytes.withUnsafeBufferPointer { id($0.baseAddress, 0, $0.count) }
    }

    /// Token `id`'s bytes (`id` must be valid).
    func bytes(_ id: Int) -> ArraySlice<UInt8> {
        storage[Int(offsets[id])..<Int(offsets[id + 1])]
    }

    func length(_ id: Int) -> Int { Int(offsets[id + 1] - offsets[id]) }
}
