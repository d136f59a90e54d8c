import CKernels
import Foundation

/// Reference dequantizers for every supported block format, bit-exact with ggml's (`ggml-quants.c`): each value
/// is computed in f32 in ggml's order, so a dequantized row is the same on every machine. The fast kernels are
/// checked against these.
public enum Dequantize {
    /// IEEE binary16 at `p` (unaligned) as Float.
    @inline(__always)
    static func half(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
        Float(Float16(bitPattern: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
    }

    /// Dequantizes `count` values (a multiple of the type's block size) starting at `src` into `dst`.
    public static func row(_ type: GGMLType, _ src: UnsafeRawPointer, count: Int, into dst: UnsafeMutablePointer<Float>) {
        switch type {
        case .f32:
            for i in 0..<count { dst[i] = src.loadUnaligned(fromByteOffset: 4 * i, as: Float.self) }
        case .f16:
            for i in 0..<count { dst[i] = half(src, 2 * i) }
        case .bf16:
            for i in 0..<count {
                dst[i] = Float(bitPattern: UInt32(src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) << 16)
            }
        case .q8_0:
            for b in 0..<(count / 32) {
                let block = src + 34 * b
                let d = half(block, 0)
                for j in 0..<32 { dst[32 * b + j] = d * Float(block.load(fromByteOffset: 2 + j, as: Int8.self)) }
            }
        case .q5_0:
            for b in 0..<(count / 32) {
                let block = src + 22 * b
                let d = half(block, 0)
                let qh = block.loadUnaligned(fromByteOffset: 2, as: UInt32.self).littleEndian
                for j in 0..<16 {
                    let q = block.load(fromByteOffset: 6 + j, as: UInt8.self)
                    let x0 = Int32((q & 0x0F) | UInt8(((qh >> UInt32(j)) & 1) << 4)) - 16
                    let x1 = Int32((q >> 4) | UInt8(((qh >> UInt32(j + 16)) & 1) << 4)) - 16
                    dst[32 * b + j] = Float(x0) * d
                    dst[32 * b + j + 16] = Float(x1) * d
                }
            }
        case .q4_K:
            for b in 0..<(count / 256) {
                let block = src + 144 * b
                let d = half(block, 0), dmin = half(block, 2)
                let s = (0..<12).map { block.load(fromByteOffset: 4 + $0, as: UInt8.self) }
                let out = dst + 256 * b
                for c in 0..<4 {
                    let (sc1, m1) = scaleMinK4(2 * c, s)
                    let (sc2, m2) = scaleMinK4(2 * c + 1, s)
                    let d1 = d * Float(sc1), mm1 = dmin * Float(m1)
                    let d2 = d * Float(sc2), mm2 = dmin * Float(m2)
                    for l in 0..<32 {
                        let q = block.load(fromByteOffset: 16 + 32 * c + l, as: UInt8.self)
                        out[64 * c + l] = d1 * Float(q & 0xF) - mm1
                        out[64 * c + 32 + l] = d2 * Float(q >> 4) - mm2
                    }
                }
            }
        case .q6_K:
            for b in 0..<(count / 256) {
                let block = src + 210 * b
                let d = half(block, 208)
                let out = dst + 256 * b
                for n in 0..<2 {
                    let ql = 64 * n, qh = 128 + 32 * n, sc = 192 + 8 * n, base = 128 * n
                    for l in 0..<32 {
                        let isc = l / 16
                        let qlA = block.load(fromByteOffset: ql + l, as: UInt8.self)
                        let qlB = block.load(fromByteOffset: ql + l + 32, as: UInt8.self)
                        let h = block.load(fromByteOffset: qh + l, as: UInt8.self)
                        let q1 = Int32((qlA & 0xF) | ((h & 3) << 4)) - 32
                        let q2 = Int32((qlB & 0xF) | (((h >> 2) & 3) << 4)) - 32
                        let q3 = Int32((qlA >> 4) | (((h >> 4) & 3) << 4)) - 32
                        let q4 = Int32((qlB >> 4) | (((h >> 6) & 3) << 4)) - 32
                        func scale(_ k: Int) -> Float { Float(block.load(fromByteOffset: sc + isc + k, as: Int8.self)) }
                        out[base + l] = d * scale(0) * Float(q1)
                        out[base + l + 32] = d * scale(2) * Float(q2)
                        out[base + l + 64] = d * scale(4) * Float(q3)
                        out[base + l + 96] = d * scale(6) * Float(q4)
                    }
                }
            }
        default:
            preconditionFailure("unsupported type \(type.name) reached the dequantizer")
        }
    }

    /// Q4_K's packed 6-bit scale and min for sub-block `j` (ggml's `get_scale_min_k4`).
    @inline(__always)
    static func scaleMinK4(_ j: Int, _ s: [UInt8]) -> (UInt8, UInt8) {
        if j < 4 { return (s[j] & 63, s[j + 4] & 63) }
        return ((s[j + 4] & 0x0F) | ((s[j - 4] >> 6) << 4), (s[j + 4] >> 4) | ((s[j] >> 6) << 4))
    }

    /// A whole row `r` of a 2-D tensor, dequantized.
    public static func row(_ file: GGUFFile, _ info: GGUFTensorInfo, _ r: Int) -> [Float] {
        let count = info.dims[0]
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            if let out = buffer.baseAddress { row(info.type, file.data(info) + r * info.rowBytes, count: count, into: out) }
            initialized = count
        }
    }
}
