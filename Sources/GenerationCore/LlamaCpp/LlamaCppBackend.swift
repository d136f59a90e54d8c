import Foundation
import Synchronization

/// The llama.cpp adapter: `llama-server`'s native `/completion`, which gives what its OpenAI layer does not:
/// token ids and bytes on every token and alternative (`n_probs`), pre-sampling probabilities by default and
/// post-sampling ones with `post_sampling_probs`. It also has `/tokenize` (with pieces) and `/props`.
///
/// TGI's meaning is kept as in `OpenAICompletionBody`: greedy unless sampling is asked for, and warpers left
/// unset are sent as off (llama-server would otherwise apply its top_k 40, top_p 0.95, min_p 0.05).
public final class LlamaCppBackend: TextGenerationBackend {
    public let configuration: HTTPBackendConfiguration
    /// Ask for the probabilities after llama.cpp's samplers instead of the model's raw distribution.
    public let postSamplingProbabilities: Bool
    private let client: HTTPClient
    /// `n_ctx` from `/props`, asked once by `countTokens`.
    private let contextSize = Mutex<Int?>(nil)

    /// `postSamplingProbabilities` nil: as the configuration's `declaredProbabilities` asks (`processed`: yes).
    public init(configuration: HTTPBackendConfiguration, postSamplingProbabilities: Bool? = nil) {
        self.configuration = configuration
        self.postSamplingProbabilities = postSamplingProbabilities ?? (configuration.declaredProbabilities == .processed)
        self.client = HTTPClient(configuration: configuration)
    }

    public var displayName: String { BackendIdentity(endpoint: configuration.endpoint).value }
    public var identity: BackendIdentity { BackendIdentity(endpoint: configuration.endpoint) }

    public var capabilities: BackendCapabilities {
        BackendCapabilities(
            api: .llamacpp, server: "llama.cpp llama-server",
            refused: [
                "watermark": "llama.cpp has no watermark",
                "adapter_id": "llama-server loads LoRA adapters at start, not per request",
                "best_of": "llama-server returns one sequence per request",
                "truncate": "llama-server has no prompt truncation parameter",
                "decoder_input_details": "llama-server returns no prompt logprobs",
            ],
            grammarKinds: [.json, .jsonObject, .jsonSchema], maxAlternatives: nil, promptLogprobs: false,
            probabilities: postSamplingProbabilities ? .processed : .raw, tokenIDs: true, seeds: true)
            .declaring(configuration.declaredProbabilities)
    }

    public var limits: ValidationLimits { .unknown }

    private var root: String { configuration.endpoint.base }

    public func info() async throws -> Info {
        let data = try await client.exchange(method: "GET", url: root + "/props", body: nil)
        return try client.decode(data, what: "/props") { data in
            let tree = try JSONValue.parse(data)
            let name = tree["model_alias"]?.stringValue
                ?? tree["model_path"]?.stringValue.map { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent }
            var info = Info(modelId: name ?? "unknown")
            info.router = "llama.cpp llama-server"
            info.version = tree["build_info"]?.stringValue
            info.maxTotalTokens = tree["default_generation_settings"]?["n_ctx"]?.intValue
            info.maxConcurrentRequests = tree["total_slots"]?.intValue
            return info
        }
    }

    public func health() async throws {
        _ = try await client.exchange(method: "GET", url: root + "/health", body: nil)
    }

    /// `/tokenize` with `add_special: true` (its default is false, but `/completion` adds the BOS token, so the
    /// count a prompt will take includes it), against the context size `n_ctx` from `/props` (asked once).
    public func countTokens(_ text: String) async throws -> TokenCount {
        let body = JSONValue.fields([("content", .string(text)), ("add_special", .bool(true))])
        let data = try await client.exchange(method: "POST", url: root + "/tokenize", body: try WireJSON.encode(body))
        let count = try client.decode(data, what: "/tokenize") { data in
            guard let items = try JSONValue.parse(data)["tokens"]?.arrayValue else { throw CompletionShapeError("no tokens list") }
            return items.count
        }
        var limit = contextSize.withLock { $0 }
        if limit == nil, let asked = try? await info().maxTotalTokens {
            contextSize.withLock { $0 = asked }
            limit = asked
        }
        return TokenCount(count: count, limit: limit, limitKind: .context, source: "llama-server /tokenize")
    }

    /// `/tokenize` with pieces, as TGI's `/tokenize` answer (byte offsets from the pieces' lengths).
    public func tokenize(_ request: GenerateRequest) async throws -> [SimpleToken] {
        let body = JSONValue.fields([("content", .string(request.inputs)), ("with_pieces", .bool(true))])
        let data = try await client.exchange(method: "POST", url: root + "/tokenize", body: try WireJSON.encode(body))
        return try client.decode(data, what: "/tokenize") { data in
            guard let items = try JSONValue.parse(data)["tokens"]?.arrayValue else {
                throw CompletionShapeError("no tokens list")
            }
            var offset = 0
            return try items.map { item in
                guard let id = item["id"]?.intValue.flatMap({ UInt32(exactly: $0) }) else {
                    throw CompletionShapeError("a token without an id")
                }
                let piece = item["piece"]?.stringValue ?? ""
                let length = item["piece"]?.byteArray?.count ?? piece.utf8.count
                defer { offset += length }
                return SimpleToken(id: id, text: piece, start: offset, stop: offset + length)
            }
        }
    }

