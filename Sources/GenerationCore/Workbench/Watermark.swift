import Foundation

/// The "A Watermark for Large Language Models" scheme as TGI configures it: before sampling, the logits of a
/// "green list" (a fraction `gamma` of the vocabulary, chosen pseudo-randomly from the previous token and a fixed
/// key) get `delta` added. Text generated this way has far more green tokens than chance, which `detect` measures.
///
/// TGI draws its green list with `torch.randperm`, which cannot be reproduced outside PyTorch; here membership is
/// a keyed hash of (previous token, candidate), which gives the same statistics (each token green with
/// probability gamma, independently per previous token) and lets detection run without the model.
///
/// In the core rather than the engine because both use it: the built-in engine marks the logits, the
/// playground scores a watermarked run, and the playground must not depend on the engine.
public struct Watermark: Sendable, Equatable {
    public var gamma: Double
    public var delta: Float
    public var hashKey: UInt64

    /// TGI's defaults (env `WATERMARK_GAMMA` 0.5, `WATERMARK_DELTA` 2.0, hash key 15485863).
    public static let tgi = Watermark(gamma: 0.5, delta: 2.0, hashKey: 15_485_863)

    public init(gamma: Double, delta: Float, hashKey: UInt64) {
        self.gamma = gamma
        self.delta = delta
        self.hashKey = hashKey
    }

    /// Whether `token` is on the green list that follows `previous`.
    @inline(__always)
    public func isGreen(previous: Int32, token: Int) -> Bool {
        var z = (hashKey &* UInt64(UInt32(bitPattern: previous))) ^ (UInt64(token) &* 0x9E37_79B9_7F4A_7C15)
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Double(z >> 11) * 0x1p-53 < gamma
    }

    /// Adds `delta` to the green tokens' logits (the first processor in TGI's order).
    public func apply(_ logits: inout [Float], previous: Int32) {
        for i in logits.indices where isGreen(previous: previous, token: i) { logits[i] += delta }
    }

    /// The detector's verdict on a token sequence.
    public struct Detection: Codable, Sendable, Equatable {
        public var tokensScored: Int
        public var greenTokens: Int
        public var zScore: Double
        public var pValue: Double
        public var watermarked: Bool

        enum CodingKeys: String, CodingKey {
            case tokensScored = "tokens_scored", greenTokens = "green_tokens", zScore = "z_score"
            case pValue = "p_value", watermarked
        }
    }

    /// Counts green tokens (each scored against its predecessor) and the one-proportion z-test against gamma.
    /// z above `threshold` (4 by default, as in the paper) means watermarked.
    public func detect(_ ids: [Int32], threshold: Double = 4) -> Detection {
        guard ids.count >= 2 else {
            return Detection(tokensScored: 0, greenTokens: 0, zScore: 0, pValue: 1, watermarked: false)
        }
        var green = 0
        for i in 1..<ids.count where isGreen(previous: ids[i - 1], token: Int(ids[i])) { green += 1 }
        let t = Double(ids.count - 1)
        let z = (Double(green) - gamma * t) / (t * gamma * (1 - gamma)).squareRoot()
        let p = 0.5 * erfc(z / 2.0.squareRoot())
        return Detection(tokensScored: ids.count - 1, greenTokens: green, zScore: z, pValue: p, watermarked: z > threshold)
    }
}
