/// One candidate merge of two adjacent symbols (llama.cpp `llm_bigram_spm`).
struct Bigram {
    var score: Float
    var left: Int32
    var right: Int32
    /// Byte length of the merged text when the bigram was queued; a different current length means it is stale.
    var size: Int32

    /// llama.cpp's priority: higher score first, then the leftmost pair.
    @inline(__always)
    func outranks(_ other: Bigram) -> Bool {
        score > other.score || (score == other.score && left < other.left)
    }
}

/// A binary max-heap of bigrams. Why not a sorted array: every merge pushes up to two new bigrams, and a 1 MB
/// fragment has about a million symbols, so insertion and removal must both be O(log n).
struct BigramHeap {
    private(set) var items: [Bigram] = []

    var isEmpty: Bool { items.isEmpty }

    mutating func removeAll() { items.removeAll(keepingCapacity: true) }

    mutating func push(_ bigram: Bigram) {
        items.append(bigram)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child].outranks(items[parent]) else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Bigram? {
        guard let last = items.popLast() else { return nil }
        guard !items.isEmpty else { return last }
        let top = items[0]
        items[0] = last
        var parent = 0
        let count = items.count
        while true {
            let left = 2 * parent + 1
            if left >= count { break }
            var best = left
            let right = left + 1
            if right < count, items[right].outranks(items[left]) { best = right }
            guard items[best].outranks(items[parent]) else { break }
            items.swapAt(best, parent)
            parent = best
        }
        return top
    }
}

/// Reusable buffers for SPM merging, so a text with thousands of fragments does not allocate per fragment.
struct SPMScratch {
    var escaped: [UInt8] = []
    /// For offsets: the input byte offset (relative to the fragment) of each escaped byte, plus one entry for the end.
    var origin: [Int32] = []
    var start: [Int32] = []
    var length: [Int32] = []
    var prev: [Int32] = []
    var next: [Int32] = []
    var heap = BigramHeap()
}

/// Where encoded tokens go; byte ranges are kept only when asked for.
struct TokenSink {
    var ids: [Int32] = []
    var starts: [Int] = []
    var ends: [Int] = []
    let wantsOffsets: Bool

    @inline(__always)
    mutating func append(_ id: Int32, _ start: Int, _ end: Int) {
        ids.append(id)
        if wantsOffsets {
            starts.append(start)
            ends.append(end)
        }
    }
}

extension GemmaTokenizer {
    /// Lead-byte length table (llama.cpp `unicode_len_utf8`): continuation and invalid lead bytes count as 1.
    @inline(__always)
    static func utf8Length(_ lead: UInt8) -> Int {
        switch lead >> 4 {
        case 0xC, 0xD: return 2
        case 0xE: return 3
        case 0xF: return 4
        default: return 1
        }
    }

    /// U+2581 LOWER ONE EIGHTH BLOCK, SentencePiece's visible space.
    @inline(__always)
    static func appendSpaceMark(to bytes: inout [UInt8]) {
        bytes.append(0xE2)
        bytes.append(0x96)
        bytes.append(0x81)
    }

