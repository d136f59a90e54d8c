import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A tensor's entry in the GGUF table: where its bytes are and how to read them.
public struct GGUFTensorInfo: Sendable, Equatable {
    public var name: String
    /// ggml order: `dims[0]` is the contiguous (input) dimension, `dims[1]` the rows.
    public var dims: [Int]
    public var type: GGMLType
    /// Offset from the start of the data section.
    public var offset: Int
    public var byteCount: Int

    public var elementCount: Int { dims.reduce(1, *) }
    public var rows: Int { dims.dropFirst().reduce(1, *) }
    public var rowBytes: Int { dims[0] / type.block.count * type.block.bytes }
}

/// A GGUF v3 file mapped read-only into memory.
///
/// Why mmap: the weights (250 MB) are used in place and paged in on demand, so loading is fast and the memory
/// is shared with the page cache. Every read of the header is bounds-checked against the file size, and every
/// tensor's extent is checked once here, so later code can read tensor bytes without further checks.
public final class GGUFFile: @unchecked Sendable {
    public let path: String
    public let version: UInt32
    public let alignment: Int
    public let dataOffset: Int
    /// Metadata in file order.
    public let metadataKeys: [String]
    public let metadata: [String: GGUFValue]
    public let tensors: [GGUFTensorInfo]
    public let fileSize: Int
    private let tensorIndex: [String: Int]
    private let base: UnsafeRawPointer
    private let mappedLength: Int

    /// Maps and parses `path`. Throws `GGUFError` (with the offset) for anything malformed.
    public init(path: String) throws {
        self.path = path
        // O_NONBLOCK: opening a FIFO for reading would otherwise wait forever for a writer. It changes nothing for
        // a regular file, the only kind accepted below (checked on the descriptor, so a swapped path cannot slip in).
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            throw GGUFError(offset: GGUFError.notAboutBytes, reason: "cannot open: \(String(cString: strerror(errno)))", path: path)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw GGUFError(offset: GGUFError.notAboutBytes, reason: "cannot stat: \(String(cString: strerror(errno)))", path: path)
        }
        if let kind = Self.specialKind(info.st_mode) {
            throw GGUFError(offset: GGUFError.notAboutBytes, reason: "is \(kind), not a regular file (a model is one GGUF file)", path: path)
        }
        let size = Int(info.st_size)
        guard size >= 24 else {
            throw GGUFError(offset: 0, reason: "file is \(size) bytes, too small for a GGUF header", path: path)
        }
        guard let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), mapped != MAP_FAILED else {
            throw GGUFError(offset: GGUFError.notAboutBytes, reason: "cannot map: \(String(cString: strerror(errno)))", path: path)
        }
        base = UnsafeRawPointer(mapped)
        mappedLength = size
        fileSize = size
        do {
            var parser = GGUFParser(bytes: UnsafeRawBufferPointer(start: base, count: size))
            var parsed = try parser.parse()
            parsed.path = path
            version = parsed.version
            alignment = parsed.alignment
            dataOffset = parsed.dataOffset
            metadataKeys = parsed.keys
            metadata = parsed.metadata
            tensors = parsed.tensors
            tensorIndex = Dictionary(parsed.tensors.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
        } catch var error as GGUFError {
            munmap(mapped, size)
            error.path = path
            throw error
        }
    }

    /// What a non-regular file is, in words for the message; nil for a regular file.
    static func specialKind(_ mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return "a directory"
        case S_IFIFO: return "a FIFO (named pipe)"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFSOCK: return "a socket"
        default: return "not a file"
        }
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: base), mappedLength) }

    public func tensor(_ name: String) -> GGUFTensorInfo? { tensorIndex[name].map { tensors[$0] } }

    /// The first byte of a tensor's data (valid for `info.byteCount` bytes while this file lives).
    public func data(_ info: GGUFTensorInfo) -> UnsafeRawPointer { base + dataOffset + info.offset }

    /// Tells the kernel a tensor's pages will not be needed again (after repacking), so they leave the RSS.
    public func release(_ info: GGUFTensorInfo) {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (dataOffset + info.offset + page - 1) / page * page
        let end = (dataOffset + info.offset + info.byteCount) / page * page
        guard end > start else { return }
        madvise(UnsafeMutableRawPointer(mutating: base + start), end - start, MADV_DONTNEED)
    }

    public func string(_ key: String) -> String? { metadata[key]?.stringValue }
    public func int(_ key: String) -> Int? { metadata[key]?.intValue }
    public func float(_ key: String) -> Double? { metadata[key]?.floatValue }
    public func bool(_ key: String) -> Bool? { metadata[key]?.boolValue }
}

