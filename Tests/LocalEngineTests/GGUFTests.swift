import Foundation
import Testing
@testable import LocalEngine

@Suite struct GGUFTests {
    /// Every key and every tensor row of gguf-py's dump of the real file.
    @Test func matchesTheReferenceDump() throws {
        let file = TestModel.file
        let dump = String(decoding: try TestModel.fixture("gguf-dump.txt"), as: UTF8.self)
        #expect(file.version == 3 && file.alignment == 32 && file.dataOffset == 6_525_120)
        #expect(file.metadataKeys.count == 33 && file.tensors.count == 236)
        var keyLines = 0, tensorLines = 0
        for line in dump.split(separator: "\n") {
            let typeNames = ["UINT", "INT", "FLOAT", "STRING", "BOOL", "ARRAY"]
            if let colon = line.range(of: ": "), !line.hasPrefix("GGUF."),
               typeNames.contains(where: { line[colon.upperBound...].hasPrefix($0) }) {
                let key = String(line[..<colon.lowerBound])
                #expect(file.metadata[key] != nil, "key \(key)")
                keyLines += 1
            }
            let fields = line.split(separator: "\t")
            if fields.count == 5, fields[1].hasPrefix("shape(ne)=") {
                let name = String(fields[0])
                let info = try #require(file.tensor(name), "tensor \(name)")
                let dims = fields[1].dropFirst("shape(ne)=[".count).dropLast().split(separator: ",")
                    .map { Int($0.trimmingCharacters(in: .whitespaces)) ?? -1 }
                #expect(info.dims == dims, "\(name) dims")
                #expect(info.type.name == String(fields[2].dropFirst("type=".count)), "\(name) type")
                #expect(info.byteCount == Int(fields[3].dropFirst("nbytes=".count)), "\(name) bytes")
                #expect(file.dataOffset + info.offset == Int(fields[4].dropFirst("offset=".count)), "\(name) offset")
                tensorLines += 1
            }
        }
        #expect(keyLines == 33 && tensorLines == 236)
        #expect(file.string("general.architecture") == "gemma3")
        #expect(file.int("gemma3.attention.sliding_window") == 512)
        #expect(file.float("gemma3.rope.freq_base") == 1_000_000)
        #expect(file.metadata["tokenizer.ggml.tokens"]?.arrayValue?.count == 262_144)
        #expect(file.metadata["tokenizer.ggml.tokens"]?.arrayValue?[236_743].bytes == Array("▁".utf8))
    }

    struct RowFixture: Decodable {
        var tensor: String
        var row: Int
        var first8: [Float]
        var sum: Double
        var bits_hash: UInt64
    }

    /// Rows of every quant type (Q8_0, Q5_0, Q4_K, Q6_K, F32) equal the reference dequantizer bit for bit.
    @Test func dequantizedRowsAreBitExact() throws {
        struct Rows: Decodable { var rows: [RowFixture] }
        let rows = try JSONDecoder().decode(Rows.self, from: try TestModel.fixture("dequant-rows.json")).rows
        #expect(rows.count == 16)
        var types = Set<String>()
        for fixture in rows {
            let info = try #require(TestModel.file.tensor(fixture.tensor))
            types.insert(info.type.name)
            let row = Dequantize.row(TestModel.file, info, fixture.row)
            #expect(Array(row.prefix(8)) == fixture.first8, "\(fixture.tensor)[\(fixture.row)]")
            let bits = row.reduce(UInt64(0)) { $0 + UInt64($1.bitPattern) }
            #expect(bits == fixture.bits_hash, "\(fixture.tensor)[\(fixture.row)] bit patterns")
        }
        #expect(types == ["Q5_0", "Q4_K", "Q6_K", "Q8_0", "F32"])
        // dump2.txt: token_embd row 2 (the `<bos>` embedding).
        let bos = Dequantize.row(TestModel.file, try #require(TestModel.file.tensor("token_embd.weight")), 2)
        #expect(Array(bos.prefix(4)).map { ($0 * 1e8).rounded() / 1e8 } == [-0.01424241, 0.01056695, 0.01332355, 0.01240468])
    }

    /// The header and metadata region of the real file, to corrupt in memory.
    static let header: [UInt8] = {
        let file = TestModel.file
        let length = file.dataOffset + 4096
        let handle = FileHandle(forReadingAtPath: TestModel.path)
        defer { try? handle?.close() }
        return [UInt8](handle?.readData(ofLength: length) ?? Data())
    }()

    static func parse(_ bytes: [UInt8]) -> Result<Int, GGUFError> {
        bytes.withUnsafeBytes { raw in
            var parser = GGUFParser(bytes: raw)
            do {
                return .success(try parser.parse().tensors.count)
            } catch let error as GGUFError {
                return .failure(error)
            } catch {
                return .failure(GGUFError(offset: -1, reason: "\(error)"))
            }
        }
    }

    /// Cut anywhere in the header or metadata: a clean error with an offset inside the file, never a crash.
    @Test func truncatedCopiesFailCleanly() {
        let header = Self.header
        var offsets = [0, 3, 4, 7, 8, 15, 16, 23, 24, 30, 40, 100, 1000]
        offsets += stride(from: 5000, to: header.count - 4096, by: 97_331).map { $0 }
        offsets += [header.count - 4097, header.count - 4200, header.count - 4096 - 32]
        for cut in offsets {
            switch Self.parse(Array(header.prefix(cut))) {
            case .success: Issue.record("a copy cut at \(cut) parsed")
            case .failure(let error):
                #expect(error.offset >= 0 && error.offset <= cut, "cut \(cut): \(error)")
                #expect(error.reason.contains("ends inside") || error.reason.contains("past the end") || error.reason.contains("more than the file"),
                        "cut \(cut): \(error.reason)")
            }
        }
        // Uncut header alone: every tensor extends past the end.
        if case .success = Self.parse(header) { Issue.record("tensor data missing but accepted") }
    }

