import Foundation

/// A model file the engine cannot run: wrong architecture, missing keys or tensors, unsupported types.
public struct ModelError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Gemma 3 hyper-parameters as llama.cpp resolves them from the GGUF metadata (engine spec §4), including the
/// defaults that apply when keys are absent (sliding-window period 6, local RoPE base 10,000).
public struct GemmaConfig: Sendable, Equatable {
    public var vocabularySize: Int
    public var embeddingLength: Int
    public var layerCount: Int
    public var feedForwardLength: Int
    public var headCount: Int
    public var kvHeadCount: Int
    public var headDim: Int
    public var rmsEpsilon: Float
    public var slidingWindow: Int
    public var slidingWindowPeriod: Int
    public var ropeBaseGlobal: Double
    public var ropeBaseLocal: Double
    public var contextLength: Int
    public var attentionScale: Float
    public var embeddingScale: Float

    /// Largest shape value (width, head count, layer count) accepted: 2^20 is far above any model this engine
    /// could run, and small enough that products of two shape values cannot overflow.
    static let maxShape = 1 << 20
    /// Longest context accepted (2^24 tokens); Gemma 3's largest is 131,072.
    static let maxContext = 1 << 24

    /// Reads and range-checks the hyper-parameters. Every value is checked before it is used in arithmetic and
    /// against the tensors it describes, because a hostile value would otherwise
    /// wrap (`slidingWindow + maxBatch`), divide by zero (`head_count_kv = 0`) or silently run a different model.
    public init(file: GGUFFile) throws {
        guard let arch = file.string("general.architecture") else {
            throw ModelError("\(file.path): no general.architecture key; not a llama.cpp model file")
        }
        guard arch == "gemma3" else {
            throw ModelError("\(file.path): architecture \"\(arch)\" is not supported (the built-in engine runs gemma3)")
        }
        let keys = MetadataReader(file: file, prefix: "gemma3.")
        embeddingLength = try keys.integer("embedding_length", in: 1...Self.maxShape)
        layerCount = try keys.integer("block_count", in: 1...Self.maxShape)
        feedForwardLength = try keys.integer("feed_forward_length", in: 1...Self.maxShape)
        headCount = try keys.integer("attention.head_count", in: 1...Self.maxShape)
        kvHeadCount = try keys.integer("attention.head_count_kv", default: headCount, in: 1...headCount)
        guard headCount % kvHeadCount == 0 else {
            throw ModelError("\(file.path): gemma3.attention.head_count_kv is \(kvHeadCount), which does not divide gemma3.attention.head_count (\(headCount))")
        }
        headDim = try keys.integer("attention.key_length", default: embeddingLength / headCount, in: 2...Self.maxShape)
        guard headDim % 2 == 0 else {
            throw ModelError("\(file.path): gemma3.attention.key_length is \(headDim); RoPE needs an even head size")
        }
        let valueLength = try keys.integer("attention.value_length", default: headDim, in: 1...Self.maxShape)
        guard valueLength == headDim else {
            throw ModelError("\(file.path): gemma3.attention.value_length is \(valueLength); the engine needs it equal to gemma3.attention.key_length (\(headDim))")
        }
        rmsEpsilon = Float(try keys.real("attention.layer_norm_rms_epsilon", default: 1e-6, "between 0 and 1") { $0 > 0 && $0 <= 1 })
        contextLength = try keys.integer("context_length", default: 8192, in: 1...Self.maxContext)
        slidingWindow = try keys.integer("attention.sliding_window", default: 0, in: 0...contextLength)
        slidingWindowPeriod = try keys.integer("attention.sliding_window_pattern", default: 6, in: 1...Self.maxShape)
        ropeBaseGlobal = try keys.real("rope.freq_base", default: 1_000_000, "a positive number") { $0 > 0 }
        ropeBaseLocal = try keys.real("rope.freq_base_swa", default: 10_000, "a positive number") { $0 > 0 }
        vocabularySize = file.metadata["tokenizer.ggml.tokens"]?.arrayValue?.count ?? 0
        guard vocabularySize > 0 else { throw ModelError("\(file.path): tokenizer.ggml.tokens is missing or empty") }
        attentionScale = 1 / Float(headDim).squareRoot()
        embeddingScale = Float(embeddingLength).squareRoot()
        for key in ["final_logit_softcapping", "attn_logit_softcapping"] {
            if try keys.real(key, default: 0, "a number", accept: { _ in true }) != 0 {
                throw ModelError("\(file.path): gemma3.\(key) is set; logit soft-capping is not supported by the built-in engine")
            }
        }
        if file.metadata["gemma3.rope.scaling.type"] != nil {
            throw ModelError("\(file.path): RoPE scaling is not supported by the built-in engine")
        }
        try checkAgainstTensors(file)
    }

