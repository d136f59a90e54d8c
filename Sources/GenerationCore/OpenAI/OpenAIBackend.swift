import Foundation
import Synchronization

/// The OpenAI-compatible adapter: legacy `/v1/completions` with `logprobs: N` (vLLM, SGLang, llama-cpp-python,
/// Ollama, TGI's own /v1, the Hugging Face router), answering in TGI's shapes like every backend.
///
/// Both logprob dialects are read: legacy `{tokens, token_logprobs, top_logprobs}` and chat-style
/// `logprobs.content[]` (llama-server even on /v1/completions, with ids and bytes). Requests are checked with TGI's
/// rules and then with the server's capabilities, so a parameter it cannot honour is refused before sending.
public final class OpenAIBackend: TextGenerationBackend {
    public let configuration: HTTPBackendConfiguration
    public let server: OpenAIServer
    private let client: HTTPClient
    private let model: Mutex<String?>
    /// The server's native adapter for the routes that live at its root (`/tokenize`, `/props`, `/info`), kept so
    /// what it learns once (the context size) is not asked again: llama-server's and TGI's; nil elsewhere.
    private let native: (any TextGenerationBackend)?

    /// - Parameter modelID: the `model` field; nil asks `/v1/models` once and takes its first entry.
    public init(configuration: HTTPBackendConfiguration, server: OpenAIServer, modelID: String? = nil) {
        self.configuration = configuration
        self.server = server
        self.client = HTTPClient(configuration: configuration)
        self.model = Mutex(modelID)
        switch server {
        case .llamaServer: native = LlamaCppBackend(configuration: configuration.atServerRoot)
        case .tgi: native = TGIBackend(configuration: configuration.atServerRoot)
        default: native = nil
        }
    }

    public var displayName: String { BackendIdentity(endpoint: configuration.endpoint).value }
    public var identity: BackendIdentity { BackendIdentity(endpoint: configuration.endpoint) }
    public var capabilities: BackendCapabilities { server.capabilities.declaring(configuration.declaredProbabilities) }
    public var limits: ValidationLimits { ValidationLimits(maxTopNTokens: server.maxAlternatives) }

    /// The server root (`Endpoint.serverRoot`).
    var root: String { configuration.endpoint.serverRoot }

    public func info() async throws -> Info {
        var info = Info(modelId: try await modelID() ?? "unknown")
        info.router = server.description
        return info
    }

    public func health() async throws {
        _ = try await client.exchange(method: "GET", url: root + "/v1/models", body: nil)
    }

    public func tokenize(_ request: GenerateRequest) async throws -> [SimpleToken] {
        throw GenerationError(errorType: GenerationError.ErrorType.unsupported,
                              message: "\(server) at \(displayName) has no tokenize route tgplay can use")
    }

    /// Each server's own counting route: vLLM's and SGLang's `/tokenize` (which also tell `max_model_len`),
    /// llama-cpp-python's `/extras/tokenize/count`, llama-server's and TGI's own `/tokenize` at the server root.
    /// Ollama and unknown servers have none, and say so.
    public func countTokens(_ text: String) async throws -> TokenCount {
        switch server {
        case .vllm, .sglang:
            var fields: [(String, JSONValue)] = []
            if let model = try await modelID() { fields.append(("model", .string(model))) }
            fields += [("prompt", .string(text)), ("add_special_tokens", .bool(true))]
            let data = try await client.exchange(method: "POST", url: root + "/tokenize",
                                                 body: try WireJSON.encode(JSONValue.fields(fields)))
            return try client.decode(data, what: "/tokenize") { data in
                let tree = try JSONValue.parse(data)
                guard let count = tree["count"]?.intValue ?? tree["tokens"]?.arrayValue?.count, count >= 0 else {
                    throw CompletionShapeError("no count")
                }
                return TokenCount(count: count, limit: tree["max_model_len"]?.intValue, limitKind: .context,
                                  source: "\(server) /tokenize")
            }
        case .llamaCppPython:
            var fields: [(String, JSONValue)] = [("input", .string(text))]
            if let model = model.withLock({ $0 }) { fields.append(("model", .string(model))) }
            let data = try await client.exchange(method: "POST", url: root + "/extras/tokenize/count",
                                                 body: try WireJSON.encode(JSONValue.fields(fields)))
            return try client.decode(data, what: "/extras/tokenize/count") { data in
                guard let count = try JSONValue.parse(data)["count"]?.intValue, count >= 0 else {
                    throw CompletionShapeError("no count")
                }
                return TokenCount(count: count, limit: nil, limitKind: .context,
                                  source: "llama-cpp-python /extras/tokenize/count")
            }
        case .llamaServer, .tgi:
            guard let native else { fallthrough }
            return try await native.countTokens(text)
        case .ollama, .generic:
            throw GenerationError(errorType: GenerationError.ErrorType.unsupported,
                                  message: "\(server) at \(displayName) has no route to count tokens")
        }
    }

