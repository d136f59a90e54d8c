import GenerationCore

/// One column of compare mode: a set's request, where it runs, and what came back.
public struct CompareColumn: Sendable {
    public var name: String
    /// The set's request: for a chat column its parameters with empty inputs, as chat runs are recorded.
    public var request: GenerateRequest
    /// The conversation a chat column answers (without parameters: they are `request`'s); nil for a text column.
    public var chat: ChatRequest?
    /// nil: the playground's own backend.
    public var backend: BackendIdentity?
    public var run: Int
    public var transcript = Transcript()
    public var done = false
    public var error: String?
    public var startedAt: Double
    /// When the set's request most likely started being served: `startedAt`, or the end of another set's run on
    /// the same backend when this one had nothing before that (see `compareEvent`). Set with the first token.
    public var servedFrom: Double?
    public var firstTokenAt: Double?
    public var lastTokenAt: Double?
    public var finishReason: FinishReason?
    /// The seed the backend reports (the shared one unless the set has its own).
    public var seed: UInt64?

    /// Seconds the set waited behind other sets on its backend before it was served (0 when it did not).
    public var queueTime: Double { max(0, (servedFrom ?? startedAt) - startedAt) }

    /// The column's timing, from when it was served (its TTFT leaves out the time it queued).
    var timing: RunTiming {
        let start = servedFrom ?? startedAt
        return RunTiming(start: start, firstToken: firstTokenAt, end: max(start, lastTokenAt ?? start))
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
