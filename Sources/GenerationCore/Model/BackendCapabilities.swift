import Foundation

/// The wire protocol a backend speaks. Shown next to every backend and stored with runs, so a number always says
/// where it came from.
public enum BackendAPI: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// Hugging Face text-generation-inference's native API (and the serverless API with its body format).
    case tgi
    /// An OpenAI-compatible `/v1/completions` server (vLLM, SGLang, llama-cpp-python, Ollama, TGI's /v1, routers).
    case openai
    /// llama.cpp's `llama-server`, through its native `/completion` route (token ids, pre- and post-sampling).
    case llamacpp
    /// Ollama (spoken through its OpenAI layer).
    case ollama
    /// The built-in engine.
    case local

    public var description: String { rawValue }
}

/// What the probabilities a backend reports are: after TGI's processors and warpers (TGI, the built-in engine),
/// the model's raw distribution (llama.cpp by default, llama-cpp-python, vLLM's default `--logprobs-mode`), or
/// not knowable from outside.
public enum ProbabilityKind: String, Sendable, Codable, CustomStringConvertible {
    case processed, raw, unknown
    public var description: String { rawValue }
}

/// What one backend can do, declared by its adapter, so that validation refuses what it cannot honour (never a
/// silently dropped parameter), the sidebar marks it, and the popup says what its numbers are.
public struct BackendCapabilities: Sendable, Equatable {
    public var api: BackendAPI
    /// The server as detected ("llama-cpp-python", "llama.cpp llama-server", "vLLM", "TGI", "built-in engine").
    public var server: String
    /// TGI parameter name -> why this backend cannot honour it. A parameter not listed is sent (mapped).
    public var refused: [String: String]
    /// Grammar kinds the backend enforces (the others are refused).
    public var grammarKinds: Set<Grammar.Kind>
    /// Alternatives per token the backend can return (nil: no known limit).
    public var maxAlternatives: Int?
    /// Whether prompt-token logprobs (`decoder_input_details`, F6) can be had.
    public var promptLogprobs: Bool
    /// What the per-token probabilities are.
    public var probabilities: ProbabilityKind
    /// What the person declared the probabilities to be, when they did (`HTTPBackendConfiguration`); a
    /// declaration that contradicts `probabilities` makes every request fail (`problem(with:)`), so a number is
    /// never shown under a label the person knows to be wrong.
    public var declaredProbabilities: ProbabilityKind?
    /// Whether tokens come with vocabulary ids.
    public var tokenIDs: Bool
    /// Whether a seed makes sampling reproducible.
    public var seeds: Bool

    public init(api: BackendAPI, server: String, refused: [String: String] = [:],
                grammarKinds: Set<Grammar.Kind> = Set(Grammar.Kind.allCases), maxAlternatives: Int? = nil,
                promptLogprobs: Bool = true, probabilities: ProbabilityKind = .processed, tokenIDs: Bool = true,
                seeds: Bool = true) {
        self.api = api
        self.server = server
        self.refused = refused
        self.grammarKinds = grammarKinds
        self.maxAlternatives = maxAlternatives
        self.promptLogprobs = promptLogprobs
        self.probabilities = probabilities
        self.tokenIDs = tokenIDs
        self.seeds = seeds
    }

    /// A TGI server: everything TGI has, and nothing of what other servers add (TGI's router ignores fields it
    /// does not know, so a `min_p` sent there would be dropped without a word: it is refused instead).
    public static let tgi = BackendCapabilities(
        api: .tgi, server: "TGI",
        refused: [
            "min_p": "TGI has no min_p (its router would ignore the field)",
            "presence_penalty": "TGI has no presence_penalty (its router would ignore the field)",
        ],
        maxAlternatives: 5)

    /// These capabilities with the person's declaration of what the probabilities are: it fills in `unknown`;
    /// a different known kind stays, and the contradiction is refused at every request.
    public func declaring(_ declared: ProbabilityKind?) -> BackendCapabilities {
        guard let declared, declared != .unknown else { return self }
        var c = self
        c.declaredProbabilities = declared
        if c.probabilities == .unknown { c.probabilities = declared }
        return c
    }

    /// Why `parameter` (a TGI name) cannot be honoured here, nil when it can.
    public func refusal(of parameter: String) -> String? { refused[parameter] }

    /// Why `request` cannot be sent: TGI's server-independent rules with `limits` first (their messages are the
    /// ones a person knows), then what this backend cannot honour. The one check every adapter and the
    /// playground run before a request leaves.
    public func refusal(of request: GenerateRequest, streaming: Bool, limits: ValidationLimits,
                        backend: String) -> GenerationError? {
        Validation.check(request, streaming: streaming, limits: limits) ?? problem(with: request, backend: backend)
    }

    /// The first parameter of `request` this backend cannot honour, as a validation error naming the backend
    /// and the reason, or nil when everything set can be honoured.
    public func problem(with request: GenerateRequest, backend: String) -> GenerationError? {
        let parameters = request.parameters ?? GenerateParameters()
        if let declared = declaredProbabilities, declared != probabilities {
            return .validation("--probabilities \(declared) does not hold for \(server) at \(backend) (\(api)): it reports \(probabilities) probabilities")
        }
        for name in parameters.setParameterNames {
            if let why = refused[name] {
                return .validation("`\(name)` is not supported by \(server) at \(backend) (\(api)): \(why)")
            }
        }
        if let grammar = parameters.grammar, !grammarKinds.contains(grammar.type) {
            let kinds = grammarKinds.map(\.rawValue).sorted()
            let offered = kinds.isEmpty ? "it takes no grammar" : "it takes \(kinds.joined(separator: ", "))"
            return .validation("grammar type `\(grammar.type.rawValue)` is not supported by \(server) at \(backend) (\(api)): \(offered)")
        }
        if let maxAlternatives, let n = parameters.topNTokens, Int(n) > maxAlternatives {
            return .validation("`top_n_tokens` must be >= 0 and <= \(maxAlternatives) on \(server) at \(backend) (\(api)). Given: \(n)")
        }
        return nil
    }
}

extension GenerateParameters {
    /// The TGI names of the parameters that are set, in TGI's field order (a `false` switch counts as unset:
    /// it asks for nothing a backend could fail to honour).
    public var setParameterNames: [String] {
        var names: [String] = []
        func add(_ name: String, _ isSet: Bool) { if isSet { names.append(name) } }
        add("adapter_id", adapterId != nil)
        add("best_of", bestOf != nil && bestOf != 1)
        add("decoder_input_details", decoderInputDetails == true)
        add("details", details == true)
        add("do_sample", doSample == true)
        add("frequency_penalty", frequencyPenalty != nil)
        add("grammar", grammar != nil)
        add("max_new_tokens", maxNewTokens != nil)
        add("min_p", minP != nil)
        add("presence_penalty", presencePenalty != nil)
        add("repetition_penalty", repetitionPenalty != nil)
        add("return_full_text", returnFullText == true)
        add("seed", seed != nil)
        add("stop", !(stop ?? []).isEmpty)
        add("temperature", temperature != nil)
        add("top_k", topK != nil)
        add("top_n_tokens", topNTokens != nil && topNTokens != 0)
        add("top_p", topP != nil)
        add("truncate", truncate != nil)
        add("typical_p", typicalP != nil)
        add("watermark", watermark == true)
        return names
    }
}
