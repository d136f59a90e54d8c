/// Why a vocabulary cannot be used as a SentencePiece tokenizer.
public struct TokenizerError: Error, Equatable, CustomStringConvertible {
    /// What is wrong, naming the metadata key or argument.
    public var reason: String

    public init(_ reason: String) { self.reason = reason }

    public var description: String { "cannot build the tokenizer: \(reason)" }
}

/// llama.cpp's token types (`llama_token_type`, the values stored in `tokenizer.ggml.token_type`).
enum TokenType {
    static let normal: Int32 = 1
    static let unknown: Int32 = 2
    static let control: Int32 = 3
    static let userDefined: Int32 = 4
    static let unused: Int32 = 5
    static let byte: Int32 = 6
}

/// The SentencePiece tokenizer of a GGUF whose `tokenizer.ggml.model` is `"llama"`, producing exactly the ids
/// llama.cpp produces (spec §7): special-token partition, space escaping, score-driven bigram merge, byte fallback.
///
/// Everything is done on raw UTF-8 bytes, never on Swift `String`/`Character`: the vocabulary has canonically
/// equivalent distinct tokens (which `String` equality would merge), and `Character` is a grapheme cluster (`"\r\n"`
/// is one `Character` but two tokens' worth of bytes). Immutable after `init`, so one instance is shared freely.
public final class GemmaTokenizer: Sendable {
    let vocabulary: ByteVocabulary
    let scores: [Float]
    let types: [Int32]
    /// The token for each raw byte in byte fallback: `<0xXX>` if present, else the one-byte token, else unknown.
    let byteTokens: [Int32]
    let partitioner: SpecialTokenPartition

    /// Beginning of sequence (`<bos>`, 2 here): prepended by `encode(addSpecial: true)`.
    public let bos: Int32
    /// End of sequence (`<eos>`, 1 here); one member of `endOfGeneration`.
    public let eos: Int32
    /// The unknown token (`<unk>`, 3 here); used only if a byte has no `<0xXX>` token, which never happens here.
    public let unknown: Int32
    /// Whether `encode(addSpecial: true)` starts with `bos` (`tokenizer.ggml.add_bos_token`).
    public let addBOS: Bool
    /// Whether `encode(addSpecial: true)` ends with `eos` (`tokenizer.ggml.add_eos_token`; false for Gemma 3).
    public let addEOS: Bool
    /// Whether raw text that starts the input or follows a special token gets a leading space
    /// (`tokenizer.ggml.add_space_prefix`; false for Gemma 3).
    public let addSpacePrefix: Bool
    /// The end-of-generation set: <eos> (1) and <end_of_turn> (106) for this vocab (spec 7.1).
    /// Built like llama.cpp's: the EOS id plus every token whose text is a known end-of-turn marker.
    public let endOfGeneration: Set<Int32>

    /// Texts llama.cpp treats as end of generation wherever they appear in a vocabulary (`llama-vocab.cpp`).
    static let endOfGenerationTexts = [
        "<end_of_turn>", "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|endoftext|>",
        "<|eom_id|>", "<EOT>", "_<EOT>", "<|end_of_text|>", "<end_of_utterance>",
    ]

