/// One metadata value of a GGUF file. Strings stay raw bytes: the tokenizer vocabulary must be keyed by bytes,
/// because distinct tokens can be canonically equivalent as Swift `String`s.
public enum GGUFValue: Sendable, Equatable {
    case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16), uint32(UInt32), int32(Int32)
    case float32(Float), bool(Bool), string([UInt8]), uint64(UInt64), int64(Int64), float64(Double)
    case array([GGUFValue])

    /// The value as an integer, when it is one of the integer types (or a bool).
    public var intValue: Int? {
        switch self {
        case .uint8(let v): return Int(v)
        case .int8(let v): return Int(v)
        case .uint16(let v): return Int(v)
        case .int16(let v): return Int(v)
        case .uint32(let v): return Int(v)
        case .int32(let v): return Int(v)
        case .uint64(let v): return v <= UInt64(Int.max) ? Int(v) : nil
        case .int64(let v): return Int(v)
        case .bool(let v): return v ? 1 : 0
        default: return nil
        }
    }

    /// Any integer value, unsigned 64-bit included (which `intValue` drops above `Int.max`), so a range error
    /// can show the number the file holds. Not bools: a flag is not a count.
    public var integerValue: Int128? {
        switch self {
        case .uint64(let v): return Int128(v)
        case .bool: return nil
        default: return intValue.map { Int128($0) }
        }
    }

    /// A short rendering for error messages: the number or the type, never a whole array.
    public var summary: String {
        switch self {
        case .string(let v): return v.count <= 40 ? "the string \"\(String(decoding: v, as: UTF8.self))\"" : "a string of \(v.count) bytes"
        case .array(let v): return "an array of \(v.count) values"
        case .bool(let v): return "the flag \(v)"
        case .float32(let v): return "\(v)"
        case .float64(let v): return "\(v)"
        default: return integerValue.map { "\($0)" } ?? "a value"
        }
    }

    public var floatValue: Double? {
        switch self {
        case .float32(let v): return Double(v)
        case .float64(let v): return v
        default: return intValue.map(Double.init)
        }
    }

    public var boolValue: Bool? {
        if case .bool(let v) = self { return v }
        return nil
    }

    public var bytes: [UInt8]? {
        if case .string(let v) = self { return v }
        return nil
    }

    public var stringValue: String? { bytes.map { String(decoding: $0, as: UTF8.self) } }

    public var arrayValue: [GGUFValue]? {
        if case .array(let v) = self { return v }
        return nil
    }
}
