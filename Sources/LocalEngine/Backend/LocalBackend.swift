import GenerationCore
import Foundation
import Synchronization

/// The built-in engine behind TGI's API: same requests, same response and stream shapes, same validation
/// messages, so the playground and scripts treat it like any endpoint. Works offline.
///
/// Requests run one at a time on a dedicated thread (the model and its KV cache are one sequence); a later
/// request whose prompt extends the previous one reuses the cached prefix.
public final class LocalBackend: TextGenerationBackend, PrefillReporting {
    public let model: GemmaModel
    public let tokenizer: GemmaTokenizer
    public let limits: ValidationLimits
    let session: GemmaSession
    /// Compiled grammars and their token masks, kept across requests.
    public let grammars: GrammarCompiler
    let queue = DispatchQueue(label: "tgplay.local-engine", qos: .userInitiated)

    /// TGI's router limits, sized for this model on a small machine (KV cache memory grows with context). The
    /// alternatives are not bound by TGI's default of 5: the engine ranks the whole vocabulary every step anyway,
    /// so 20 cost next to nothing and show more of what the model weighed.
    public static let defaultLimits = ValidationLimits(
        maxBestOf: 2, maxStopSequences: 4, maxTopNTokens: 20, maxInputTokens: 8191, maxTotalTokens: 8192)

    /// Loads the model at `path` (GGUF). Errors say what is wrong with the file.
    public init(modelPath: String, threads: Int = 2, limits: ValidationLimits = LocalBackend.defaultLimits) throws {
        let file = try GGUFFile(path: modelPath)
        model = try GemmaModel(file: file)
        tokenizer = try GemmaTokenizer(file: file)
        self.limits = limits
        session = GemmaSession(model: model, threads: threads)
        grammars = GrammarCompiler(tokenizer: tokenizer)
    }

    public var displayName: String { "built-in (\(URL(fileURLWithPath: model.file.path).lastPathComponent))" }
    public var identity: BackendIdentity { .local }
    /// Everything TGI has: the engine implements TGI's processors itself, and reports ids, bytes-true text and
    /// probabilities after the processors, as TGI does.
    public var capabilities: BackendCapabilities {
        BackendCapabilities(api: .local, server: "built-in engine", maxAlternatives: limits.maxTopNTokens)
    }

    public func info() async throws -> Info {
        var info = Info(modelId: URL(fileURLWithPath: model.file.path).deletingPathExtension().lastPathComponent)
        info.modelPipelineTag = "text-generation"
        info.modelDtype = "q4_k_m"
        info.modelDeviceType = "cpu"
        info.maxConcurrentRequests = 1
        info.maxBestOf = limits.maxBestOf
        info.maxStopSequences = limits.maxStopSequences
        info.maxInputTokens = limits.maxInputTokens
        info.maxTotalTokens = limits.maxTotalTokens
        info.validationWorkers = 1
        info.maxClientBatchSize = 1
        info.router = "tgplay-local"
        info.version = TGPlayVersion.current
        return info
    }

    public func health() async throws {}

    public func tokenize(_ request: GenerateRequest) async throws -> [SimpleToken] {
        let bytes = Array(request.inputs.utf8)
        return tokenizer.encodeWithOffsets(request.inputs).map { entry in
            let text = entry.end > entry.start ? String(decoding: bytes[entry.start..<entry.end], as: UTF8.self) : ""
            return SimpleToken(id: UInt32(entry.id), text: text, start: entry.start, stop: entry.end)
        }
    }

    /// The built-in tokenizer's count, with the BOS token the engine adds, against the input limit.
    public func countTokens(_ text: String) async throws -> TokenCount {
        TokenCount(count: tokenizer.encode(text, addSpecial: true, parseSpecial: true).count,
                   limit: limits.maxInputTokens, limitKind: .input, source: "the built-in tokenizer")
    }

