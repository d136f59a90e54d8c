import CKernels
import Foundation

/// One sequence being evaluated: the KV cache of every layer and the positions it holds.
///
/// `evaluate` runs a batch of new tokens through the model (batched matrix products, so each weight is read
/// once per batch) and returns logits only for the positions asked for: the output head is 60% of the work.
/// Everything is f32 with fixed summation orders, so the same tokens give the same bits on any thread count.
public final class GemmaSession: @unchecked Sendable {
    public let model: GemmaModel
    public let splitter: RowSplitter
    /// Tokens whose keys and values are in the cache (positions 0..<tokens.count).
    public private(set) var tokens: [Int32] = []
    /// Tokens run through the model since the session was made (every `evaluate`), so tests and benchmarks can
    /// check how much work prefix reuse saved: counts, never times.
    public private(set) var evaluatedTokens = 0
    /// Largest batch run through the model at once.
    public static let maxBatch = 64
    private var caches: [LayerCache]
    /// Test hook: called with a stage name and the first batch token's vector at that stage
    /// (`inp_scaled`, `blk0.q_proj`, `l_out.N`, `result_norm`, ...), to compare against a reference layer by layer.
    var trace: ((String, [Float]) -> Void)?

    public init(model: GemmaModel, threads: Int = 2) {
        self.model = model
        splitter = RowSplitter(threads: threads)
        let c = model.config
        caches = (0..<c.layerCount).map { layer in
            LayerCache(width: c.kvHeadCount * c.headDim,
                       ringCapacity: c.isSliding(layer) ? c.slidingWindow + Self.maxBatch : nil)
        }
    }

    /// Forgets everything (a new sequence).
    public func reset() { tokens.removeAll() }

    /// Keeps the first `count` positions, when the cache still holds what later positions will need: a sliding
    /// layer's ring may have overwritten keys inside the window. Returns false (and resets) when it cannot.
    @discardableResult
    public func truncate(to count: Int) -> Bool {
        guard count <= tokens.count else { return false }
        let c = model.config
        if c.slidingWindow > 0 {
            // A ring slot of position p was reused by p + capacity once the sequence grew past it; the next
            // position (count) needs keys from count - window + 1 on.
            let capacity = c.slidingWindow + Self.maxBatch
            let lostBelow = max(0, tokens.count - capacity)
            let neededFrom = max(0, count - c.slidingWindow + 1)
            if count > 0 && neededFrom < lostBelow {
                reset()
                return false
            }
        }
        tokens.removeLast(tokens.count - count)
        return true
    }

    public enum LogitPositions: Sendable {
        case none
        case last
        case all
    }

    /// Appends `newTokens` to the sequence and returns the logits (vocabulary-sized rows) at the positions asked
    /// for, in order. Throws when the context would exceed the model's length.
    /// `progress` hears the tokens evaluated so far of `newTokens` after each batch (a long prompt's prefill takes
    /// seconds; the playground shows how far it has got).
    public func evaluate(_ newTokens: [Int32], logits wanted: LogitPositions,
                         shouldStop: () -> Bool = { false },
                         progress: (_ done: Int, _ total: Int) -> Void = { _, _ in }) throws -> [[Float]] {
        let c = model.config
        guard tokens.count + newTokens.count <= c.contextLength else {
            throw ModelError("context of \(tokens.count + newTokens.count) tokens exceeds the model's \(c.contextLength)")
        }
        if let bad = newTokens.first(where: { $0 < 0 || Int($0) >= c.vocabularySize }) {
            throw ModelError("token id \(bad) is outside the vocabulary (0..<\(c.vocabularySize))")
        }
        var results: [[Float]] = []
        var start = 0
        while start < newTokens.count {
            if shouldStop() { throw CancellationError() }
            let end = min(newTokens.count, start + Self.maxBatch)
            let batch = Array(newTokens[start..<end])
            let isLastBatch = end == newTokens.count
            let rows: [Int]
            switch wanted {
            case .none: rows = []
            case .last: rows = isLastBatch ? [batch.count - 1] : []
            case .all: rows = Array(0..<batch.count)
            }
            results += forward(batch, logitRows: rows)
            evaluatedTokens += batch.count
            start = end
            progress(end, newTokens.count)
        }
        return results
    }