    /// Tokenizes one raw fragment (`text[range]`) the way llama.cpp's SPM session does (spec 7.4): escape spaces
    /// as U+2581, split into UTF-8 code points, merge adjacent symbols best-score-first while the merged text is a
    /// token, then emit each symbol's token or its bytes as `<0xXX>` tokens.
    func encodeRaw(_ text: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, spacePrefix: Bool,
                   into sink: inout TokenSink, scratch: inout SPMScratch) {
        // Escape (llama_escape_whitespace: only U+0020).
        scratch.escaped.removeAll(keepingCapacity: true)
        scratch.origin.removeAll(keepingCapacity: true)
        let wantsOffsets = sink.wantsOffsets
        if spacePrefix {
            Self.appendSpaceMark(to: &scratch.escaped)
            if wantsOffsets { for _ in 0..<3 { scratch.origin.append(0) } }
        }
        for i in range {
            let byte = text[i]
            if byte == 0x20 {
                Self.appendSpaceMark(to: &scratch.escaped)
                if wantsOffsets {
                    let o = Int32(i - range.lowerBound)
                    for _ in 0..<3 { scratch.origin.append(o) }
                }
            } else {
                scratch.escaped.append(byte)
                if wantsOffsets { scratch.origin.append(Int32(i - range.lowerBound)) }
            }
        }
        if wantsOffsets { scratch.origin.append(Int32(range.count)) }
        let total = scratch.escaped.count
        guard total > 0 else { return }

        // Symbols: one per code point, doubly linked.
        scratch.start.removeAll(keepingCapacity: true)
        scratch.length.removeAll(keepingCapacity: true)
        scratch.prev.removeAll(keepingCapacity: true)
        scratch.next.removeAll(keepingCapacity: true)
        var offset = 0
        while offset < total {
            let n = min(Self.utf8Length(scratch.escaped[offset]), total - offset)
            let index = Int32(scratch.start.count)
            scratch.start.append(Int32(offset))
            scratch.length.append(Int32(n))
            scratch.prev.append(index - 1)
            offset += n
            scratch.next.append(offset == total ? -1 : index + 1)
        }

        let vocabulary = self.vocabulary
        let scores = self.scores
        let escapedBytes = scratch.escaped  // shares storage; lets the closure below mutate the rest of `scratch`
        let origin = scratch.origin
        escapedBytes.withUnsafeBufferPointer { escaped in
            let base = escaped.baseAddress
            scratch.heap.removeAll()
            // try_add_bigram: queue the pair if its concatenation is any token.
            func tryAdd(_ left: Int32, _ right: Int32, _ scratch: inout SPMScratch) {
                guard left >= 0, right >= 0 else { return }
                let start = Int(scratch.start[Int(left)])
                let size = Int(scratch.length[Int(left)] + scratch.length[Int(right)])
                let id = vocabulary.id(base, start, size)
                guard id >= 0 else { return }
                scratch.heap.push(Bigram(score: scores[Int(id)], left: left, right: right, size: Int32(size)))
            }
            let count = scratch.start.count
            if count > 1 {
                for i in 1..<count { tryAdd(Int32(i - 1), Int32(i), &scratch) }
            }
            while let bigram = scratch.heap.pop() {
                let l = Int(bigram.left), r = Int(bigram.right)
                let ln = scratch.length[l], rn = scratch.length[r]
                if ln == 0 || rn == 0 || ln + rn != bigram.size { continue }  // stale
                scratch.length[l] = ln + rn
                scratch.length[r] = 0
                let after = scratch.next[r]
                scratch.next[l] = after
                if after >= 0 { scratch.prev[Int(after)] = Int32(l) }
                tryAdd(scratch.prev[l], Int32(l), &scratch)
                tryAdd(Int32(l), after, &scratch)
            }

            // Output, walking the list from the first symbol.
            let shift = range.lowerBound
            var symbol: Int32 = 0
            while symbol >= 0 {
                let s = Int(scratch.start[Int(symbol)]), n = Int(scratch.length[Int(symbol)])
                let id = vocabulary.id(base, s, n)
                if id >= 0 {
                    if wantsOffsets {
                        sink.append(id, shift + Int(origin[s]), shift + Int(origin[s + n]))
                    } else {
                        sink.append(id, 0, 0)
                    }
                } else {
                    for j in s..<(s + n) {
                        let fallback = byteTokens[Int(escaped[j])]
                        if wantsOffsets {
                            sink.append(fallback, shift + Int(origin[j]), shift + Int(origin[j + 1]))
                        } else {
                            sink.append(fallback, 0, 0)
                        }
                    }
                }
                symbol = scratch.next[Int(symbol)]
            }
        }
    }
}
