import Foundation

/// Everything a playground session holds, as one versioned JSON document (`"format": "tgplay-session"`).
///
/// What is kept: the prompt, the base parameters and parameter sets, every run (request as sent, every token
/// with logprob and top tokens, prefill, stats, finish reason, seed, or the error), the branch tree shown (and,
/// with their root runs, the trees shown before it), and which
/// backend was used: a URL or "local", never a token (`BackendIdentity` cannot carry one).
public struct Session: Codable, Sendable, Equatable {
    public static let formatName = "tgplay-session"
    /// The version this build writes, and the newest it reads. Version 2 adds each run's API and model, the branch
    /// tree of a root run, how a run came about (origin), chat runs' conversations and the playground's chat mode;
    /// version-1 files open as they are (the fields are absent) and are kept as `FILE.v1` before the first save.
    /// Version 3 keeps every tree in the `loom` (runs no longer carry theirs); a version-1 or -2 file's trees (its
    /// `tree` and its runs' trees) become its loom when it is read, and the file is kept as `FILE.vN`.
    public static let currentVersion = 3

    public var createdAt: Timestamp
    public var updatedAt: Timestamp
    public var prompt: String
    public var parameters: GenerateParameters
    public var sets: [ParameterSet]
    public var backend: BackendIdentity?
    /// Oldest first; ids are unique and increasing.
    public var runs: [SessionRun]
    /// The tree shown when the session was saved (also in `loom`).
    public var tree: BranchTree?
    /// Every tree of the session (version 3; older files' trees are moved here when read).
    public var loom: Loom
    /// What the front end that wrote the file needs to resume where the person was (the playground's drafts,
    /// its mode, the branch node shown), as a JSON object the core keeps as it is and never reads: the core has no
    /// UI types, and a front end's state round-trips through tools that do not know it. On disk under
    /// `"playground"` (as since version 1); absent in files from `tgplay compare`.
    public var frontEnd: JSONValue?

    public init(prompt: String = "", parameters: GenerateParameters = GenerateParameters(), sets: [ParameterSet] = [],
                backend: BackendIdentity? = nil, runs: [SessionRun] = [], tree: BranchTree? = nil,
                createdAt: Timestamp = .now, updatedAt: Timestamp? = nil) {
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
        self.prompt = prompt
        self.parameters = parameters
        self.sets = sets
        self.backend = backend
        self.runs = runs
        self.tree = tree
        loom = Loom.migrated(runs: runs, shown: tree)
    }

    enum CodingKeys: String, CodingKey {
        case format, version
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case prompt, parameters, sets, backend, runs, tree, loom, playground
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        createdAt = try c.decode(Timestamp.self, forKey: .createdAt)
        updatedAt = try c.decode(Timestamp.self, forKey: .updatedAt)
        prompt = try c.decode(String.self, forKey: .prompt)
        parameters = try c.decodeIfPresent(GenerateParameters.self, forKey: .parameters) ?? GenerateParameters()
        sets = try c.decodeIfPresent([ParameterSet].self, forKey: .sets) ?? []
        backend = try c.decodeIfPresent(BackendIdentity.self, forKey: .backend)
        runs = try c.decodeIfPresent([SessionRun].self, forKey: .runs) ?? []
        tree = try c.decodeIfPresent(BranchTree.self, forKey: .tree)
        if let stored = try c.decodeIfPresent(LoomOnDisk.self, forKey: .loom) {
            loom = try stored.loom(runs: runs)
        } else {
            loom = Loom.migrated(runs: runs, shown: tree)
        }
        frontEnd = try c.decodeIfPresent(JSONValue.self, forKey: .playground)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Self.formatName, forKey: .format)
        try c.encode(Self.currentVersion, forKey: .version)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(updatedAt, forKey: .updatedAt)
        try c.encode(prompt, forKey: .prompt)
        try c.encode(parameters, forKey: .parameters)
        try c.encode(sets, forKey: .sets)
        try c.encode(backend, forKey: .backend)
        // A run's tree is in the loom: written once.
        try c.encode(runs.map { run in
            var bare = run
            if bare.tree != nil, loom.entry(forRun: run.id) != nil { bare.tree = nil }
            return bare
        }, forKey: .runs)
        try c.encode(tree, forKey: .tree)
        try c.encode(LoomOnDisk(loom, runs: runs), forKey: .loom)
        try c.encodeIfPresent(frontEnd, forKey: .playground)
    }
}