    // MARK: - The forward pass

    private func forward(_ batch: [Int32], logitRows: [Int]) -> [[Float]] {
        let c = model.config
        let b = batch.count, d = c.embeddingLength, hd = c.headDim
        let nq = c.headCount * hd, nkv = c.kvHeadCount * hd, ff = c.feedForwardLength
        let p0 = tokens.count
        for layer in caches.indices { caches[layer].reserve(positions: p0 + b) }

        var x = [Float](repeating: 0, count: b * d)
        var h = [Float](repeating: 0, count: b * d)
        var a = [Float](repeating: 0, count: b * d)
        var q = [Float](repeating: 0, count: b * nq)
        var k = [Float](repeating: 0, count: b * nkv)
        var v = [Float](repeating: 0, count: b * nkv)
        var attention = [Float](repeating: 0, count: b * nq)
        var gate = [Float](repeating: 0, count: b * ff)
        var up = [Float](repeating: 0, count: b * ff)

        x.withUnsafeMutableBufferPointer { xp in
            guard let xb = xp.baseAddress else { return }
            for t in 0..<b {
                model.embedding.row(Int(batch[t]), into: xb + t * d)
                for i in 0..<d { xb[t * d + i] *= c.embeddingScale }
            }
        }
        trace?("inp_scaled", Array(x[0..<d]))

        for (li, layer) in model.layers.enumerated() {
            normRows(x, layer.attnNorm, into: &h, count: b, width: d)
            q.withUnsafeMutableBufferPointer { qp in
                k.withUnsafeMutableBufferPointer { kp in
                    v.withUnsafeMutableBufferPointer { vp in
                        guard let qb = qp.baseAddress, let kb = kp.baseAddress, let vb = vp.baseAddress else { return }
                        multiply([(layer.q, qb), (layer.k, kb), (layer.v, vb)], h, b)
                    }
                }
            }
            if li == 0, let trace {
                trace("blk0.attn_norm_out", Array(h[0..<d]))
                trace("blk0.q_proj", Array(q[0..<nq]))
                trace("blk0.k_proj", Array(k[0..<nkv]))
                trace("blk0.v_proj", Array(v[0..<nkv]))
            }
            for t in 0..<b {
                let (cosines, sines) = rope(position: p0 + t, layer.inverseFrequencies)
                q.withUnsafeMutableBufferPointer { qp in
                    guard let base = qp.baseAddress else { return }
                    for head in 0..<c.headCount {
                        let p = base + t * nq + head * hd
                        Kernels.rmsNorm(p, layer.qNorm, hd, eps: c.rmsEpsilon, into: p)
                        Self.applyRope(p, hd, cosines, sines)
                        for i in 0..<hd { p[i] *= c.attentionScale }
                    }
                }
                k.withUnsafeMutableBufferPointer { kp in
                    guard let base = kp.baseAddress else { return }
                    for head in 0..<c.kvHeadCount {
                        let p = base + t * nkv + head * hd
                        Kernels.rmsNorm(p, layer.kNorm, hd, eps: c.rmsEpsilon, into: p)
                        Self.applyRope(p, hd, cosines, sines)
                    }
                }
                k.withUnsafeBufferPointer { kp in
                    v.withUnsafeBufferPointer { vp in
                        guard let kb = kp.baseAddress, let vb = vp.baseAddress else { return }
                        caches[li].store(pos: p0 + t, key: kb + t * nkv, value: vb + t * nkv)
                    }
                }
            }
            attend(layer: li, sliding: layer.sliding, q: q, batch: b, firstPosition: p0, into: &attention)
            multiply(layer.output, attention, b, &a)
            normRows(a, layer.postAttentionNorm, into: &a, count: b, width: d)
            for i in 0..<(b * d) { x[i] += a[i] }

            normRows(x, layer.ffnNorm, into: &h, count: b, width: d)
            gate.withUnsafeMutableBufferPointer { gp in
                up.withUnsafeMutableBufferPointer { upp in
                    guard let gb = gp.baseAddress, let ub = upp.baseAddress else { return }
                    multiply([(layer.gate, gb), (layer.up, ub)], h, b)
                }
            }
            activate(&gate, up, count: b * ff)
            multiply(layer.down, gate, b, &a)
            normRows(a, layer.postFFNNorm, into: &a, count: b, width: d)
            for i in 0..<(b * d) { x[i] += a[i] }
            trace?("l_out.\(li)", Array(x[0..<d]))
        }
        tokens += batch

        guard !logitRows.isEmpty else { return [] }
        var finals = [Float](repeating: 0, count: logitRows.count * d)
        for (j, t) in logitRows.enumerated() {
            x.withUnsafeBufferPointer { xp in
                finals.withUnsafeMutableBufferPointer { fp in
                    guard let xb = xp.baseAddress, let fb = fp.baseAddress else { return }
                    Kernels.rmsNorm(xb + t * d, model.outputNorm, d, eps: c.rmsEpsilon, into: fb + j * d)
                }
            }
        }
        if logitRows.first == 0 { trace?("result_norm", Array(finals[0..<d])) }
        var logits = [Float](repeating: 0, count: logitRows.count * c.vocabularySize)
        multiply(model.embedding, finals, logitRows.count, &logits)
        return (0..<logitRows.count).map { Array(logits[($0 * c.vocabularySize)..<(($0 + 1) * c.vocabularySize)]) }
    }

