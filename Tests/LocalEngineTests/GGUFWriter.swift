import Foundation
@testable import LocalEngine

/// Writes GGUF v3 files for tests: the real model's header with chosen metadata replaced, so a hostile value
/// reaches the model config exactly as it would from a file a person points `--model` at.
///
/// The tensor data section is left as a hole (`ftruncate`), so a copy costs the header's few megabytes, not the
/// weights' 250: the config and shape checks run before any weight is read.
enum GGUFWriter {
    /// A copy of `source` with `changes` applied (a nil value removes the key), written to a new temporary file;
    /// `tensorData` gives bytes for the start of named tensors (every other weight reads as zeros).
    /// Returns its path; the caller removes it.
    static func copy(of source: GGUFFile, changing changes: [String: GGUFValue?],
                     tensorData: [String: [UInt8]] = [:]) throws -> String {
        var metadata = source.metadata
        for (key, value) in changes { metadata[key] = value }
        var keys = source.metadataKeys.filter { metadata[$0] != nil }
        keys += changes.keys.sorted().filter { source.metadata[$0] == nil && metadata[$0] != nil }
        var out = Data()
        out.append(contentsOf: Array("GGUF".utf8))
        append(UInt32(3), to: &out)
        append(UInt64(source.tensors.count), to: &out)
        append(UInt64(keys.count), to: &out)
        for key in keys {
            guard let value = metadata[key] else { continue }
            appendString(Array(key.utf8), to: &out)
            append(typeCode(value), to: &out)
            appendValue(value, to: &out)
        }
        for tensor in source.tensors {
            appendString(Array(tensor.name.utf8), to: &out)
            append(UInt32(tensor.dims.count), to: &out)
            for d in tensor.dims { append(UInt64(d), to: &out) }
            append(tensor.type.rawValue, to: &out)
            append(UInt64(tensor.offset), to: &out)
        }
        let dataOffset = (out.count + source.alignment - 1) / source.alignment * source.alignment
        out.append(Data(count: dataOffset - out.count))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-\(UUID().uuidString).gguf").path
        try out.write(to: URL(fileURLWithPath: path))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.truncate(atOffset: UInt64(dataOffset + source.fileSize - source.dataOffset))
        for (name, bytes) in tensorData {
            guard let tensor = source.tensor(name) else { continue }
            try handle.seek(toOffset: UInt64(dataOffset + tensor.offset))
            try handle.write(contentsOf: Data(bytes.prefix(tensor.byteCount)))
        }
        return path
    }

    private static func append<T: FixedWidthInteger>(_ value: T, to out: inout Data) {
        withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
    }

    private static func appendString(_ bytes: [UInt8], to out: inout Data) {
        append(UInt64(bytes.count), to: &out)
        out.append(contentsOf: bytes)
    }

    private static func typeCode(_ value: GGUFValue) -> UInt32 {
        switch value {
        case .uint8: return 0
        case .int8: return 1
        case .uint16: return 2
        case .int16: return 3
        case .uint32: return 4
        case .int32: return 5
        case .float32: return 6
        case .bool: return 7
        case .string: return 8
        case .array: return 9
        case .uint64: return 10
        case .int64: return 11
        case .float64: return 12
        }
    }

    private static func appendValue(_ value: GGUFValue, to out: inout Data) {
        switch value {
        case .uint8(let v): append(v, to: &out)
        case .int8(let v): append(v, to: &out)
        case .uint16(let v): append(v, to: &out)
        case .int16(let v): append(v, to: &out)
        case .uint32(let v): append(v, to: &out)
        case .int32(let v): append(v, to: &out)
        case .float32(let v): append(v.bitPattern, to: &out)
        case .bool(let v): append(UInt8(v ? 1 : 0), to: &out)
        case .string(let v): appendString(v, to: &out)
        case .uint64(let v): append(v, to: &out)
        case .int64(let v): append(v, to: &out)
        case .float64(let v): append(v.bitPattern, to: &out)
        case .array(let items):
            append(items.first.map(typeCode) ?? 0, to: &out)
            append(UInt64(items.count), to: &out)
            for item in items { appendValue(item, to: &out) }
        }
    }
}
