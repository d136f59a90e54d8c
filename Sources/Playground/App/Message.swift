import GenerationCore

/// Everything that can happen to the playground. Times are passed in (seconds on a monotonic clock) so
/// `update` stays pure and tests control the clock.
public enum Message: Sendable {
    case key(Key)
    /// A bracketed paste, delivered whole.
    case paste(String)
    case mouse(MouseEvent)
    case resize(width: Int, height: Int)
    /// The clock moved (drives countdowns and retries).
    case tick(now: Double)
    /// A stream event of run `run`.
    case runEvent(run: Int, GenerationEvent, now: Double)
    /// Run `run`'s prompt is being evaluated: `done` of `total` tokens (the built-in engine, before the first token).
    case prefillProgress(run: Int, done: Int, total: Int)
    /// Run `run` failed (cancellation included).
    case runFailed(run: Int, GenerationError, now: Double)
    /// The backend's `/info` answer (model name, limits) and, once its API is known, what it can honour.
    case backendInfo(model: String, limits: ValidationLimits, capabilities: BackendCapabilities)
    /// A theme was read (F2): `theme` is what the screen now draws with (nil from tests that only name it).
    case themeChanged(name: String, problem: String?, theme: Theme? = nil)
    case notice(String)
    /// The answer to prompt-scoring request `id` (non-streaming, `decoder_input_details`).
    case promptScored(id: Int, GenerateResponse)
    case promptScoreFailed(id: Int, GenerationError)
    /// The answer to "show template" request `id`: the exact templated text, or why the backend cannot say.
    case templateReady(id: Int, TemplatedChat)
    case templateFailed(id: Int, GenerationError)
    /// The answer to context-meter request `id` (the prompt's token count), or why the backend cannot count.
    case tokensCounted(id: Int, TokenCount)
    case tokenCountFailed(id: Int, GenerationError)
    /// The answer to sample-tree request `id` (`Effect.sampleTree`), or why it failed.
    case treeSampled(id: Int, Result<SampleTree, GenerationError>)
    /// The answer to forced-text step `id` (`Effect.forceStep`): the text's tokens, scored, or why not.
    case stepForced(id: Int, Result<[StepToken], GenerationError>)
    /// The saved presets (after start-up or a save), and the one now in effect.
    case presetsListed([String], active: String?)
    /// A preset was read: its parameters replace the sidebar's.
    case presetLoaded(name: String, settings: ParameterSettings)
    /// A session file was read (Ctrl-O / `o` in the history): it replaces the current session, which is
    /// written where it was first, its runs in flight cancelled.
    case sessionOpened(Session, path: String)
    /// A save wrote the state as of change `revision` (nil `path`: autosave is off, only the defaults were
    /// written); `created` is the creation time the file keeps.
    case saved(revision: Int, path: String?, created: Timestamp?)
    /// A session write failed: why.
    case saveFailed(String)
    /// "Save as" wrote the session to `path`, where autosave now writes.
    case sessionSavedAs(path: String, revision: Int, created: Timestamp)
    /// An export was written.
    case exported(what: String, path: String)
    case exportFailed(path: String, reason: String)
    /// Cancel every run in flight, keeping each in the history (sent before the session is saved and left).
    case stopAllRuns
}

/// What `update` asks the runtime to do: the only way the model causes I/O.
public enum Effect: Equatable, Sendable {
    /// `backend` nil: the playground's own backend; else the built-in engine or an endpoint URL.
    case startRun(id: Int, request: GenerateRequest, useCache: Bool, waitForModel: Bool, backend: BackendIdentity?)
    /// A chat run: `chatStream` with the conversation and its parameters. Its events come back as the same
    /// `runEvent`/`runFailed` messages as a text run's (one path for receiving tokens).
    case startChat(id: Int, request: ChatRequest, useCache: Bool, waitForModel: Bool, backend: BackendIdentity?)
    /// Ask the backend for the conversation's templated text (`template(_:)`) and report `templateReady`.
    case fetchTemplate(id: Int, request: ChatRequest, useCache: Bool, waitForModel: Bool, backend: BackendIdentity?)
    case cancelRun(id: Int)
    /// Send the non-streaming prompt-scoring request (`PromptPerplexity.request`) and report `promptScored`.
    case scorePrompt(id: Int, request: GenerateRequest, useCache: Bool, waitForModel: Bool, backend: BackendIdentity?)
    /// Score a conversation's prompt (`scoreChat`) and report `promptScored`.
    case scoreChat(id: Int, request: ChatRequest, useCache: Bool, waitForModel: Bool, backend: BackendIdentity?)
    /// Count `text` in the backend's tokens (`countTokens`) and report `tokensCounted` (the context meter).
    case countTokens(id: Int, text: String, useCache: Bool, waitForModel: Bool, backend: BackendIdentity?)
    /// Sample a token tree (`SampleTrees.sample`: the engine's shared prefill, else N requests) and report
    /// `treeSampled`.
    case sampleTree(id: Int, request: SampleTreeRequest, useCache: Bool, waitForModel: Bool, backend: BackendIdentity?)
    /// Force text after the accepted tokens (`Stepping.step` with `force`) and report `stepForced`.
    case forceStep(id: Int, request: StepRequest, useCache: Bool, waitForModel: Bool, backend: BackendIdentity?)
    /// Read the theme `name` and report `themeChanged` with it.
    case switchTheme(name: String)
    /// Draw with `theme` from now on (the screen's colours).
    case applyTheme(Theme)
    /// Save the sidebar's parameters as a named preset, then report `presetsListed`.
    case savePreset(name: String, settings: ParameterSettings)
    /// Read a named preset and report `presetLoaded` (or a notice if it cannot be read).
    case loadPreset(name: String)
    /// Persist the session (autosave slot or `--session` file) and the theme.
    case save
    /// Write `document` to `path` (the session being left when another is opened).
    case writeSession(Session, path: String)
    /// Write the session to `path`, which becomes the file autosave writes to.
    case saveSessionAs(path: String)
    /// Read the session file at `path` and report `sessionOpened` (or a notice naming the problem).
    case openSession(path: String)
    /// Write an export (Markdown, JSONL) to `path`; `what` names it in the notice.
    case writeFile(path: String, contents: String, what: String)
    case quit
}
