import Foundation
import Testing
@testable import LocalEngine

struct TokenizerCase: Decodable {
    var text: String
    var ids: [Int32]
}

struct VectorCase: Decodable {
    var text: String
    var add_special: Bool
    var parse_special: Bool
    var ids: [Int32]
}

@Suite struct TokenizerTests {
    /// The tokenizer of the real model, built once for all tests (with its load time, printed, never asserted).
    static let built: (tokenizer: GemmaTokenizer, seconds: Double) = {
        let clock = ContinuousClock()
        let start = clock.now
        do {
            let tokenizer = try GemmaTokenizer(file: TestModel.file)
            let elapsed = clock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            return (tokenizer, seconds)
        } catch {
            fatalError("cannot build the tokenizer of the test model: \(error)")
        }
    }()

    var tokenizer: GemmaTokenizer { Self.built.tokenizer }

    static let corpus: [TokenizerCase] = {
        struct File: Decodable { var cases: [TokenizerCase] }
        do {
            return try JSONDecoder().decode(File.self, from: try TestModel.fixture("tokenizer-llamacpp.json")).cases
        } catch {
            fatalError("tokenizer-llamacpp.json: \(error)")
        }
    }()

    /// How two id lists differ, for a readable failure: the first differing position with some context.
    static func difference(_ expected: [Int32], _ actual: [Int32]) -> String? {
        guard expected != actual else { return nil }
        var i = 0
        while i < min(expected.count, actual.count), expected[i] == actual[i] { i += 1 }
        let from = max(0, i - 3)
        return "first difference at index \(i): expected …\(Array(expected[from..<min(expected.count, i + 5)])) "
            + "(\(expected.count) ids), got …\(Array(actual[from..<min(actual.count, i + 5)])) (\(actual.count) ids)"
    }

    // MARK: - Vocabulary

    @Test func loadsTheVocabulary() {
        print("tokenizer load: \(String(format: "%.3f", Self.built.seconds)) s")
        #expect(tokenizer.vocabularySize == 262_144)
        #expect(tokenizer.bos == 2 && tokenizer.eos == 1 && tokenizer.unknown == 3)
        #expect(tokenizer.addBOS && !tokenizer.addEOS && !tokenizer.addSpacePrefix)
        #expect(tokenizer.endOfGeneration == [1, 106])
        #expect(tokenizer.tokenText(105) == "<start_of_turn>" && tokenizer.tokenText(106) == "<end_of_turn>")
        #expect(tokenizer.tokenText(236_743) == "▁" && tokenizer.tokenText(238) == "<0x00>" && tokenizer.tokenText(493) == "<0xFF>")
        #expect(tokenizer.isSpecial(105) && tokenizer.isSpecial(0) && tokenizer.isSpecial(262_143))
        #expect(!tokenizer.isSpecial(107) && !tokenizer.isSpecial(238) && !tokenizer.isSpecial(818) && !tokenizer.isSpecial(-1))
        for byte in 0..<256 { #expect(tokenizer.byteTokens[byte] == Int32(238 + byte)) }
        #expect(tokenizer.partitioner.ids.count == 6_249 + 165)
        #expect(tokenizer.tokenText(-1) == "" && tokenizer.tokenText(262_144) == "")
    }

    @Test func piecesFollowTheTokenType() {
        #expect(tokenizer.pieceBytes(106).isEmpty)                                 // control, hidden
        #expect(tokenizer.pieceBytes(106, special: true) == Array("<end_of_turn>".utf8))
        #expect(tokenizer.pieceBytes(108) == [0x0A, 0x0A])                          // user-defined "\n\n"
        #expect(tokenizer.pieceBytes(138) == [0x20, 0x20])                          // user-defined two spaces
        #expect(tokenizer.pieceBytes(200) == Array("<b>".utf8))
        #expect(tokenizer.pieceBytes(251) == [0x0D])                                // <0x0D>
        #expect(tokenizer.pieceBytes(238 + 0xF0) == [0xF0])
        #expect(tokenizer.pieceBytes(236_743) == [0x20])                            // ▁ -> space
        #expect(tokenizer.pieceBytes(1902) == Array(" world".utf8))
        #expect(tokenizer.pieceBytes(-5).isEmpty && tokenizer.pieceBytes(262_144).isEmpty)
        #expect(tokenizer.decode([2, 9259, 1902, 1]) == "Hello world")
        #expect(tokenizer.decode([2, 9259, 1902, 1], special: true) == "<bos>Hello world<eos>")
    }

    // MARK: - Encoding matches llama.cpp

    @Test func matchesLlamaCppOnTheWholeCorpus() {
        let cases = Self.corpus
        #expect(cases.count == 319)
        var failures = 0
        for (index, item) in cases.enumerated() {
            let ids = tokenizer.encode(item.text)
            if let difference = Self.difference(item.ids, ids) {
                failures += 1
                if failures <= 3 {
                    Issue.record("case #\(index) \(item.text.debugDescription.prefix(120)): \(difference)")
                }
            }
        }
        #expect(failures == 0, "\(failures) of \(cases.count) cases differ from llama.cpp")
    }

    @Test func matchesTheTestVectors() throws {
        struct File: Decodable { var tokenizer: [VectorCase] }
        let cases = try JSONDecoder().decode(File.self, from: try TestModel.fixture("f32-testvectors.json")).tokenizer
        #expect(cases.count >= 12)
        #expect(cases.contains { !$0.parse_special })
        for item in cases {
            let ids = tokenizer.encode(item.text, addSpecial: item.add_special, parseSpecial: item.parse_special)
            #expect(Self.difference(item.ids, ids) == nil,
                    "\(item.text.debugDescription) add_special=\(item.add_special) parse_special=\(item.parse_special): \(Self.difference(item.ids, ids) ?? "")")
        }
    }

