import Foundation

/// A JSON encoder that writes object keys in the order `encode(to:)` emits them.
///
/// Why not Foundation's `JSONEncoder`: on Linux it writes keys in hash order (different on every run), and
/// tgplay promises TGI's own field order (`generated_text` before `details`, `index` before `token`) so its
/// output can be diffed against a server's. Numbers use Swift's shortest round-trip form, so a logprob read
/// as `-1.5351562` is written back as `-1.5351562`.
public struct OrderedJSONEncoder {
    public init() {}

    public func encode<T: Encodable>(_ value: T) throws -> Data {
        let root = OrderedJSONEncoderImpl(codingPath: [])
        try value.encode(to: root)
        var out = ""
        root.storage.value.write(to: &out)
        return Data(out.utf8)
    }
}

/// The tree being built; objects keep insertion order and a re-encoded key replaces its earlier value in place.
final class JSONNode {
    enum Value {
        case null, bool(Bool), number(String), string(String)
        case array([JSONNode])
        case object([(String, JSONNode)])
    }

    var value: Value

    init(_ value: Value = .null) { self.value = value }

    func set(_ key: String, _ node: JSONNode) {
        guard case .object(var members) = value else {
            value = .object([(key, node)])
            return
        }
        if let index = members.firstIndex(where: { $0.0 == key }) {
            members[index].1 = node
        } else {
            members.append((key, node))
        }
        value = .object(members)
    }

    func append(_ node: JSONNode) {
        if case .array(var items) = value {
            items.append(node)
            value = .array(items)
        } else {
            value = .array([node])
        }
    }
}

extension JSONNode.Value {
    func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n): out += n
        case .string(let s): writeString(s, to: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                item.value.write(to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (i, member) in members.enumerated() {
                if i > 0 { out += "," }
                writeString(member.0, to: &out)
                out += ":"
                member.1.value.write(to: &out)
            }
            out += "}"
        }
    }

    private func writeString(_ s: String, to out: inout String) {
        out += JSONText.quoted(s)
    }
}

/// JSON string literals as tgplay writes them everywhere (wire output and grammar literals alike).
public enum JSONText {
    /// `s` as a quoted JSON string: the mandatory escapes, short forms where JSON has them, `\uXXXX` for other
    /// control characters and for U+2028/U+2029 (which some JavaScript consumers cannot take raw).
    public static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

struct OrderedJSONEncodingError: Error, CustomStringConvertible {
    let description: String
}

final class OrderedJSONEncoderImpl: Encoder {
    let codingPath: [any CodingKey]
    let userInfo: [CodingUserInfoKey: Any] = [:]
    let storage: JSONNode

    init(codingPath: [any CodingKey], storage: JSONNode = JSONNode()) {
        self.codingPath = codingPath
        self.storage = storage
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .object = storage.value {} else { storage.value = .object([]) }
        return KeyedEncodingContainer(KeyedContainer<Key>(node: storage, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .array = storage.value {} else { storage.value = .array([]) }
        return UnkeyedContainer(node: storage, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleContainer(node: storage, codingPath: codingPath)
    }

    /// Encodes any value into a fresh node: primitives directly, everything else through its `encode(to:)`.
    static func box<T: Encodable>(_ value: T, codingPath: [any CodingKey]) throws -> JSONNode {
        switch value {
        case let v as String: return JSONNode(.string(v))
        case let v as Bool: return JSONNode(.bool(v))
        case let v as Double: return try number(v, codingPath)
        case let v as Float: return try number(Double(v.description) ?? Double(v), codingPath)
        case let v as Int: return JSONNode(.number(String(v)))
        case let v as Int8: return JSONNode(.number(String(v)))
        case let v as Int16: return JSONNode(.number(String(v)))
        case let v as Int32: return JSONNode(.number(String(v)))
        case let v as Int64: return JSONNode(.number(String(v)))
        case let v as UInt: return JSONNode(.number(String(v)))
        case let v as UInt8: return JSONNode(.number(String(v)))
        case let v as UInt16: return JSONNode(.number(String(v)))
        case let v as UInt32: return JSONNode(.number(String(v)))
        case let v as UInt64: return JSONNode(.number(String(v)))
        default:
            let encoder = OrderedJSONEncoderImpl(codingPath: codingPath)
            try value.encode(to: encoder)
            return encoder.storage
        }
    }

    private static func number(_ v: Double, _ codingPath: [any CodingKey]) throws -> JSONNode {
        guard v.isFinite else {
            // TGI (serde_json) writes NaN and infinities as null; so does tgplay.
            return JSONNode(.null)
        }
        return JSONNode(.number("\(v)"))
    }
}

private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: JSONNode
    let codingPath: [any CodingKey]

    mutating func encodeNil(forKey key: Key) throws { node.set(key.stringValue, JSONNode(.null)) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        node.set(key.stringValue, try OrderedJSONEncoderImpl.box(value, codingPath: codingPath + [key]))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
        -> KeyedEncodingContainer<NestedKey> {
        let child = JSONNode(.object([]))
        node.set(key.stringValue, child)
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(node: child, codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let child = JSONNode(.array([]))
        node.set(key.stringValue, child)
        return UnkeyedContainer(node: child, codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder {
        let child = JSONNode()
        node.set("super", child)
        return OrderedJSONEncoderImpl(codingPath: codingPath, storage: child)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        let child = JSONNode()
        node.set(key.stringValue, child)
        return OrderedJSONEncoderImpl(codingPath: codingPath + [key], storage: child)
    }
}

private struct IndexKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(_ index: Int) {
        stringValue = String(index)
        intValue = index
    }
    init?(stringValue: String) { return nil }
    init?(intValue: Int) { self.init(intValue) }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer {
    let node: JSONNode
    let codingPath: [any CodingKey]

    var count: Int {
        if case .array(let items) = node.value { return items.count }
        return 0
    }

    mutating func encodeNil() throws { node.append(JSONNode(.null)) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        node.append(try OrderedJSONEncoderImpl.box(value, codingPath: codingPath + [IndexKey(count)]))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type)
        -> KeyedEncodingContainer<NestedKey> {
        let child = JSONNode(.object([]))
        let path = codingPath + [IndexKey(count)]
        node.append(child)
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(node: child, codingPath: path))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let child = JSONNode(.array([]))
        let path = codingPath + [IndexKey(count)]
        node.append(child)
        return UnkeyedContainer(node: child, codingPath: path)
    }

    mutating func superEncoder() -> any Encoder {
        let child = JSONNode()
        let path = codingPath + [IndexKey(count)]
        node.append(child)
        return OrderedJSONEncoderImpl(codingPath: path, storage: child)
    }
}

private struct SingleContainer: SingleValueEncodingContainer {
    let node: JSONNode
    let codingPath: [any CodingKey]

    mutating func encodeNil() throws { node.value = .null }

    mutating func encode<T: Encodable>(_ value: T) throws {
        node.value = try OrderedJSONEncoderImpl.box(value, codingPath: codingPath).value
    }
}
