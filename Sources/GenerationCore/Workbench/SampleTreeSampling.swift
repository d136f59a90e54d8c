import Foundation

/// A backend that samples a token tree itself, sharing work between the samples (the built-in engine: one
/// prefill of the prompt, every sample restarting from its cached state). Others get `SampleTrees.remote`.
public protocol SampleTreeSource: TextGenerationBackend {
    /// The tree for `request` (already checked by `SampleTreeRequest.problem`).
    func sampleTree(_ request: SampleTreeRequest) async throws -> SampleTree
}

/// Drawing a `SampleTree` from any backend.
public enum SampleTrees {
    /// Requests in flight at once on a remote backend: enough to hide a round trip, few enough not to crowd a
    /// shared server (TGI batches them; a one-slot llama-server queues them).
    public static let defaultConcurrency = 4

    /// The tree for `request` on `backend`: its own sampler when it has one (`SampleTreeSource`), else one
    /// request per sample, at most `concurrency` at a time.
    public static func sample(_ request: SampleTreeRequest, on backend: any TextGenerationBackend,
                              concurrency: Int = defaultConcurrency) async throws -> SampleTree {
        if let problem = request.problem { throw problem }
        if let native = backend as? any SampleTreeSource { return try await native.sampleTree(request) }
        return try await remote(request, on: backend, concurrency: concurrency)
    }

    /// N `generate` requests with `max_new_tokens` = depth and seeds base + i (`SampleTreeRequest.sampleRequest`),
    /// run concurrently within `concurrency`; the paths keep sample order whatever order the answers come in.
    /// `n` is not used: not every protocol has it, and seeds per request keep sample i reproducible alone.
    public static func remote(_ request: SampleTreeRequest, on given: any TextGenerationBackend,
                              concurrency: Int = defaultConcurrency) async throws -> SampleTree {
        if let problem = request.problem { throw problem }
        let backend = try await given.answering()
        let base = request.baseSeed(drawn: UInt64.random(in: 0...UInt64(UInt32.max)))
        let requests = (0..<request.samples).map { request.sampleRequest($0, base: base) }
        if let first = requests.first,
           let problem = backend.capabilities.refusal(of: first, streaming: false, limits: backend.limits,
                                                      backend: backend.displayName) {
            throw problem
        }
        var paths = [SampledPath?](repeating: nil, count: requests.count)
        try await withThrowingTaskGroup(of: (Int, SampledPath).self) { group in
            var next = 0
            func launch() {
                guard next < requests.count else { return }
                let index = next, body = requests[index]
                next += 1
                group.addTask {
                    let response = try await backend.generate(body)
                    guard let details = response.details else {
                        throw GenerationError(errorType: GenerationError.ErrorType.invalidResponse,
                                              message: "\(backend.displayName) answered sample \(index) without details (its tokens)")
                    }
                    return (index, SampledPath(tokens: details.tokens, finishReason: details.finishReason))
                }
            }
            for _ in 0..<max(1, concurrency) { launch() }
            while let (index, path) = try await group.next() {
                paths[index] = path
                launch()
            }
        }
        return SampleTree(inputs: request.request.inputs + request.accepted, depth: request.depth,
                          seed: backend.capabilities.seeds ? base : nil,
                          probabilities: backend.capabilities.probabilities, paths: paths.compactMap { $0 })
    }
}
