import CKernels
import Foundation
import Testing
@testable import LocalEngine

/// The C matrix kernels (Sources/CKernels) against a Double-precision dot of `Dequantize.row` with the activations,
/// on the real model's tensors, at every instruction-set level this CPU has (forced through `tg_matmul`'s level).
/// Also: the bit-for-bit guarantees the engine relies on (row splits, batching, threads, repeat calls).
@Suite struct KernelTests {
    /// Every level this CPU can run: 0 portable, 2 AVX2, 3 AVX-512.
    static let levels: [Int32] = [0, 2, 3].filter { $0 <= tg_kernels_detected_level() }
    static let tokenCounts = [1, 2, 3, 5, 8, 17, 64]

    /// Real tensors of every quantized type, with the rows to test (a slice keeps the Double reference quick).
    static let tensors: [(name: String, rows: Range<Int>)] = [
        ("blk.0.attn_q.weight", 0..<1024),        // Q5_0, K = 640
        ("blk.0.attn_v.weight", 0..<256),         // Q8_0, K = 640
        ("token_embd.weight", 100_000..<100_300), // Q8_0, the LM head
        ("blk.0.attn_output.weight", 0..<640),    // Q4_K, K = 1024
        ("blk.0.ffn_down.weight", 0..<640),       // Q6_K, K = 2048
        ("blk.2.ffn_down.weight", 0..<200),       // Q4_K, K = 2048
    ]

