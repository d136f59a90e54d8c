import Foundation
import Synchronization

/// Which API to speak to an endpoint: one named on the command line (`--api`), or `auto`.
public enum APIChoice: String, Sendable, CaseIterable {
    case auto, tgi, openai, llamacpp, ollama
}

/// A backend that finds out what the server speaks on first use, then behaves as that adapter.
///
/// Why lazily: the playground and the CLI make backends synchronously (a dead server must not block start-up),
/// and detection is a few HTTP requests. The first call of any method probes once, with the endpoint's own
/// timeouts: llama.cpp's `/props`, TGI's `/info`, Ollama's `/api/version`, then `/v1/models` (whose `owned_by`
/// names vLLM, SGLang, llama-cpp-python...). A failed detection is not cached, so a server that starts later is
/// found by the next call. `detection` says what was found, for the status bar and `tgplay info`.
public final class AutoBackend: TextGenerationBackend {
    public let configuration: HTTPBackendConfiguration
    public let choice: APIChoice
    private let modelID: String?
    private let client: HTTPClient
    private let state = Mutex<Task<Detected, any Error>?>(nil)
    private let found = Mutex<Detected?>(nil)

    /// The adapter chosen and why.
    public struct Detected: Sendable {
        public var backend: any TextGenerationBackend
        /// e.g. "llama.cpp llama-server (GET /props answered)".
        public var detection: String
    }

    public init(configuration: HTTPBackendConfiguration, choice: APIChoice = .auto, modelID: String? = nil) {
        self.configuration = configuration
        self.choice = choice
        self.modelID = modelID
        self.client = HTTPClient(configuration: configuration)
    }

    public var displayName: String { BackendIdentity(endpoint: configuration.endpoint).value }
    public var identity: BackendIdentity { BackendIdentity(endpoint: configuration.endpoint) }

    /// The detected adapter's capabilities; before detection, a placeholder that refuses nothing (every request
    /// detects first, and the adapter then checks with its own) and does not claim to know what the server's
    /// probabilities are (`unknown`, or what the person declared).
    public var capabilities: BackendCapabilities {
        found.withLock { $0 }?.backend.capabilities
            ?? BackendCapabilities(api: .tgi, server: "not yet detected", probabilities: .unknown)
                .declaring(configuration.declaredProbabilities)
    }

    public var limits: ValidationLimits { found.withLock { $0 }?.backend.limits ?? .unknown }

    /// What detection found, once it has run.
    public var detection: String? { found.withLock { $0 }?.detection }

    /// The adapter behind this endpoint, detecting it on the first call.
    public func resolve() async throws -> Detected {
        if let done = found.withLock({ $0 }) { return done }
        let task = state.withLock { current -> Task<Detected, any Error> in
            if let current { return current }
            let made = Task { [self] in try await self.detect() }
            current = made
            return made
        }
        do {
            let detected = try await task.value
            found.withLock { $0 = detected }
            return detected
        } catch {
            state.withLock { $0 = nil }
            throw error
        }
    }

    public func info() async throws -> Info {
        let detected = try await resolve()
        var info = try await detected.backend.info()
        if info.router == nil || detected.backend is OpenAIBackend || detected.backend is LlamaCppBackend {
            info.router = detected.detection
        }
        return info
    }

    public func health() async throws { try await resolve().backend.health() }

    public func tokenize(_ request: GenerateRequest) async throws -> [SimpleToken] {
        try await resolve().backend.tokenize(request)
    }

    public func countTokens(_ text: String) async throws -> TokenCount {
        try await resolve().backend.countTokens(text)
    }

    public func chatStream(_ request: ChatRequest) -> AsyncThrowingStream<GenerationEvent, any Error> {
        if let done = found.withLock({ $0 }) { return done.backend.chatStream(request) }
        return DeferredStream.make { try await self.resolve().backend.chatStream(request) }
    }

    public func template(_ request: ChatRequest) async throws -> TemplatedChat {
        try await resolve().backend.template(request)
    }

    public func scoreChat(_ request: ChatRequest) async throws -> GenerateResponse {
        try await resolve().backend.scoreChat(request)
    }

    /// TGI's own rules hold for every backend, so a request they refuse fails before any probe leaves. The
    /// detected adapter then checks its own limits and capabilities (with messages that name the server).
    public func generate(_ request: GenerateRequest) async throws -> GenerateResponse {
        if let problem = Validation.check(request, streaming: false, limits: .unknown) { throw problem }
        return try await resolve().backend.generate(request)
    }

