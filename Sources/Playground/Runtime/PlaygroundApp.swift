import Foundation
import GenerationCore
#if canImport(Glibc)
import Glibc
#endif

/// Set by SIGWINCH, read by the main loop.
nonisolated(unsafe) var windowChanged: Int32 = 0
/// The SIGINT/SIGTERM/SIGHUP received (0: none), read by the main loop, which stops the runs, saves and leaves.
nonisolated(unsafe) var stopSignal: Int32 = 0

/// How the executable configures the playground.
public struct PlaygroundConfiguration: Sendable {
    /// Builds the backend for a run: `backend` nil is the one the playground was opened with, else the
    /// built-in engine or an endpoint URL; with the header settings (`x-use-cache`, `x-wait-for-model`).
    /// Called once per distinct combination (the runtime keeps them), so a backend that ignores the headers
    /// may return one shared instance. Throws when the backend cannot be built (no model file, bad URL).
    public var makeBackend: @Sendable (_ backend: BackendIdentity?, _ useCache: Bool, _ waitForModel: Bool) throws
        -> any TextGenerationBackend
    /// Other backends the sidebar's `backend` field offers (the built-in engine, configured endpoints).
    public var backendChoices: [BackendIdentity]
    /// `--theme`, which wins over the saved theme.
    public var themeName: String?
    public var environment: [String: String]
    public var executablePath: String
    /// `--session FILE`: keep the session in this file instead of the autosave slot.
    public var sessionPath: String?

    public init(makeBackend: @escaping @Sendable (BackendIdentity?, Bool, Bool) throws -> any TextGenerationBackend,
                backendChoices: [BackendIdentity] = [], themeName: String?,
                environment: [String: String], executablePath: String, sessionPath: String? = nil) {
        self.makeBackend = makeBackend
        self.backendChoices = backendChoices
        self.themeName = themeName
        self.sessionPath = sessionPath
        self.environment = environment
        self.executablePath = executablePath
    }
}

/// The interactive program: start-up (`StartUp`), the effect runner (`EffectRunner`) and the frame-paced main
/// loop (poll, decode, update, perform, draw) around the pure `update`/`view`. The terminal is restored on every
/// way out.
public enum PlaygroundApp {
    /// Frames are drawn at most this often, however fast tokens arrive.
    static let frameInterval = 1.0 / 60

    /// Runs until the person quits; returns the exit status.
    public static func run(_ configuration: PlaygroundConfiguration) -> Int32 {
        let start: StartUp
        switch StartUp.prepare(configuration) {
        case .failure(let failure):
            FileHandle.standardError.write(Data("tgplay: \(failure.message)\n".utf8))
            return failure.status
        case .success(let prepared):
            start = prepared
        }
        var state = start.state
        let queue = MessageQueue()
        let runner = EffectRunner(queue: queue, paths: start.paths, loader: start.loader,
                                  makeBackend: configuration.makeBackend)
        runner.adopt(start.backend, useCache: state.settings.useCache, waitForModel: state.settings.waitForModel)
        let screen = CursesScreen(theme: start.theme, environment: configuration.environment)
        runner.applyTheme = { screen.setTheme($0) }
        installSignalHandlers()
        screen.start()
        atexit { restoreTerminal() }
        defer { screen.stop() }

        let infoBackend = start.backend
        Task.detached {
            if let info = try? await infoBackend.info() {
                let limits = ValidationLimits.tgiDefaults.overridden(by: infoBackend.limits)
                    .overridden(by: info.validationLimits)
                queue.push(.backendInfo(model: info.modelId, limits: limits, capabilities: infoBackend.capabilities))
            }
        }
        queue.push(.presetsListed(PresetStore(paths: start.paths).names(), active: nil))
        let (w, h) = screen.size
        _ = update(&state, .resize(width: w, height: h))
        mainLoop(&state, screen: screen, queue: queue, runner: runner)
        if let problem = runner.finish() {
            screen.stop()
            FileHandle.standardError.write(Data("tgplay: the session was not saved: \(problem)\n".utf8))
            return 1
        }
        return stopSignal != 0 ? 128 + stopSignal : 0
    }