    /// Deterministic activations in [-2, 2] with about 0.3% Gemma-like outliers of magnitude up to 1e4.
    static func activations(_ count: Int, seed: UInt64) -> [Float] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        func next() -> Double {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return Double(state >> 11) / Double(1 << 53)
        }
        return (0..<count).map { _ in
            let outlier = next() < 0.003
            let value = (next() * 2 - 1) * 2
            return Float(outlier ? (value < 0 ? -1e4 : 1e4) * next() : value)
        }
    }

    /// A matrix in raw GGUF encoding, owned (so tests can also build synthetic ones and misalign them).
    struct Matrix {
        var type: GGMLType
        var bytes: [UInt8]
        var rowBytes: Int
        var K: Int
        var rows: Int

        init(type: GGMLType, bytes: [UInt8], K: Int) {
            self.type = type
            self.bytes = bytes
            self.K = K
            rowBytes = K / type.block.count * type.block.bytes
            rows = bytes.count / rowBytes
        }

        /// Rows `range` of a real tensor.
        init(_ file: GGUFFile, _ name: String, rows range: Range<Int>) throws {
            let info = try #require(file.tensor(name), "tensor \(name)")
            let start = file.data(info) + range.lowerBound * info.rowBytes
            self.init(type: info.type, bytes: Array(UnsafeRawBufferPointer(start: start, count: range.count * info.rowBytes)),
                      K: info.dims[0])
        }

        func dequantized(_ r: Int) -> [Float] {
            bytes.withUnsafeBytes { raw in
                [Float](unsafeUninitializedCapacity: K) { buffer, count in
                    Dequantize.row(type, raw.baseAddress! + r * rowBytes, count: K, into: buffer.baseAddress!)
                    count = K
                }
            }
        }

        /// y[t*ldy + r] for r in `rows`, through the generic entry point at `level`; untouched entries stay NaN.
        func multiply(_ x: [Float], nTok: Int, level: Int32, rows range: Range<Int>? = nil, ldy: Int? = nil,
                      misalign: Int = 0) -> [Float] {
            let range = range ?? 0..<rows
            let ldy = ldy ?? rows
            var y = [Float](repeating: .nan, count: max(1, (nTok - 1) * ldy + range.upperBound))
            // A copy at `misalign` bytes past a 64-byte boundary, to check nothing assumes alignment.
            let copy = UnsafeMutableRawPointer.allocate(byteCount: bytes.count + 64, alignment: 64)
            defer { copy.deallocate() }
            bytes.withUnsafeBytes { copy.advanced(by: misalign).copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
            let status = x.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in
                    tg_matmul(Int32(type.rawValue), level, copy.advanced(by: misalign), rowBytes, xp.baseAddress, K, nTok,
                              yp.baseAddress, ldy, range.lowerBound, range.upperBound)
                }
            }
            #expect(status == 0)
            return y
        }
    }

    /// How many entries of two equally long arrays differ in their bits (0 = identical).
    static func differences(_ a: some Collection<Float>, _ b: some Collection<Float>) -> Int {
        a.count != b.count ? max(a.count, b.count) : zip(a, b).filter { $0.bitPattern != $1.bitPattern }.count
    }

    /// Each output within 1e-5 of sum |w*x| of the Double dot product of the dequantized row with x.
    static func expectAccurate(_ m: Matrix, _ name: String, levels: [Int32] = KernelTests.levels, tokenCounts: [Int] = KernelTests.tokenCounts,
                               seed: UInt64 = 1) {
        let maxTok = tokenCounts.max()!
        let x = activations(maxTok * m.K, seed: seed)
        // Reference for every token up to maxTok: the same x prefix serves every n_tok.
        var exact = [Double](repeating: 0, count: maxTok * m.rows), scale = exact
        for r in 0..<m.rows {
            let w = m.dequantized(r)
            for t in 0..<maxTok {
                var sum = 0.0, magnitude = 0.0
                for k in 0..<m.K {
                    let product = Double(w[k]) * Double(x[t * m.K + k])
                    sum += product
                    magnitude += abs(product)
                }
                exact[t * m.rows + r] = sum
                scale[t * m.rows + r] = magnitude
            }
        }
        for level in levels {
            for nTok in tokenCounts {
                let y = m.multiply(Array(x.prefix(nTok * m.K)), nTok: nTok, level: level)
                var worst = 0.0, failures = 0
                for i in 0..<(nTok * m.rows) {
                    let error = abs(Double(y[i]) - exact[i]) / max(scale[i], 1e-30)
                    worst = max(worst, error.isNaN ? .infinity : error)
                    if !(error <= 1e-5) { failures += 1 }
                }
                #expect(failures == 0, "\(name) level \(level) n_tok \(nTok): \(failures) outputs off, worst \(worst)")
            }
        }
    }

    @Test(arguments: KernelTests.tensors.map(\.name))
    func realTensorsMatchDoublePrecision(_ name: String) throws {
        let rows = try #require(Self.tensors.first { $0.name == name }).rows
        let m = try Matrix(TestModel.file, name, rows: rows)
        #expect([GGMLType.q8_0, .q5_0, .q4_K, .q6_K].contains(m.type))
        Self.expectAccurate(m, name)
    }

    /// Random bytes as blocks of `type` (every bit pattern of quants, scales and mins; f16 scales anywhere in the
    /// finite range, subnormals and zeros included), to reach what the real tensors might not.
    static func randomMatrix(_ type: GGMLType, K: Int, rows: Int) -> Matrix {
        var state: UInt64 = 0x1234_5678 &+ UInt64(type.rawValue)
        var bytes = (0..<(rows * K / type.block.count * type.block.bytes)).map { _ -> UInt8 in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
        // Make every f16 field finite (exponent 31 is inf/NaN) and some of them zero or subnormal.
        let halfOffsets: [Int] = switch type {
        case .q4_K: [0, 2]
        case .q6_K: [208]
        default: [0]
        }
        for block in stride(from: 0, to: bytes.count, by: type.block.bytes) {
            for (n, offset) in halfOffsets.enumerated() {
                let i = block + offset + 1 // high byte of the little-endian half
                if bytes[i] & 0x7C == 0x7C { bytes[i] &= 0xFB }
                if (block / type.block.bytes + n) % 11 == 0 { bytes[i] &= 0x83 } // exponent 0: zero or subnormal
            }
        }
        return Matrix(type: type, bytes: bytes, K: K)
    }

    @Test(arguments: [GGMLType.q8_0, .q5_0, .q4_K, .q6_K])
    func randomBlocksMatchDoublePrecision(_ type: GGMLType) {
        let m = Self.randomMatrix(type, K: type.block.count == 256 ? 512 : 96, rows: 37)
        Self.expectAccurate(m, "random \(type.name)", tokenCounts: [1, 7])
    }

    /// The kernels multiply by exactly ggml's dequantized weights: with one-hot activations (token t = e_t), output
    /// y[t][r] is the weight w[r][t] itself, which must equal `Dequantize.row` bit for bit, at every level.
    @Test(arguments: ["blk.0.attn_q.weight", "blk.0.attn_v.weight", "blk.0.attn_output.weight", "blk.0.ffn_down.weight",
                      "random Q5_0", "random Q8_0", "random Q4_K", "random Q6_K"])
    func dequantizationIsExact(_ source: String) throws {
        let m: Matrix
        switch source {
        case "random Q5_0": m = Self.randomMatrix(.q5_0, K: 96, rows: 9)
        case "random Q8_0": m = Self.randomMatrix(.q8_0, K: 96, rows: 9)
        case "random Q4_K": m = Self.randomMatrix(.q4_K, K: 512, rows: 9)
        case "random Q6_K": m = Self.randomMatrix(.q6_K, K: 512, rows: 9)
        default: m = try Matrix(TestModel.file, source, rows: 0..<9)
        }
        var identity = [Float](repeating: 0, count: m.K * m.K)
        for k in 0..<m.K { identity[k * m.K + k] = 1 }
        let w = (0..<m.rows).map { m.dequantized($0) }
        for level in Self.levels {
            for nTok in [1, m.K] { // decode path (first weight of each row only) and prefill path (all weights)
                let y = m.multiply(Array(identity.prefix(nTok * m.K)), nTok: nTok, level: level)
                var wrong = 0
                for t in 0..<nTok {
                    for r in 0..<m.rows where y[t * m.rows + r] != w[r][t] { wrong += 1 }
                }
                #expect(wrong == 0, "\(source) level \(level) n_tok \(nTok): \(wrong) weights differ")
            }
        }
        // The decode path for every weight: one call per token.
        for level in Self.levels {
            var wrong = 0
            for t in stride(from: 0, to: m.K, by: 7) {
                let y = m.multiply(Array(identity[(t * m.K)..<((t + 1) * m.K)]), nTok: 1, level: level)
                for r in 0..<m.rows where y[r] != w[r][t] { wrong += 1 }
            }
            #expect(wrong == 0, "\(source) level \(level) decode: \(wrong) weights differ")
        }
    }

    /// F32, F16 and BF16 matrices, including K that is not a multiple of any vector width.
    @Test(arguments: [GGMLType.f32, .f16, .bf16], [37, 640])
    func floatMatricesMatchDoublePrecision(_ type: GGMLType, K: Int) {
        let rows = 13
        let values = Self.activations(rows * K, seed: 7).map { $0 / 100 }
        var bytes: [UInt8] = []
        for v in values {
            switch type {
            case .f32: withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 }
            case .f16: withUnsafeBytes(of: Float16(v).bitPattern.littleEndian) { bytes += $0 }
            default: withUnsafeBytes(of: UInt16(v.bitPattern >> 16).littleEndian) { bytes += $0 }
            }
        }
        Self.expectAccurate(Matrix(type: type, bytes: bytes, K: K), "\(type.name) K=\(K)", tokenCounts: [1, 2, 7])
    }

    /// Computing rows [0, N) at once equals computing [0, a) and [a, N) separately, bit for bit, for splits that
    /// cut the kernels' row groups anywhere. So the engine may split rows across threads freely.
    @Test(arguments: KernelTests.tensors.map(\.name))
    func rowSplitsAreBitIdentical(_ name: String) throws {
        let rows = try #require(Self.tensors.first { $0.name == name }).rows
        let m = try Matrix(TestModel.file, name, rows: rows.lowerBound..<min(rows.upperBound, rows.lowerBound + 100))
        for level in Self.levels {
            for nTok in [1, 5, 17] {
                let x = Self.activations(nTok * m.K, seed: UInt64(nTok))
                let whole = m.multiply(x, nTok: nTok, level: level)
                for split in [1, 3, 7, 13, 50, m.rows - 1] {
                    let low = m.multiply(x, nTok: nTok, level: level, rows: 0..<split)
                    let high = m.multiply(x, nTok: nTok, level: level, rows: split..<m.rows)
                    var joined = whole
                    for t in 0..<nTok {
                        for r in 0..<m.rows { joined[t * m.rows + r] = r < split ? low[t * m.rows + r] : high[t * m.rows + r] }
                    }
                    #expect(Self.differences(joined, whole) == 0, "\(name) level \(level) n_tok \(nTok) split \(split)")
                }
            }
        }
    }

    /// Token t of a batch equals a call with n_tok = 1 on that token's activations, bit for bit (the decode and
    /// prefill paths do the same arithmetic), so logprobs do not depend on how a prompt was batched.
    @Test(arguments: KernelTests.tensors.map(\.name))
    func batchedTokensEqualSingleTokens(_ name: String) throws {
        let rows = try #require(Self.tensors.first { $0.name == name }).rows
        let m = try Matrix(TestModel.file, name, rows: rows.lowerBound..<min(rows.upperBound, rows.lowerBound + 64))
        for level in Self.levels {
            for nTok in [2, 3, 8, 17] {
                let x = Self.activations(nTok * m.K, seed: 99)
                let batch = m.multiply(x, nTok: nTok, level: level)
                for t in 0..<nTok {
                    let single = m.multiply(Array(x[(t * m.K)..<((t + 1) * m.K)]), nTok: 1, level: level)
                    #expect(Self.differences(batch[(t * m.rows)..<((t + 1) * m.rows)], single) == 0,
                            "\(name) level \(level) token \(t) of \(nTok)")
                }
            }
        }
    }

    /// Same bits for misaligned weights, strided output (ldy > rows, the gap untouched) and repeated calls.
    @Test func alignmentStrideAndRepeatability() throws {
        let m = try Matrix(TestModel.file, "blk.0.attn_q.weight", rows: 0..<40)
        for level in Self.levels {
            for nTok in [1, 6] {
                let x = Self.activations(nTok * m.K, seed: 5)
                let base = m.multiply(x, nTok: nTok, level: level)
                #expect(Self.differences(m.multiply(x, nTok: nTok, level: level), base) == 0, "level \(level) repeated")
                for offset in [1, 3, 17] {
                    #expect(Self.differences(m.multiply(x, nTok: nTok, level: level, misalign: offset), base) == 0,
                            "level \(level) misaligned by \(offset)")
                }
                let strided = m.multiply(x, nTok: nTok, level: level, ldy: 45)
                for t in 0..<nTok {
                    #expect(Self.differences(strided[(t * 45)..<(t * 45 + 40)], base[(t * 40)..<(t * 40 + 40)]) == 0, "level \(level) strided")
                    let gap = t < nTok - 1 ? Array(strided[(t * 45 + 40)..<(t * 45 + 45)]) : []
                    #expect(gap.filter { !$0.isNaN }.isEmpty, "gap written")
                }
            }
        }
    }

    /// Two threads taking half the rows each (the engine's split) give the single-thread result bit for bit.
    @Test func twoThreadsMatchOne() throws {
        let info = try #require(TestModel.file.tensor("blk.0.ffn_gate.weight"))
        let w = TestModel.file.data(info), K = info.dims[0], N = info.rows
        for nTok in [1, 4] {
            let x = Self.activations(nTok * K, seed: 11)
            var one = [Float](repeating: 0, count: nTok * N), two = one
            tg_matmul_q5_0(w, info.rowBytes, x, K, nTok, &one, N, 0, N)
            let half = N / 2 + 3
            two.withUnsafeMutableBufferPointer { yp in
                let y = UncheckedSendable(yp.baseAddress!), wp = UncheckedSendable(w)
                x.withUnsafeBufferPointer { xp in
                    let xs = UncheckedSendable(xp.baseAddress!)
                    DispatchQueue.concurrentPerform(iterations: 2) { part in
                        let range = part == 0 ? 0..<half : half..<N
                        tg_matmul_q5_0(wp.value, info.rowBytes, xs.value, K, nTok, y.value, N, range.lowerBound, range.upperBound)
                    }
                }
            }
            #expect(Self.differences(one, two) == 0, "n_tok \(nTok)")
        }
    }

    /// The named entry points use the current level and agree with the generic one.
    @Test func namedEntryPointsUseTheCurrentLevel() throws {
        let cases: [(String, (UnsafeRawPointer?, Int, UnsafePointer<Float>?, Int, Int, UnsafeMutablePointer<Float>?, Int, Int, Int) -> Void)] = [
            ("blk.0.attn_q.weight", tg_matmul_q5_0), ("blk.0.attn_v.weight", tg_matmul_q8_0),
            ("blk.0.attn_output.weight", tg_matmul_q4_K), ("blk.0.ffn_down.weight", tg_matmul_q6_K),
        ]
        for (name, function) in cases {
            let m = try Matrix(TestModel.file, name, rows: 0..<20)
            let x = Self.activations(3 * m.K, seed: 3)
            var y = [Float](repeating: 0, count: 3 * 20)
            m.bytes.withUnsafeBytes { function($0.baseAddress, m.rowBytes, x, m.K, 3, &y, 20, 0, 20) }
            #expect(Self.differences(y, m.multiply(x, nTok: 3, level: tg_kernels_level())) == 0, "\(name)")
        }
    }

    /// Bad arguments are refused without writing; an empty K gives zeros; levels clamp to what the CPU has.
    @Test func argumentChecksAndLevels() {
        var y: [Float] = [.nan, .nan]
        let w = [UInt8](repeating: 0, count: 64), x = [Float](repeating: 1, count: 64)
        #expect(tg_matmul(2, -1, w, 18, x, 32, 1, &y, 2, 0, 1) == -1) // Q4_0: not supported
        #expect(tg_matmul(8, -1, w, 34, x, 33, 1, &y, 2, 0, 1) == -1) // K not a multiple of 32
        #expect(tg_matmul(12, -1, w, 144, x, 32, 1, &y, 2, 0, 1) == -1) // K not a multiple of 256
        #expect(y[0].isNaN && y[1].isNaN)
        #expect(tg_matmul(0, -1, w, 0, x, 0, 1, &y, 2, 0, 2) == 0 && y == [0, 0])
        let best = tg_kernels_detected_level()
        #expect([0, 2, 3].contains(best))
        // Only no-op forcing here: other suites may run kernels concurrently.
        #expect(tg_kernels_force_level(99) == best)
        #expect(tg_kernels_force_level(-1) == best)
        #expect(tg_kernels_level() == best)
    }

    /// By hand: `TGPLAY_KERNEL_BENCH=1 swift test -c release --filter KernelTests/benchmark`. Prints throughput
    /// of one thread per level (LM head decode in GB/s, prefill shapes at n_tok = 32 in GFLOP/s). Never asserts.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["TGPLAY_KERNEL_BENCH"] != nil))
    func benchmark() throws {
        func seconds(_ body: () -> Void) -> Double {
            var best = Double.infinity
            for _ in 0..<7 {
                let start = DispatchTime.now().uptimeNanoseconds
                body()
                best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
            return best
        }
        let file = TestModel.file
        let shapes = ["token_embd.weight", "blk.0.attn_q.weight", "blk.0.ffn_gate.weight", "blk.0.attn_v.weight",
                      "blk.0.attn_output.weight", "blk.2.ffn_down.weight", "blk.0.ffn_down.weight"]
        for level in Self.levels {
            for name in shapes {
                let info = try #require(file.tensor(name))
                let w = file.data(info), K = info.dims[0], N = info.rows, type = Int32(info.type.rawValue)
                let bytes = Double(N * info.rowBytes)
                var y = [Float](repeating: 0, count: 32 * N)
                let x1 = Self.activations(K, seed: 1), x32 = Self.activations(32 * K, seed: 2)
                let decode = seconds { _ = tg_matmul(type, level, w, info.rowBytes, x1, K, 1, &y, N, 0, N) }
                var line = "level \(level) \(info.type.name) \(name) [\(K) -> \(N)]: decode \(String(format: "%.3f", decode * 1e3)) ms, "
                    + "\(String(format: "%.1f", bytes / decode / 1e9)) GB/s"
                if N <= 4096 {
                    let prefill = seconds { _ = tg_matmul(type, level, w, info.rowBytes, x32, K, 32, &y, N, 0, N) }
                    line += "; prefill n_tok=32 \(String(format: "%.3f", prefill * 1e3)) ms, "
                        + "\(String(format: "%.1f", 2.0 * Double(K * N * 32) / prefill / 1e9)) GFLOP/s"
                }
                print(line)
            }
        }
    }
}

/// Lets a raw pointer cross into concurrentPerform's closure (the threads write disjoint rows).
struct UncheckedSendable<T>: @unchecked Sendable {
    var value: T
    init(_ value: T) { self.value = value }
}
