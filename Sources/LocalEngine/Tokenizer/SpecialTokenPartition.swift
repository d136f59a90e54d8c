/// A piece of the input after the special-token partition: either raw text for SPM or one special token.
struct Fragment: Sendable, Equatable {
    /// The special token, or -1 for raw text.
    var token: Int32
    /// Byte range in the input.
    var start: Int
    var end: Int
}

/// llama.cpp's special-token partition (`tokenizer_st_partition`), computed without its cost.
///
/// What llama.cpp does: take every CONTROL, USER_DEFINED and UNKNOWN token, sorted by text length (longest first);
/// for each in turn, scan every still-raw fragment left to right with `std::string::find` and split out every
/// non-overlapping occurrence. With 6,414 candidates that is 6,414 scans of the whole text.
///
/// What this does, with the same result: one pass over the text with a trie of the candidates records which
/// candidates start in which 256-byte block. Then the candidates that occur are taken in llama.cpp's order, and each
/// is searched for only in the blocks where it starts. An occurrence is accepted when all its bytes are still raw;
/// for a given candidate, scanning ascending positions and accepting non-overlapping ones is exactly what repeated
/// `find` from the end of the previous match does inside a fragment. The work is linear in the text (at most 48
/// candidates, the longest token length, can start at one position), and no fragment list is ever copied.
///
/// One llama.cpp quirk is not reproduced: its `find` searches the whole text from the fragment's start, so a match
/// starting inside a raw fragment could run on into the special token that follows it. In the Gemma 3 vocabulary
/// the only candidates that overlap each other are runs of one repeated character (newlines, spaces, tabs), and
/// for those such a match would have been found one position earlier, so the quirk never fires.
struct SpecialTokenPartition: Sendable {
    /// Candidates in llama.cpp's order (text length descending; ties by id, which never matters for this vocab).
    let ids: [Int32]
    let lengths: [Int32]
    /// Candidate texts back to back, in rank order; rank `r` starts at `textOffsets[r]`.
    let texts: [UInt8]
    let textOffsets: [Int32]
    /// CONTROL or UNKNOWN: only split out when `parseSpecial` is true. USER_DEFINED tokens always are.
    let needsParseSpecial: [Bool]
    /// Trie over candidate texts. `rootChild[byte]` is the node after one byte (-1: none); deeper edges are in a
    /// hash table keyed by `node << 8 | byte`.
    let rootChild: [Int32]
    let edgeKeys: [UInt32]
    let edgeValues: [Int32]
    let edgeMask: Int
    /// The candidate rank ending at each node, or -1.
    let terminal: [Int32]

    static let blockShift = 8

    init(vocabulary: ByteVocabulary, types: [Int32]) {
        var candidates: [Int32] = []
        for id in 0..<vocabulary.count {
            let type = types[id]
            if type == TokenType.control || type == TokenType.userDefined || type == TokenType.unknown,
               vocabulary.length(id) > 0 {
                candidates.append(Int32(id))
            }
        }
        candidates.sort { a, b in
            let la = vocabulary.length(Int(a)), lb = vocabulary.length(Int(b))
            return la != lb ? la > lb : a < b
        }
        ids = candidates
        lengths = candidates.map { Int32(vocabulary.length(Int($0))) }
        var texts: [UInt8] = []
        var textOffsets: [Int32] = []
        for id in candidates {
            textOffsets.append(Int32(texts.count))
            texts.append(contentsOf: vocabulary.bytes(Int(id)))
        }
        self.texts = texts
        self.textOffsets = textOffsets
        needsParseSpecial = candidates.map { types[Int($0)] != TokenType.userDefined }

        // Build the trie with a temporary Dictionary, then freeze its edges into an open-addressing table.
        var root = [Int32](repeating: -1, count: 256)
        var edges: [UInt32: Int32] = [:]
        var terminal: [Int32] = [-1]  // node 0 is the root
        for (rank, id) in candidates.enumerated() {
            var node: Int32 = 0
            for byte in vocabulary.bytes(Int(id)) {
                if node == 0 {
                    if root[Int(byte)] < 0 {
                        root[Int(byte)] = Int32(terminal.count)
                        terminal.append(-1)
                    }
                    node = root[Int(byte)]
                } else {
                    let key = UInt32(node) << 8 | UInt32(byte)
                    if let next = edges[key] {
                        node = next
                    } else {
                        let next = Int32(terminal.count)
                        terminal.append(-1)
                        edges[key] = next
                        node = next
                    }
                }
            }
            // Texts are unique in practice; if not, the first (highest-priority) rank keeps the node.
            if terminal[Int(node)] < 0 { terminal[Int(node)] = Int32(rank) }
        }
        var capacity = 16
        while capacity < 2 * edges.count { capacity *= 2 }
        var keys = [UInt32](repeating: UInt32.max, count: capacity)
        var values = [Int32](repeating: -1, count: capacity)
        for (key, value) in edges {
            var slot = Self.slot(key, capacity - 1)
            while keys[slot] != UInt32.max { slot = (slot + 1) & (capacity - 1) }
            keys[slot] = key
            values[slot] = value
        }
        rootChild = root
        edgeKeys = keys
        edgeValues = values
        edgeMask = capacity - 1
        self.terminal = terminal
    }

