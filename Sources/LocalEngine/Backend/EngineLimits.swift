import CKernels
import Dispatch

/// What bounds the engine on this machine, for `bench engine`: decode streams every weight once per token, so the
/// read bandwidth limits its tokens per second; prefill is arithmetic, so the cores' f32 FMA rate limits it.
/// Both limits are measured here (not read from a spec sheet), on the threads the benchmark ran with.
public enum EngineLimits {
    /// Weight bytes decode reads per token: every layer's matrices and the whole output head (the KV cache is
    /// not counted: it adds about 2 KiB per cached position and layer).
    static func weightBytesPerToken(_ model: GemmaModel) -> Int {
        var total = model.embedding.n * model.embedding.rowBytes
        for layer in model.layers {
            for w in [layer.q, layer.k, layer.v, layer.output, layer.gate, layer.up, layer.down] {
                total += w.n * w.rowBytes
            }
        }
        return total
    }

    /// Floating-point operations of a prefill of `tokens` tokens from an empty cache, with logits for the last
    /// one: 2 per multiply-add of every projection, attention's two products (scores and the weighted values) over
    /// the keys each query sees, and the output head once. Norms, RoPE and the activation are left out (< 1%).
    static func prefillFlops(_ model: GemmaModel, tokens: Int) -> Double {
        let c = model.config
        var perToken = 0.0
        for layer in model.layers {
            for w in [layer.q, layer.k, layer.v, layer.output, layer.gate, layer.up, layer.down] {
                perToken += 2 * Double(w.n * w.k)
            }
        }
        var attention = 0.0
        for layer in model.layers {
            for p in 0..<tokens {
                let keys = layer.sliding ? min(p + 1, c.slidingWindow) : p + 1
                attention += 4 * Double(c.headCount * c.headDim * keys)
            }
        }
        return perToken * Double(tokens) + attention + 2 * Double(model.embedding.n * model.embedding.k)
    }

    /// Streaming-read bandwidth in GB/s: `threads` threads each read their share of `bytes` bytes at `base`
    /// (the mapped output head, already resident after a run, so the probe needs no memory of its own); best
    /// of `passes` passes.
    static func readBandwidth(_ base: UnsafeRawPointer, bytes: Int, threads: Int, passes: Int = 3) -> Double {
        let parts = max(1, threads)
        let share = bytes / parts / 64 * 64
        let start = UncheckedBox(base)
        var best = 0.0
        for _ in 0..<passes {
            let t0 = DispatchTime.now()
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                let sum = tg_read_stream(start.value + part * share, share)
                if sum == 0x5EED { print("", terminator: "") } // keeps the result observable
            }
            let seconds = EngineBenchmark.seconds(since: t0)
            best = max(best, Double(share * parts) / max(seconds, 1e-9) / 1e9)
        }
        return best
    }

    /// The f32 FMA peak of `threads` cores at the kernel level in use, in GFLOP/s: independent FMA chains in the
    /// level's vector width on every thread at once, best of `passes` passes of about 50 ms.
    static func fmaPeak(threads: Int, passes: Int = 3) -> Double {
        let parts = max(1, threads)
        var best = 0.0
        for _ in 0..<passes {
            let t0 = DispatchTime.now()
            let flops = UncheckedBox(UnsafeMutablePointer<Double>.allocate(capacity: parts))
            defer { flops.value.deallocate() }
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                var sink: Float = 0
                flops.value[part] = tg_fma_probe(-1, 20_000_000, &sink)
                if sink == 0x5EED { print("", terminator: "") }
            }
            let seconds = EngineBenchmark.seconds(since: t0)
            var total = 0.0
            for part in 0..<parts { total += flops.value[part] }
            best = max(best, total / max(seconds, 1e-9) / 1e9)
        }
        return best
    }
}