    /// Reads the vocabulary from a GGUF's metadata. Defaults for absent flags and ids are llama.cpp's SPM defaults
    /// (add BOS, add a space prefix, no EOS; bos 1, eos 2, unknown 0); Gemma 3 files set all of them.
    public convenience init(file: GGUFFile) throws {
        guard let model = file.string("tokenizer.ggml.model") else {
            throw TokenizerError("the model has no tokenizer.ggml.model")
        }
        guard model == "llama" else {
            throw TokenizerError("tokenizer.ggml.model is \"\(model)\"; only SentencePiece (\"llama\") vocabularies are supported")
        }
        guard let tokenValues = file.metadata["tokenizer.ggml.tokens"]?.arrayValue else {
            throw TokenizerError("tokenizer.ggml.tokens is missing or not an array")
        }
        guard let scoreValues = file.metadata["tokenizer.ggml.scores"]?.arrayValue else {
            throw TokenizerError("tokenizer.ggml.scores is missing or not an array")
        }
        guard let typeValues = file.metadata["tokenizer.ggml.token_type"]?.arrayValue else {
            throw TokenizerError("tokenizer.ggml.token_type is missing or not an array")
        }
        var tokens: [[UInt8]] = []
        tokens.reserveCapacity(tokenValues.count)
        for (index, value) in tokenValues.enumerated() {
            guard let bytes = value.bytes else { throw TokenizerError("tokenizer.ggml.tokens[\(index)] is not a string") }
            tokens.append(bytes)
        }
        var scores: [Float] = []
        scores.reserveCapacity(scoreValues.count)
        for (index, value) in scoreValues.enumerated() {
            guard let score = value.floatValue else { throw TokenizerError("tokenizer.ggml.scores[\(index)] is not a number") }
            scores.append(Float(score))
        }
        var types: [Int32] = []
        types.reserveCapacity(typeValues.count)
        for (index, value) in typeValues.enumerated() {
            guard let type = value.intValue, let narrow = Int32(exactly: type) else {
                throw TokenizerError("tokenizer.ggml.token_type[\(index)] is not an integer")
            }
            types.append(narrow)
        }
        func id(_ key: String, _ fallback: Int) throws -> Int32 {
            let value = file.int("tokenizer.ggml.\(key)") ?? fallback
            guard let narrow = Int32(exactly: value) else { throw TokenizerError("tokenizer.ggml.\(key) is \(value)") }
            return narrow
        }
        try self.init(tokens: tokens, scores: scores, types: types,
                      bos: try id("bos_token_id", 1), eos: try id("eos_token_id", 2), unknown: try id("unknown_token_id", 0),
                      addBOS: file.bool("tokenizer.ggml.add_bos_token") ?? true,
                      addSpacePrefix: file.bool("tokenizer.ggml.add_space_prefix") ?? true,
                      addEOS: file.bool("tokenizer.ggml.add_eos_token") ?? false)
    }

    /// Builds a tokenizer from a vocabulary: token texts as raw UTF-8 bytes, their scores and llama.cpp token types
    /// (1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte). The three arrays must have the same length
    /// and `bos`, `eos`, `unknown` must be ids in the vocabulary.
    public init(tokens: [[UInt8]], scores: [Float], types: [Int32], bos: Int32, eos: Int32, unknown: Int32,
                addBOS: Bool, addSpacePrefix: Bool = false, addEOS: Bool = false) throws {
        guard !tokens.isEmpty else { throw TokenizerError("the vocabulary is empty") }
        guard scores.count == tokens.count, types.count == tokens.count else {
            throw TokenizerError("\(tokens.count) tokens but \(scores.count) scores and \(types.count) token types")
        }
        for (name, value) in [("bos", bos), ("eos", eos), ("unknown", unknown)] where value < 0 || Int(value) >= tokens.count {
            throw TokenizerError("the \(name) token id \(value) is outside the vocabulary (\(tokens.count) tokens)")
        }
        let vocabulary = try ByteVocabulary(tokens: tokens)
        self.vocabulary = vocabulary
        self.scores = scores
        self.types = types
        self.bos = bos
        self.eos = eos
        self.unknown = unknown
        self.addBOS = addBOS
        self.addEOS = addEOS
        self.addSpacePrefix = addSpacePrefix

        // llama.cpp byte_to_token for SPM: "<0xXX>" (uppercase hex), else the byte itself as a token.
        let hex = Array("0123456789ABCDEF".utf8)
        var byteTokens: [Int32] = []
        byteTokens.reserveCapacity(256)
        for byte in 0..<256 {
            let name: [UInt8] = [0x3C, 0x30, 0x78, hex[byte >> 4], hex[byte & 15], 0x3E]
            var id = vocabulary.id(of: name)
            if id < 0 { id = vocabulary.id(of: [UInt8(byte)]) }
            byteTokens.append(id < 0 ? unknown : id)
        }
        self.byteTokens = byteTokens
        partitioner = SpecialTokenPartition(vocabulary: vocabulary, types: types)

        var endOfGeneration: Set<Int32> = [eos]
        for text in Self.endOfGenerationTexts {
            let id = vocabulary.id(of: Array(text.utf8))
            if id >= 0 { endOfGeneration.insert(id) }
        }
        self.endOfGeneration = endOfGeneration
    }