    /// Polls the terminal and the queue, decodes keys, sends every message through `update`, hands the effects
    /// to the runner, autosaves when due and draws at most `frameInterval` apart, until `.quit`.
    static func mainLoop(_ state: inout AppState, screen: CursesScreen, queue: MessageQueue, runner: EffectRunner) {
        var decoder = InputDecoder()
        var lastFrame = 0.0
        var needsFrame = true
        var readBuffer = [UInt8](repeating: 0, count: 65536)
        // When a lone Esc arrived: it is the Esc key only if nothing follows within 25 ms. Timed from its arrival,
        // because a frame deadline can end a poll sooner, and flushing then would split an arrow key's sequence
        // (Esc, then "[B" read as the branch key and a "B").
        var escapeSince: Double?
        while !runner.quitRequested {
            let now = monotonicSeconds()
            var timeout: Int32 = 250
            if decoder.hasPendingEscape {
                let since = escapeSince ?? now
                escapeSince = since
                timeout = Int32(max(0, (since + 0.025 - now) * 1000))
            } else {
                escapeSince = nil
            }
            if needsFrame { timeout = min(timeout, Int32(max(0, (lastFrame + frameInterval - now) * 1000))) }
            var fds = [pollfd(fd: 0, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: queue.readFD, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&fds, 2, timeout)
            var messages: [Message] = []
            if ready > 0 && fds[0].revents & Int16(POLLIN | POLLHUP) != 0 {
                let n = read(0, &readBuffer, readBuffer.count)
                if n > 0 {
                    messages += decoder.feed(Array(readBuffer[0..<n]))
                } else if n == 0 {
                    return  // the terminal went away
                }
            } else if decoder.hasPendingEscape, let since = escapeSince, monotonicSeconds() - since >= 0.025 {
                // No terminal byte this time (a stream's messages may have woken the poll): the Esc stood alone.
                messages += decoder.flushPendingEscape()
                escapeSince = nil
            }
            messages += queue.drain()
            if stopSignal != 0 {
                // Killed politely (SIGTERM, SIGHUP, SIGINT): the runs in flight stop and stay in the history as
                // cancelled, with their partial output, and the session is written before the process ends.
                runner.perform(update(&state, .stopAllRuns), state: state)
                runner.perform([.save, .quit], state: state)
            }
            if windowChanged != 0 {
                windowChanged = 0
                screen.resizeFromKernel()
                let (w, h) = screen.size
                messages.append(.resize(width: w, height: h))
            }
            let t = monotonicSeconds()
            for message in messages {
                runner.perform(update(&state, message), state: state)
                needsFrame = true
            }
            // The clock moves; a run waiting for its model retries when due and its countdown is redrawn.
            runner.perform(update(&state, .tick(now: t)), state: state)
            if case .waitingForModel = state.phase { needsFrame = true }
            // Not while anything streams: encoding would take CPU from the runs (they are saved when they end).
            if state.dirty && t - runner.lastSave > runner.autosaveInterval && !state.phase.isActive
                && state.compare?.isActive != true {
                runner.perform([.save], state: state)
            }
            if !runner.quitRequested && needsFrame && t - lastFrame >= frameInterval {
                screen.draw(view(state, width: state.width, height: state.height))
                lastFrame = t
                needsFrame = false
            }
        }
    }

    /// SIGINT/SIGTERM/SIGHUP ask the loop to stop the runs, save the session and leave (a second one, if the
    /// loop does not get there, restores the terminal and exits at once); fatal signals and SIGQUIT restore the
    /// terminal and die of the signal (`FatalSignals`); SIGWINCH sets a flag for the loop.
    static func installSignalHandlers() {
        FatalSignals.install()
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal(sig) { number in
                if stopSignal == 0 {
                    stopSignal = number
                    return
                }
                FatalSignals.restoreTerminal()
                _exit(128 + number)
            }
        }
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in windowChanged = 1 }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0  // no SA_RESTART: poll returns at once
        sigaction(SIGWINCH, &action, nil)
    }
}
