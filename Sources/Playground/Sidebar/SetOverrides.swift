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
        var parameters = GenerateParameters(wireValues: Dictionary(members.map { ($0.key, $0.value) }) { $1 })
        let baseGrammar = grammar
        if editedParameters.grammar != baseGrammar {
            if let g = editedParameters.grammar { parameters.grammar = g } else { cannotUnset.append("grammar") }
        }
        let backend = edited.backend == self.backend ? nil : edited.backend
        if backend == nil && edited.backend != self.backend { cannotUnset.append("backend") }
        return (ParameterSet(name: name, parameters: parameters, backend: backend), cannotUnset)
    }

    /// `set` after an edit turned its effective settings from `before` into `after`: only the fields that
    /// changed are written into the override (so an override that happens to equal the base stays an
    /// override), plus the changed fields an override cannot unset because the base sets them.
    public func updating(_ set: ParameterSet, from before: ParameterSettings,
                         to after: ParameterSettings) -> (set: ParameterSet, cannotUnset: [String]) {
        let baseParameters = request(prompt: "").parameters ?? GenerateParameters()
        let baseValues = baseParameters.wireValues
        let old = before.request(prompt: "").parameters ?? GenerateParameters()
        let new = after.request(prompt: "").parameters ?? GenerateParameters()
        let oldValues = old.wireValues, newValues = new.wireValues
        var values = set.parameters.wireValues
        values["grammar"] = nil
        var cannotUnset: [String] = []
        for key in GenerateParameters.wireNames where key != "grammar" && oldValues[key] != newValues[key] {
            if let value = newValues[key] {
                values[key] = value
            } else if baseValues[key] != nil {
                cannotUnset.append(key)
            } else {
                values[key] = nil
            }
        }
        var updated = set
        updated.parameters = GenerateParameters(wireValues: values)
        updated.parameters.grammar = set.parameters.grammar
        if old.grammar != new.grammar {
            if let grammar = new.grammar {
                updated.parameters.grammar = grammar
            } else if baseParameters.grammar != nil {
                cannotUnset.append("grammar")
            } else {
                updated.parameters.grammar = nil
            }
        }
        if before.backend != after.backend {
            if let backend = after.backend {
                updated.backend = backend
            } else if backend != nil {
                cannotUnset.append("backend")
            } else {
                updated.backend = nil
            }
        }
        return (updated, cannotUnset)
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

    /// The set without its override of `field` (the field follows the base again).
    func removingOverride(_ field: ParameterField) -> ParameterSet {
        var set = self
        switch field {
        case .backend: set.backend = nil
        case .grammarType, .grammarValue: set.parameters.grammar = nil
        case .useCache, .waitForModel: break
        default:
            var values = parameters.wireValues
            values["grammar"] = nil
            values[field.rawValue] = nil
            let grammar = parameters.grammar
            set.parameters = GenerateParameters(wireValues: values)
            set.parameters.grammar = grammar
        }
        return set
    }

    /// The four empty sets A-D a fresh playground starts with.
    static var fresh: [ParameterSet] { ParameterSet.names.map { ParameterSet(name: $0) } }
}

extension GenerateParameters {
    /// Parameters from wire members (the inverse of `wireValues`; grammar values are better set directly,
    /// since decoding does not keep JSON member order).
    init(wireValues values: [String: JSONValue]) {
        self.init()
        let members = GenerateParameters.wireNames.compactMap { key in values[key].map { JSONValue.Member(key, $0) } }
        guard !members.isEmpty, let data = try? WireJSON.encode(JSONValue.object(members)),
              let decoded = try? JSONDecoder().decode(GenerateParameters.self, from: data) else { return }
        self = decoded
    }
}