    /// The shapes the metadata claims, compared with the tensor table, so a lie is reported under the key's name
    /// (the per-layer loads check every other tensor).
    private func checkAgainstTensors(_ file: GGUFFile) throws {
        func expect(_ tensor: String, dims: [Int], _ keys: String) throws {
            guard let info = file.tensor(tensor) else { throw ModelError("\(file.path): tensor \(tensor) is missing") }
            guard info.dims == dims else {
                throw ModelError("\(file.path): by \(keys), \(tensor) should be \(dims), but it is \(info.dims)")
            }
        }
        try expect("token_embd.weight", dims: [embeddingLength, vocabularySize],
                   "gemma3.embedding_length and the tokenizer.ggml.tokens count")
        try expect("blk.0.attn_q.weight", dims: [embeddingLength, headCount * headDim],
                   "gemma3.attention.head_count and gemma3.attention.key_length")
        try expect("blk.0.attn_k.weight", dims: [embeddingLength, kvHeadCount * headDim],
                   "gemma3.attention.head_count_kv and gemma3.attention.key_length")
        try expect("blk.0.ffn_gate.weight", dims: [embeddingLength, feedForwardLength], "gemma3.feed_forward_length")
        guard file.tensor("blk.\(layerCount - 1).attn_norm.weight") != nil else {
            throw ModelError("\(file.path): gemma3.block_count is \(layerCount), but the file has no block \(layerCount - 1)")
        }
        guard file.tensor("blk.\(layerCount).attn_norm.weight") == nil else {
            throw ModelError("\(file.path): gemma3.block_count is \(layerCount), but the file has more blocks")
        }
    }

    /// Layers 0-4, 6-10, 12-16 attend to the last `slidingWindow` positions; every sixth layer is global.
    public func isSliding(_ layer: Int) -> Bool {
        slidingWindow > 0 && layer % slidingWindowPeriod != slidingWindowPeriod - 1
    }
}

/// Typed, range-checked reads of a model's metadata. A key that is present but of the wrong type or out of range
/// is an error naming it; only an absent key takes the default (a wrong-typed value never silently becomes it).
struct MetadataReader {
    let file: GGUFFile
    let prefix: String

    /// An integer in `range`; without a default the key must be present.
    func integer(_ key: String, default fallback: Int? = nil, in range: ClosedRange<Int>) throws -> Int {
        let name = prefix + key
        guard let value = file.metadata[name] else {
            guard let fallback else { throw ModelError("\(file.path): missing \(name)") }
            return fallback
        }
        guard let number = value.integerValue else {
            throw ModelError("\(file.path): \(name) is \(value.summary), not an integer")
        }
        guard let exact = Int(exactly: number), range.contains(exact) else {
            throw ModelError("\(file.path): \(name) is \(number), outside \(range.lowerBound)...\(range.upperBound)")
        }
        return exact
    }

    /// A finite number that `accept`s; `expected` says what is accepted, for the message.
    func real(_ key: String, default fallback: Double, _ expected: String, accept: (Double) -> Bool) throws -> Double {
        let name = prefix + key
        guard let value = file.metadata[name] else { return fallback }
        guard let number = value.floatValue else {
            throw ModelError("\(file.path): \(name) is \(value.summary), not a number")
        }
        guard number.isFinite, accept(number) else {
            throw ModelError("\(file.path): \(name) is \(number); it must be \(expected)")
        }
        return number
    }
}
