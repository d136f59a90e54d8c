import Foundation
import GenerationCore

/// Everything the sidebar edits: TGI's `parameters`, the grammar as typed, and the two request headers.
/// Codable so it persists; the defaults turn `details` on and `top_n_tokens` to TGI's maximum (5) so the
/// alternatives popup works on the first run.
public struct ParameterSettings: Codable, Equatable, Sendable {
    public var parameters: GenerateParameters
    /// nil: no grammar.
    public var grammarKind: Grammar.Kind?
    /// The grammar's value as typed: a regex, or JSON text for the JSON kinds.
    public var grammarText: String
    /// `x-use-cache` (sent as `false` when off).
    public var useCache: Bool
    /// `x-wait-for-model: true`: the server holds the request while the model loads instead of answering 503.
    public var waitForModel: Bool
    /// Where runs go: nil is the backend the playground was opened with; else the built-in engine (`local`)
    /// or an endpoint URL. A compare set that names another backend runs there.
    public var backend: BackendIdentity?

    public init(parameters: GenerateParameters, grammarKind: Grammar.Kind? = nil, grammarText: String = "",
                useCache: Bool = true, waitForModel: Bool = false, backend: BackendIdentity? = nil) {
        self.parameters = parameters
        self.backend = backend
        self.grammarKind = grammarKind
        self.grammarText = grammarText
        self.useCache = useCache
        self.waitForModel = waitForModel
    }

    public static let defaults = ParameterSettings(parameters: GenerateParameters(details: true, topNTokens: 5))

    /// The grammar as TGI expects it; JSON kinds parse the text (unparsable text is sent as a string so
    /// validation words the problem as TGI does).
    public var grammar: Grammar? {
        guard let kind = grammarKind else { return nil }
        switch kind {
        case .regex:
            return Grammar(type: kind, value: .string(grammarText))
        case .json, .jsonObject, .jsonSchema:
            if let parsed = try? JSONValue.parse(Data(grammarText.utf8)) { return Grammar(type: kind, value: parsed) }
            return Grammar(type: kind, value: .string(grammarText))
        }
    }

    /// The request a run sends.
    public func request(prompt: String) -> GenerateRequest {
        var p = parameters
        p.grammar = grammar
        return GenerateRequest(inputs: prompt, parameters: p)
    }
}
