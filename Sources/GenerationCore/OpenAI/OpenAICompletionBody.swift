import Foundation

/// The `/v1/completions` body for a TGI-shaped request, per server.
///
/// TGI's meaning is kept: a request that asks for no sampling is greedy (`temperature: 0`, where OpenAI servers
/// would sample at 1.0), a sampling request without a temperature samples at 1.0, and a warper left unset is off
/// (servers that would apply their own defaults, such as llama.cpp's top_k 40 or vLLM's model generation config,
/// get the neutral value). Logprobs are always asked for (at least one, for the chosen token's own); the answer
/// is trimmed to `top_n_tokens`. A set `min_p` counts as sampling (`requestsSamplingWithMinP`): these servers
/// have it, and a greedy request would ignore it. Parameters the server cannot honour never get here: the capabilities refuse them.
enum OpenAICompletionBody {
    /// What the body carries: a prompt (`/v1/completions`) or a conversation (`/v1/chat/completions`).
    enum Input: Sendable {
        case prompt(String)
        case chat([ChatMessage], continueFinalMessage: Bool)
    }

    static func make(_ request: GenerateRequest, model: String?, server: OpenAIServer, stream: Bool) -> JSONValue {
        make(.prompt(request.inputs), parameters: request.parameters ?? GenerateParameters(), model: model,
             server: server, stream: stream)
    }

    static func make(_ input: Input, parameters p: GenerateParameters, model: String?, server: OpenAIServer,
                     stream: Bool) -> JSONValue {
        let sampling = p.requestsSamplingWithMinP
        let llamaFamily = server == .llamaCppPython || server == .llamaServer
        var fields: [(String, JSONValue?)] = [("model", model.map(JSONValue.string))]
        switch input {
        case .prompt(let prompt):
            fields.append(("prompt", .string(prompt)))
        case .chat(let messages, _):
            fields.append(("messages", ChatMessage.wire(messages)))
        }
        fields += [
            ("max_tokens", p.maxNewTokens.map { .uint(UInt64($0)) }),
            ("temperature", .double(sampling ? (p.temperature ?? 1.0) : 0)),
            ("top_p", p.topP.map(JSONValue.double) ?? (sampling ? .double(1.0) : nil)),
        ] as [(String, JSONValue?)]
        if server.takesTopK {
            let off: JSONValue = llamaFamily ? .int(0) : .int(-1)
            fields.append(("top_k", p.topK.map { .int(Int64($0)) } ?? (sampling ? off : nil)))
        }
        if server.takesMinP {
            fields.append(("min_p", p.minP.map(JSONValue.double) ?? (sampling ? .double(0) : nil)))
        }
        if server.takesTypicalP {
            fields.append(("typical_p", p.typicalP.map(JSONValue.double) ?? (sampling ? .double(1.0) : nil)))
        }
        if let name = server.repetitionPenaltyName {
            fields.append((name, .double(p.repetitionPenalty ?? 1.0)))
        }
        fields.append(("frequency_penalty", p.frequencyPenalty.map(JSONValue.double)))
        if server.takesPresencePenalty {
            fields.append(("presence_penalty", p.presencePenalty.map(JSONValue.double)))
        }
        fields.append(("seed", p.seed.map { .uint($0) }))
        if let stop = p.stop, !stop.isEmpty { fields.append(("stop", .array(stop.map(JSONValue.string)))) }
        if case .chat(_, let continues) = input {
            // Chat-style logprobs: the chosen token's always, `top_logprobs` alternatives (0 is allowed).
            fields.append(("logprobs", .bool(true)))
            fields.append(("top_logprobs", .uint(UInt64(p.topNTokens ?? 0))))
            if continues && server == .vllm {
                fields.append(("continue_final_message", .bool(true)))
                fields.append(("add_generation_prompt", .bool(false)))
            }
        } else if server.reportsLogprobs {
            fields.append(("logprobs", .uint(UInt64(max(p.topNTokens ?? 0, 1)))))
        }
        if p.decoderInputDetails == true { fields.append(("echo", .bool(true))) }
        if server == .vllm, let truncate = p.truncate { fields.append(("truncate_prompt_tokens", .uint(UInt64(truncate)))) }
        if let grammar = p.grammar { fields += grammarFields(grammar, server: server) }
        if stream { fields.append(("stream", .bool(true))) }
        return .fields(fields)
    }

    /// The JSON schema a TGI grammar carries (a `json` value may be the schema as a string).
    static func schema(of grammar: Grammar) -> JSONValue? {
        switch grammar.type {
        case .json, .jsonObject:
            if let text = grammar.value.stringValue { return try? JSONValue.parse(Data(text.utf8)) }
            return grammar.value
        case .jsonSchema:
            return grammar.value["schema"]
        case .regex:
            return nil
        }
    }

    /// Each server's constraint fields: llama-server `json_schema`, vLLM (0.12+) `structured_outputs {json | regex}`, SGLang `json_schema`
    /// (a string) / `regex`.
    static func grammarFields(_ grammar: Grammar, server: OpenAIServer) -> [(String, JSONValue?)] {
        let schema = schema(of: grammar)
        let regex = grammar.type == .regex ? grammar.value.stringValue : nil
        switch server {
        case .llamaServer:
            return [("json_schema", schema)]
        case .vllm:
            if let regex { return [("structured_outputs", .fields([("regex", .string(regex))]))] }
            return [("structured_outputs", .fields([("json", schema)]))]
        case .sglang:
            if let regex { return [("regex", .string(regex))] }
            let text = schema.flatMap { try? WireJSON.encode($0) }.map { String(decoding: $0, as: UTF8.self) }
            return [("json_schema", text.map(JSONValue.string))]
        case .llamaCppPython, .ollama, .tgi, .generic:
            return []
        }
    }
}
