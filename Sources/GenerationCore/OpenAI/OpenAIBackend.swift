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

    /// - Parameter modelID: the `model` field; nil asks `/v1/models` once and takes its first entry.
    public init(configuration: HTTPBackendConfiguration, server: OpenAIServer, modelID: String? = nil) {
        self.configuration = configuration
        self.server = server
        self.client = HTTPClient(configuration: configuration)
        self.model = Mutex(modelID)
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

    /// OpenAI-compatible servers have no common route that returns the templated text (llama-server's
    /// `/apply-template` is used through its native adapter; vLLM's `/tokenize` returns ids only).
    public func template(_ request: ChatRequest) async throws -> TemplatedChat {
        throw GenerationError(errorType: GenerationError.ErrorType.unsupported,
                              message: "\(server) at \(displayName) has no route that returns a chat's templated text")
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
