import Foundation
import GenerationCore

/// Which pane takes the keys.
public enum Focus: Int, CaseIterable, Sendable {
    case prompt, sidebar, output

    var next: Focus { Focus(rawValue: (rawValue + 1) % 3) ?? .prompt }
    var previous: Focus { Focus(rawValue: (rawValue + 2) % 3) ?? .prompt }
}

/// The whole model of the playground. `update` changes it; `view` draws it.
public struct AppState: Sendable {
    public var width = 80
    public var height = 24
    public var focus: Focus = .prompt
    /// The parameter sidebar is hidden (Ctrl-T): the prompt and output take the whole width.
    public var sidebarHidden = false
    public var editor = TextEditor()
    /// The prompt's token count against the backend's limit (the prompt pane's title), counted after a pause.
    public var contextMeter = ContextMeter()
    /// What the prompt pane holds (F4, the sidebar's `mode`): the text prompt, or chat messages.
    public var mode: PromptMode = .text
    /// Chat mode's messages (kept while in text mode, so switching back finds them).
    public var chat = ChatDraft()
    public var settings = ParameterSettings.defaults
    public var sidebar = SidebarState()
    public var transcript = Transcript()
    /// The main run: the last one started from the prompt, a branch or the history (kept when it ends, for its
    /// numbers in the status bar); nil before the first.
    public var run: LiveRun?
    /// How far the main run's prefill has got, while it waits for its first token (the built-in engine).
    var prefill: (run: Int, done: Int, total: Int)?
    /// The phase's label, with the prefill's progress while the main run waits for its first token on it.
    var phaseLabel: String {
        if phase == .waiting, let p = prefill, p.run == runID, p.done < p.total {
            return "prefill \(p.done.grouped)/\(p.total.grouped)"
        }
        return phase.label
    }
    /// The status bar's phase: the main run's, unless the output shows something else since (a history run, a
    /// branch browsed, a request refused before it was sent): then that.
    public var phase: RunPhase {
        get { shownPhase ?? run?.phase ?? .idle }
        set { shownPhase = newValue }
    }
    var shownPhase: RunPhase?
    /// The error the status bar shows: the main run's, or one a request got before it was sent.
    public var error: GenerationError? {
        get { shownPhase == nil ? run?.error : shownError }
        set { shownError = newValue }
    }
    var shownError: GenerationError?
    /// The finish reason and seed of a history run shown in the output (the status bar shows them in place of the
    /// main run's numbers); nil while the output is the main run's.
    var shownRecord: ShownRecord?
    /// The run whose events are accepted; events of older runs are ignored.
    public var runID = 0
    /// The output shown is older than the main run: a new root run (Ctrl-R, `r` in the history) replaces the
    /// output and the branch tree only when its first token arrives, so a run the backend rejects (a 422, an input
    /// over the context limit) or one cancelled before any token leaves what was shown. While set, the output is
    /// marked "previous output" rather than as that run's (not "[incomplete]" for a run that was complete).
    public var outputIsOlder = false
    public var tokenCursor: Int?
    /// The person put the token cursor where it is (a key or a click in the output) since the output last
    /// changed: `c` then continues from it, cutting what follows; a cursor the playground placed (after a branch,
    /// a browse, a stream) leaves `c` continuing from the end.
    var cursorPlaced = false
    /// The distribution lab's view settings (colour-by, whether runs record stages).
    public var lab = LabState()
    /// First visible output row; nil follows the end of the stream.
    public var outputScroll: Int?
    /// The overlay up over the panes (popup, help, history, grammar editor, path prompt, ...), nil when none:
    /// the one place that says which takes the keys and the mouse and what is drawn on top.
    public var overlay: Overlay?
    /// The branch tree with its undo history; nil until the first branch of a run.
    public var branches: UndoStack<BranchState>?
    /// Every tree of the session (each root run and what grew from it), with the tree view's undo and redo. The
    /// tree shown is `branches`' working copy: it goes back into the loom (`keepShownTree`) when another replaces
    /// it, when the tree view opens and when the session is saved.
    public var loom = UndoStack(Loom())
    /// The loom entry the output belongs to (the tree in `branches`, or the root run shown before any branch).
    public var shownTree: Int?
    /// The prompt of the run the output belongs to (the branch tree's prompt).
    var runPrompt = ""
    /// The conversation the output answers when it is a chat reply (the branch tree's conversation: a branch
    /// continues that reply), nil for text runs.
    var runChat: ChatRequest?
    /// Which "show template" request's answer is awaited (older answers are ignored).
    var templateID = 0
    /// The history id of the root run whose output is shown: the root a branch tree started from it gets, so
    /// the tree can go back into that run's history entry when another run replaces it.
    var outputRun: Int?
    /// The last prompt scoring (`decoder_input_details`) and the prompt text it scored.
    public var promptScore: PromptPerplexity?
    var promptScoreText: String?
    /// The editor's `revision` when the prompt was scored: once the prompt changes, the status bar stops
    /// showing a perplexity that belongs to another text.
    var promptScoreRevision: Int?
    /// The conversation scored in chat mode (nil for a text prompt's score): the status bar shows its perplexity
    /// only while the messages are these.
    var promptScoreChat: [ChatMessage]?