    @Test func hostileHeadersFailCleanly() {
        func patched(_ offset: Int, _ bytes: [UInt8]) -> [UInt8] {
            var copy = Self.header
            copy.replaceSubrange(offset..<(offset + bytes.count), with: bytes)
            return copy
        }
        let cases: [(String, [UInt8], String)] = [
            ("bad magic", patched(0, Array("GGML".utf8)), "bad magic"),
            ("version 2", patched(4, [2, 0, 0, 0]), "version 2"),
            ("absurd tensor count", patched(8, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F]), "absurd tensor count"),
            ("absurd key count", patched(16, [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0]), "absurd metadata count"),
            ("huge key length", patched(24, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0]), "claims"),
            ("unknown value type", patched(24 + 8 + 20, [99, 0, 0, 0]), "unknown value type"),
        ]
        for (name, bytes, expected) in cases {
            switch Self.parse(bytes) {
            case .success: Issue.record("\(name) parsed")
            case .failure(let error): #expect(error.reason.contains(expected), "\(name): \(error)")
            }
        }
        // A tensor with an absurd dimension: find the first tensor's dims and overwrite one.
        let name = Array("output_norm.weight".utf8)
        if let at = Self.find(name, in: Self.header) {
            let dimOffset = at + name.count + 4
            switch Self.parse(patched(dimOffset, [0, 0, 0, 0, 0, 0, 0, 1])) {
            case .success: Issue.record("absurd dimension parsed")
            case .failure(let error): #expect(error.reason.contains("dimension"), "\(error)")
            }
            switch Self.parse(patched(dimOffset + 8, [77, 0, 0, 0])) {
            case .success: Issue.record("unknown type parsed")
            case .failure(let error): #expect(error.reason.contains("unknown ggml type 77"), "\(error)")
            }
        } else {
            Issue.record("tensor name not found in header")
        }
    }

    @Test func fileErrorsNameThePath() throws {
        let dir = FileManager.default.temporaryDirectory
        #expect(throws: GGUFError.self) { try GGUFFile(path: dir.appendingPathComponent("missing-\(UUID()).gguf").path) }
        let junk = dir.appendingPathComponent("junk-\(UUID()).gguf")
        try Data(repeating: 0x41, count: 100).write(to: junk)
        defer { try? FileManager.default.removeItem(at: junk) }
        do {
            _ = try GGUFFile(path: junk.path)
            Issue.record("junk accepted")
        } catch let error as GGUFError {
            #expect(error.description.contains(junk.path) && error.description.contains("bad magic"))
        }
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for i in 0...(haystack.count - needle.count) where haystack[i] == needle[0] && Array(haystack[i..<(i + needle.count)]) == needle {
            return i
        }
        return nil
    }
}
