import Foundation

/// One generated token, in TGI's shape and the one shape every backend maps to.
///
/// `id` is optional because OpenAI-compatible servers other than llama.cpp report tokens by text only; `bytes`
/// carries the token's raw bytes when the server gives them (SGLang, llama.cpp), because a token that ends inside
/// a UTF-8 character arrives as U+FFFD text and only its bytes say what it was. `logprob` is null on the wire
/// when the server's f32 was NaN or infinite (seen for EOS tokens). Written back in TGI's order; `id` as null when
/// the server gave none (never invented), `bytes` only when known.
public struct Token: Codable, Sendable, Equatable, Hashable {
    public var id: UInt32?
    public var text: String
    public var logprob: Double?
    public var special: Bool
    public var bytes: [UInt8]?

    public init(id: UInt32?, text: String, logprob: Double?, special: Bool, bytes: [UInt8]? = nil) {
        self.id = id
        self.text = text
        self.logprob = logprob
        self.special = special
        self.bytes = bytes
    }

    enum CodingKeys: String, CodingKey { case id, text, logprob, special, bytes }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decodeIfPresent(UInt32.self, forKey: .id)
        text = try c.decode(String.self, forKey: .text)
        logprob = try c.decodeIfPresent(Double.self, forKey: .logprob)
        // Old servers and some proxies omit `special`; TGI's own default is false.
        special = try c.decodeIfPresent(Bool.self, forKey: .special) ?? false
        bytes = try c.decodeIfPresent([UInt8].self, forKey: .bytes)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(text, forKey: .text)
        try c.encode(logprob, forKey: .logprob)
        try c.encode(special, forKey: .special)
        try c.encodeIfPresent(bytes, forKey: .bytes)
    }

    /// The probability, when the server gave a finite logprob.
    public var probability: Double? { logprob.map { Foundation.exp($0) } }

    /// Whether `other` is the same vocabulary entry: by id when both sides have one, else by raw bytes when both
    /// have them, else by text. Divergence, ranks and the popup's "chosen" mark use this, so a column from a
    /// server without ids still lines up with one that has them.
    public func isSameToken(as other: Token) -> Bool {
        if let id, let otherID = other.id { return id == otherID }
        if let bytes, let otherBytes = other.bytes { return bytes == otherBytes }
        return text == other.text
    }
}

/// A prompt token from `decoder_input_details`: like `Token` without `special`; the first one has no logprob.
public struct PrefillToken: Codable, Sendable, Equatable, Hashable {
    /// Nil when the server names prompt tokens by text only (`echo` on OpenAI-compatible servers).
    public var id: UInt32?
    public var text: String
    public var logprob: Double?

    public init(id: UInt32?, text: String, logprob: Double?) {
        self.id = id
        self.text = text
        self.logprob = logprob
    }

    enum CodingKeys: String, CodingKey { case id, text, logprob }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decodeIfPresent(UInt32.self, forKey: .id)
        text = try c.decode(String.self, forKey: .text)
        logprob = try c.decodeIfPresent(Double.self, forKey: .logprob)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(text, forKey: .text)
        try c.encode(logprob, forKey: .logprob)
    }
}

/// Why generation stopped, in TGI's spelling. Unknown reasons from newer servers are kept verbatim.
public enum FinishReason: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    case length
    case eosToken
    case stopSequence
    case other(String)

    public init(rawValue: String) {
        switch rawValue {
        case "length": self = .length
        case "eos_token": self = .eosToken
        case "stop_sequence": self = .stopSequence
        default: self = .other(rawValue)
        }
    }

    public var rawValue: String {
        switch self {
        case .length: return "length"
        case .eosToken: return "eos_token"
        case .stopSequence: return "stop_sequence"
        case .other(let s): return s
        }
    }

    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}
