import Foundation

/// The body of TGI's `/generate`, `/generate_stream`, `/tokenize` and the serverless `/models/ID` routes.
///
/// Field names are TGI's own (snake_case on the wire). Every parameter is optional and an unset one is left out
/// of the encoded body, because TGI treats a missing key and an explicit default differently (a missing
/// `parameters` object turns sampling on; an explicit `temperature: 1.0` counts as "sampling requested").
public struct GenerateRequest: Codable, Sendable, Equatable {
    public var inputs: String
    public var parameters: GenerateParameters?
    /// Only sent to routes that read it (`/` and serverless model URLs); `/generate_stream` implies it.
    public var stream: Bool?
    /// Not TGI's and never sent: asks the built-in engine to report every sampling step's distribution on each
    /// stream event (`StreamResponse.stages`). A switch rather than always on because tracing costs decode time
    /// (README, "Distribution lab"); other backends ignore it (they cannot see inside their samplers).
    public var traceStages = false

    public init(inputs: String, parameters: GenerateParameters? = nil, stream: Bool? = nil, traceStages: Bool = false) {
        self.inputs = inputs
        self.parameters = parameters
        self.stream = stream
        self.traceStages = traceStages
    }

    /// The wire fields only: `traceStages` stays on this side.
    enum CodingKeys: String, CodingKey { case inputs, parameters, stream }

    /// Decodes a request body, as TGI's router would read it, with TGI's wording when it cannot:
    /// "Failed to parse the request body as JSON: ..." for bad syntax, "Failed to deserialize the JSON body into
    /// the target type: <field>: ..." for wrong types. A grammar schema keeps its member order (see `JSONValue`).
    public static func decode(from data: Data) throws -> GenerateRequest {
        let tree: JSONValue
        do {
            tree = try JSONValue.parse(data)
        } catch {
            let detail = data.isEmpty ? "the body is empty" : String(describing: error)
            throw GenerationError(errorType: GenerationError.ErrorType.invalidRequest,
                                  message: "Failed to parse the request body as JSON: \(detail)")
        }
        let problem: String?
        var request: GenerateRequest?
        if let shape = RequestShapeCheck.problem(in: tree) {
            problem = shape
        } else {
            do {
                request = try JSONDecoder().decode(GenerateRequest.self, from: data)
                problem = nil
            } catch {
                problem = WireJSON.describe(error)
            }
        }
        guard var request, problem == nil else {
            throw GenerationError(
                errorType: GenerationError.ErrorType.invalidRequest,
                message: "Failed to deserialize the JSON body into the target type: \(problem ?? "unknown problem")")
        }
        if let value = tree["parameters"]?["grammar"]?["value"] { request.parameters?.grammar?.value = value }
        return request
    }

    /// Whether the person asked for a stream in the body itself.
    public var wantsStream: Bool { stream ?? false }
}

/// TGI's `GenerateParameters`, with TGI's integer widths so out-of-range values fail to decode as they would
/// on the server (a negative `best_of` is a deserialization error there, not a validation message).
public struct GenerateParameters: Codable, Sendable, Equatable {
    public var adapterId: String?
    public var bestOf: UInt?
    public var decoderInputDetails: Bool?
    public var details: Bool?
    public var doSample: Bool?
    public var frequencyPenalty: Double?
    public var grammar: Grammar?
    public var maxNewTokens: UInt32?
    /// Not TGI's: keep only tokens whose probability is at least `min_p` times the top token's (vLLM, SGLang,
    /// llama.cpp and the built-in engine have it). Refused by TGI, whose router would silently ignore the field.
    public var minP: Double?
    /// Not TGI's: OpenAI's presence penalty, subtracted once from every token already present (the OpenAI
    /// servers, llama.cpp and the built-in engine have it). Refused by TGI, which has none.
    public var presencePenalty: Double?
    public var repetitionPenalty: Double?
    public var returnFullText: Bool?
    public var seed: UInt64?
    public var stop: [String]?
    public var temperature: Double?
    public var topK: Int32?
    public var topNTokens: UInt32?
    public var topP: Double?
    public var truncate: UInt?
    public var typicalP: Double?
    public var watermark: Bool?

    public init(
        adapterId: String? = nil, bestOf: UInt? = nil, decoderInputDetails: Bool? = nil, details: Bool? = nil,
        doSample: Bool? = nil, frequencyPenalty: Double? = nil, grammar: Grammar? = nil, maxNewTokens: UInt32? = nil,
        minP: Double? = nil, presencePenalty: Double? = nil, repetitionPenalty: Double? = nil,
        returnFullText: Bool? = nil, seed: UInt64? = nil, stop: [String]? = nil, temperature: Double? = nil, topK: Int32? = nil, topNTokens: UInt32? = nil, topP: Double? = nil,
        truncate: UInt? = nil, typicalP: Double? = nil, watermark: Bool? = nil
    ) {
        self.adapterId = adapterId
        self.bestOf = bestOf
        self.decoderInputDetails = decoderInputDetails
        self.details = details
        self.doSample = doSample
        self.frequencyPenalty = frequencyPenalty
        self.grammar = grammar
        self.maxNewTokens = maxNewTokens
        self.minP = minP
        self.presencePenalty = presencePenalty
        self.repetitionPenalty = repetitionPenalty
        self.returnFullText = returnFullText
        self.seed = seed
        self.stop = stop
        self.temperature = temperature
        self.topK = topK
        self.topNTokens = topNTokens
        self.topP = topP
        self.truncate = truncate
        self.typicalP = typicalP
        self.watermark = watermark
    }

    enum CodingKeys: String, CodingKey {
        case adapterId = "adapter_id"
        case bestOf = "best_of"
        case decoderInputDetails = "decoder_input_details"
        case details
        case doSample = "do_sample"
        case frequencyPenalty = "frequency_penalty"
        case grammar
        case maxNewTokens = "max_new_tokens"
        case minP = "min_p"
        case presencePenalty = "presence_penalty"
        case repetitionPenalty = "repetition_penalty"
        case returnFullText = "return_full_text"
        case seed
        case stop
        case temperature
        case topK = "top_k"
        case topNTokens = "top_n_tokens"
        case topP = "top_p"
        case truncate
        case typicalP = "typical_p"
        case watermark
    }

    /// TGI's rule for "this request samples": `do_sample`, or any of the warpers set.
    /// Used by the `best_of` check, exactly as the router computes it.
    public var requestsSampling: Bool {
        (doSample ?? false) || temperature != nil || topK != nil || topP != nil || typicalP != nil
    }

    /// `requestsSampling` with `min_p` counted as the warper it is, for the backends that take it (the OpenAI
    /// servers that have it, llama.cpp, the built-in engine): a request that sets only `min_p` asks for the
    /// filtered distribution to be sampled from, not for greedy decoding that would ignore it. TGI has no
    /// `min_p` (it is refused there), so TGI's own rule, and the `best_of` check built on it, stay unchanged.
    public var requestsSamplingWithMinP: Bool { requestsSampling || minP != nil }
}

/// TGI's `grammar` parameter: adjacently tagged `{"type": ..., "value": ...}`.
/// `json_object` is TGI's alias of `json`; the alias is kept so a request re-encodes as written.
public struct Grammar: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case json
        case jsonObject = "json_object"
        case jsonSchema = "json_schema"
        case regex
    }

    public var type: Kind
    /// A schema object or a JSON string for `json`; `{"name"?, "schema"}` for `json_schema`; a string for `regex`.
    public var value: JSONValue

    public init(type: Kind, value: JSONValue) {
        self.type = type
        self.value = value
    }
}
