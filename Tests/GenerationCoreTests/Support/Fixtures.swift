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