    public func generateStream(_ request: GenerateRequest) -> AsyncThrowingStream<GenerationEvent, any Error> {
        if let done = found.withLock({ $0 }) { return done.backend.generateStream(request) }
        if let problem = Validation.check(request, streaming: true, limits: limits) {
            return AsyncThrowingStream { $0.finish(throwing: problem) }
        }
        return DeferredStream.make { try await self.resolve().backend.generateStream(request) }
    }

    // MARK: - Detection

    private var root: String { configuration.endpoint.serverRoot }

    private func detect() async throws -> Detected {
        let endpoint = configuration.endpoint
        switch choice {
        case .tgi:
            return Detected(backend: TGIBackend(configuration: configuration), detection: "TGI (--api tgi)")
        case .llamacpp:
            return Detected(backend: LlamaCppBackend(configuration: configuration.atServerRoot), detection: "llama.cpp llama-server (--api llamacpp)")
        case .ollama:
            return Detected(backend: OpenAIBackend(configuration: configuration, server: .ollama, modelID: modelID),
                            detection: "Ollama (--api ollama)")
        case .openai:
            return try await detectOpenAI(probes: [])
        case .auto:
            break
        }
        if endpoint.isServerless {
            return Detected(backend: TGIBackend(configuration: configuration), detection: "TGI serverless (model URL)")
        }
        var probes: [String] = []
        if !endpoint.hasVersionSuffix {
            if let props = try await probe("/props", &probes), props["default_generation_settings"] != nil {
                return Detected(backend: LlamaCppBackend(configuration: configuration.atServerRoot),
                                detection: "llama.cpp llama-server (GET /props answered)")
            }
            if let info = try await probe("/info", &probes), info["model_id"]?.stringValue != nil {
                return Detected(backend: TGIBackend(configuration: configuration), detection: "TGI (GET /info answered)")
            }
            if let version = try await probe("/api/version", &probes), version["version"] != nil {
                return Detected(backend: OpenAIBackend(configuration: configuration.atServerRoot, server: .ollama, modelID: modelID),
                                detection: "Ollama (GET /api/version answered)")
            }
        }
        return try await detectOpenAI(probes: probes)
    }

    private func detectOpenAI(probes: [String]) async throws -> Detected {
        var probes = probes
        guard let models = try await probe("/v1/models", &probes), let list = models["data"]?.arrayValue else {
            throw GenerationError(
                errorType: GenerationError.ErrorType.unsupported,
                message: "\(displayName) speaks no API tgplay knows (\(probes.joined(separator: ", "))); name one with --api tgi|openai|llamacpp|ollama")
        }
        let server = OpenAIServer(ownedBy: list.first?["owned_by"]?.stringValue)
        let model = modelID ?? list.first?["id"]?.stringValue
        return Detected(backend: OpenAIBackend(configuration: configuration.atServerRoot, server: server, modelID: model),
                        detection: "\(server) (GET /v1/models answered)")
    }

    /// The configuration with the endpoint's trailing `/v1` removed (adapters add their own routes).
    /// GETs `path` under the root: the parsed JSON of a 2xx answer, nil for any HTTP error status (noted in
    /// `probes`). A transport failure (refused, timed out) ends detection with that error: the server is not there;
    /// so does a 401 or 403, since no probe can pass without the right token.
    private func probe(_ path: String, _ probes: inout [String]) async throws -> JSONValue? {
        do {
            let data = try await client.exchange(method: "GET", url: root + path, body: nil)
            guard let tree = try? JSONValue.parse(data) else {
                probes.append("GET \(path): not JSON")
                return nil
            }
            return tree
        } catch let error as GenerationError where error.statusCode != nil && error.statusCode != 401 && error.statusCode != 403 {
            probes.append("GET \(path): \(error.statusCode ?? 0)")
            return nil
        }
    }
}

extension TextGenerationBackend {
    /// The adapter that will answer: for an `AutoBackend` the detected one (detecting now if it has not yet), else
    /// this backend. For work that reads capabilities before its first request (a tree's or a step's requests are
    /// shaped by them), so the placeholder's are never used.
    public func answering() async throws -> any TextGenerationBackend {
        if let auto = self as? AutoBackend { return try await auto.resolve().backend }
        return self
    }
}