/// The loom as a file keeps it: a tree that is exactly its root run's output (never branched or continued) is
/// written as that run's id, since the run already holds every token; any other tree, or one whose run the
/// history no longer has, is written whole. Reading puts the same trees back.
struct LoomOnDisk: Codable {
    struct Entry: Codable {
        var id: Int
        var name: String?
        var tree: BranchTree?
        /// The root run whose output is the whole tree (then `tree` is absent).
        var run: Int?
    }

    var entries: [Entry]

    init(_ loom: Loom, runs: [SessionRun]) {
        entries = loom.entries.map { entry in
            if let id = entry.rootRun, let run = runs.first(where: { $0.id == id }), entry.tree == run.bareTree {
                return Entry(id: entry.id, name: entry.name, tree: nil, run: id)
            }
            return Entry(id: entry.id, name: entry.name, tree: entry.tree, run: nil)
        }
    }

    func loom(runs: [SessionRun]) throws -> Loom {
        Loom(entries: try entries.map { entry in
            if let tree = entry.tree { return Loom.Entry(id: entry.id, name: entry.name, tree: tree) }
            guard let id = entry.run, let run = runs.first(where: { $0.id == id }) else {
                throw DecodingError.dataCorrupted(DecodingError.Context(
                    codingPath: [], debugDescription: "loom entry \(entry.id) has neither a tree nor a run of the file"))
            }
            return Loom.Entry(id: entry.id, name: entry.name, tree: run.bareTree)
        })
    }
}

extension SessionRun {
    /// The run's output as a tree of its own (a root of the loom that nothing grew from yet).
    public var bareTree: BranchTree {
        BranchTree(prompt: request.inputs, tokens: tokens, topTokens: topTokens, runID: id)
    }
}

/// One run in a session's history: what was sent, where, and everything that came back.
public struct SessionRun: Codable, Sendable, Equatable, Identifiable {
    public var id: Int
    /// The parameter set's name in compare mode ("A"...), nil for a plain run.
    public var setName: String?
    public var backend: BackendIdentity
    /// The API the backend spoke (version 2; nil in older files and when it was not known).
    public var api: BackendAPI?
    /// The model the backend named (its `/info` or `/v1/models`), when known.
    public var model: String?
    /// The request as sent (inputs and parameters, seed included); re-running sends it again.
    public var request: GenerateRequest
    /// The answer: tokens with logprobs and top tokens, prefill, finish reason, seed. For a run that failed
    /// midway, the tokens received before the failure.
    public var response: GenerateResponse?
    public var error: ErrorResponse?
    public var stats: RunStatistics?
    public var startedAt: Timestamp
    /// The branch tree grown from this run's output, when the run is its root and another run has since
    /// replaced it in the playground (the session's `tree` is the one shown). Kept with the run so that
    /// starting a new run never throws branches away; absent in older files and for runs never branched from.
    public var tree: BranchTree?
    /// What the run continues when it is not a run of the prompt: a branch or a continuation of another run's
    /// output (absent for plain runs, compare columns and in older files).
    public var origin: RunOrigin?
    /// A chat run's conversation (messages, and whether the last one was continued); its parameters are
    /// `request`'s, whose `inputs` is empty. Absent for text runs and in older files.
    public var chat: ChatRequest?

