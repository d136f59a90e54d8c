import GenerationCore

/// The distribution lab's settings in the playground: what the output's colours mean, and whether a view that
/// reads the built-in engine's stage trace is in use, which decides if runs ask for the trace at all.
public struct LabState: Sendable, Equatable {
    /// What the output's token colours measure (`m` in the output).
    public var colourBy: ColourBy = .probability
    /// The popup was last left in its raw or stages view (`v`), so the next runs record stages for it; cycling
    /// back to the processed view clears it.
    public var popupWantsStages = false
    /// The last sample-tree request's id (answers to older ones are dropped).
    public var treeID = 0

    public init(colourBy: ColourBy = .probability, popupWantsStages: Bool = false) {
        self.colourBy = colourBy
        self.popupWantsStages = popupWantsStages
    }

    /// Runs ask for `GenerateRequest.traceStages` only while a view reads it: the trace costs the built-in engine
    /// about 5 ms of a 32 ms sampled token (README, "Distribution lab"), too much to keep always on.
    public var traceStages: Bool { colourBy.needsStages || popupWantsStages }
}

/// `m` in the output: the next colour-by setting, with a notice saying what it needs where the output lacks it.
func cycleColourBy(_ state: inout AppState) {
    state.lab.colourBy = state.lab.colourBy.next
    let by = state.lab.colourBy
    let known = state.transcript.tokens.contains { by.bucket($0, reportedIsRaw: reportedIsRaw(state)) != nil }
    if by.needsStages && !known && !state.transcript.isEmpty {
        state.notice = "colour by \(by.legendTitle): needs the built-in engine's stages; the next run records them"
    } else {
        state.notice = "colour by \(by.legendTitle)"
    }
}

/// The default backend reports the raw model's probabilities (llama.cpp and others), so its tokens' own
/// numbers are the raw probability.
func reportedIsRaw(_ state: AppState) -> Bool {
    state.runSettings.backend == nil && state.capabilities?.probabilities == .raw
}
