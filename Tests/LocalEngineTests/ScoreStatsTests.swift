import CKernels
import Foundation
import Testing
@testable import LocalEngine

/// `tg_score_stats_of` (the stage trace's log-sum-exp, support and entropy) against libm's exp in Double, at every
/// kernel level this CPU has, on the model's real logits and on edge cases (-infinity, NaN, a length that leaves
/// a tail after the 8 lanes).
@Suite struct ScoreStatsTests {
    static func direct(_ x: [Float]) -> (max: Float, support: Int, z: Double, w: Double) {
        let finite = x.filter { $0 > -.infinity }
        guard let m = finite.max() else { return (-.infinity, 0, 0, 0) }
        var z = 0.0, w = 0.0
        for v in finite {
            let d = Double(v) - Double(m)
            z += Foundation.exp(d)
            w += Foundation.exp(d) * d
        }
        return (m, finite.count, z, w)
    }

    static var levels: [Int32] {
        [Int32(TG_LEVEL_PORTABLE), Int32(TG_LEVEL_AVX2), Int32(TG_LEVEL_AVX512)].filter { $0 <= tg_kernels_detected_level() }
    }

    static func stats(_ x: [Float], level: Int32) -> tg_score_stats {
        var out = tg_score_stats()
        x.withUnsafeBufferPointer { p in tg_score_stats_of(level, p.baseAddress, p.count, &out) }
        return out
    }

    @Test func matchesLibmOnRealLogits() throws {
        let ids = LocalBackendTests.backend.tokenizer.encode("The capital of France is")
        let session = GemmaSession(model: LocalBackendTests.backend.model, threads: 2)
        var logits = try #require(try session.evaluate(ids, logits: .last).first)
        let expected = Self.direct(logits)
        for level in Self.levels {
            let got = Self.stats(logits, level: level)
            #expect(got.maximum == expected.max && Int(got.support) == expected.support)
            #expect(abs(got.z / expected.z - 1) < 1e-13, "level \(level): z \(got.z) vs \(expected.z)")
            #expect(abs(got.w / expected.w - 1) < 1e-12, "level \(level): w \(got.w) vs \(expected.w)")
        }
        // A filtered distribution: most scores -infinity, a NaN among them, 7 left over after the lanes.
        for i in logits.indices where i % 3 != 0 { logits[i] = -.infinity }
        logits[5] = .nan
        logits.append(contentsOf: [1, 2, 3, -.infinity, 4, 5, 6])
        let filtered = Self.direct(logits.map { $0.isNaN ? -.infinity : $0 })
        for level in Self.levels {
            let got = Self.stats(logits, level: level)
            #expect(Int(got.support) == filtered.support && got.maximum == filtered.max)
            #expect(abs(got.z / filtered.z - 1) < 1e-13 && abs(got.w / filtered.w - 1) < 1e-12, "level \(level)")
        }
    }

    @Test func emptyAndAllFilteredGiveZeros() {
        for level in Self.levels {
            for x in [[Float](), [-Float.infinity, -.infinity], [Float.nan]] {
                let got = Self.stats(x, level: level)
                #expect(got.support == 0 && got.z == 0 && got.w == 0 && got.maximum == -.infinity)
            }
            let wide = Self.stats([0, -800, -.infinity], level: level)
            #expect(wide.support == 2 && wide.z == 1, "a score 800 below the top adds (next to) nothing")
        }
    }
}
