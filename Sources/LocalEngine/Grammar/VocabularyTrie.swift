/// Every generatable token's text bytes as a trie laid out in depth-first order, so a token mask is one linear
/// pass that runs the DFA alongside and skips a whole subtree as soon as a prefix is dead: tokens sharing a
/// prefix cost one transition for that prefix.
///
/// Control tokens (`<bos>`, `<eos>`, `<end_of_turn>`...) and tokens with no text are not in it: the grammar never
/// allows them, except the end-of-generation tokens, which the mask adds in accepting states.
final class VocabularyTrie: Sendable {
    /// Per node: the byte on the edge into it, its depth (1 for a first byte), and the index just past its subtree.
    let bytes: [UInt8]
    let depths: [UInt16]
    let subtreeEnds: [Int32]
    /// Tokens ending at node i: `tokens[tokenStarts[i] ..< tokenStarts[i + 1]]`.
    let tokenStarts: [Int32]
    let tokens: [Int32]
    let maxDepth: Int
    let vocabularySize: Int
    let endOfGeneration: [Int32]

    init(tokenizer: GemmaTokenizer) {
        vocabularySize = tokenizer.vocabularySize
        endOfGeneration = tokenizer.endOfGeneration.sorted()
        var entries: [(bytes: [UInt8], id: Int32)] = []
        entries.reserveCapacity(vocabularySize)
        for i in 0..<vocabularySize {
            let id = Int32(i)
            if tokenizer.isSpecial(id) { continue }
            let piece = tokenizer.pieceBytes(id)
            if !piece.isEmpty { entries.append((piece, id)) }
        }
        entries.sort { a, b in a.bytes.lexicographicallyPrecedes(b.bytes) || (a.bytes == b.bytes && a.id < b.id) }

        var bytes: [UInt8] = [], depths: [UInt16] = [], ends: [Int32] = [], starts: [Int32] = [], tokens: [Int32] = []
        var path: [Int] = []  // node index per depth of the current path
        var pathBytes: [UInt8] = []
        var maxDepth = 0
        func close(downTo depth: Int) {
            while path.count > depth {
                if let node = path.popLast() { ends[node] = Int32(bytes.count) }
                pathBytes.removeLast()
            }
        }
        for entry in entries {
            var common = 0
            while common < pathBytes.count, common < entry.bytes.count, pathBytes[common] == entry.bytes[common] { common += 1 }
            close(downTo: common)
            for d in common..<entry.bytes.count {
                path.append(bytes.count)
                pathBytes.append(entry.bytes[d])
                bytes.append(entry.bytes[d])
                depths.append(UInt16(d + 1))
                ends.append(0)
                starts.append(Int32(tokens.count))
            }
            maxDepth = max(maxDepth, entry.bytes.count)
            // Tokens at a node are contiguous: sorted entries with equal bytes come one after another, and a
            // node's tokens are appended before any of its children exist.
            tokens.append(entry.id)
        }
        close(downTo: 0)
        starts.append(Int32(tokens.count))
        self.bytes = bytes
        self.depths = depths
        self.subtreeEnds = ends
        self.tokenStarts = starts
        self.tokens = tokens
        self.maxDepth = maxDepth
    }

    var nodeCount: Int { bytes.count }
}