    public func generate(_ request: GenerateRequest) async throws -> GenerateResponse {
        try check(request, streaming: false)
        let body = OpenAICompletionBody.make(request, model: try await modelID(), server: server, stream: false)
        let data = try await client.exchange(method: "POST", url: root + "/v1/completions", body: try WireJSON.encode(body))
        return try client.decode(data, what: "/v1/completions") { try Self.decodeCompletion($0, request: request) }
    }

    public func generateStream(_ request: GenerateRequest) -> AsyncThrowingStream<GenerationEvent, any Error> {
        do {
            try check(request, streaming: true)
        } catch {
            return AsyncThrowingStream { $0.finish(throwing: error) }
        }
        let url = root + "/v1/completions"
        let client = self.client
        let server = self.server
        return DeferredStream.make {
            let body = OpenAICompletionBody.make(request, model: try await self.modelID(), server: server, stream: true)
            return client.stream(url: url, body: try WireJSON.encode(body),
                                 decoder: OpenAIStreamDecoder(request: request, url: BackendIdentity(url).value),
                                 maxNewTokens: request.parameters?.maxNewTokens)
        }
    }

    // MARK: - Chat

    /// `/v1/chat/completions` with chat-style logprobs, streamed, as neutral events. Continuing a reply
    /// (`continue_final_message`) goes to servers that can prefill one and is refused, saying why, elsewhere.
    public func chatStream(_ request: ChatRequest) -> AsyncThrowingStream<GenerationEvent, any Error> {
        do {
            try checkChat(request)
        } catch {
            return AsyncThrowingStream { $0.finish(throwing: error) }
        }
        let url = root + "/v1/chat/completions"
        let client = self.client
        let server = self.server
        let text = request.textRequest(inputs: "")
        return DeferredStream.make {
            let body = OpenAICompletionBody.make(
                .chat(request.messages, continueFinalMessage: request.continuesReply),
                parameters: request.parameters ?? GenerateParameters(), model: try await self.modelID(),
                server: server, stream: true)
            return client.stream(url: url, body: try WireJSON.encode(body),
                                 decoder: OpenAIStreamDecoder(request: text, url: BackendIdentity(url).value),
                                 maxNewTokens: request.parameters?.maxNewTokens)
        }
    }

    /// The templated text by the route each server has: vLLM renders its chat template in `/tokenize` (messages
    /// in, ids out) and `/detokenize` turns the ids back into text, special tokens kept, so the pair gives exactly
    /// what the model is fed; llama-server's `/apply-template` and TGI's `/chat_tokenize` through their native
    /// adapters. Other servers have no such route, and say so.
    public func template(_ request: ChatRequest) async throws -> TemplatedChat {
        if let problem = request.problem { throw problem }
        switch server {
        case .llamaServer, .tgi:
            if let native { return try await native.template(request) }
        case .vllm:
            return try await renderedByTokenizeRoundTrip(request)
        default:
            break
        }
        throw GenerationError(errorType: GenerationError.ErrorType.unsupported,
                              message: "\(server) at \(displayName) has no route that returns a chat's templated text")
    }

    /// vLLM's `/tokenize` with the messages (the generation prompt added unless a reply is continued; no extra
    /// special tokens, as its chat route tokenizes), then `/detokenize` of those ids.
    private func renderedByTokenizeRoundTrip(_ request: ChatRequest) async throws -> TemplatedChat {
        let model = try await modelID()
        var fields: [(String, JSONValue)] = model.map { [("model", .string($0))] } ?? []
        let continuing = request.continuesReply
        fields += [("messages", ChatMessage.wire(request.messages)), ("add_generation_prompt", .bool(!continuing)),
                   ("continue_final_message", .bool(continuing)), ("add_special_tokens", .bool(false))]
        let tokenized = try await client.exchange(method: "POST", url: root + "/tokenize",
                                                  body: try WireJSON.encode(JSONValue.fields(fields)))
        let ids = try client.decode(tokenized, what: "/tokenize") { data -> [JSONValue] in
            guard let ids = try JSONValue.parse(data)["tokens"]?.arrayValue,
                  ids.allSatisfy({ $0.intValue.map { $0 >= 0 } == true }) else {
                throw CompletionShapeError("no list of token ids")
            }
            return ids
        }
        var back: [(String, JSONValue)] = model.map { [("model", .string($0))] } ?? []
        back.append(("tokens", .array(ids)))
        let detokenized = try await client.exchange(method: "POST", url: root + "/detokenize",
                                                    body: try WireJSON.encode(JSONValue.fields(back)))
        let text = try client.decode(detokenized, what: "/detokenize") { data in
            guard let text = try JSONValue.parse(data)["prompt"]?.stringValue else { throw CompletionShapeError("no prompt text") }
            return text
        }
        return TemplatedChat(templatedText: text,
                             source: "the server's chat template (vLLM /tokenize with the messages, then /detokenize)")
    }

