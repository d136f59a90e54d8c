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

    public init(file: GGUFFile) throws {
        guard let arch = file.string("general.architecture") else {
            throw ModelError("\(file.path): no general.architecture key; not a llama.cpp model file")
        }
        guard arch == "gemma3" else {
            throw ModelError("\(file.path): architecture \"\(arch)\" is not supported (the built-in engine runs gemma3)")
        }
        func need(_ key: String) throws -> Int {
            guard let v = file.int("gemma3." + key), v > 0 else { throw ModelError("\(file.path): missing gemma3.\(key)") }
            return v
        }
        embeddingLength = try need("embedding_length")
        layerCount = try need("block_count")
        feedForwardLength = try need("feed_forward_length")
        headCount = try need("attention.head_count")
        kvHeadCount = file.int("gemma3.attention.head_count_kv") ?? headCount
        headDim = file.int("gemma3.attention.key_length") ?? embeddingLength / headCount
        rmsEpsilon = Float(file.float("gemma3.attention.layer_norm_rms_epsilon") ?? 1e-6)
        slidingWindow = file.int("gemma3.attention.sliding_window") ?? 0
        slidingWindowPeriod = file.int("gemma3.attention.sliding_window_pattern") ?? 6
        ropeBaseGlobal = file.float("gemma3.rope.freq_base") ?? 1_000_000
        ropeBaseLocal = file.float("gemma3.rope.freq_base_swa") ?? 10_000
        contextLength = file.int("gemma3.context_length") ?? 8192
        vocabularySize = file.metadata["tokenizer.ggml.tokens"]?.arrayValue?.count ?? 0
        attentionScale = 1 / Float(headDim).squareRoot()
        embeddingScale = Float(embeddingLength).squareRoot()
        guard headCount % kvHeadCount == 0, headDim % 2 == 0, vocabularySize > 0 else {
            throw ModelError("\(file.path): inconsistent attention shape or empty vocabulary")
        }
        if file.float("gemma3.final_logit_softcapping") ?? 0 != 0 || file.float("gemma3.attn_logit_softcapping") ?? 0 != 0 {
            throw ModelError("\(file.path): logit soft-capping is not supported by the built-in engine")
        }
        if file.metadata["gemma3.rope.scaling.type"] != nil {
            throw ModelError("\(file.path): RoPE scaling is not supported by the built-in engine")
        }
    }

    /// Layers 0-4, 6-10, 12-16 attend to the last `slidingWindow` positions; every sixth layer is global.
    public func isSliding(_ layer: Int) -> Bool {
        slidingWindow > 0 && layer % slidingWindowPeriod != slidingWindowPeriod - 1
    }
}
