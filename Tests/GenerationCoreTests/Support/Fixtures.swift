import Foundation
@testable import GenerationCore

/// Test data copied into the repository (tests never read anything outside it).
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    static func files(_ subdirectory: String) throws -> [URL] {
        try FileManager.default.contentsOfDirectory(
            at: directory.appendingPathComponent(subdirectory), includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "json" }.sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    struct Interaction: Decodable {
        var method: String
        var uri: String
        var request_body: String?
        var status: Int
        var content_type: String
        var response_body: String
    }

    struct Cassette: Decodable {
        var source: String
        var interactions: [Interaction]
    }

    static func cassettes() throws -> [Cassette] {
        try files("cassettes").map { try JSONDecoder().decode(Cassette.self, from: Data(contentsOf: $0)) }
    }

    /// The recorded TGI-route interactions (not the Hub metadata look-ups, not chat completions).
    static func generateInteractions() throws -> [(cassette: String, interaction: Interaction)] {
        try cassettes().flatMap { c in
            c.interactions.filter { $0.method == "POST" && !$0.response_body.contains("chat.completion") }
                .map { (c.source, $0) }
        }
    }

    /// One TGI stream event line as TGI >= 2.1 frames it.
    static func tokenEvent(_ index: Int, id: Int, text: String, logprob: Double = -0.5) -> String {
        #"data: {"index":\#(index),"token":{"id":\#(id),"text":"\#(text)","logprob":\#(logprob),"special":false},"generated_text":null,"details":null}"# + "\n\n"
    }

    static func finalEvent(_ index: Int, id: Int, text: String, generated: String, reason: String = "length") -> String {
        #"data: {"index":\#(index),"token":{"id":\#(id),"text":"\#(text)","logprob":-0.25,"special":false},"generated_text":"\#(generated)","details":{"finish_reason":"\#(reason)","generated_tokens":\#(index),"seed":null,"input_length":2}}"# + "\n\n"
    }

    /// A complete three-token stream: "Hello", " world", "!".
    static let threeTokenStream = [
        tokenEvent(1, id: 10, text: "Hello"),
        tokenEvent(2, id: 11, text: " world"),
        finalEvent(3, id: 12, text: "!", generated: "Hello world!"),
    ]
}

/// JSON trees compared with `null` and a missing key treated alike (model dumps add nulls servers omit).
enum JSONCompare {
    static func normalized(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let members):
            return .object(members.filter { $0.value != .null }.map { .init($0.key, normalized($0.value)) }
                .sorted { $0.key < $1.key })
        case .array(let items):
            return .array(items.map(normalized))
        case .uint(let u) where u <= UInt64(Int64.max):
            return .int(Int64(u))
        default:
            return value
        }
    }

    static func equal(_ a: Data, _ b: Data) throws -> Bool {
        normalized(try JSONValue.parse(a)) == normalized(try JSONValue.parse(b))
    }
}

/// The recorded server sets under `Fixtures/openai/` (see its README.md).
enum RecordedServer: String, Sendable, CaseIterable, CustomStringConvertible {
    case llamaCppPython = "llama-cpp-python"
    case llamaServer = "llama-server"

    var description: String { rawValue }
}

/// One recorded exchange with a real server: `{server, request{method,path,headers,body}, response{status,headers,
/// body}}`, bodies as the exact text sent and received.
struct Recording: Sendable, Decodable, CustomStringConvertible {
    struct Request: Sendable, Decodable {
        var method: String
        var path: String
        var headers: [String: String]
        var body: String?
    }

    struct Response: Sendable, Decodable {
        var status: Int
        var headers: [String: String]
        var body: String
    }

    /// The file name without `.json` (filled in by the loader).
    var name = ""
    var set: RecordedServer = .llamaCppPython
    var server: String
    var request: Request
    var response: Response

    enum CodingKeys: String, CodingKey { case server, request, response }

    var description: String { "\(set)/\(name)" }
    var contentType: String { response.headers["content-type"] ?? "" }
    var isEventStream: Bool { contentType.hasPrefix("text/event-stream") }

    /// The recorded request body parsed with JSONSerialization (nil when it is not a JSON object).
    var requestJSON: [String: Any]? {
        request.body.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    /// The recorded answer parsed with JSONSerialization (non-stream answers).
    var responseJSON: [String: Any]? {
        try? JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any]
    }