    public func generate(_ request: GenerateRequest) async throws -> GenerateResponse {
        let cancelled = Atomic<Bool>(false)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<GenerateResponse, any Error>) in
                queue.async { [self] in
                    do {
                        let isCancelled = { cancelled.load(ordering: .relaxed) }
                        let bestOf = Int(clamping: request.parameters?.bestOf ?? 1)
                        guard bestOf > 1 else {
                            let output = try generator.run(request, streaming: false, seed: UInt64.random(in: .min ... .max),
                                                           isCancelled: isCancelled, emit: { _ in })
                            continuation.resume(returning: output.response)
                            return
                        }
                        continuation.resume(returning: try bestOfResponse(request, count: bestOf, isCancelled: isCancelled))
                    } catch {
                        continuation.resume(throwing: Self.mapped(error))
                    }
                }
            }
        } onCancel: {
            cancelled.store(true, ordering: .relaxed)
        }
    }

    public func generateStream(_ request: GenerateRequest) -> AsyncThrowingStream<GenerationEvent, any Error> {
        generateStream(request, prefill: { _, _ in })
    }

    /// The stream, telling `prefill` how many of the prompt's new tokens (those past the cached prefix) are
    /// evaluated after each batch of 64, before the first token.
    public func generateStream(_ request: GenerateRequest,
                               prefill: @escaping @Sendable (_ done: Int, _ total: Int) -> Void)
        -> AsyncThrowingStream<GenerationEvent, any Error> {
        AsyncThrowingStream { continuation in
            let cancelled = Atomic<Bool>(false)
            let received = Mutex<[Token]>([])
            continuation.onTermination = { _ in cancelled.store(true, ordering: .relaxed) }
            queue.async { [self] in
                do {
                    _ = try generator.run(request, streaming: true, seed: UInt64.random(in: .min ... .max),
                                          isCancelled: { cancelled.load(ordering: .relaxed) },
                                          prefill: prefill) { event in
                        received.withLock { $0.append(event.token) }
                        continuation.yield(event.isFinal ? .finished(event) : .token(event))
                    }
                    continuation.finish()
                } catch is CancellationError {
                    continuation.finish()
                } catch {
                    var failure = Self.mapped(error)
                    failure.receivedTokens = received.withLock { $0 }
                    continuation.finish(throwing: failure)
                }
            }
        }
    }

    /// TGI's `best_of`: `count` sampled candidates with their own seeds; the one with the highest mean token
    /// logprob is the answer, the others go to `details.best_of_sequences`.
    private func bestOfResponse(_ request: GenerateRequest, count: Int, isCancelled: @escaping () -> Bool) throws
        -> GenerateResponse {
        var candidates: [GenerateResponse] = []
        var forced = request
        // The candidates need `details` to be compared; the answer keeps them only if the person asked.
        forced.parameters?.details = true
        for _ in 0..<count {
            candidates.append(try generator.run(forced, streaming: false, seed: UInt64.random(in: .min ... .max),
                                                isCancelled: isCancelled, emit: { _ in }).response)
        }
        func meanLogprob(_ r: GenerateResponse) -> Double {
            let values = (r.details?.tokens ?? []).compactMap(\.logprob)
            return values.isEmpty ? -.infinity : values.reduce(0, +) / Double(values.count)
        }
        let winnerIndex = candidates.indices.max { meanLogprob(candidates[$0]) < meanLogprob(candidates[$1]) } ?? 0
        var winner = candidates[winnerIndex]
        let others = candidates.enumerated().filter { $0.offset != winnerIndex }.compactMap { _, r -> BestOfSequence? in
            guard let d = r.details else { return nil }
            return BestOfSequence(generatedText: r.generatedText, finishReason: d.finishReason,
                                  generatedTokens: d.generatedTokens, seed: d.seed, prefill: d.prefill,
                                  tokens: d.tokens, topTokens: d.topTokens)
        }
        winner.details?.bestOfSequences = others
        let wantsDetails = (request.parameters?.details ?? false) || (request.parameters?.decoderInputDetails ?? false)
        if !wantsDetails { winner.details = nil }
        return winner
    }

    /// Scores text for the built-in engine's watermark (see `Watermark`).
    public func detectWatermark(_ text: String) -> Watermark.Detection {
        Watermark.tgi.detect(tokenizer.encode(text, addSpecial: false, parseSpecial: false))
    }

    var generator: Generator {
        Generator(model: model, tokenizer: tokenizer, session: session, limits: limits, grammars: grammars)
    }

    static func mapped(_ error: any Error) -> GenerationError {
        GenerationError.from(error, otherwise: GenerationError.ErrorType.generation,
                             prefix: "Request failed during generation: ")
    }
}
