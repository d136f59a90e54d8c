import CKernels
import Foundation

/// A weight matrix used in place from the mapped file: N rows of K inputs in GGUF blocks.
/// `y = W · x` for one or several activation vectors, on a range of output rows (so threads split rows).
public struct WeightMatrix: @unchecked Sendable {
    public let name: String
    public let type: GGMLType
    /// Inputs per row.
    public let k: Int
    /// Output rows.
    public let n: Int
    public let rowBytes: Int
    let base: UnsafeRawPointer

    init(file: GGUFFile, name: String, k: Int? = nil, n: Int? = nil) throws {
        guard let info = file.tensor(name) else { throw ModelError("\(file.path): tensor \(name) is missing") }
        guard info.type.isSupported else {
            throw ModelError("\(file.path): tensor \(name) has type \(info.type.name), which the built-in engine does not support (F32, F16, BF16, Q8_0, Q5_0, Q4_K, Q6_K)")
        }
        guard info.dims.count <= 2 else { throw ModelError("\(file.path): tensor \(name) is not a matrix") }
        let rows = info.dims.count == 2 ? info.dims[1] : 1
        if let k, info.dims[0] != k { throw ModelError("\(file.path): tensor \(name) has \(info.dims[0]) inputs, expected \(k)") }
        if let n, rows != n { throw ModelError("\(file.path): tensor \(name) has \(rows) rows, expected \(n)") }
        self.name = name
        type = info.type
        self.k = info.dims[0]
        self.n = rows
        rowBytes = info.rowBytes
        base = file.data(info)
    }

    /// `y[t*ldy + r] = Σ_k W[r,k] · x[t*k + k']` for t < tokens and r in rows.
    func multiply(_ x: UnsafePointer<Float>, tokens: Int, into y: UnsafeMutablePointer<Float>, ldy: Int, rows: Range<Int>) {
        MatMul.multiply(self, x, tokens: tokens, into: y, ldy: ldy, rows: rows)
    }

    /// One row, dequantized (embedding look-up).
    func row(_ r: Int, into out: UnsafeMutablePointer<Float>) {
        Dequantize.row(type, base + r * rowBytes, count: k, into: out)
    }
}

/// A 1-D f32 weight (norms), copied out of the file once.
func vectorWeight(_ file: GGUFFile, _ name: String, count: Int) throws -> [Float] {
    guard let info = file.tensor(name) else { throw ModelError("\(file.path): tensor \(name) is missing") }
    guard info.elementCount == count, info.type.isSupported else {
        throw ModelError("\(file.path): tensor \(name) has \(info.elementCount) \(info.type.name) values, expected \(count)")
    }
    var out = [Float](repeating: 0, count: count)
    out.withUnsafeMutableBufferPointer { buffer in
        if let p = buffer.baseAddress { Dequantize.row(info.type, file.data(info), count: count, into: p) }
    }
    return out
}