    public func generate(_ request: GenerateRequest) async throws -> GenerateResponse {
        try check(request, streaming: false)
        let body = try WireJSON.encode(Self.body(request, stream: false, postSampling: postSamplingProbabilities))
        let data = try await client.exchange(method: "POST", url: root + "/completion", body: body)
        return try client.decode(data, what: "/completion") { data in
            let tree = try JSONValue.parse(data)
            var assembly = CompletionAssembly(request: request)
            guard let entries = LogprobEntries.fromCompletionProbabilities(
                tree["completion_probabilities"]?.arrayValue ?? []) else {
                throw CompletionShapeError("completion_probabilities has an entry without a token")
            }
            for entry in entries { assembly.append(entry) }
            return assembly.response(finish: CompletionFinish.llamaCpp(tree["stop_type"]?.stringValue))
        }
    }

    public func generateStream(_ request: GenerateRequest) -> AsyncThrowingStream<GenerationEvent, any Error> {
        do {
            try check(request, streaming: true)
            let body = try WireJSON.encode(Self.body(request, stream: true, postSampling: postSamplingProbabilities))
            let url = root + "/completion"
            return client.stream(url: url, body: body,
                                 decoder: LlamaCppStreamDecoder(request: request, url: BackendIdentity(url).value),
                                 maxNewTokens: request.parameters?.maxNewTokens)
        } catch {
            return AsyncThrowingStream { $0.finish(throwing: error) }
        }
    }

    private func check(_ request: GenerateRequest, streaming: Bool) throws {
        if let problem = capabilities.refusal(of: request, streaming: streaming, limits: limits, backend: displayName) {
            throw problem
        }
    }

    /// The native `/completion` body for a TGI-shaped request. A set `min_p` counts as sampling
    /// (`requestsSamplingWithMinP`), as in `OpenAICompletionBody`.
    static func body(_ request: GenerateRequest, stream: Bool, postSampling: Bool) -> JSONValue {
        let p = request.parameters ?? GenerateParameters()
        let sampling = p.requestsSamplingWithMinP
        var fields: [(String, JSONValue?)] = [
            ("prompt", .string(request.inputs)),
            ("n_predict", p.maxNewTokens.map { .uint(UInt64($0)) }),
            ("temperature", .double(sampling ? (p.temperature ?? 1.0) : 0)),
            ("top_k", .int(Int64(p.topK ?? 0))),
            ("top_p", .double(p.topP ?? 1.0)),
            ("min_p", .double(p.minP ?? 0)),
            ("typical_p", .double(p.typicalP ?? 1.0)),
            ("repeat_penalty", .double(p.repetitionPenalty ?? 1.0)),
            ("frequency_penalty", p.frequencyPenalty.map(JSONValue.double)),
            ("presence_penalty", p.presencePenalty.map(JSONValue.double)),
            ("seed", p.seed.map { .uint($0) }),
            ("stop", (p.stop ?? []).isEmpty ? nil : .array((p.stop ?? []).map(JSONValue.string))),
            ("n_probs", .uint(UInt64(max(p.topNTokens ?? 0, 1)))),
            ("post_sampling_probs", postSampling ? .bool(true) : nil),
        ]
        if let grammar = p.grammar { fields.append(("json_schema", OpenAICompletionBody.schema(of: grammar))) }
        if stream { fields.append(("stream", .bool(true))) }
        return .fields(fields)
    }
}

/// Native `/completion` stream chunks: one per token with `completion_probabilities`, then a last chunk with
/// `stop: true` and `stop_type` (no token), which becomes TGI's final event on the held-back last token.
enum LlamaCppChunks: CompletionChunkDialect {
    static func read(_ tree: JSONValue, request: GenerateRequest) -> CompletionChunkContent? {
        var content = CompletionChunkContent(inputLength: tree["tokens_evaluated"]?.intValue)
        if let items = tree["completion_probabilities"]?.arrayValue {
            guard let entries = LogprobEntries.fromCompletionProbabilities(items) else { return nil }
            content.pieces = .entries(entries)
        } else if let piece = tree["content"]?.stringValue, !piece.isEmpty {
            content.pieces = .text(piece)
        }
        if tree["stop"]?.boolValue == true { content.finish = CompletionFinish.llamaCpp(tree["stop_type"]?.stringValue) }
        return content
    }
}

typealias LlamaCppStreamDecoder = CompletionStreamDecoder<LlamaCppChunks>
