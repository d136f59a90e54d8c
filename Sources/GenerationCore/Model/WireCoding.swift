import Foundation

/// The one JSON encoder/decoder configuration used for everything tgplay writes or reads on the wire:
/// compact, no escaped slashes (TGI does not escape them), key order as each type writes it (TGI's order).
public enum WireJSON {
    /// Encodes `value` as compact JSON bytes.
    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        try OrderedJSONEncoder().encode(value)
    }

    /// Encodes `value` as a compact JSON string (one line: JSON escapes every newline inside strings).
    public static func line<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try encode(value), as: UTF8.self)
    }

    /// Decodes `T` from JSON bytes.
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        try JSONNesting.check(data)
        return try JSONDecoder().decode(type, from: data)
    }

    /// Decodes a generate answer in either shape: TGI's object or the serverless/compat list `[{...}]`.
    public static func decodeGenerateResponse(from data: Data) throws -> GenerateResponse {
        try JSONNesting.check(data)
        if let list = try? JSONDecoder().decode([GenerateResponse].self, from: data) {
            guard let first = list.first else {
                throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "empty response list"))
            }
            return first
        }
        return try JSONDecoder().decode(GenerateResponse.self, from: data)
    }

    /// A readable account of a decoding failure: the JSON path and what was wrong, like TGI's own
    /// "Failed to deserialize" messages.
    public static func describe(_ error: any Error) -> String {
        guard let decodingError = error as? DecodingError else { return String(describing: error) }
        func path(_ keys: [any CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
                .replacingOccurrences(of: ".[", with: "[")
        }
        switch decodingError {
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath)): invalid type, expected \(type)"
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)): expected \(type), found null"
        case .keyNotFound(let key, let context):
            let parent = path(context.codingPath)
            return "\(parent.isEmpty ? "" : parent + ": ")missing field `\(key.stringValue)`"
        case .dataCorrupted(let context):
            let at = path(context.codingPath)
            return at.isEmpty ? context.debugDescription : "\(at): \(context.debugDescription)"
        @unknown default:
            return String(describing: decodingError)
        }
    }
}
