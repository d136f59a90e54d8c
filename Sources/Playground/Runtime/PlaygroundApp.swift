import CNCurses
import Foundation
import GenerationCore
#if canImport(Glibc)
import Glibc
#endif

/// Set by SIGWINCH, read by the main loop.
nonisolated(unsafe) var windowChanged: Int32 = 0

/// How the executable configures the playground.
public struct PlaygroundConfiguration: Sendable {
    /// Builds the backend for the header settings (`x-use-cache`, `x-wait-for-model`); called once per
    /// change of those settings, so a backend that ignores them may return one shared instance.
    public var makeBackend: @Sendable (_ useCache: Bool, _ waitForModel: Bool) -> any TextGenerationBackend
    /// `--theme`, which wins over the saved theme.
    public var themeName: String?
    public var environment: [String: String]
    public var executablePath: String
    /// `--session FILE`: keep the session in this file instead of the XDG locations.
    public var sessionPath: String?

    public init(makeBackend: @escaping @Sendable (Bool, Bool) -> any TextGenerationBackend, themeName: String?,
                environment: [String: String], executablePath: String, sessionPath: String? = nil) {
        self.makeBackend = makeBackend
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
        guard isatty(0) != 0 && isatty(1) != 0 else {
            FileHandle.standardError.write(Data("tgplay: the playground needs a terminal (stdin and stdout must be a tty)\n".utf8))
            return 2
        }
        let paths = StatePaths(environment: configuration.environment)
        let presets = PresetStore(paths: paths)
        let loader = ThemeLoader.standard(environment: configuration.environment,
                                          executablePath: configuration.executablePath)
        let sessionPath = configuration.sessionPath
        let (saved, loadProblem) = sessionPath.map { SavedSession.load(fromFile: $0) } ?? SavedSession.load(from: paths)
        let themeName = configuration.themeName ?? saved.theme ?? Theme.builtinDefault.name
        var (theme, themeProblem) = loader.load(themeName)

        var backendKey = (saved.settings.useCache, saved.settings.waitForModel)
        var backend = configuration.makeBackend(backendKey.0, backendKey.1)
        var state = AppState(backendName: backend.displayName,
                             limits: ValidationLimits.tgiDefaults.overridden(by: backend.limits))
        state.settings = saved.settings
        state.editor.setText(saved.prompt)
        state.themes = loader.available()
        state.themeName = themeProblem == nil ? themeName : theme.name
        state.notice = themeProblem ?? loadProblem
        if themeProblem != nil { theme = .builtinDefault }

        let queue = MessageQueue()
        let screen = CursesScreen(theme: theme, environment: configuration.environment)
        installSignalHandlers()
        screen.start()
        atexit { restoreTerminal() }
        defer { screen.stop() }

        let infoBackend = backend
        Task.detached {
            if let info = try? await infoBackend.info() {
                let limits = ValidationLimits.tgiDefaults.overridden(by: infoBackend.limits)
                    .overridden(by: info.validationLimits)
                queue.push(.backendInfo(model: info.modelId, limits: limits))
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

        func perform(_ effects: [Effect]) {
            for effect in effects {
                switch effect {
                case .startRun(let id, let request, let useCache, let waitForModel):
                    if backendKey != (useCache, waitForModel) {
                        backendKey = (useCache, waitForModel)
                        backend = configuration.makeBackend(useCache, waitForModel)
                    }
                    let b = backend
                    runs[id] = Task.detached { await consume(b, request, run: id, into: queue) }
                case .scorePrompt(let id, let request, let useCache, let waitForModel):
                    if backendKey != (useCache, waitForModel) {
                        backendKey = (useCache, waitForModel)
                        backend = configuration.makeBackend(useCache, waitForModel)
                    }
                    let b = backend
                    Task.detached {
                        do {
                            queue.push(.promptScored(id: id, try await b.generate(request)))
                        } catch let error as GenerationError {
                            queue.push(.promptScoreFailed(id: id, error))
                        } catch {
                            queue.push(.promptScoreFailed(id: id, GenerationError(
                                errorType: GenerationError.ErrorType.generation, message: "\(error)")))
                        }
                    }
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
                    save(state, paths: paths, sessionPath: sessionPath)
                    state.dirty = false
                    lastSave = monotonicSeconds()
                case .quit:
                    running = false
                }
            }
        }

        _ = update(&state, .presetsListed(presets.names(), active: nil))
        var readBuffer = [UInt8](repeating: 0, count: 65536)
        while running {
            let now = monotonicSeconds()
            var timeout: Int32 = 250
            if decoder.hasPendingEscape { timeout = 25 }
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
            } else if ready == 0 && decoder.hasPendingEscape {
                messages += decoder.flushPendingEscape()
            }
            messages += queue.drain()
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
            if state.dirty && t - lastSave > 2 && !state.phase.isActive {
                perform([.save])
            }
            if running && needsFrame && t - lastFrame >= frameInterval {
                screen.draw(view(state, width: state.width, height: state.height))
                lastFrame = t
                needsFrame = false
            }
        }
        for task in runs.values { task.cancel() }
        return 0
    }

    /// Feeds one run's stream into the queue; cancellation ends the stream (which aborts the transfer).
    static func consume(_ backend: any TextGenerationBackend, _ request: GenerateRequest, run: Int,
                        into queue: MessageQueue) async {
        do {
            for try await event in backend.generateStream(request) {
                queue.push(.runEvent(run: run, event, now: monotonicSeconds()))
            }
        } catch let error as GenerationError {
            queue.push(.runFailed(run: run, error, now: monotonicSeconds()))
        } catch is CancellationError {
            queue.push(.runFailed(run: run, GenerationError(errorType: GenerationError.ErrorType.cancelled,
                                                            message: "cancelled"), now: monotonicSeconds()))
        } catch {
            queue.push(.runFailed(run: run, GenerationError(errorType: GenerationError.ErrorType.generation,
                                                            message: "\(error)"), now: monotonicSeconds()))
        }
    }

    static func save(_ state: AppState, paths: StatePaths, sessionPath: String?) {
        let session = SavedSession(settings: state.settings, theme: state.themeName, prompt: state.editor.text)
        if let sessionPath { try? session.save(toFile: sessionPath) } else { try? session.save(to: paths) }
    }

    /// SIGINT/SIGTERM/SIGHUP/SIGQUIT restore the terminal and exit; SIGWINCH sets a flag for the loop.
    static func installSignalHandlers() {
        for sig in [SIGINT, SIGTERM, SIGHUP, SIGQUIT] {
            signal(sig) { number in
                restoreTerminal()
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