/// The byte-level reader behind `GGUFFile`, separate so it can be run on any buffer (tests feed it corrupt copies).
struct GGUFParser {
    struct Result {
        var version: UInt32
        var alignment: Int
        var dataOffset: Int
        var keys: [String]
        var metadata: [String: GGUFValue]
        var tensors: [GGUFTensorInfo]
        var path: String?
    }

    let bytes: UnsafeRawBufferPointer
    var position = 0

    /// Sanity limits: far above any real model, far below what would exhaust memory.
    static let maxKeys = 1 << 16
    static let maxTensors = 1 << 20
    static let maxArrayCount = 1 << 26
    static let maxStringLength = 1 << 24
    static let maxArrayDepth = 8

    init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    func fail(_ reason: String, at offset: Int? = nil) -> GGUFError { GGUFError(offset: offset ?? position, reason: reason) }

    mutating func need(_ count: Int, _ what: String) throws {
        guard count >= 0, position <= bytes.count, count <= bytes.count - position else {
            throw fail("file ends inside \(what) (needs \(count) bytes, \(max(0, bytes.count - position)) left)")
        }
    }

    mutating func read<T: FixedWidthInteger>(_ type: T.Type, _ what: String) throws -> T {
        try need(MemoryLayout<T>.size, what)
        let value = bytes.loadUnaligned(fromByteOffset: position, as: T.self)
        position += MemoryLayout<T>.size
        return T(littleEndian: value)
    }

    mutating func readString(_ what: String) throws -> [UInt8] {
        let start = position
        let length = try read(UInt64.self, "the length of \(what)")
        guard length <= UInt64(Self.maxStringLength) else {
            throw fail("\(what) claims \(length) bytes", at: start)
        }
        try need(Int(length), what)
        let slice = Array(bytes[position..<(position + Int(length))])
        position += Int(length)
        return slice
    }

    mutating func readValue(type: UInt32, depth: Int, what: String) throws -> GGUFValue {
        switch type {
        case 0: return .uint8(try read(UInt8.self, what))
        case 1: return .int8(try read(Int8.self, what))
        case 2: return .uint16(try read(UInt16.self, what))
        case 3: return .int16(try read(Int16.self, what))
        case 4: return .uint32(try read(UInt32.self, what))
        case 5: return .int32(try read(Int32.self, what))
        case 6: return .float32(Float(bitPattern: try read(UInt32.self, what)))
        case 7:
            let raw = try read(UInt8.self, what)
            guard raw <= 1 else { throw fail("\(what): bool byte is \(raw)", at: position - 1) }
            return .bool(raw == 1)
        case 8: return .string(try readString(what))
        case 9:
            let start = position
            guard depth < Self.maxArrayDepth else { throw fail("\(what): arrays nested too deep") }
            let elementType = try read(UInt32.self, "the element type of \(what)")
            let count = try read(UInt64.self, "the length of \(what)")
            guard count <= UInt64(Self.maxArrayCount) else { throw fail("\(what) claims \(count) elements", at: start) }
            let minimum = Self.minimumSize(of: elementType)
            guard minimum > 0 else { throw fail("\(what): unknown element type \(elementType)", at: start) }
            guard count * UInt64(minimum) <= UInt64(bytes.count - position) else {
                throw fail("\(what) claims \(count) elements, more than the file can hold", at: start)
            }
            var items: [GGUFValue] = []
            items.reserveCapacity(Int(count))
            for _ in 0..<Int(count) { items.append(try readValue(type: elementType, depth: depth + 1, what: what)) }
            return .array(items)
        case 10: return .uint64(try read(UInt64.self, what))
        case 11: return .int64(try read(Int64.self, what))
        case 12: return .float64(Double(bitPattern: try read(UInt64.self, what)))
        default: throw fail("\(what): unknown value type \(type)", at: position - 4)
        }
    }

    static func minimumSize(of type: UInt32) -> Int {
        switch type {
        case 0, 1, 7: return 1
        case 2, 3: return 2
        case 4, 5, 6: return 4
        case 8: return 8
        case 9: return 12
        case 10, 11, 12: return 8
        default: return 0
        }
    }

