import CKernels
import Foundation
import Testing

/// The C attention and activation kernels against Double-precision references, at every level this CPU has, and
/// the properties the forward pass relies on: a ring's two runs give the same bits as one contiguous run, and the
/// activation is the same at every level and under any split.
@Suite struct AttentionKernelTests {
    static let levels: [Int32] = [0, 2, 3].filter { $0 <= tg_kernels_detected_level() }

    static func values(_ count: Int, seed: UInt64, scale: Double = 1) -> [Float] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        return (0..<count).map { _ in
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return Float((Double(state >> 11) / Double(1 << 53) * 2 - 1) * scale)
        }
    }

    /// Softmax attention in Double for head `h`.
    static func reference(q: [Float], h: Int, hd: Int, keys: [Float], values: [Float], n: Int) -> [Double] {
        var scores = (0..<n).map { j in (0..<hd).reduce(0.0) { $0 + Double(q[h * hd + $1]) * Double(keys[j * hd + $1]) } }
        let m = scores.max() ?? 0
        scores = scores.map { exp($0 - m) }
        let total = scores.reduce(0, +)
        return (0..<hd).map { d in (0..<n).reduce(0.0) { $0 + scores[$1] / total * Double(values[$1 * hd + d]) } }
    }

    @Test(arguments: [(4, 256, 37), (4, 256, 1), (1, 256, 20), (3, 24, 9), (5, 6, 13), (2, 2, 3)])
    func attentionMatchesDouble(_ shape: (heads: Int, hd: Int, n: Int)) {
        let (heads, hd, n) = shape
        let q = Self.values(heads * hd, seed: 1, scale: 0.3)
        let keys = Self.values(n * hd, seed: 2, scale: 2), vals = Self.values(n * hd, seed: 3, scale: 2)
        for level in Self.levels {
            var out = [Float](repeating: .nan, count: heads * hd)
            var scores = [Float](repeating: 0, count: heads * n)
            tg_attend(level, q, heads, hd, keys, vals, n, keys, vals, 0, hd, &scores, &out)
            for h in 0..<heads {
                let expected = Self.reference(q: q, h: h, hd: hd, keys: keys, values: vals, n: n)
                for d in 0..<hd {
                    #expect(abs(Double(out[h * hd + d]) - expected[d]) <= 1e-5, "level \(level) head \(h) d \(d)")
                }
            }
        }
    }

    /// Keys split into two runs at any point (a ring buffer's wrap) give exactly the one-run result.
    @Test func twoRunsEqualOneRun() {
        let heads = 4, hd = 256, n = 50
        let q = Self.values(heads * hd, seed: 4, scale: 0.3)
        let keys = Self.values(n * hd, seed: 5, scale: 2), vals = Self.values(n * hd, seed: 6, scale: 2)
        for level in Self.levels {
            var whole = [Float](repeating: 0, count: heads * hd)
            var scores = [Float](repeating: 0, count: heads * n)
            tg_attend(level, q, heads, hd, keys, vals, n, keys, vals, 0, hd, &scores, &whole)
            for split in [1, 17, 49] {
                // Run 0 holds positions 0..<split, run 1 the rest, stored in swapped halves of one buffer.
                let ringK = Array(keys[(split * hd)...]) + Array(keys[..<(split * hd)])
                let ringV = Array(vals[(split * hd)...]) + Array(vals[..<(split * hd)])
                var out = [Float](repeating: 0, count: heads * hd)
                ringK.withUnsafeBufferPointer { kp in
                    ringV.withUnsafeBufferPointer { vp in
                        guard let kb = kp.baseAddress, let vb = vp.baseAddress else { return }
                        let tail = (n - split) * hd
                        tg_attend(level, q, heads, hd, kb + tail, vb + tail, split, kb, vb, n - split, hd, &scores, &out)
                    }
                }
                #expect(out == whole, "level \(level) split \(split)")
            }
        }
    }

    @Test func geluMatchesDoubleAndLevelsAgree() {
        let n = 10_007
        let x = Self.values(n, seed: 7, scale: 12), up = Self.values(n, seed: 8, scale: 3)
        var first: [Float]?
        for level in Self.levels {
            var g = x
            tg_gelu_mul(level, &g, up, n)
            for i in 0..<n {
                let v = Double(x[i])
                let expected = 0.5 * v * (1 + tanh(0.7978845608028654 * v * (1 + 0.044715 * v * v))) * Double(up[i])
                #expect(abs(Double(g[i]) - expected) <= 1e-5 * max(1, abs(expected)), "x = \(x[i])")
            }
            if let first { #expect(g == first, "level \(level) differs from level \(Self.levels[0])") } else { first = g }
            // Any split of the range gives the same bits.
            var split = x
            split.withUnsafeMutableBufferPointer { sp in
                guard let s = sp.baseAddress else { return }
                up.withUnsafeBufferPointer { upp in
                    guard let u = upp.baseAddress else { return }
                    tg_gelu_mul(level, s, u, 13)
                    tg_gelu_mul(level, s + 13, u + 13, n - 13)
                }
            }
            #expect(split == g)
        }
    }
}
