import Foundation

/// Runs 2 to 4 parameter sets on the same prompt with the same seed, concurrently, each on its own backend,
/// and collects every full answer.
///
/// Why non-streaming: compare mode needs whole responses (tokens, `top_tokens`, finish reason) to find the
/// first divergent token; the TUI streams its columns itself and uses `Divergence` and `RunStatistics` directly.
/// Cancelling the task that awaits `run` cancels every set (the backends abort their transfers).
public enum CompareRunner {
    /// How many `top_tokens` a compare run asks for when no set says: enough to show both distributions at
    /// the divergent token, and within TGI's default `max_top_n_tokens` (5).
    public static let defaultTopNTokens: UInt32 = 5

    /// One set, ready to run: its name, the parameters it sends and where it runs.
    public struct Job: Sendable {
        public var name: String
        public var parameters: GenerateParameters
        public var backend: any TextGenerationBackend

        public init(name: String, parameters: GenerateParameters, backend: any TextGenerationBackend) {
            self.name = name
            self.parameters = parameters
            self.backend = backend
        }
    }

    /// Checks the sets before anything runs: 2 to 4 of them, with distinct non-empty names.
    public static func validate(_ sets: [ParameterSet]) throws {
        guard ParameterSet.allowedCount.contains(sets.count) else {
            throw GenerationError(errorType: GenerationError.ErrorType.invalidRequest,
                                  message: "compare needs 2 to 4 parameter sets, got \(sets.count)")
        }
        var seen = Set<String>()
        for set in sets {
            guard !set.name.isEmpty else {
                throw GenerationError(errorType: GenerationError.ErrorType.invalidRequest,
                                      message: "every parameter set needs a name (\"A\" to \"D\")")
            }
            guard seen.insert(set.name).inserted else {
                throw GenerationError(errorType: GenerationError.ErrorType.invalidRequest,
                                      message: "two parameter sets are named \"\(set.name)\"")
            }
        }
    }

    /// The seed all sets share: the base's, else the first set's own, else `otherwise` (a fresh random one by
    /// default; the playground passes one made from its clock, as its update draws no random numbers).
    public static func sharedSeed(base: GenerateParameters, sets: [ParameterSet],
                                  otherwise: @autoclosure () -> UInt64 = UInt64.random(in: .min ... .max)) -> UInt64 {
        base.seed ?? sets.lazy.compactMap(\.parameters.seed).first ?? otherwise()
    }

    /// What each set sends: the base merged with its override, then `prepared`.
    public static func parameters(for set: ParameterSet, base: GenerateParameters, seed: UInt64) -> GenerateParameters {
        prepared(set.merged(with: base), seed: seed)
    }

    /// A set's parameters as compare sends them: the shared seed where the set has none of its own, and `details`
    /// plus `top_n_tokens` turned on (divergence needs the tokens and their alternatives), the latter capped at
    /// `maxTopNTokens` when the backend has a lower limit.
    public static func prepared(_ parameters: GenerateParameters, seed: UInt64, maxTopNTokens: Int? = nil)
        -> GenerateParameters {
        var p = parameters
        if p.seed == nil { p.seed = seed }
        if p.details == nil { p.details = true }
        if p.topNTokens == nil { p.topNTokens = UInt32(min(Int(defaultTopNTokens), maxTopNTokens ?? Int.max)) }
        return p
    }

    /// Runs `sets` on `prompt`; `backend(set)` gives each set its backend. Never throws for a failing set: its
    /// entry carries the error. Throws only when the sets themselves are invalid.
    public static func run(prompt: String, base: GenerateParameters, sets: [ParameterSet], seed: UInt64? = nil,
                           backend: (ParameterSet) throws -> any TextGenerationBackend) async throws -> CompareResult {
        try validate(sets)
        let shared = seed ?? sharedSeed(base: base, sets: sets)
        var jobs: [Job] = []
        var failures: [Int: GenerationError] = [:]
        for (index, set) in sets.enumerated() {
            let parameters = parameters(for: set, base: base, seed: shared)
            do {
                jobs.append(Job(name: set.name, parameters: parameters, backend: try backend(set)))
            } catch {
                failures[index] = GenerationError.from(error)
                jobs.append(Job(name: set.name, parameters: parameters, backend: UnavailableBackend()))
            }
        }
        var result = await run(prompt: prompt, jobs: jobs, seed: shared)
        for (index, error) in failures {
            result.sets[index].backend = sets[index].backend ?? result.sets[index].backend
            result.sets[index].error = error.response
        }
        result.recomputeDivergence()
        return result
    }

    /// Runs prepared jobs concurrently and gathers the result in the jobs' order.
    public static func run(prompt: String, jobs: [Job], seed: UInt64) async -> CompareResult {
        let outcomes = await withTaskGroup(of: (Int, CompareResult.SetResult).self) { group in
            for (index, job) in jobs.enumerated() {
                group.addTask { (index, await runOne(prompt: prompt, job: job)) }
            }
            var collected = [CompareResult.SetResult?](repeating: nil, count: jobs.count)
            for await (index, outcome) in group { collected[index] = outcome }
            return collected
        }
        var result = CompareResult(inputs: prompt, seed: seed, sets: outcomes.compactMap { $0 })
        result.recomputeDivergence()
        return result
    }

