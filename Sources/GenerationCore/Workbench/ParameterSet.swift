import Foundation

/// One column of compare mode ("A" to "D"): an override of the base parameters, optionally on its own backend.
///
/// Why an override rather than a full copy: the person edits the base once and each set states only what it
/// changes, so "the parameters that differ" are exactly what the sets say, and a base edit reaches every column.
public struct ParameterSet: Codable, Sendable, Equatable {
    /// "A", "B", "C" or "D" in compare mode; any short label elsewhere.
    public var name: String
    /// The override: every non-nil field wins over the base.
    public var parameters: GenerateParameters
    /// nil: the session's (or command's) backend.
    public var backend: BackendIdentity?

    public init(name: String, parameters: GenerateParameters = GenerateParameters(), backend: BackendIdentity? = nil) {
        self.name = name
        self.parameters = parameters
        self.backend = backend
    }

    /// The names compare mode gives its columns, in order.
    public static let names = ["A", "B", "C", "D"]
    /// How many sets compare mode runs side by side.
    public static let allowedCount = 2...4

    /// The parameters this set sends: the base with every non-nil field of the override in its place.
    public func merged(with base: GenerateParameters) -> GenerateParameters {
        parameters.overriding(base)
    }

    enum CodingKeys: String, CodingKey { case name, parameters, backend }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        parameters = try c.decodeIfPresent(GenerateParameters.self, forKey: .parameters) ?? GenerateParameters()
        backend = try c.decodeIfPresent(BackendIdentity.self, forKey: .backend)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(parameters, forKey: .parameters)
        try c.encodeIfPresent(backend, forKey: .backend)
    }
}

extension GenerateParameters {
    /// `self` laid over `base`: each field is `self`'s when set, else `base`'s. Every field of TGI's
    /// parameters is listed here; the tests check that none is forgotten.
    public func overriding(_ base: GenerateParameters) -> GenerateParameters {
        GenerateParameters(
            adapterId: adapterId ?? base.adapterId,
            bestOf: bestOf ?? base.bestOf,
            decoderInputDetails: decoderInputDetails ?? base.decoderInputDetails,
            details: details ?? base.details,
            doSample: doSample ?? base.doSample,
            frequencyPenalty: frequencyPenalty ?? base.frequencyPenalty,
            grammar: grammar ?? base.grammar,
            maxNewTokens: maxNewTokens ?? base.maxNewTokens,
            minP: minP ?? base.minP,
            presencePenalty: presencePenalty ?? base.presencePenalty,
            repetitionPenalty: repetitionPenalty ?? base.repetitionPenalty,
            returnFullText: returnFullText ?? base.returnFullText,
            seed: seed ?? base.seed,
            stop: stop ?? base.stop,
            temperature: temperature ?? base.temperature,
            topK: topK ?? base.topK,
            topNTokens: topNTokens ?? base.topNTokens,
            topP: topP ?? base.topP,
            truncate: truncate ?? base.truncate,
            typicalP: typicalP ?? base.typicalP,
            watermark: watermark ?? base.watermark)
    }

    /// The wire names of every parameter, in TGI's order: the order columns list differing parameters in.
    public static let wireNames: [String] = [
        "adapter_id", "best_of", "decoder_input_details", "details", "do_sample", "frequency_penalty", "grammar",
        "max_new_tokens", "min_p", "presence_penalty", "repetition_penalty", "return_full_text", "seed", "stop",
        "temperature", "top_k", "top_n_tokens", "top_p", "truncate", "typical_p", "watermark",
    ]

    /// The parameters as wire JSON members (unset ones absent), for comparing and showing values.
    public var wireValues: [String: JSONValue] {
        guard let data = try? WireJSON.encode(self), case .object(let members)? = try? JSONValue.parse(data) else {
            return [:]
        }
        var values: [String: JSONValue] = [:]
        for member in members { values[member.key] = member.value }
        return values
    }
}

/// One parameter whose value is not the same in every set: what the compare columns show at the top.
public struct ParameterDifference: Sendable, Equatable {
    /// TGI's wire name (`temperature`, `top_k`, ...), or `backend` when the sets run on different backends.
    public var field: String
    /// One value per set, in the sets' order; nil where the parameter is unset.
    public var values: [JSONValue?]

    public init(field: String, values: [JSONValue?]) {
        self.field = field
        self.values = values
    }

    /// Set `index`'s value as compact JSON, or "unset".
    public func text(at index: Int) -> String {
        guard values.indices.contains(index), let value = values[index] else { return "unset" }
        if case .string(let s) = value { return s }
        return (try? WireJSON.line(value)) ?? "?"
    }

    /// The parameters (merged with the base) that differ between `sets`, in TGI's field order, followed by
    /// `backend` when the sets do not all use the same one (`defaultBackend` stands in for a set without one).
    public static func between(_ sets: [ParameterSet], base: GenerateParameters,
                               defaultBackend: BackendIdentity? = nil) -> [ParameterDifference] {
        let values = sets.map { $0.merged(with: base).wireValues }
        var differences: [ParameterDifference] = []
        for name in GenerateParameters.wireNames {
            let column = values.map { $0[name] }
            if Set(column).count > 1 { differences.append(ParameterDifference(field: name, values: column)) }
        }
        let backends = sets.map { $0.backend ?? defaultBackend }
        if Set(backends).count > 1 {
            differences.append(ParameterDifference(field: "backend",
                                                   values: backends.map { $0.map { JSONValue.string($0.value) } }))
        }
        return differences
    }
}