    /// The `data:` payloads of an event-stream answer, parsed with JSONSerialization (`[DONE]` left out).
    var streamJSON: [[String: Any]] {
        response.body.components(separatedBy: "\n\n").compactMap { event -> [String: Any]? in
            let data = event.split(separator: "\n").filter { $0.hasPrefix("data:") }
                .map { $0.dropFirst(5).drop(while: { $0 == " " }) }.joined(separator: "\n")
            guard !data.isEmpty, data != "[DONE]" else { return nil }
            return try? JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any]
        }
    }

    /// The answer's events as the server framed them: each up to and including its blank line (keep-alive
    /// comments are events too), so a replay can send one chunk per event as the server did.
    var streamEvents: [String] {
        var events: [String] = []
        var rest = Substring(response.body)
        while let range = rest.range(of: "\n\n") {
            events.append(String(rest[..<range.upperBound]))
            rest = rest[range.upperBound...]
        }
        if !rest.isEmpty { events.append(String(rest)) }
        return events
    }
}

extension Fixtures {
    /// One recording of `set`, by file name without `.json`.
    static func recording(_ set: RecordedServer, _ name: String) throws -> Recording {
        let url = directory.appendingPathComponent("openai/\(set.rawValue)/\(name).json")
        var recording = try JSONDecoder().decode(Recording.self, from: Data(contentsOf: url))
        recording.name = name
        recording.set = set
        return recording
    }

    /// Every recording of `set`, by name.
    static func recordings(_ set: RecordedServer) throws -> [Recording] {
        try files("openai/\(set.rawValue)").map { try recording(set, $0.deletingPathExtension().lastPathComponent) }
    }
}

/// Independent reads of recorded JSON (JSONSerialization), for expectations that must not share code with the
/// adapters.
enum RecordedJSON {
    /// A JSON number as Double. On Linux JSONSerialization gives non-integral numbers as NSDecimalNumber, whose
    /// `doubleValue` is not correctly rounded; its decimal string is exact, so that is what is converted.
    static func number(_ value: Any?) -> Double? {
        guard let number = value as? NSNumber, !isBool(number) else { return nil }
        if let decimal = number as? NSDecimalNumber { return Double(decimal.stringValue) }
        return number.doubleValue
    }

    static func int(_ value: Any?) -> Int? {
        guard let number = value as? NSNumber, !isBool(number) else { return nil }
        return Int(exactly: number.doubleValue)
    }

    static func isBool(_ value: Any) -> Bool {
        String(describing: type(of: value)).contains("Boolean") || value is Bool && !(value is NSNumber)
    }

    static func bytes(_ value: Any?) -> [UInt8]? {
        guard let items = value as? [Any] else { return nil }
        let out = items.compactMap { int($0).flatMap { UInt8(exactly: $0) } }
        return out.count == items.count ? out : nil
    }

    /// A canonical form of a JSON value for comparing request bodies: numbers as Double (so `0` and `0.0` are the
    /// same number, as in JSON), booleans apart from numbers, objects as sorted dictionaries.
    indirect enum Canonical: Equatable, CustomStringConvertible {
        case null, bool(Bool), number(Double), string(String), array([Canonical]), object([String: Canonical])

        init(_ value: Any) {
            if value is NSNull {
                self = .null
            } else if let s = value as? String {
                self = .string(s)
            } else if let n = value as? NSNumber {
                self = RecordedJSON.isBool(n) ? .bool(n.boolValue) : .number(RecordedJSON.number(n) ?? .nan)
            } else if let a = value as? [Any] {
                self = .array(a.map(Canonical.init))
            } else if let o = value as? [String: Any] {
                self = .object(o.mapValues(Canonical.init))
            } else {
                self = .string("<unknown \(type(of: value))>")
            }
        }

        var description: String {
            switch self {
            case .null: return "null"
            case .bool(let b): return "\(b)"
            case .number(let d): return d == d.rounded() && abs(d) < 1e15 ? "\(Int(d))" : "\(d)"
            case .string(let s): return "\"\(s)\""
            case .array(let a): return "[" + a.map(\.description).joined(separator: ", ") + "]"
            case .object(let o):
                return "{" + o.keys.sorted().map { "\($0): \(o[$0]?.description ?? "")" }.joined(separator: ", ") + "}"
            }
        }
    }

    /// A JSON object body, canonical (nil when `data` is not a JSON object).
    static func canonicalObject(_ data: Data) -> [String: Canonical]? {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        return object.mapValues(Canonical.init)
    }
}