    @Test func specialTokenPartition() {
        #expect(tokenizer.encode("", addSpecial: true) == [2])
        #expect(tokenizer.encode("", addSpecial: false).isEmpty)
        #expect(tokenizer.encode("\n\n\n", addSpecial: false) == [109])             // longest first, not 107×3
        #expect(tokenizer.encode(String(repeating: "\n", count: 33), addSpecial: false) == [137, 108])
        #expect(tokenizer.encode(String(repeating: "\n", count: 62), addSpecial: false) == [137, 137])
        #expect(tokenizer.encode("a\r\nb", addSpecial: false) == tokenizer.encode("a", addSpecial: false) + [251, 107] + tokenizer.encode("b", addSpecial: false))
        // Control tokens only with parseSpecial; user-defined ones (HTML tags, runs) always.
        let markup = "<start_of_turn>user\n<b>Hi</b><end_of_turn>"
        let parsed = tokenizer.encode(markup, addSpecial: false, parseSpecial: true)
        let raw = tokenizer.encode(markup, addSpecial: false, parseSpecial: false)
        #expect(parsed.first == 105 && parsed.last == 106 && parsed.contains(200) && parsed.contains(209))
        #expect(!raw.contains(105) && !raw.contains(106) && raw.contains(200) && raw.contains(209) && raw.contains(107))
        #expect(tokenizer.decode(raw) == markup)
        // Typed literally, a control token's text is not merged back into the control token.
        #expect(tokenizer.encode("<eos>", addSpecial: false, parseSpecial: false) == [236_820, 211_827, 236_813])
        #expect(tokenizer.encode("<eos>", addSpecial: false, parseSpecial: true) == [1])
        // Byte tokens typed literally stay text.
        #expect(!tokenizer.encode("<0x41>", addSpecial: false).contains(238 + 0x41))
    }

    /// Swift `String` equality would merge these: the vocabulary must be keyed by bytes.
    @Test func canonicallyEquivalentTokensStayDistinct() {
        let precomposed = tokenizer.tokenText(3244), decomposed = tokenizer.tokenText(127_866)
        #expect(precomposed == "▁l\u{E0}" && decomposed == "▁la\u{300}")
        #expect(precomposed == decomposed)  // the trap: equal as Swift Strings…
        #expect(tokenizer.tokenBytes(3244) != tokenizer.tokenBytes(127_866))  // …but distinct tokens
        #expect(tokenizer.tokenID(bytes: Array(precomposed.utf8)) == 3244)
        #expect(tokenizer.tokenID(bytes: Array(decomposed.utf8)) == 127_866)
        #expect(tokenizer.encode(" l\u{E0}", addSpecial: false) == [3244])
        #expect(tokenizer.encode(" la\u{300}", addSpecial: false) == [127_866])
        #expect(tokenizer.encode("▁l\u{E0}", addSpecial: false) == [3244])       // a literal ▁ acts as a space
        #expect(tokenizer.encode("▁la\u{300}", addSpecial: false) == [127_866])
        #expect(tokenizer.decode([127_866]).unicodeScalars.map(\.value) == [0x20, 0x6C, 0x61, 0x300])
        // Bengali য় decomposed (1216) and precomposed (236956).
        let bengali = tokenizer.tokenText(1216), bengaliPrecomposed = tokenizer.tokenText(236_956)
        #expect(bengali == bengaliPrecomposed && tokenizer.tokenBytes(1216) != tokenizer.tokenBytes(236_956))
        #expect(tokenizer.encode(bengali, addSpecial: false) == [1216])
        #expect(tokenizer.encode(bengaliPrecomposed, addSpecial: false) == [236_956])
    }