    /// The conversation's shape, TGI's rules, then what this server's chat route can honour.
    func checkChat(_ request: ChatRequest) throws {
        if let problem = request.problem { throw problem }
        let text = request.textRequest(inputs: "x")
        if let problem = server.chatCapabilities.refusal(of: text, streaming: true, limits: .unknown, backend: displayName) {
            throw problem
        }
        if request.continuesReply && !server.continuesReplies {
            throw GenerationError.validation("continuing a reply is not supported by \(server) at \(displayName): its chat route always starts a new assistant turn")
        }
    }

    // MARK: - Plumbing

    /// TGI's server-independent rules first, then this server's capabilities, which hold its alternatives limit
    /// and refusals (`limits` is not used here: its `top_n_tokens` limit of 0 for TGI's /v1 would hide the
    /// refusal's reason behind "must be <= 0").
    private func check(_ request: GenerateRequest, streaming: Bool) throws {
        if let problem = capabilities.refusal(of: request, streaming: streaming, limits: .unknown, backend: displayName) {
            throw problem
        }
    }

    /// The `model` field: as configured, else the first of `/v1/models` (asked once; nil if it cannot be had,
    /// and servers that need one then say so themselves).
    func modelID() async throws -> String? {
        if let known = model.withLock({ $0 }) { return known }
        guard let data = try? await client.exchange(method: "GET", url: root + "/v1/models", body: nil),
              let tree = try? JSONValue.parse(data),
              let id = tree["data"]?.arrayValue?.first?["id"]?.stringValue
        else { return nil }
        model.withLock { $0 = id }
        return id
    }

    /// A non-streamed `/v1/completions` answer as TGI's `/generate` answer (`echo`ed prompt tokens become the
    /// prefill, the first with a null logprob as in TGI).
    static func decodeCompletion(_ data: Data, request: GenerateRequest) throws -> GenerateResponse {
        let tree = try JSONValue.parse(data)
        guard let choice = tree["choices"]?.arrayValue?.first else { throw CompletionShapeError("no choices[0]") }
        var assembly = CompletionAssembly(request: request)
        let completionCount = tree["usage"]?["completion_tokens"]?.intValue
        var prefill: [PrefillToken] = []
        if let logprobs = choice["logprobs"], !logprobs.isNull {
            guard var entries = LogprobEntries.fromChoiceLogprobs(logprobs) else {
                throw CompletionShapeError("choices[0].logprobs has neither tokens nor content")
            }
            if request.parameters?.decoderInputDetails == true {
                let promptCount = promptEntryCount(entries: entries.count, logprobs: logprobs,
                                                   completionCount: completionCount, prompt: request.inputs)
                prefill = entries.prefix(promptCount).map {
                    PrefillToken(id: $0.token.id, text: $0.token.text, logprob: $0.token.logprob)
                }
                entries.removeFirst(promptCount)
            }
            for entry in entries { assembly.append(entry) }
        } else if let text = choice["text"]?.stringValue, !text.isEmpty {
            assembly.appendText(text)
        }
        let finish = CompletionFinish.openAI(choice["finish_reason"]?.stringValue ?? "unknown",
                                             stopReason: choice["stop_reason"], request: request)
        let counted = assembly.tokens.contains { $0.logprob != nil } ? nil : completionCount
        return assembly.response(finish: finish, prefill: prefill, generatedCount: counted)
    }

    /// How many leading entries of an echoed answer are the prompt's: all but the completion's tokens when the
    /// usage says how many those are, else those whose `text_offset` lies inside the prompt.
    static func promptEntryCount(entries: Int, logprobs: JSONValue, completionCount: Int?, prompt: String) -> Int {
        if let completionCount, completionCount <= entries { return entries - completionCount }
        let offsets = logprobs["text_offset"]?.arrayValue?.compactMap(\.intValue) ?? []
        let length = prompt.count
        return min(entries, offsets.filter { $0 < length }.count)
    }
}

/// A completion answer that is valid JSON but not the shape the API promises.
struct CompletionShapeError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// `/v1/completions` and `/v1/chat/completions` stream chunks (legacy `text` or chat `delta.content`, either
/// logprob dialect); usage-only chunks and chunks for other choices say nothing.
enum OpenAIChunks: CompletionChunkDialect {
    static func read(_ tree: JSONValue, request: GenerateRequest) -> CompletionChunkContent? {
        var content = CompletionChunkContent(inputLength: tree["usage"]?["prompt_tokens"]?.intValue)
        guard let choices = tree["choices"]?.arrayValue else { return nil }
        guard let choice = choices.first(where: { ($0["index"]?.intValue ?? 0) == 0 }) else { return content }
        if let logprobs = choice["logprobs"], !logprobs.isNull {
            guard let entries = LogprobEntries.fromChoiceLogprobs(logprobs) else { return nil }
            content.pieces = .entries(entries)
        } else if let piece = choice["text"]?.stringValue ?? choice["delta"]?["content"]?.stringValue, !piece.isEmpty {
            content.pieces = .text(piece)
        }
        if let reason = choice["finish_reason"]?.stringValue {
            content.finish = CompletionFinish.openAI(reason, stopReason: choice["stop_reason"], request: request)
        }
        return content
    }
}

typealias OpenAIStreamDecoder = CompletionStreamDecoder<OpenAIChunks>
