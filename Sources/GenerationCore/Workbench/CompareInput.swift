import Foundation

/// The input of `tgplay compare`: a prompt, base parameters and 2 to 4 sets.
///
/// ```json
/// {"inputs": "...", "parameters": {...base...},
///  "sets": [{"name": "A", "parameters": {...override...}, "endpoint": "http://..." or "local"}, ...]}
/// ```
/// A set without `endpoint` runs on the command's backend.
public struct CompareInput: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var parameters: GenerateParameters
        /// As written in the file (may carry credentials in the URL; only `BackendIdentity` is ever printed).
        public var endpoint: String?
    }

    public var inputs: String
    public var parameters: GenerateParameters
    public var entries: [Entry]

    /// The sets as `ParameterSet`s (backend identity from each endpoint).
    public var sets: [ParameterSet] {
        entries.map { ParameterSet(name: $0.name, parameters: $0.parameters, backend: $0.endpoint.map(BackendIdentity.init)) }
    }

    /// Decodes the file, with the JSON path of whatever is wrong; checks the number of sets and their names,
    /// and that every endpoint is `local` or an http(s) URL.
    public static func decode(_ data: Data) throws -> CompareInput {
        struct File: Decodable {
            struct Set: Decodable {
                var name: String?
                var parameters: GenerateParameters?
                var endpoint: String?
            }
            var inputs: String
            var parameters: GenerateParameters?
            var sets: [Set]
        }
        func invalid(_ message: String) -> GenerationError {
            GenerationError(errorType: GenerationError.ErrorType.invalidRequest, message: message)
        }
        let tree: JSONValue
        do {
            tree = try JSONValue.parse(data)
        } catch {
            throw invalid("the compare input is not valid JSON: \(data.isEmpty ? "it is empty" : String(describing: error))")
        }
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: data)
        } catch {
            throw invalid("cannot read the compare input: \(WireJSON.describe(error))")
        }
        var input = CompareInput(inputs: file.inputs, parameters: file.parameters ?? GenerateParameters(), entries: [])
        if let value = tree["parameters"]?["grammar"]?["value"] { input.parameters.grammar?.value = value }
        var rawSets: [JSONValue] = []
        if case .array(let list)? = tree["sets"] { rawSets = list }
        for (index, set) in file.sets.enumerated() {
            let name = set.name ?? (index < ParameterSet.names.count ? ParameterSet.names[index] : "\(index + 1)")
            var parameters = set.parameters ?? GenerateParameters()
            if rawSets.indices.contains(index), let value = rawSets[index]["parameters"]?["grammar"]?["value"] {
                parameters.grammar?.value = value
            }
            if let endpoint = set.endpoint, endpoint != "local" { _ = try Endpoint(endpoint) }
            input.entries.append(Entry(name: name, parameters: parameters, endpoint: set.endpoint))
        }
        try CompareRunner.validate(input.sets)
        return input
    }
}
