import GenerationCore

/// The alternatives popup: which token list it shows and the alternative selected in it.
public struct Popup: Sendable, Equatable {
    /// The popup shows a prompt token (the F6 view), not an output token.
    public var onPrompt = false
    /// The alternative selected (index into its list, most likely first).
    public var selection: Int?
    /// Which distribution the popup shows (`v` cycles them).
    public var mode: PopupMode = .processed
    /// Opened by `n` on the token just stepped: choosing an alternative accepts it as that step's token and
    /// generates nothing more (`n` steps again, `c` continues), so a person steers one token at a time.
    public var step = false

    public init(onPrompt: Bool = false, selection: Int? = nil, mode: PopupMode = .processed, step: Bool = false) {
        self.onPrompt = onPrompt
        self.selection = selection
        self.mode = mode
        self.step = step
    }
}

/// The popup's views of a token: the distribution it was drawn from (what the backend reports), the model's raw
/// one, and what each sampling step did in between. The last two need the built-in engine's stages
/// (`TokenStages`); a server's token says so instead.
public enum PopupMode: String, Sendable, Equatable, CaseIterable {
    case processed, raw, stages

    /// The next view, wrapping around.
    public var next: PopupMode {
        let all = Self.allCases
        let i = all.firstIndex(of: self) ?? 0
        return all[(i + 1) % all.count]
    }
}