    /// Number of tokens (262,144 for Gemma 3): the size of the model's output layer.
    public var vocabularySize: Int { vocabulary.count }

    // MARK: - Encoding

    /// Token ids of `text`, as llama.cpp's `llama_tokenize` gives them.
    /// - Parameters:
    ///   - addSpecial: start with BOS (and end with EOS if the vocabulary asks for it).
    ///   - parseSpecial: split control tokens such as `<start_of_turn>` out of the text. Use `true` for markup you
    ///     built (chat templates) and `false` for raw user text, so a user typing `<end_of_turn>` gets plain text
    ///     tokens. User-defined tokens (newline/space/tab runs, HTML tags) are split out either way.
    public func encode(_ text: String, addSpecial: Bool = true, parseSpecial: Bool = true) -> [Int32] {
        var sink = TokenSink(wantsOffsets: false)
        encode(text, addSpecial: addSpecial, parseSpecial: parseSpecial, into: &sink)
        return sink.ids
    }

    /// A lower bound on `encode(text).count` from the text's UTF-8 length alone: no token covers more input bytes
    /// than its own stored bytes (an escaped space is 3 stored bytes for 1 input byte, a byte token 6 for 1), so
    /// at least `ceil(bytes / longest token)` tokens, plus BOS. Lets a prompt far over the input limit be refused
    /// at once instead of after tokenizing megabytes.
    public func minimumTokenCount(utf8Count: Int) -> Int {
        let longest = max(vocabulary.maxLength, 1)
        return (addBOS ? 1 : 0) + (utf8Count + longest - 1) / longest
    }

    /// Encode with byte offsets into text's UTF-8 for each token (TGI /tokenize shape needs start/stop byte offsets); BOS gets (0,0).
    ///
    /// A token from SPM covers the input bytes it was made of (an escaped space maps back to its one space byte);
    /// a byte-fallback token covers its one byte. So for any text, the ranges are contiguous, in order, and cover
    /// the whole input. An added EOS gets an empty range at the end of the text.
    public func encodeWithOffsets(_ text: String, addSpecial: Bool = true, parseSpecial: Bool = true) -> [(id: Int32, start: Int, end: Int)] {
        var sink = TokenSink(wantsOffsets: true)
        encode(text, addSpecial: addSpecial, parseSpecial: parseSpecial, into: &sink)
        return (0..<sink.ids.count).map { (sink.ids[$0], sink.starts[$0], sink.ends[$0]) }
    }

    /// llama.cpp `llama_vocab::impl::tokenize` for SPM (spec 7.2).
    func encode(_ text: String, addSpecial: Bool, parseSpecial: Bool, into sink: inout TokenSink) {
        if addSpecial && addBOS { sink.append(bos, 0, 0) }
        var text = text
        let byteCount = text.utf8.count
        text.withUTF8 { buffer in
            let fragments = partitioner.partition(buffer, parseSpecial: parseSpecial)
            var scratch = SPMScratch()
            var previousWasSpecial = true
            for fragment in fragments {
                if fragment.token >= 0 {
                    sink.append(fragment.token, fragment.start, fragment.end)
                    previousWasSpecial = true
                } else {
                    encodeRaw(buffer, fragment.start..<fragment.end, spacePrefix: addSpacePrefix && previousWasSpecial,
                              into: &sink, scratch: &scratch)
                    previousWasSpecial = false
                }
            }
        }
        if addSpecial && addEOS { sink.append(eos, byteCount, byteCount) }
    }

