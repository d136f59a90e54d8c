import Foundation

/// Which OpenAI-compatible server is behind an endpoint. They share `/v1/completions` but differ in the extra
/// parameters they take, their names, their logprob limits and what their numbers mean (see
/// docs: openai-wire.md), so the adapter maps per server and refuses what that server cannot do.
public enum OpenAIServer: String, Sendable, CaseIterable, CustomStringConvertible {
    case vllm, sglang
    case llamaCppPython = "llama-cpp-python"
    case llamaServer = "llama-server"
    case ollama
    case tgi
    /// Anything else (the Hugging Face router, hosted providers): only the OpenAI parameters are sent.
    case generic

    public var description: String {
        switch self {
        case .vllm: return "vLLM"
        case .sglang: return "SGLang"
        case .llamaCppPython: return "llama-cpp-python"
        case .llamaServer: return "llama.cpp llama-server"
        case .ollama: return "Ollama"
        case .tgi: return "TGI's /v1"
        case .generic: return "an OpenAI-compatible server"
        }
    }

    /// The server named by `/v1/models`' `owned_by` (vLLM "vllm", SGLang "sglang", llama-cpp-python "me",
    /// llama-server "llamacpp", Ollama "library"/"ollama", TGI "tgi"); `.generic` for anything else.
    public init(ownedBy: String?) {
        switch ownedBy?.lowercased() {
        case "vllm": self = .vllm
        case "sglang": self = .sglang
        case "me": self = .llamaCppPython
        case "llamacpp": self = .llamaServer
        case "library", "ollama": self = .ollama
        case "tgi", "huggingface": self = .tgi
        default: self = .generic
        }
    }

    /// The wire name of TGI's `repetition_penalty` here, nil when the server has none.
    var repetitionPenaltyName: String? {
        switch self {
        case .vllm, .sglang, .tgi: return "repetition_penalty"
        case .llamaCppPython, .llamaServer: return "repeat_penalty"
        case .ollama, .generic: return nil
        }
    }

    var takesTopK: Bool { [.vllm, .sglang, .llamaCppPython, .llamaServer].contains(self) }
    /// vLLM, SGLang and both llama.cpp servers take `min_p` on `/v1/completions`; Ollama's OpenAI layer, TGI and
    /// the OpenAI API itself have none.
    var takesMinP: Bool { [.vllm, .sglang, .llamaCppPython, .llamaServer].contains(self) }
    /// `presence_penalty` is an OpenAI parameter every server here takes, except TGI's `/v1`: TGI has no presence
    /// penalty to apply, so the field would be accepted and ignored.
    var takesPresencePenalty: Bool { self != .tgi }
    /// llama-cpp-python's `CreateCompletionRequest` has no `typical_p` (its pydantic model drops unknown fields,
    /// so sending one would be silently ignored), although its Python API has one.
    var takesTypicalP: Bool { self == .llamaServer }
    /// `echo: true` with `logprobs` returns the prompt's tokens (llama-server ignores `echo`; TGI has no logprobs).
    var echoesPromptLogprobs: Bool { [.vllm, .sglang, .llamaCppPython].contains(self) }
    var reportsLogprobs: Bool { self != .tgi }

    /// Alternatives per token: vLLM's `--max-logprobs` default, OpenAI's legacy limit for unknown servers.
    var maxAlternatives: Int? {
        switch self {
        case .vllm, .sglang, .ollama: return 20
        case .generic: return 5
        case .tgi: return 0
        case .llamaCppPython, .llamaServer: return nil
        }
    }

    var grammarKinds: Set<Grammar.Kind> {
        switch self {
        case .vllm: return [.json, .jsonObject, .jsonSchema, .regex]
        case .sglang: return [.json, .jsonObject, .jsonSchema, .regex]
        case .llamaServer: return [.json, .jsonObject, .jsonSchema]
        // llama-cpp-python's /v1/completions takes only a GBNF `grammar` string; `response_format` is chat-only
        // there and is dropped without a word (recorded: completion_grammar_json.json is unconstrained).
        case .llamaCppPython, .ollama, .tgi, .generic: return []
        }
    }

    var probabilities: ProbabilityKind {
        switch self {
        case .llamaCppPython, .llamaServer: return .raw
        // vLLM's default --logprobs-mode is raw_logprobs, but the server's flag can make them processed and
        // nothing in its answers says which: unknown unless the person declares it (`--probabilities`).
        case .vllm: return .unknown
        case .sglang, .ollama, .tgi, .generic: return .unknown
        }
    }

    /// What this server can honour on `/v1/chat/completions`: its completions capabilities, less what chat
    /// has not (prompt logprobs, truncation) and what tgplay does not map for chat yet (grammar, sent as each
    /// server's own `response_format` variant), plus chat-style logprobs on TGI's Messages API (up to 5).
    public var chatCapabilities: BackendCapabilities {
        var c = capabilities
        c.refused["decoder_input_details"] = "chat routes return no prompt logprobs"
        c.refused["truncate"] = "\(self)'s chat route has no prompt truncation"
        c.grammarKinds = []
        c.promptLogprobs = false
        if self == .tgi {
            c.refused["top_n_tokens"] = nil
            c.refused["top_k"] = "TGI's Messages API takes no top_k"
            c.refused["repetition_penalty"] = "TGI's Messages API takes no repetition_penalty"
            c.maxAlternatives = 5
            c.api = .tgi
            c.probabilities = .processed
        }
        return c
    }

    /// Whether a reply can be continued inside the same assistant message: vLLM with
    /// `continue_final_message`, llama-server by prefilling a trailing assistant message.
    public var continuesReplies: Bool { self == .vllm || self == .llamaServer }

    /// What this server can honour, in TGI's parameter names.
    public var capabilities: BackendCapabilities {
        let api = "the OpenAI completions API"
        var refused: [String: String] = [
            "watermark": "\(api) has no watermark",
            "adapter_id": "\(api) selects adapters by model name (--model-id)",
            "best_of": "\(api) returns one sequence per request here",
        ]
        if self != .vllm { refused["truncate"] = "\(self) has no prompt truncation parameter" }
        if !takesTopK { refused["top_k"] = "\(self) takes no top_k" }
        if !takesTypicalP { refused["typical_p"] = "\(self) takes no typical_p" }
        if !takesMinP { refused["min_p"] = "\(self) takes no min_p" }
        if !takesPresencePenalty { refused["presence_penalty"] = "\(self) has no presence penalty" }
        if repetitionPenaltyName == nil { refused["repetition_penalty"] = "\(self) takes no repetition penalty" }
        if !echoesPromptLogprobs {
            refused["decoder_input_details"] = "\(self) returns no prompt logprobs"
        }
        if !reportsLogprobs { refused["top_n_tokens"] = "\(self) returns no logprobs on /v1/completions" }
        return BackendCapabilities(
            api: self == .ollama ? .ollama : .openai, server: description, refused: refused,
            grammarKinds: grammarKinds, maxAlternatives: maxAlternatives == 0 ? nil : maxAlternatives,
            promptLogprobs: echoesPromptLogprobs, probabilities: probabilities, tokenIDs: self == .llamaServer,
            seeds: true)
    }
}