    mutating func parse() throws -> Result {
        try need(4, "the magic")
        guard Array(bytes[0..<4]) == Array("GGUF".utf8) else {
            throw fail("bad magic \(Array(bytes[0..<4]).map { String(format: "%02x", $0) }.joined()) (expected 47475546, \"GGUF\")", at: 0)
        }
        position = 4
        let version = try read(UInt32.self, "the version")
        guard version == 3 else { throw fail("GGUF version \(version) is not supported (only version 3)", at: 4) }
        let tensorCount = try read(UInt64.self, "the tensor count")
        let keyCount = try read(UInt64.self, "the key count")
        guard tensorCount <= UInt64(Self.maxTensors) else { throw fail("absurd tensor count \(tensorCount)", at: 8) }
        guard keyCount <= UInt64(Self.maxKeys) else { throw fail("absurd metadata count \(keyCount)", at: 16) }

        var keys: [String] = []
        var metadata: [String: GGUFValue] = [:]
        for index in 0..<Int(keyCount) {
            let keyOffset = position
            let key = String(decoding: try readString("metadata key #\(index)"), as: UTF8.self)
            let type = try read(UInt32.self, "the type of \(key)")
            let value = try readValue(type: type, depth: 0, what: key)
            guard metadata[key] == nil else { throw fail("duplicate metadata key \(key)", at: keyOffset) }
            keys.append(key)
            metadata[key] = value
        }
        var alignment = 32
        if let value = metadata["general.alignment"] {
            guard let a = value.intValue, a > 0, a & (a - 1) == 0, a <= 1 << 16 else {
                throw fail("general.alignment must be a power of two")
            }
            alignment = a
        }

        var infos: [(name: String, dims: [Int], type: GGMLType, offset: Int, at: Int)] = []
        var names = Set<String>()
        for index in 0..<Int(tensorCount) {
            let at = position
            let nameBytes = try readString("the name of tensor #\(index)")
            guard nameBytes.count <= 256 else { throw fail("tensor #\(index) name is \(nameBytes.count) bytes", at: at) }
            let name = String(decoding: nameBytes, as: UTF8.self)
            guard names.insert(name).inserted else { throw fail("duplicate tensor \(name)", at: at) }
            let nDims = try read(UInt32.self, "the dimension count of \(name)")
            guard (1...4).contains(nDims) else { throw fail("tensor \(name) has \(nDims) dimensions", at: position - 4) }
            var dims: [Int] = []
            var elements: UInt64 = 1
            for _ in 0..<Int(nDims) {
                let d = try read(UInt64.self, "a dimension of \(name)")
                guard d > 0, d <= 1 << 40 else { throw fail("tensor \(name) has dimension \(d)", at: position - 8) }
                let (product, overflow) = elements.multipliedReportingOverflow(by: d)
                guard !overflow, product <= 1 << 40 else { throw fail("tensor \(name) is absurdly large", at: at) }
                elements = product
                dims.append(Int(d))
            }
            let rawType = try read(UInt32.self, "the type of \(name)")
            guard let type = GGMLType(rawValue: rawType) else {
                throw fail("tensor \(name) has unknown ggml type \(rawType)", at: position - 4)
            }
            let offset = try read(UInt64.self, "the offset of \(name)")
            guard offset <= UInt64(Int.max / 2) else { throw fail("tensor \(name) offset \(offset) is absurd", at: position - 8) }
            infos.append((name, dims, type, Int(offset), at))
        }
        let dataOffset = (position + alignment - 1) / alignment * alignment
        var tensors: [GGUFTensorInfo] = []
        for info in infos {
            let block = info.type.block
            guard info.dims[0] % block.count == 0 else {
                throw fail("tensor \(info.name): first dimension \(info.dims[0]) is not a multiple of the \(info.type.name) block size \(block.count)", at: info.at)
            }
            let byteCount = info.dims.reduce(1, *) / block.count * block.bytes
            guard info.offset % alignment == 0 else {
                throw fail("tensor \(info.name) offset \(info.offset) is not aligned to \(alignment)", at: info.at)
            }
            guard dataOffset <= bytes.count, info.offset <= bytes.count - dataOffset,
                  byteCount <= bytes.count - dataOffset - info.offset else {
                throw fail("tensor \(info.name) (\(byteCount) bytes at data offset \(info.offset)) extends past the end of the file (\(bytes.count) bytes)", at: info.at)
            }
            tensors.append(GGUFTensorInfo(name: info.name, dims: info.dims, type: info.type, offset: info.offset, byteCount: byteCount))
        }
        return Result(version: version, alignment: alignment, dataOffset: dataOffset, keys: keys, metadata: metadata, tensors: tensors)
    }
}