    // MARK: - Decoding

    /// Raw bytes of one token's piece (spec 7.5): control tokens empty unless special=true; byte tokens one raw byte; ▁ -> space.
    ///
    /// Bytes rather than `String` because a byte-fallback token is a fragment of a UTF-8 character: pieces must be
    /// concatenated before decoding. Unknown tokens are treated like control tokens, unused ones and out-of-range
    /// ids give nothing (llama.cpp's `token_to_piece`).
    public func pieceBytes(_ id: Int32, special: Bool = false) -> [UInt8] {
        var bytes: [UInt8] = []
        appendPiece(id, special: special, to: &bytes)
        return bytes
    }

    func appendPiece(_ id: Int32, special: Bool, to out: inout [UInt8]) {
        guard id >= 0, Int(id) < vocabulary.count else { return }
        let text = vocabulary.bytes(Int(id))
        switch types[Int(id)] {
        case TokenType.control, TokenType.unknown:
            if special { out.append(contentsOf: text) }
        case TokenType.userDefined:
            out.append(contentsOf: text)
        case TokenType.normal:
            // llama_unescape_whitespace: every U+2581 (E2 96 81) becomes a space.
            var i = text.startIndex
            while i < text.endIndex {
                if text[i] == 0xE2, i + 2 < text.endIndex, text[i + 1] == 0x96, text[i + 2] == 0x81 {
                    out.append(0x20)
                    i += 3
                } else {
                    out.append(text[i])
                    i += 1
                }
            }
        case TokenType.byte:
            // `<0xXX>`: the byte is the two hex digits at offsets 3 and 4.
            if text.count == 6, let high = Self.hexValue(text[text.startIndex + 3]),
               let low = Self.hexValue(text[text.startIndex + 4]) {
                out.append(high << 4 | low)
            }
        default:
            break
        }
    }

    static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case 0x30...0x39: return digit - 0x30
        case 0x41...0x46: return digit - 0x41 + 10
        case 0x61...0x66: return digit - 0x61 + 10
        default: return nil
        }
    }

    /// The text of `ids`, as llama.cpp's `detokenize` gives it: pieces are concatenated as bytes and only then
    /// decoded, so characters split over byte-fallback tokens come out whole. Invalid UTF-8 becomes U+FFFD.
    /// - Parameter special: include the text of control tokens (`<end_of_turn>`…); otherwise they vanish.
    public func decode(_ ids: [Int32], special: Bool = false) -> String {
        var bytes: [UInt8] = []
        for id in ids { appendPiece(id, special: special, to: &bytes) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Control tokens (type 3) — TGI's `special: true` — such as `<bos>`, `<end_of_turn>`, `<unused0>`.
    public func isSpecial(_ id: Int32) -> Bool {
        id >= 0 && Int(id) < vocabulary.count && types[Int(id)] == TokenType.control
    }

    /// The vocab entry as text (for display, e.g. "▁the", "<0x0A>"); "" for an id outside the vocabulary.
    public func tokenText(_ id: Int32) -> String {
        guard id >= 0, Int(id) < vocabulary.count else { return "" }
        return String(decoding: vocabulary.bytes(Int(id)), as: UTF8.self)
    }

    /// The raw bytes of the vocab entry (`[]` outside the vocabulary).
    public func tokenBytes(_ id: Int32) -> [UInt8] {
        guard id >= 0, Int(id) < vocabulary.count else { return [] }
        return Array(vocabulary.bytes(Int(id)))
    }

    /// The id whose vocab entry is exactly these bytes, if any (a byte-exact lookup, see `ByteVocabulary`).
    public func tokenID(bytes: [UInt8]) -> Int32? {
        let id = vocabulary.id(of: bytes)
        return id >= 0 ? id : nil
    }
}
