import GenerationCore

/// One column of compare mode: a set's run (the same `LiveRun` as the main run's) and the tokens it shows.
public struct CompareColumn: Sendable {
    public var name: String
    /// The set's run: its request (for a chat column its parameters with empty inputs, as chat runs are
    /// recorded), its conversation, where it runs, its timing and how it ended.
    public var live: LiveRun
    public var transcript = Transcript()
    /// When the set's request most likely started being served: `startedAt`, or the end of another set's run on
    /// the same backend when this one had nothing before that (see `compareEvent`). Set with the first token.
    public var servedFrom: Double?

    public init(name: String, live: LiveRun, transcript: Transcript = Transcript()) {
        self.name = name
        self.live = live
        self.transcript = transcript
    }

    /// The id its events carry.
    public var run: Int { live.id }
    public var request: GenerateRequest { live.request }
    public var chat: ChatRequest? { live.chat }
    /// nil: the playground's own backend.
    public var backend: BackendIdentity? { live.backend }
    public var startedAt: Double { live.startedAt }
    public var firstTokenAt: Double? { live.firstTokenAt }
    public var lastTokenAt: Double? { live.lastTokenAt }
    public var finishReason: FinishReason? { live.finishReason }
    /// The seed the backend reports (the shared one unless the set has its own).
    public var seed: UInt64? { live.seed }
    public var done: Bool { !live.isActive }
    /// Why the column failed, as shown under it (the HTTP status first when there was one).
    public var error: String? { live.error.map { ($0.statusCode.map { "\($0) " } ?? "") + $0.message } }

    /// Seconds the set waited behind other sets on its backend before it was served (0 when it did not).
    public var queueTime: Double { max(0, (servedFrom ?? startedAt) - startedAt) }

    /// The column's timing, from when it was served (its TTFT leaves out the time it queued).
    var timing: RunTiming {
        var timing = live.timing(servedFrom: servedFrom)
        timing.end = max(timing.start, timing.end)  // served after its last token can only be a clock step back
        return timing
    }

    /// TTFT, tokens/s, tokens, finish reason, mean logprob and perplexity of the column so far.
    public var statistics: RunStatistics {
        RunStatistics(timing: timing, tokens: transcript.tokens.map(\.token), finishReason: finishReason)
    }
}

/// Compare mode: the prompt (or, in chat mode, the conversation) run with 2 to 4 parameter sets at once, one seed, side by side, with the first
/// divergent token marked in every column.
public struct CompareState: Sendable {
    public var columns: [CompareColumn]
    public var seed: UInt64
    /// The parameters that differ (and `backend` when the sets run on different ones), shown at the top.
    public var differences: [ParameterDifference]
    /// The position Left/Right move over every column (nil: the divergence point).
    public var cursor: Int?
    /// In the distributions (`Overlay.distributions`, Enter / `v`): the column whose list Up/Down move in, and the alternative picked there.
    public var pickColumn = 0
    public var pick: Int?

    /// The first generated-token position where the columns differ, as soon as it is known: a token that
    /// differs inside what all have streamed, or, once all ended, the end of the shortest when lengths differ.
    /// Columns that failed take no part (as in `tgplay compare`); nil with fewer than two others.
    public var divergence: Int? {
        let sequences = columns.filter { $0.error == nil }.map { $0.transcript.tokens.map(\.token) }
        guard sequences.count >= 2 else { return nil }
        let common = sequences.map(\.count).min() ?? 0
        if let first = sequences.first {
            for i in 0..<common where sequences.contains(where: { !$0[i].isSameToken(as: first[i]) }) { return i }
        }
        guard !isActive else { return nil }
        return Divergence.firstIndex(tokens: sequences)
    }

    /// Where the cursor is: the chosen position, else the divergence point.
    public var position: Int? { cursor ?? divergence }

    public var isActive: Bool { columns.contains { !$0.done } }

    /// The longest column's token count (the cursor's range).
    var longest: Int { columns.map(\.transcript.count).max() ?? 0 }
}