    private static func runOne(prompt: String, job: Job) async -> CompareResult.SetResult {
        let clock = ContinuousClock()
        let origin = clock.now
        let request = GenerateRequest(inputs: prompt, parameters: job.parameters)
        var entry = CompareResult.SetResult(name: job.name, parameters: job.parameters,
                                            backend: BackendIdentity(of: job.backend))
        do {
            try Task.checkCancellation()
            let response = try await job.backend.generate(request)
            let end = RunTiming.seconds(clock.now, since: origin)
            entry.response = response
            entry.stats = RunStatistics(timing: RunTiming(start: 0, end: end), response: response)
        } catch {
            entry.error = GenerationError.from(error).response
        }
        return entry
    }

}

/// Stands in for a set whose backend could not be made (its entry already carries that error).
private struct UnavailableBackend: TextGenerationBackend {
    var displayName: String { "unavailable" }
    /// Replaced by the set's own backend field in the result (see `run(prompt:base:sets:seed:backend:)`).
    var identity: BackendIdentity { BackendIdentity("unavailable") }
    var capabilities: BackendCapabilities { BackendCapabilities(api: .tgi, server: "unavailable") }
    var limits: ValidationLimits { .unknown }
    private var failure: GenerationError {
        GenerationError(errorType: GenerationError.ErrorType.connection, message: "backend unavailable")
    }
    func info() async throws -> Info { throw failure }
    func health() async throws { throw failure }
    func tokenize(_ request: GenerateRequest) async throws -> [SimpleToken] { throw failure }
    func generate(_ request: GenerateRequest) async throws -> GenerateResponse { throw failure }
    func generateStream(_ request: GenerateRequest) -> AsyncThrowingStream<GenerationEvent, any Error> {
        AsyncThrowingStream { $0.finish(throwing: failure) }
    }
}

/// The outcome of a compare run: `tgplay compare`'s one JSON object, and what the compare columns show.
public struct CompareResult: Encodable, Sendable, Equatable {
    public var inputs: String
    public var seed: UInt64
    public var sets: [SetResult]
    /// Over the sets that succeeded (nil with fewer than two, or when they all agree).
    public var firstDivergentIndex: Int?
    /// Each successful set's choice and top tokens at `firstDivergentIndex`.
    public var divergence: Divergence.Point?

    public init(inputs: String, seed: UInt64, sets: [SetResult]) {
        self.inputs = inputs
        self.seed = seed
        self.sets = sets
    }

    /// One column.
    public struct SetResult: Encodable, Sendable, Equatable {
        public var name: String
        /// What was sent (base merged with the override, seed, details, top_n_tokens).
        public var parameters: GenerateParameters
        public var backend: BackendIdentity
        public var response: GenerateResponse?
        public var error: ErrorResponse?
        public var stats: RunStatistics?

        public init(name: String, parameters: GenerateParameters, backend: BackendIdentity,
                    response: GenerateResponse? = nil, error: ErrorResponse? = nil, stats: RunStatistics? = nil) {
            self.name = name
            self.parameters = parameters
            self.backend = backend
            self.response = response
            self.error = error
            self.stats = stats
        }

        enum CodingKeys: String, CodingKey { case name, parameters, backend, response, error, stats }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            try c.encode(parameters, forKey: .parameters)
            try c.encode(backend, forKey: .backend)
            if let error {
                try c.encode(error, forKey: .error)
            } else {
                try c.encodeIfPresent(response, forKey: .response)
            }
            try c.encode(error == nil ? stats : nil, forKey: .stats)
        }
    }

    /// Whether every set answered.
    public var allSucceeded: Bool { sets.allSatisfy { $0.error == nil && $0.response != nil } }

    /// The sets that answered, with their responses.
    public var successfulRuns: [(name: String, response: GenerateResponse)] {
        sets.compactMap { set in set.error == nil ? set.response.map { (set.name, $0) } : nil }
    }

    /// Recomputes `firstDivergentIndex` and `divergence` from the successful sets.
    public mutating func recomputeDivergence() {
        let runs = successfulRuns
        firstDivergentIndex = runs.count > 1 ? Divergence.firstIndex(of: runs.map(\.response)) : nil
        divergence = firstDivergentIndex.map { Divergence.point(at: $0, runs: runs) }
    }

    enum CodingKeys: String, CodingKey {
        case inputs, seed, sets
        case firstDivergentIndex = "first_divergent_index"
        case divergence
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(inputs, forKey: .inputs)
        try c.encode(seed, forKey: .seed)
        try c.encode(sets, forKey: .sets)
        try c.encode(firstDivergentIndex, forKey: .firstDivergentIndex)
        try c.encode(divergence, forKey: .divergence)
    }
}
