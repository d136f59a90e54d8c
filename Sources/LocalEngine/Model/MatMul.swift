import CKernels
import Foundation

/// The matrix product behind every projection: the C kernels (AVX-512, AVX2 or portable, chosen at run time)
/// on the weights in their GGUF encoding, with f32 activations. Every output row is one dot product computed the
/// same way whatever the row range, so any split of rows over threads gives the same bits.
enum MatMul {
    static func multiply(_ w: WeightMatrix, _ x: UnsafePointer<Float>, tokens: Int, into y: UnsafeMutablePointer<Float>,
                         ldy: Int, rows: Range<Int>) {
        let status = tg_matmul(Int32(w.type.rawValue), -1, w.base, w.rowBytes, x, w.k, tokens, y, ldy,
                               rows.lowerBound, rows.upperBound)
        if status != 0 {
            // Unreachable for matrices that passed `WeightMatrix.init`; kept as a slow, exact fallback.
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: w.k)
            defer { scratch.deallocate() }
            for r in rows {
                Dequantize.row(w.type, w.base + r * w.rowBytes, count: w.k, into: scratch)
                for t in 0..<tokens { y[t * ldy + r] = Kernels.dot(scratch, x + t * w.k, w.k) }
            }
        }
    }
}

/// Small f32 vector helpers used by the forward pass (SIMD in Swift; the compiler vectorizes them with -O).
enum Kernels {
    /// Dot product with 16 lanes and a fixed reduction order.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD16<Float>(repeating: 0)
        var i = 0
        while i + 16 <= n {
            let va = UnsafeRawPointer(a + i).loadUnaligned(as: SIMD16<Float>.self)
            let vb = UnsafeRawPointer(b + i).loadUnaligned(as: SIMD16<Float>.self)
            acc += va * vb  // not addingProduct: without FMA in the baseline target that becomes scalar fmaf calls
            i += 16
        }
        var sum = acc.sum()
        while i < n {
            sum += a[i] * b[i]
            i += 1
        }
        return sum
    }

    /// RMSNorm (llama.cpp: mean of squares accumulated in double), times the weight: `y = x * scale * w`.
    @inline(__always)
    static func rmsNorm(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ n: Int, eps: Float, into y: UnsafeMutablePointer<Float>) {
        var sum = 0.0
        for i in 0..<n { sum += Double(x[i] * x[i]) }
        let mean = Float(sum / Double(n))
        let scale = 1 / (mean + eps).squareRoot()
        for i in 0..<n { y[i] = (x[i] * scale) * w[i] }
    }

    /// `y += a * x`.
    @inline(__always)
    static func axpy(_ a: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        var i = 0
        let va = SIMD16<Float>(repeating: a)
        while i + 16 <= n {
            let vx = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD16<Float>.self)
            var vy = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD16<Float>.self)
            vy += va * vx
            UnsafeMutableRawPointer(y + i).storeBytes(of: vy, as: SIMD16<Float>.self)
            i += 16
        }
        while i < n {
            y[i] += a * x[i]
            i += 1
        }
    }

    /// The tanh approximation of GELU, evaluated in f32 (not llama.cpp's f16 table).
    @inline(__always)
    static func gelu(_ x: Float) -> Float {
        0.5 * x * (1 + tanhf(0.797_884_560_802_865_355_879_892_119_868_763_7 * x * (1 + 0.044715 * x * x)))
    }
}
