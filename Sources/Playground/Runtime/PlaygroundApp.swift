import CNCurses
import Foundation
import GenerationCore
import Synchronization
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

/// The interactive program: ncurses screen, input decoding, backend tasks and the frame-paced main loop
/// around the pure `update`/`view`. The terminal is restored on every way out.
public enum PlaygroundApp {
    /// Frames are drawn at most this often, however fast tokens arrive.
    static let frameInterval = 1.0 / 60

    /// Runs until the person quits; returns the exit status.
    public static func run(_ configuration: PlaygroundConfiguration) -> Int32 {
        let paths = StatePaths(environment: configuration.environment)
        let presets = PresetStore(paths: paths)
        let loader = ThemeLoader.standard(environment: configuration.environment,
                                          executablePath: configuration.executablePath)
        let (saved, loadProblem) = SavedSession.load(from: paths)
        let themeName = configuration.themeName ?? saved.theme ?? Theme.builtinDefault.name
        var (theme, themeProblem) = loader.load(themeName)

        // The session: `--session FILE`, else the autosave slot. A file this build cannot read is never
        // overwritten: with --session the playground does not open; the slot's damaged file is moved aside,
        // a newer tgplay's file is left and autosave is off.
        let explicitSession = configuration.sessionPath.map(expandHome)
        var sessionPath = explicitSession ?? SessionStore(environment: configuration.environment).path
        let opening: SessionOpening
        do {
            opening = try SessionSlot.open(path: sessionPath, explicit: explicitSession != nil)
        } catch {
            FileHandle.standardError.write(Data("tgplay: \(error)\n".utf8))
            return 1
        }

        guard isatty(0) != 0 && isatty(1) != 0 else {
            FileHandle.standardError.write(Data("tgplay: the playground needs a terminal (stdin and stdout must be a tty)\n".utf8))
            return 2
        }

        var backends: [String: any TextGenerationBackend] = [:]
        func backendFor(_ identity: BackendIdentity?, _ useCache: Bool, _ waitForModel: Bool) throws -> any TextGenerationBackend {
            let key = "\(identity?.value ?? "")|\(useCache)|\(waitForModel)"
            if let b = backends[key] { return b }
            let b = try configuration.makeBackend(identity, useCache, waitForModel)
            backends[key] = b
            return b
        }
        let backend: any TextGenerationBackend
        do {
            backend = try backendFor(nil, saved.settings.useCache, saved.settings.waitForModel)
        } catch {
            FileHandle.standardError.write(Data("tgplay: cannot open the playground: \(error)\n".utf8))
            return 1
        }
        var state = AppState(backendName: backend.displayName,
                             limits: ValidationLimits.tgiDefaults.overridden(by: backend.limits))
        state.defaultBackend = BackendIdentity(of: backend)
        state.backendChoices = configuration.backendChoices
        state.wallClockOffset = Date().timeIntervalSince1970 - monotonicSeconds()
        state.now = monotonicSeconds()
        if let session = opening.session {
            state.restore(session)
        } else {
            state.settings = saved.settings
            state.editor.setText(saved.prompt)
        }
        for set in state.sets { if let b = set.backend, !state.backendChoices.contains(b) { state.backendChoices.append(b) } }
        state.sessionPath = sessionPath
        state.autosaveProblem = opening.autosaveProblem
        state.themes = loader.available()
        state.themeName = themeProblem == nil ? themeName : theme.name
        state.notice = opening.notice ?? themeProblem ?? loadProblem
        if themeProblem != nil { theme = .builtinDefault }

        let queue = MessageQueue()
        let screen = CursesScreen(theme: theme, environment: configuration.environment)
        installSignalHandlers()
        screen.start()
        atexit { restoreTerminal() }
        defer { screen.stop() }

        let infoBackend: any TextGenerationBackend = backend
        Task.detached {
            if let info = try? await infoBackend.info() {
                let limits = ValidationLimits.tgiDefaults.overridden(by: infoBackend.limits)
                    .overridden(by: info.validationLimits)
                queue.push(.backendInfo(model: info.modelId, limits: limits, capabilities: infoBackend.capabilities))
            }
        }

        var runs: [Int: Task<Void, Never>] = [:]
        var decoder = InputDecoder()
        let (w, h) = screen.size
        _ = update(&state, .resize(width: w, height: h))
        var lastFrame = 0.0
        var lastSave = monotonicSeconds()
        var needsFrame = true
        var running = true

        func spawn(_ id: Int, _ backend: BackendIdentity?, _ useCache: Bool, _ waitForModel: Bool,
                    _ work: @escaping @Sendable (any TextGenerationBackend) async -> Void,
                    failed: @escaping @Sendable (GenerationError) -> Message) -> Task<Void, Never> {
            do {
                let b = try backendFor(backend, useCache, waitForModel)
                return Task.detached { await work(b) }
            } catch {
                let failure = GenerationError.from(error, otherwise: GenerationError.ErrorType.invalidRequest)
                queue.push(failed(failure))
                return Task {}
            }
        }

        // Session files are encoded and written on one background queue, in order: a long history takes a
        // while to encode and the screen must not freeze meanwhile. Quitting waits for the last write.
        let saver = DispatchQueue(label: "tgplay.session-save")
        // Seconds the last session write took: autosave waits ten times that (at least 2 s) between writes,
        // so a session with a long history is not re-encoded on every pause in typing.
        let saveCost = Mutex<Double>(0)
        // A write that failed (reported on stderr if it was the last one, at quit).
        let lastSaveError = Mutex<String?>(nil)
        func saveSession() {
            save(state, paths: paths)
            guard state.autosaveProblem == nil else { return }
            if state.sessionCreated == nil { state.sessionCreated = state.timestamp(state.now) }
            let document = state.sessionDocument()
            let path = sessionPath
            saver.async {
                let started = monotonicSeconds()
                do {
                    try SessionFile.save(document, to: path)
                    lastSaveError.withLock { $0 = nil }
                } catch {
                    lastSaveError.withLock { $0 = "\(error)" }
                    queue.push(.notice("\(error)"))
                }
                let cost = monotonicSeconds() - started
                saveCost.withLock { $0 = cost }
            }
        }

        func perform(_ effects: [Effect]) {
            for effect in effects {
                switch effect {
                case .startRun(let id, let request, let useCache, let waitForModel, let backend):
                    runs[id] = spawn(id, backend, useCache, waitForModel, { b in
                        // The popup's raw and stages views need the built-in engine's stages; servers ignore the
                        // switch. Set where the request is sent, so sessions and history keep it as written.
                        var traced = request
                        traced.traceStages = true
                        await consume(b.generateStream(traced), run: id, into: queue)
                    }, failed: { .runFailed(run: id, $0, now: monotonicSeconds()) })
                case .startChat(let id, let request, let useCache, let waitForModel, let backend):
                    runs[id] = spawn(id, backend, useCache, waitForModel, { b in
                        await consume(b.chatStream(request), run: id, into: queue)
                    }, failed: { .runFailed(run: id, $0, now: monotonicSeconds()) })
                case .fetchTemplate(let id, let request, let useCache, let waitForModel, let backend):
                    _ = spawn(id, backend, useCache, waitForModel, { b in
                        do {
                            queue.push(.templateReady(id: id, try await b.template(request)))
                        } catch let error as GenerationError {
                            queue.push(.templateFailed(id: id, error))
                        } catch {
                            queue.push(.templateFailed(id: id, GenerationError(
                                errorType: GenerationError.ErrorType.generation, message: "\(error)")))
                        }
                    }, failed: { .templateFailed(id: id, $0) })
                case .scorePrompt(let id, let request, let useCache, let waitForModel, let backend):
                    _ = spawn(id, backend, useCache, waitForModel, { b in
                        do {
                            queue.push(.promptScored(id: id, try await b.generate(request)))
                        } catch let error as GenerationError {
                            queue.push(.promptScoreFailed(id: id, error))
                        } catch {
                            queue.push(.promptScoreFailed(id: id, GenerationError(
                                errorType: GenerationError.ErrorType.generation, message: "\(error)")))
                        }
                    }, failed: { .promptScoreFailed(id: id, $0) })
                case .cancelRun(let id):
                    runs[id]?.cancel()
                    runs[id] = nil
                case .switchTheme(let name):
                    let (t, problem) = loader.load(name)
                    screen.setTheme(t)
                    _ = update(&state, .themeChanged(name: problem == nil ? name : t.name, problem: problem))
                case .savePreset(let name, let settings):
                    do {
                        try presets.save(settings, as: name)
                        _ = update(&state, .presetsListed(presets.names(), active: name))
                    } catch {
                        _ = update(&state, .notice("cannot save preset: \(error)"))
                    }
                case .loadPreset(let name):
                    do {
                        _ = update(&state, .presetLoaded(name: name, settings: try presets.load(name)))
                    } catch {
                        _ = update(&state, .notice("\(error)"))
                    }
                case .save:
                    saveSession()
                    state.dirty = false
                    lastSave = monotonicSeconds()
                case .saveSessionAs(let path):
                    let target = expandHome(path)
                    saver.sync {}  // no older queued write may land after this one
                    if let problem = SessionSlot.overwriteProblem(target) {
                        state.notice = problem
                        continue
                    }
                    do {
                        try SessionFile.save(state.sessionDocument(), to: target)
                        sessionPath = target
                        state.sessionPath = target
                        state.autosaveProblem = nil
                        state.dirty = false
                        state.notice = "session saved to \(target); autosave now writes there"
                    } catch {
                        state.notice = "\(error)"
                    }
                case .openSession(let path):
                    let target = expandHome(path)
                    do {
                        saver.sync {}  // the file as last written, not before a queued write lands
                        let opened = try SessionFile.load(from: target)
                        // The session being left keeps its runs in flight (cancelled) where it was.
                        perform(update(&state, .stopAllRuns))
                        saveSession()
                        sessionPath = target
                        perform(update(&state, .sessionOpened(opened, path: target)))
                        for set in state.sets {
                            if let b = set.backend, !state.backendChoices.contains(b) { state.backendChoices.append(b) }
                        }
                    } catch {
                        state.notice = "\(error)"
                    }
                case .writeFile(let path, let contents, let what):
                    let target = expandHome(path)
                    do {
                        try SessionFile.writeAtomically(Data(contents.utf8), to: target)
                        state.notice = "exported \(what) to \(target)"
                    } catch {
                        state.notice = "cannot export to \(target): \(error)"
                    }
                case .quit:
                    running = false
                }
            }
        }

        _ = update(&state, .presetsListed(presets.names(), active: nil))
        var readBuffer = [UInt8](repeating: 0, count: 65536)
        // When a lone Esc arrived: it is the Esc key only if nothing follows within 25 ms. Timed from its arrival,
        // because a frame deadline can end a poll sooner, and flushing then would split an arrow key's sequence
        // (Esc, then "[B" read as the branch key and a "B").
        var escapeSince: Double?
        while running {
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
                    running = false  // the terminal went away
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
                perform(update(&state, .stopAllRuns))
                perform([.save, .quit])
            }
            if windowChanged != 0 {
                windowChanged = 0
                screen.resizeFromKernel()
                let (w, h) = screen.size
                messages.append(.resize(width: w, height: h))
            }
            let t = monotonicSeconds()
            for message in messages {
                perform(update(&state, message))
                needsFrame = true
            }
            if case .waitingForModel = state.phase {
                perform(update(&state, .tick(now: t)))
                needsFrame = true
            } else {
                state.now = t
            }
            // Not while anything streams: encoding would take CPU from the runs (they are saved when they end).
            let interval = max(2, 10 * saveCost.withLock { $0 })
            if state.dirty && t - lastSave > interval && !state.phase.isActive && state.compare?.isActive != true {
                perform([.save])
            }
            if running && needsFrame && t - lastFrame >= frameInterval {
                screen.draw(view(state, width: state.width, height: state.height))
                lastFrame = t
                needsFrame = false
            }
        }
        for task in runs.values { task.cancel() }
        saver.sync {}  // the last session write is on disk before the process ends
        if let problem = lastSaveError.withLock({ $0 }) {
            screen.stop()
            FileHandle.standardError.write(Data("tgplay: the session was not saved: \(problem)\n".utf8))
            return 1
        }
        return stopSignal != 0 ? 128 + stopSignal : 0
    }

    /// Feeds one run's stream (a text run's or a chat reply's: the same events) into the queue; cancellation
    /// ends the stream (which aborts the transfer).
    static func consume(_ stream: AsyncThrowingStream<GenerationEvent, any Error>, run: Int,
                        into queue: MessageQueue) async {
        do {
            for try await event in stream {
                queue.push(.runEvent(run: run, event, now: monotonicSeconds()))
            }
        } catch {
            queue.push(.runFailed(run: run, GenerationError.from(error, otherwise: GenerationError.ErrorType.generation),
                                  now: monotonicSeconds()))
        }
    }

    /// The theme, the base parameters and the prompt in the XDG files (what a fresh session starts from).
    static func save(_ state: AppState, paths: StatePaths) {
        let session = SavedSession(settings: state.settings, theme: state.themeName, prompt: state.editor.text)
        try? session.save(to: paths)
    }

    /// `~/x` as a path under HOME; other paths as given (relative ones against the working directory).
    static func expandHome(_ path: String) -> String {
        guard path.hasPrefix("~/") else { return path }
        return (ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()) + path.dropFirst()
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