    public init(id: Int = 0, setName: String? = nil, backend: BackendIdentity, request: GenerateRequest,
                response: GenerateResponse? = nil, error: ErrorResponse? = nil, stats: RunStatistics? = nil,
                startedAt: Timestamp = .now, api: BackendAPI? = nil, model: String? = nil, tree: BranchTree? = nil,
                origin: RunOrigin? = nil, chat: ChatRequest? = nil) {
        self.id = id
        self.setName = setName
        self.backend = backend
        self.api = api
        self.model = model
        self.request = request
        self.response = response
        self.error = error
        self.stats = stats
        self.startedAt = startedAt
        self.tree = tree
        self.origin = origin
        self.chat = chat
    }

    public var tokens: [Token] { response?.details?.tokens ?? [] }
    public var topTokens: [[Token]] { response?.details?.topTokens ?? [] }
    public var prefill: [PrefillToken] { response?.details?.prefill ?? [] }
    public var finishReason: FinishReason? { response?.details?.finishReason }
    /// The seed the server reports, else the one the request set.
    public var seed: UInt64? { response?.details?.seed ?? request.parameters?.seed }

    /// The request that runs this again. The seed is pinned to the one used, so a sampled run repeats.
    public var rerunRequest: GenerateRequest {
        var again = request
        if let seed, again.parameters?.seed == nil {
            var parameters = again.parameters ?? GenerateParameters()
            parameters.seed = seed
            again.parameters = parameters
        }
        return again
    }

    enum CodingKeys: String, CodingKey {
        case id
        case setName = "set"
        case backend, api, model, request, response, error, stats
        case startedAt = "started_at"
        case tree, origin, chat
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(setName, forKey: .setName)
        try c.encode(backend, forKey: .backend)
        try c.encodeIfPresent(api, forKey: .api)
        try c.encodeIfPresent(model, forKey: .model)
        try c.encode(request, forKey: .request)
        try c.encode(response, forKey: .response)
        try c.encode(error, forKey: .error)
        try c.encode(stats, forKey: .stats)
        try c.encode(startedAt, forKey: .startedAt)
        try c.encodeIfPresent(tree, forKey: .tree)
        try c.encodeIfPresent(origin, forKey: .origin)
        try c.encodeIfPresent(chat, forKey: .chat)
    }
}

/// Where a run's input came from when it carries on another run's output, so the history can say what each
/// run is (and a compare set's branch keeps the set's letter after compare has closed).
public struct RunOrigin: Codable, Sendable, Equatable {
    /// `branch` (from an alternative), `continuation` (`c`) or `step` (`n`: one token); a string so that kinds added later still decode.
    public var kind: String
    /// The run whose output this one carries on (the one that generated the token branched from, or the
    /// node continued), when known.
    public var of: Int?
    /// The compare set the tree started from ("B"), when it did.
    public var set: String?

    public static let branch = "branch"
    public static let continuation = "continuation"
    /// One token generated by stepping (`n`); its parameters are not the node's (see `nodeRun`).
    public static let step = "step"

    public init(kind: String, of: Int? = nil, set: String? = nil) {
        self.kind = kind
        self.of = of
        self.set = set
    }
}

extension GenerateResponse {
    /// The `/generate`-shaped answer equivalent to a finished stream: its tokens and top tokens, and the final
    /// event's text, finish reason and seed. nil when the stream has no final event. (Streams carry no prefill.)
    public init?(streamEvents events: [StreamResponse]) {
        guard let last = events.last, let text = last.generatedText else { return nil }
        let tokens = events.map(\.token)
        let top = events.map { $0.topTokens ?? [] }
        let details = Details(
            finishReason: last.details?.finishReason ?? .length,
            generatedTokens: last.details?.generatedTokens ?? UInt32(tokens.count),
            seed: last.details?.seed, prefill: [], tokens: tokens,
            topTokens: top.allSatisfy(\.isEmpty) ? nil : top)
        self.init(generatedText: text, details: details)
    }
}