    @inline(__always)
    static func slot(_ key: UInt32, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (UInt64(key) &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
    }

    @inline(__always)
    func child(_ node: Int32, _ byte: UInt8) -> Int32 {
        if node == 0 { return rootChild[Int(byte)] }
        let key = UInt32(node) << 8 | UInt32(byte)
        var slot = Self.slot(key, edgeMask)
        while true {
            let k = edgeKeys[slot]
            if k == key { return edgeValues[slot] }
            if k == UInt32.max { return -1 }
            slot = (slot + 1) & edgeMask
        }
    }

    /// Splits `text` into raw fragments and special tokens, exactly as llama.cpp would (see the type's comment).
    /// An empty text gives no fragments, like llama.cpp.
    func partition(_ text: UnsafeBufferPointer<UInt8>, parseSpecial: Bool) -> [Fragment] {
        let n = text.count
        guard n > 0 else { return [] }

        // 1. Which candidates start in which block: (rank << 32 | block), each pair once.
        var found: [UInt64] = []
        var lastBlock = [Int32](repeating: -1, count: ids.count)
        for p in 0..<n {
            var node = rootChild[Int(text[p])]
            if node < 0 { continue }
            let block = Int32(p >> Self.blockShift)
            var q = p
            while true {
                let rank = terminal[Int(node)]
                if rank >= 0, parseSpecial || !needsParseSpecial[Int(rank)], lastBlock[Int(rank)] != block {
                    lastBlock[Int(rank)] = block
                    found.append(UInt64(rank) << 32 | UInt64(block))
                }
                q += 1
                if q >= n { break }
                node = child(node, text[q])
                if node < 0 { break }
            }
        }
        if found.isEmpty { return [Fragment(token: -1, start: 0, end: n)] }
        found.sort()

        // 2. In llama.cpp's order, accept each occurrence whose bytes are all still raw.
        var taken = [Bool](repeating: false, count: n)
        var accepted: [(start: Int, rank: Int32)] = []
        taken.withUnsafeMutableBufferPointer { taken in
            for entry in found {
                let rank = Int(entry >> 32)
                let block = Int(entry & 0xFFFF_FFFF)
                let length = Int(lengths[rank])
                let blockStart = block << Self.blockShift
                let last = min(blockStart + (1 << Self.blockShift), n - length + 1)
                guard blockStart < last else { continue }
                let textStart = Int(textOffsets[rank])
                let first = texts[textStart]
                var p = blockStart
                while p < last {
                    if text[p] == first, !taken[p], matches(text, at: p, textStart: textStart, length: length),
                       allRaw(taken, p, length) {
                        for i in p..<(p + length) { taken[i] = true }
                        accepted.append((p, Int32(rank)))
                        p += length
                    } else {
                        p += 1
                    }
                }
            }
        }

        // 3. Fragments in text order.
        accepted.sort { $0.start < $1.start }
        var fragments: [Fragment] = []
        fragments.reserveCapacity(2 * accepted.count + 1)
        var cursor = 0
        for (start, rank) in accepted {
            if start > cursor { fragments.append(Fragment(token: -1, start: cursor, end: start)) }
            let end = start + Int(lengths[Int(rank)])
            fragments.append(Fragment(token: ids[Int(rank)], start: start, end: end))
            cursor = end
        }
        if cursor < n { fragments.append(Fragment(token: -1, start: cursor, end: n)) }
        return fragments
    }

    /// Whether the candidate whose text starts at `texts[textStart]` occurs at `p`.
    @inline(__always)
    private func matches(_ text: UnsafeBufferPointer<UInt8>, at p: Int, textStart: Int, length: Int) -> Bool {
        for i in 0..<length where text[p + i] != texts[textStart + i] { return false }
        return true
    }

    @inline(__always)
    private func allRaw(_ taken: UnsafeMutableBufferPointer<Bool>, _ p: Int, _ length: Int) -> Bool {
        for i in p..<(p + length) where taken[i] { return false }
        return true
    }
}
