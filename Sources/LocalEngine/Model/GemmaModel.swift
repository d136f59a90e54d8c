import Foundation

/// The weights of one transformer block.
struct GemmaLayer: Sendable {
    let attnNorm: [Float]
    let q: WeightMatrix
    let k: WeightMatrix
    let v: WeightMatrix
    let qNorm: [Float]
    let kNorm: [Float]
    let output: WeightMatrix
    let postAttentionNorm: [Float]
    let ffnNorm: [Float]
    let gate: WeightMatrix
    let up: WeightMatrix
    let down: WeightMatrix
    let postFFNNorm: [Float]
    let sliding: Bool
    /// RoPE inverse frequencies for this layer's base (local or global), one per rotated pair.
    let inverseFrequencies: [Double]
}

/// Gemma 3 loaded from a GGUF file: quantized matrices stay in the mapped file, norms are copied out.
public final class GemmaModel: Sendable {
    public let file: GGUFFile
    public let config: GemmaConfig
    let layers: [GemmaLayer]
    /// The token embedding, which is also the (tied) output head.
    let embedding: WeightMatrix
    let outputNorm: [Float]

    public convenience init(path: String) throws {
        try self.init(file: try GGUFFile(path: path))
    }

    public init(file: GGUFFile) throws {
        self.file = file
        let c = try GemmaConfig(file: file)
        config = c
        let d = c.embeddingLength, hd = c.headDim
        embedding = try WeightMatrix(file: file, name: "token_embd.weight", k: d, n: c.vocabularySize)
        outputNorm = try vectorWeight(file, "output_norm.weight", count: d)
        if file.tensor("output.weight") != nil {
            throw ModelError("\(file.path): a separate output.weight is not supported (Gemma 3 ties it to token_embd)")
        }
        var layers: [GemmaLayer] = []
        for i in 0..<c.layerCount {
            let p = "blk.\(i)."
            let sliding = c.isSliding(i)
            let base = sliding ? c.ropeBaseLocal : c.ropeBaseGlobal
            let half = hd / 2
            layers.append(GemmaLayer(
                attnNorm: try vectorWeight(file, p + "attn_norm.weight", count: d),
                q: try WeightMatrix(file: file, name: p + "attn_q.weight", k: d, n: c.headCount * hd),
                k: try WeightMatrix(file: file, name: p + "attn_k.weight", k: d, n: c.kvHeadCount * hd),
                v: try WeightMatrix(file: file, name: p + "attn_v.weight", k: d, n: c.kvHeadCount * hd),
                qNorm: try vectorWeight(file, p + "attn_q_norm.weight", count: hd),
                kNorm: try vectorWeight(file, p + "attn_k_norm.weight", count: hd),
                output: try WeightMatrix(file: file, name: p + "attn_output.weight", k: c.headCount * hd, n: d),
                postAttentionNorm: try vectorWeight(file, p + "post_attention_norm.weight", count: d),
                ffnNorm: try vectorWeight(file, p + "ffn_norm.weight", count: d),
                gate: try WeightMatrix(file: file, name: p + "ffn_gate.weight", k: d, n: c.feedForwardLength),
                up: try WeightMatrix(file: file, name: p + "ffn_up.weight", k: d, n: c.feedForwardLength),
                down: try WeightMatrix(file: file, name: p + "ffn_down.weight", k: c.feedForwardLength, n: d),
                postFFNNorm: try vectorWeight(file, p + "post_ffw_norm.weight", count: d),
                sliding: sliding,
                inverseFrequencies: (0..<half).map { Foundation.pow(base, -Double(2 * $0) / Double(hd)) }))
        }
        self.layers = layers
    }
}