    // MARK: - Decoding

    @Test func decodeInvertsEncodeOnTheCorpus() {
        var checked = 0
        for item in Self.corpus {
            let ids = tokenizer.encode(item.text)
            #expect(ids.first == 2)
            let body = Array(ids.dropFirst())
            if item.text.unicodeScalars.contains("\u{2581}") {
                // Lossy as in llama.cpp: a literal ▁ comes back as a space.
                let expected = String(item.text.unicodeScalars.map { $0 == "\u{2581}" ? " " : Character($0) })
                #expect(tokenizer.decode(body, special: true) == expected, "\(item.text.debugDescription)")
                continue
            }
            let special = body.contains { tokenizer.isSpecial($0) }
            #expect(tokenizer.decode(body, special: special) == item.text, "\(item.text.debugDescription)")
            if special {
                #expect(tokenizer.decode(body, special: false) != item.text)
            }
            checked += 1
        }
        #expect(checked == 319 - 68)
    }

    /// Feeding one token at a time never shows half a character, and adds up to `decode`.
    @Test func streamingDetokenizerHoldsPartialCharacters() {
        var texts = Self.corpus.map(\.text).filter { text in
            tokenizer.encode(text).contains { (238 + 0xC2...238 + 0xF4).contains($0) }
        }
        #expect(texts.count >= 10)
        texts += ["emoji 🙂👍🏽👨‍👩‍👧 and 𝄞 music", "東京 ∮ 한국어 你好世界", "café\r\n\u{1F9EC}\u{1FAE0}"]
        var heldSomewhere = 0
        for text in texts {
            let ids = Array(tokenizer.encode(text).dropFirst())
            var stream = StreamingDetokenizer(tokenizer: tokenizer)
            var bytes: [UInt8] = []
            var streamed = ""
            for id in ids {
                let piece = stream.push(id)
                bytes += tokenizer.pieceBytes(id)
                streamed += piece
                // What may be shown: everything but an unfinished last character.
                let complete = Self.longestValidPrefix(bytes)
                #expect(streamed == String(decoding: bytes[0..<complete], as: UTF8.self), "\(text.debugDescription) after \(id)")
                if complete < bytes.count {
                    if tokenizer.pieceBytes(id).count == 1 { #expect(piece == "") }
                    heldSomewhere += 1
                }
                #expect(!piece.contains("\u{FFFD}"))
            }
            streamed += stream.flush()
            #expect(streamed == tokenizer.decode(ids), "\(text.debugDescription)")
            #expect(streamed == text.replacingOccurrences(of: "\u{2581}", with: " "))
        }
        #expect(heldSomewhere > 20)
    }

    /// The longest prefix of `bytes` that is valid UTF-8 (an independent check using Foundation's validator).
    static func longestValidPrefix(_ bytes: [UInt8]) -> Int {
        var n = bytes.count
        while n > 0, String(validating: bytes[0..<n], as: UTF8.self) == nil { n -= 1 }
        return n
    }

    /// Arbitrary byte-token sequences, valid or not: the stream never loses, adds or reorders anything.
    @Test func streamingDetokenizerOnArbitraryBytes() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return state
        }
        let interesting: [UInt8] = [0x41, 0x80, 0xBF, 0xC0, 0xC2, 0xDF, 0xE0, 0xA0, 0xED, 0x9F, 0xEF, 0xF0, 0x90, 0xF4, 0x8F, 0xF5, 0xFF]
        for _ in 0..<2000 {
            let count = Int(next() % 12)
            var ids: [Int32] = []
            for _ in 0..<count {
                switch next() % 4 {
                case 0: ids.append(Int32(238 + Int(next() % 256)))
                case 1: ids.append(818)  // "The"
                default: ids.append(Int32(238 + Int(interesting[Int(next() % UInt64(interesting.count))])))
                }
            }
            var stream = StreamingDetokenizer(tokenizer: tokenizer)
            var streamed = ""
            for id in ids { streamed += stream.push(id) }
            streamed += stream.flush()
            #expect(streamed == tokenizer.decode(ids), "\(ids)")
        }
        // A 4-byte character in four tokens: three empty pushes, then the character.
        var stream = StreamingDetokenizer(tokenizer: tokenizer)
        let pushes = Array("🙂".utf8).map { stream.push(238 + Int32($0)) }
        #expect(pushes == ["", "", "", "🙂"])
        // Held bytes that are never completed come out on flush as U+FFFD.
        #expect(stream.push(238 + 0xE2) == "" && stream.flush() == "\u{FFFD}" && stream.flush() == "")
        // Control tokens are hidden unless asked for.
        var visible = StreamingDetokenizer(tokenizer: tokenizer, special: true)
        #expect(visible.push(106) == "<end_of_turn>")
        #expect(stream.push(106) == "")
    }

    // MARK: - Offsets

    @Test func offsetsCoverTheInputInOrder() {
        var checked = 0
        for item in Self.corpus {
            let withOffsets = tokenizer.encodeWithOffsets(item.text)
            #expect(withOffsets.map(\.id) == item.ids)
            guard let first = withOffsets.first else { continue }
            #expect(first.id == 2 && first.start == 0 && first.end == 0)
            if item.text.unicodeScalars.contains("\u{2581}") { continue }
            let utf8 = Array(item.text.utf8)
            var cursor = 0
            var rebuilt: [UInt8] = []
            for token in withOffsets.dropFirst() {
                #expect(token.start == cursor && token.end > token.start && token.end <= utf8.count,
                        "\(item.text.debugDescription): token \(token.id) at \(token.start)..<\(token.end), expected start \(cursor)")
                guard token.start >= 0, token.end <= utf8.count, token.start <= token.end else { break }
                rebuilt += utf8[token.start..<token.end]
                // Each token's range holds exactly its piece (special tokens: their text).
                #expect(Array(utf8[token.start..<token.end]) == tokenizer.pieceBytes(token.id, special: true),
                        "\(item.text.debugDescription): token \(token.id)")
                cursor = token.end
            }
            #expect(rebuilt == utf8, "\(item.text.debugDescription)")
            checked += 1
        }
        #expect(checked == 319 - 68)
        let markup = tokenizer.encodeWithOffsets("<start_of_turn>user\nHi 🙂", addSpecial: false)
        #expect(markup.first.map { [$0.id, Int32($0.start), Int32($0.end)] } == [105, 0, 15])
        // A literal ▁ is one 3-byte token range in the input even though it encodes like a space.
        let literal = tokenizer.encodeWithOffsets("a▁b", addSpecial: false)
        #expect(literal.map(\.id) == tokenizer.encode("a b", addSpecial: false))
        #expect(literal.last?.end == 5)
    }

    // MARK: - Scale and construction

    /// One megabyte of mixed text (prose, code, CJK, emoji, byte fallback, long whitespace runs, markup). Not timed
    /// as an assertion; it shows that encoding a large input completes and still round-trips.
    @Test func encodesOneMegabyte() {
        var pieces = Self.corpus.map(\.text).filter { !$0.unicodeScalars.contains("\u{2581}") }
        pieces.append(String(repeating: "\n", count: 5000))
        pieces.append(String(repeating: " ", count: 4000) + String(repeating: "\t", count: 77))
        pieces.append(String(repeating: "xyzzy", count: 20_000))  // one long fragment with no spaces
        var text = ""
        var i = 0
        while text.utf8.count < 1 << 20 {
            text += pieces[i % pieces.count]
            i += 1
        }
        let clock = ContinuousClock()
        let start = clock.now
        let ids = tokenizer.encode(text, addSpecial: false, parseSpecial: false)
        let elapsed = clock.now - start
        print("encoded \(text.utf8.count) bytes into \(ids.count) tokens in \(elapsed)")
        #expect(ids.count > 100_000)
        #expect(tokenizer.decode(ids) == text)
        let offsets = tokenizer.encodeWithOffsets(text, addSpecial: false, parseSpecial: false)
        #expect(offsets.map(\.id) == ids && offsets.last?.end == text.utf8.count)
    }

    @Test func rejectsBadVocabularies() throws {
        #expect(throws: TokenizerError.self) {
            try GemmaTokenizer(tokens: [[0x61]], scores: [0, 0], types: [1], bos: 0, eos: 0, unknown: 0, addBOS: true)
        }
        #expect(throws: TokenizerError.self) {
            try GemmaTokenizer(tokens: [[0x61]], scores: [0], types: [1], bos: 5, eos: 0, unknown: 0, addBOS: true)
        }
        #expect(throws: TokenizerError.self) {
            try GemmaTokenizer(tokens: [], scores: [], types: [], bos: 0, eos: 0, unknown: 0, addBOS: true)
        }
        // A GGUF whose tokenizer is BPE ("gpt2"), written to a temporary file.
        func gguf(_ entries: [(String, [UInt8])]) -> Data {
            var data = Data("GGUF".utf8)
            func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
            func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
            u32(3); u64(0); u64(UInt64(entries.count))
            for (key, value) in entries {
                u64(UInt64(key.utf8.count)); data.append(contentsOf: Array(key.utf8))
                u32(8); u64(UInt64(value.count)); data.append(contentsOf: value)
            }
            return data
        }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tokenizer-test-\(UUID().uuidString).gguf")
        defer { try? FileManager.default.removeItem(at: url) }
        try gguf([("tokenizer.ggml.model", Array("gpt2".utf8))]).write(to: url)
        let error = #expect(throws: TokenizerError.self) { try GemmaTokenizer(file: try GGUFFile(path: url.path)) }
        #expect(error?.description.contains("\"gpt2\"") == true)
        try gguf([("tokenizer.ggml.model", Array("llama".utf8))]).write(to: url)
        let missing = #expect(throws: TokenizerError.self) { try GemmaTokenizer(file: try GGUFFile(path: url.path)) }
        #expect(missing?.description.contains("tokenizer.ggml.tokens") == true)
    }

    /// A toy vocabulary pins the merge order: best score first, ties to the leftmost pair; byte fallback.
    @Test func toyVocabularyMergeOrder() throws {
        var tokens: [[UInt8]] = [Array("<unk>".utf8), Array("<s>".utf8), Array("</s>".utf8)]
        var types: [Int32] = [2, 3, 3]
        for byte in 0..<256 {
            tokens.append(Array(String(format: "<0x%02X>", byte).utf8))
            types.append(6)
        }
        let normal = ["a", "b", "ab", "ba", "c", "abc", "▁", "▁c"]
        tokens += normal.map { Array($0.utf8) }
        types += Array(repeating: 1, count: normal.count)
        func id(_ text: String) -> Int32 { Int32(tokens.firstIndex(of: Array(text.utf8)) ?? -1) }
        var scores = [Float](repeating: 0, count: tokens.count)
        let equal = try GemmaTokenizer(tokens: tokens, scores: scores, types: types, bos: 1, eos: 2, unknown: 0, addBOS: true)
        #expect(equal.encode("aba", addSpecial: false) == [id("ab"), id("a")])  // tie: leftmost pair
        #expect(equal.encode("aba") == [1, id("ab"), id("a")])
        scores[Int(id("ba"))] = 1
        let preferBA = try GemmaTokenizer(tokens: tokens, scores: scores, types: types, bos: 1, eos: 2, unknown: 0, addBOS: false)
        #expect(preferBA.encode("aba") == [id("a"), id("ba")])                   // higher score wins
        #expect(preferBA.encode("abc") == [id("abc")])                          // "ab", then "ab"+"c"
        #expect(preferBA.encode("abac") == [id("a"), id("ba"), id("c")])       // "ba" first blocks "abc"
        #expect(preferBA.encode("é", addSpecial: false) == [3 + 0xC3, 3 + 0xA9])  // byte fallback
        #expect(preferBA.encode(" c") == [id("▁c")])
        let prefixed = try GemmaTokenizer(tokens: tokens, scores: scores, types: types, bos: 1, eos: 2, unknown: 0,
                                          addBOS: true, addSpacePrefix: true, addEOS: true)
        #expect(prefixed.encode("c") == [1, id("▁c"), 2])
        #expect(prefixed.encode("c<s>c") == [1, id("▁c"), 1, id("▁c"), 2])
        #expect(prefixed.encodeWithOffsets("c").map { [$0.start, $0.end] } == [[0, 0], [0, 1], [1, 1]])
        #expect(prefixed.endOfGeneration == [2])
    }
}
