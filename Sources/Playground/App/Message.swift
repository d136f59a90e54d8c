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
    /// Run `run` failed (cancellation included).
    case runFailed(run: Int, GenerationError, now: Double)
    /// The backend's `/info` answer (model name, limits).
    case backendInfo(model: String, limits: ValidationLimits)
    case themeChanged(name: String, problem: String?)
    case notice(String)
    /// The answer to prompt-scoring request `id` (non-streaming, `decoder_input_details`).
    case promptScored(id: Int, GenerateResponse)
    case promptScoreFailed(id: Int, GenerationError)
    /// The saved presets (after start-up or a save), and the one now in effect.
    case presetsListed([String], active: String?)
    /// A preset was read: its parameters replace the sidebar's.
    case presetLoaded(name: String, settings: ParameterSettings)
}

/// What `update` asks the runtime to do: the only way the model causes I/O.
public enum Effect: Equatable, Sendable {
    case startRun(id: Int, request: GenerateRequest, useCache: Bool, waitForModel: Bool)
    case cancelRun(id: Int)
    /// Send the non-streaming prompt-scoring request (`PromptPerplexity.request`) and report `promptScored`.
    case scorePrompt(id: Int, request: GenerateRequest, useCache: Bool, waitForModel: Bool)
    case switchTheme(name: String)
    /// Save the sidebar's parameters as a named preset, then report `presetsListed`.
    case savePreset(name: String, settings: ParameterSettings)
    /// Read a named preset and report `presetLoaded` (or a notice if it cannot be read).
    case loadPreset(name: String)
    /// Persist prompt, parameters and theme.
    case save
    case quit
}