    /// Whether the last score belongs to what the prompt pane holds now (the text, or in chat mode the messages).
    var promptScoreIsCurrent: Bool {
        guard promptScore != nil else { return false }
        if mode == .chat { return promptScoreChat != nil && promptScoreChat == chat.request.messages }
        return promptScoreChat == nil && promptScoreRevision == editor.revision
    }
    /// The scored prompt's tokens laid out like the output, for the read-only prompt-token view.
    public var promptTokens = Transcript()
    /// The read-only prompt-token view replaces the editor while open (F6).
    public var promptView = false
    /// The help overlay's page when its columns do not fit the width side by side (PgDn / PgUp turn it).
    var helpPage = 0
    public var promptTokenCursor: Int?
    /// Which scoring request's answer is awaited (older answers are ignored); nil when none is in flight.
    var promptScoreID = 0
    /// The forced-text step in flight (`f` in the step popup); answers of older ones are ignored.
    var forceID = 0
    public var promptScoring = false
    /// Compare mode (F7): the sets side by side; nil when closed.
    public var compare: CompareState?
    /// Compare sets A-D, each an override of `settings` (the base).
    public var sets: [ParameterSet] = ParameterSet.fresh
    /// Which parameters the sidebar edits (F8): nil the base, else an index into `sets`.
    public var editTarget: Int?
    /// Backends the sidebar's `backend` field steps through besides the default (the built-in engine,
    /// configured endpoints, URLs typed before).
    public var backendChoices: [BackendIdentity] = []
    /// The backend the playground was opened with (what `backend: default` means), as stored in sessions.
    public var defaultBackend: BackendIdentity = .local
    /// Wall-clock seconds minus `now`: turns monotonic times into the timestamps sessions keep.
    public var wallClockOffset: Double = 0
    /// Every run of the session, oldest first (runs, compare columns, continuations).
    public var history: [SessionRun] = []
    /// The history run shown in the output (Enter in F3), while the branch tree stays as it was.
    public var shownRun: Int?
    /// Where the session autosaves (shown in the history view); set by the runtime.
    public var sessionPath: String?
    /// Why autosave is off (a session file this build must not overwrite), shown in the status bar.
    public var autosaveProblem: String?
    /// When the session was created (kept across saves).
    public var sessionCreated: Timestamp?
    public var backendName: String
    public var modelName: String?
    public var limits: ValidationLimits
    /// What the default backend can honour (known once its `/info` answered and its API was detected).
    public var capabilities: BackendCapabilities?
    public var themeName = Theme.builtinDefault.name
    public var themes: [String] = [Theme.builtinDefault.name]
    public var notice: String?
    public var now: Double = 0
    /// Whether something the person would want kept changed since the last save. Every change counts one
    /// more in `changeCount`; a save reports the count it wrote (`.saved`), so a change made while the file was
    /// being written stays unsaved.
    public var dirty: Bool {
        get { changeCount != savedChangeCount }
        set { if newValue { changeCount += 1 } else { savedChangeCount = changeCount } }
    }
    var changeCount = 0
    var savedChangeCount = 0

    public init(backendName: String, limits: ValidationLimits = .tgiDefaults) {
        self.backendName = backendName
        self.limits = limits
    }

    /// The settings Ctrl-R runs with: the base, or the set being edited (base + its override).
    public var runSettings: ParameterSettings {
        guard let t = editTarget, sets.indices.contains(t) else { return settings }
        return settings.applying(sets[t])
    }

    /// TGI's message for the current parameters, as the server would word it. A stand-in prompt keeps this
    /// O(1) for a 1 MB prompt; an empty prompt is reported when a run is attempted.
    public var validationProblem: GenerationError? {
        problem(with: runSettings.request(prompt: "x"), backend: runSettings.backend)
    }

    /// Why `request` cannot run on `backend` (nil: the default one): TGI's rules, then what the default
    /// backend's capabilities refuse (another backend's refusals come back from its adapter when it runs).
    func problem(with request: GenerateRequest, backend: BackendIdentity?) -> GenerationError? {
        guard backend == nil, let capabilities else { return Validation.check(request, streaming: true, limits: limits) }
        return capabilities.refusal(of: request, streaming: true, limits: limits, backend: backendName)
    }

    /// Why the default backend cannot honour `field`, nil when it can (or when that is not known yet).
    func refusal(of field: ParameterField) -> String? {
        guard runSettings.backend == nil, let capabilities else { return nil }
        switch field {
        case .grammarType, .grammarValue:
            return capabilities.grammarKinds.isEmpty ? "\(capabilities.server) takes no grammar" : nil
        default:
            return capabilities.refusal(of: field.rawValue)
        }
    }

    /// A monotonic time as a wall-clock timestamp.
    func timestamp(_ monotonic: Double) -> Timestamp {
        Timestamp(Date(timeIntervalSince1970: monotonic + wallClockOffset))
    }

    /// The minimum screen the layout works at; below it a notice is shown.
    public static let minimumWidth = 60
    public static let minimumHeight = 16
    public var isTooSmall: Bool { width < Self.minimumWidth || height < Self.minimumHeight }
}

extension AppState {
    /// The rectangles of the current size and sidebar (wrap widths, page heights), without a frame's scrolls.
    var geometry: Layout { Layout(width: width, height: height, sidebarHidden: sidebarHidden) }
}

/// What the status bar says about a run of the history shown in the output.
struct ShownRecord: Sendable {
    var finishReason: FinishReason?
    var seed: UInt64?
}