    private func normRows(_ input: [Float], _ weight: [Float], into output: inout [Float], count: Int, width: Int) {
        let eps = model.config.rmsEpsilon
        let copy = input
        copy.withUnsafeBufferPointer { ip in
            output.withUnsafeMutableBufferPointer { op in
                guard let ib = ip.baseAddress, let ob = op.baseAddress else { return }
                for t in 0..<count { Kernels.rmsNorm(ib + t * width, weight, width, eps: eps, into: ob + t * width) }
            }
        }
    }

    /// `y = W · x` for every token of the batch, rows split over the threads.
    private func multiply(_ w: WeightMatrix, _ x: [Float], _ tokens: Int, _ y: inout [Float]) {
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                guard let xb = xp.baseAddress, let yb = yp.baseAddress else { return }
                let out = UncheckedBox(yb)
                splitter.run(rows: w.n) { rows in
                    w.multiply(xb, tokens: tokens, into: out.value, ldy: w.n, rows: rows)
                }
            }
        }
    }

    /// Several products of the same input `x` in one hand-off to the threads (Q/K/V, gate/up): each thread computes
    /// its share of every matrix's rows. Every output row is still one whole dot product by the same kernel, so the
    /// bits are those of separate products on any thread count.
    private func multiply(_ products: [(WeightMatrix, UnsafeMutablePointer<Float>)], _ x: [Float], _ tokens: Int) {
        let fewest = products.map { $0.0.n }.min() ?? 0
        let parts = splitter.parts(rows: fewest)
        let targets = products.map { (w: $0.0, y: UncheckedBox($0.1)) }
        x.withUnsafeBufferPointer { xp in
            guard let xb = xp.baseAddress else { return }
            splitter.run(parts: parts) { part in
                for target in targets {
                    let rows = RowSplitter.range(part: part, of: parts, rows: target.w.n)
                    if !rows.isEmpty {
                        target.w.multiply(xb, tokens: tokens, into: target.y.value, ldy: target.w.n, rows: rows)
                    }
                }
            }
        }
    }

    /// cos/sin of `position * inverseFrequency`, computed in Double for accuracy at long positions.
    private func rope(position: Int, _ inverseFrequencies: [Double]) -> ([Float], [Float]) {
        var cosines = [Float](repeating: 0, count: inverseFrequencies.count)
        var sines = cosines
        for (i, f) in inverseFrequencies.enumerated() {
            let theta = Double(position) * f
            cosines[i] = Float(Foundation.cos(theta))
            sines[i] = Float(Foundation.sin(theta))
        }
        return (cosines, sines)
    }

    /// NEOX-style rotation: pairs (i, i + half), the HF `rotate_half` convention.
    @inline(__always)
    private static func applyRope(_ p: UnsafeMutablePointer<Float>, _ width: Int, _ cosines: [Float], _ sines: [Float]) {
        let half = width / 2
        for i in 0..<half {
            let x0 = p[i], x1 = p[i + half]
            p[i] = x0 * cosines[i] - x1 * sines[i]
            p[i + half] = x0 * sines[i] + x1 * cosines[i]
        }
    }

    /// Causal (and on sliding layers, windowed) softmax attention for every query of the batch; the query heads
    /// share the KV heads (grouped-query attention). Work is split over (token, KV head) pairs, and each pair's
    /// query heads go through `tg_attend` together, so every key and value row is read once for all of them.
    private func attend(layer: Int, sliding: Bool, q: [Float], batch: Int, firstPosition p0: Int, into out: inout [Float]) {
        let c = model.config
        let hd = c.headDim, nq = c.headCount * hd, nkv = c.kvHeadCount * hd
        let group = c.headCount / c.kvHeadCount
        let window = sliding ? c.slidingWindow : Int.max
        let cache = caches[layer]
        let items = batch * c.kvHeadCount
        // The longest run of keys any query of this batch sees (the scratch size for its scores).
        let longest = min(p0 + batch, window)
        q.withUnsafeBufferPointer { qp in
            out.withUnsafeMutableBufferPointer { op in
                cache.keys.withUnsafeBufferPointer { kp in
                    cache.values.withUnsafeBufferPointer { vp in
                        guard let qb = qp.baseAddress, let ob = op.baseAddress, let kb = kp.baseAddress,
                              let vb = vp.baseAddress else { return }
                        let outBox = UncheckedBox(ob)
                        splitter.run(rows: items, minimumRowsPerThread: 1) { range in
                            let scores = UnsafeMutablePointer<Float>.allocate(capacity: group * longest)
                            defer { scores.deallocate() }
                            for item in range {
                                let t = item / c.kvHeadCount, kvHead = item % c.kvHeadCount
                                let pos = p0 + t
                                let first = window == Int.max ? 0 : max(0, pos - window + 1)
                                let count = pos - first + 1
                                // Positions first...pos as at most two runs of slots (a ring wraps once).
                                let start = cache.slot(first)
                                let n0 = min(count, (cache.ringCapacity ?? Int.max) - start)
                                let kvOffset = kvHead * hd
                                let heads = kvHead * group * hd
                                tg_attend(-1, qb + t * nq + heads, group, hd,
                                          kb + start * nkv + kvOffset, vb + start * nkv + kvOffset, n0,
                                          kb + kvOffset, vb + kvOffset, count - n0, nkv,
                                          scores, outBox.value + t * nq + heads)
                            }
                        }
                    }
                }
            }
        }
    }

    /// `gate = gelu(gate) * up` over the batch, split over the threads (elementwise, so the split is invisible).
    private func activate(_ gate: inout [Float], _ up: [Float], count: Int) {
        gate.withUnsafeMutableBufferPointer { gp in
            up.withUnsafeBufferPointer { upp in
                guard let g = gp.baseAddress, let u = upp.baseAddress else { return }
                let gateBox = UncheckedBox(g)
                splitter.run(rows: count, minimumRowsPerThread: 4096) { range in
                    tg_gelu_mul(-1, gateBox.value + range.lowerBound, u + range.lowerBound, range.count)
                }
            }
        }
    }
}
