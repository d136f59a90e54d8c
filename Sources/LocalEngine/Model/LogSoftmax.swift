import Foundation

/// Log-probabilities over the whole vocabulary, with the log-sum-exp in Double so a logprob is exact to the
/// f32 logits it comes from (no cancellation when the top logit dominates).
public enum LogSoftmax {
    public static func logSumExp(_ logits: [Float]) -> Double {
        var maximum = -Float.infinity
        for v in logits where v > maximum { maximum = v }
        guard maximum.isFinite else { return Double(maximum) }
        var total = 0.0
        let m = Double(maximum)
        for v in logits { total += Foundation.exp(Double(v) - m) }
        return m + Foundation.log(total)
    }

    /// The `n` highest logits as (id, logit), highest first; ties broken by lower id (stable across runs).
    public static func top(_ logits: [Float], _ n: Int) -> [(id: Int, logit: Float)] {
        guard n > 0 else { return [] }
        var best: [(id: Int, logit: Float)] = []
        best.reserveCapacity(n + 1)
        var threshold = -Float.infinity
        for (i, v) in logits.enumerated() where best.count < n || v > threshold {
            var j = best.count
            best.append((i, v))
            while j > 0 && best[j - 1].logit < v {
                best[j] = best[j - 1]
                j -= 1
            }
            best[j] = (i, v)
            if best.count > n { best.removeLast() }
            if best.count == n { threshold = best[n - 1].logit }
        }
        return best
    }
}
