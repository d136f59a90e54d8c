import Foundation

/// Typed reads of a parsed `JSONValue`, for adapters that decode servers' answers field by field (bounds-checked:
/// a missing or mistyped field is nil, never a trap).
extension JSONValue {
    public var arrayValue: [JSONValue]? {
        if case .array(let items) = self { return items }
        return nil
    }

    public var members: [Member]? {
        if case .object(let members) = self { return members }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// An integer payload (a double only when it is integral and in range).
    public var intValue: Int? {
        switch self {
        case .int(let v): return Int(exactly: v)
        case .uint(let v): return Int(exactly: v)
        case .double(let v): return v.isFinite && v == v.rounded() ? Int(exactly: v) : nil
        default: return nil
        }
    }

    public var isNull: Bool { self == .null }

    /// Bytes from a JSON array of integers 0...255 (`bytes` fields); nil when any element is not one.
    public var byteArray: [UInt8]? {
        guard let items = arrayValue else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(items.count)
        for item in items {
            guard let v = item.intValue, let byte = UInt8(exactly: v) else { return nil }
            out.append(byte)
        }
        return out
    }

    /// An object from key/value pairs, dropping nil values, in the order given (request bodies keep a stable,
    /// readable order).
    public static func fields(_ pairs: [(String, JSONValue?)]) -> JSONValue {
        .object(pairs.compactMap { key, value in value.map { Member(key, $0) } })
    }
}
