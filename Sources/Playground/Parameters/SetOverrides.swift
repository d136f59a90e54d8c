import Foundation
import GenerationCore

/// Compare sets A-D as overrides of the sidebar's base parameters.
///
/// Why overrides: the person edits the base once and each set keeps only what it changes, so a base edit
/// reaches every column and "the parameters that differ" are exactly what the sets say. The sidebar edits a
/// set by editing its effective settings (base + override) and storing back only what then differs from the base.
extension ParameterSettings {
    /// The settings set `set` runs with: the base with every parameter (and the backend) the set overrides.
    public func applying(_ set: ParameterSet) -> ParameterSettings {
        var s = self
        let grammar = set.parameters.grammar
        var override = set.parameters
        override.grammar = nil
        s.parameters = override.overriding(parameters)
        if let grammar {
            s.grammarKind = grammar.type
            s.grammarText = Self.text(of: grammar)
        }
        if let backend = set.backend { s.backend = backend }
        return s
    }

    /// The override that turns these (base) settings into `edited`, plus the parameters `edited` unsets that
    /// the base sets (an override cannot unset; they stay the base's). Headers are the base's alone.
    public func override(to edited: ParameterSettings, name: String) -> (set: ParameterSet, cannotUnset: [String]) {
        let baseValues = (request(prompt: "").parameters ?? GenerateParameters()).wireValues
        let editedParameters = edited.request(prompt: "").parameters ?? GenerateParameters()
        let editedValues = editedParameters.wireValues
        var members: [JSONValue.Member] = []
        var cannotUnset: [String] = []
        for key in GenerateParameters.wireNames where key != "grammar" && baseValues[key] != editedValues[key] {
            if let value = editedValues[key] {
                members.append(JSONValue.Member(key, value))
            } else {
                cannotUnset.append(key)
            }
        }
        var parameters = GenerateParameters()
        if !members.isEmpty, let data = try? WireJSON.encode(JSONValue.object(members)),
           let decoded = try? JSONDecoder().decode(GenerateParameters.self, from: data) {
            parameters = decoded
        }
        let baseGrammar = grammar
        if editedParameters.grammar != baseGrammar {
            if let g = editedParameters.grammar { parameters.grammar = g } else { cannotUnset.append("grammar") }
        }
        let backend = edited.backend == self.backend ? nil : edited.backend
        if backend == nil && edited.backend != self.backend { cannotUnset.append("backend") }
        return (ParameterSet(name: name, parameters: parameters, backend: backend), cannotUnset)
    }

    /// A grammar's value as the sidebar shows it: a regex as is, JSON compact.
    static func text(of grammar: Grammar) -> String {
        if case .string(let s) = grammar.value { return s }
        return (try? WireJSON.line(grammar.value)) ?? ""
    }
}

extension ParameterSet {
    /// Whether the set changes anything (C and D join a comparison only then).
    public var isEmpty: Bool { backend == nil && parameters == GenerateParameters() }

    /// The sidebar fields the set overrides, for marking them.
    func overrides(_ field: ParameterField) -> Bool {
        if field == .backend { return backend != nil }
        if field == .grammarType || field == .grammarValue { return parameters.grammar != nil }
        return parameters.wireValues[field.rawValue] != nil
    }

    /// The four empty sets A-D a fresh playground starts with.
    static var fresh: [ParameterSet] { ParameterSet.names.map { ParameterSet(name: $0) } }
}
