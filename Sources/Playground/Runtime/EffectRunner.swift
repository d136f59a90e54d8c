import Foundation
import GenerationCore
import Synchronization

/// Performs the effects `update` asks for, and answers every result with a `Message` on the queue: it never
/// changes the state (it reads it only to write a session) and never calls `update`. Runs and requests go on
/// tasks; file I/O (session saves, save as, open, exports, presets, themes) goes on one serial background
/// queue, in the order asked, so the screen never waits for a disk and no older write lands after a newer one.
final class EffectRunner {
    let queue: MessageQueue
    private let paths: StatePaths
    private let presets: PresetStore
    private let loader: ThemeLoader
    private let makeBackend: @Sendable (BackendIdentity?, Bool, Bool) throws -> any TextGenerationBackend
    /// Sets the screen's colours; called on the UI thread.
    var applyTheme: (Theme) -> Void = { _ in }
    private var backends: [String: any TextGenerationBackend] = [:]
    private var runs: [Int: Task<Void, Never>] = [:]
    private let files = DispatchQueue(label: "tgplay.files")
    private let record = SaveRecord()
    /// When the last save was asked for (monotonic seconds).
    private(set) var lastSave: Double
    /// `.quit` was performed.
    private(set) var quitRequested = false

    init(queue: MessageQueue, paths: StatePaths, loader: ThemeLoader,
         makeBackend: @escaping @Sendable (BackendIdentity?, Bool, Bool) throws -> any TextGenerationBackend) {
        self.queue = queue
        self.paths = paths
        self.presets = PresetStore(paths: paths)
        self.loader = loader
        self.makeBackend = makeBackend
        lastSave = monotonicSeconds()
    }

    /// How long autosave waits between writes.
    var autosaveInterval: Double { max(2, 10 * record.cost.withLock { $0 }) }

    /// The backend for a run, built once per identity and header combination.
    func backend(_ identity: BackendIdentity?, useCache: Bool, waitForModel: Bool) throws -> any TextGenerationBackend {
        let key = "\(identity?.value ?? "")|\(useCache)|\(waitForModel)"
        if let b = backends[key] { return b }
        let b = try makeBackend(identity, useCache, waitForModel)
        backends[key] = b
        return b
    }

    /// Uses `backend` for the default identity with these headers (the one start-up built).
    func adopt(_ backend: any TextGenerationBackend, useCache: Bool, waitForModel: Bool) {
        backends["|\(useCache)|\(waitForModel)"] = backend
    }

    func perform(_ effects: [Effect], state: AppState) {
        for effect in effects { perform(effect, state: state) }
    }

    func perform(_ effect: Effect, state: AppState) {
        let queue = queue
        switch effect {
        case .startRun(let id, let request, let useCache, let waitForModel, let backend):
            runs[id] = spawn(backend, useCache, waitForModel, { b in
                // The built-in engine records stages only while a view reads them (the popup's raw or stages
                // view, a colour-by that needs them: `LabState.traceStages`); servers ignore the switch. Set
                // where the request is sent, so sessions and history keep it as written.
                var traced = request
                traced.traceStages = state.lab.traceStages
                // The built-in engine says how far a long prompt's prefill has got (servers cannot).
                let stream = (b as? any PrefillReporting).map { engine in
                    engine.generateStream(traced) { done, total in
                        queue.push(.prefillProgress(run: id, done: done, total: total))
                    }
                } ?? b.generateStream(traced)
                await Self.consume(stream, run: id, into: queue)
            }, failed: { .runFailed(run: id, $0, now: monotonicSeconds()) })
        case .startChat(let id, let request, let useCache, let waitForModel, let backend):
            runs[id] = spawn(backend, useCache, waitForModel, { b in
                await Self.consume(b.chatStream(request), run: id, into: queue)
            }, failed: { .runFailed(run: id, $0, now: monotonicSeconds()) })
        case .fetchTemplate(let id, let request, let useCache, let waitForModel, let backend):
            ask(backend, useCache, waitForModel, { try await $0.template(request) },
                answered: { .templateReady(id: id, $0) }, failed: { .templateFailed(id: id, $0) })
        case .scorePrompt(let id, let request, let useCache, let waitForModel, let backend):
            ask(backend, useCache, waitForModel, { try await $0.generate(request) },
                answered: { .promptScored(id: id, $0) }, failed: { .promptScoreFailed(id: id, $0) })
        case .scoreChat(let id, let request, let useCache, let waitForModel, let backend):
            ask(backend, useCache, waitForModel, { try await $0.scoreChat(request) },
                answered: { .promptScored(id: id, $0) }, failed: { .promptScoreFailed(id: id, $0) })
        case .countTokens(let id, let text, let useCache, let waitForModel, let backend):
            ask(backend, useCache, waitForModel, { try await $0.countTokens(text) },
                answered: { .tokensCounted(id: id, $0) }, failed: { .tokenCountFailed(id: id, $0) })
        case .sampleTree(let id, let request, let useCache, let waitForModel, let backend):
            ask(backend, useCache, waitForModel, { try await SampleTrees.sample(request, on: $0) },
                answered: { .treeSampled(id: id, .success($0)) }, failed: { .treeSampled(id: id, .failure($0)) })
        case .forceStep(let id, let request, let useCache, let waitForModel, let backend):
            ask(backend, useCache, waitForModel, { try await Stepping.step(request, on: $0) },
                answered: { .stepForced(id: id, .success($0)) }, failed: { .stepForced(id: id, .failure($0)) })
        case .cancelRun(let id):
            runs[id]?.cancel()
            runs[id] = nil
        case .switchTheme(let name):
            let loader = loader
            files.async {
                let (theme, problem) = loader.load(name)
                queue.push(.themeChanged(name: problem == nil ? name : theme.name, problem: problem, theme: theme))
            }
        case .applyTheme(let theme):
            applyTheme(theme)
        case .savePreset(let name, let settings):
            let presets = presets
            files.async {
                do {
                    try presets.save(settings, as: name)
                    queue.push(.presetsListed(presets.names(), active: name))
                } catch {
                    queue.push(.notice("cannot save preset: \(error)"))
                }
            }
        case .loadPreset(let name):
            let presets = presets
            files.async {
                do {
                    queue.push(.presetLoaded(name: name, settings: try presets.load(name)))
                } catch {
                    queue.push(.notice("\(error)"))
                }
            }
        case .save:
            save(state)
        case .writeSession(let document, let path):
            write(document, to: path, revision: nil)
        case .saveSessionAs(let path):
            saveAs(state, to: Self.expandHome(path))
        case .openSession(let path):
            let target = Self.expandHome(path)
            // On the file queue: the file as last written, after any write still queued.
            files.async {
                do {
                    queue.push(.sessionOpened(try SessionFile.load(from: target), path: target))
                } catch {
                    queue.push(.notice("\(error)"))
                }
            }
        case .writeFile(let path, let contents, let what):
            let target = Self.expandHome(path)
            files.async {
                do {
                    try SessionFile.writeAtomically(Data(contents.utf8), to: target)
                    queue.push(.exported(what: what, path: target))
                } catch {
                    queue.push(.exportFailed(path: target, reason: "\(error)"))
                }
            }
        case .quit:
            quitRequested = true
        }
    }

    /// The parameters, theme and prompt a fresh session starts from, and the session itself (unless autosave is
    /// off); `.saved` reports which change the file now holds.
    private func save(_ state: AppState) {
        lastSave = monotonicSeconds()
        let defaults = SavedSession(settings: state.settings, theme: state.themeName, prompt: state.editor.text)
        let paths = paths
        files.async { try? defaults.save(to: paths) }
        guard state.autosaveProblem == nil, let path = state.sessionPath else {
            queue.push(.saved(revision: state.changeCount, path: nil, created: nil))
            return
        }
        write(state.sessionDocument(), to: path, revision: state.changeCount)
    }

    /// Writes `document` to `path`; with a `revision`, reports `.saved`, and a failure as `.saveFailed`.
    private func write(_ document: Session, to path: String, revision: Int?) {
        let (queue, record) = (queue, record)
        files.async {
            let started = monotonicSeconds()
            do {
                try SessionFile.save(document, to: path)
                record.lastError.withLock { $0 = nil }
                if let revision { queue.push(.saved(revision: revision, path: path, created: document.createdAt)) }
            } catch {
                record.lastError.withLock { $0 = "\(error)" }
                queue.push(.saveFailed("\(error)"))
            }
            let cost = monotonicSeconds() - started
            record.cost.withLock { $0 = cost }
        }
    }

    /// Writes the session to `target` unless that file holds something that is not a readable session.
    private func saveAs(_ state: AppState, to target: String) {
        let document = state.sessionDocument()
        let (queue, revision) = (queue, state.changeCount)
        files.async {
            if let problem = SessionSlot.overwriteProblem(target) {
                queue.push(.notice(problem))
                return
            }
            do {
                try SessionFile.save(document, to: target)
                queue.push(.sessionSavedAs(path: target, revision: revision, created: document.createdAt))
            } catch {
                queue.push(.notice("\(error)"))
            }
        }
    }

    /// A one-shot request on a task: its answer reported as `answered`, any failure (the backend not built
    /// included) as `failed`.
    private func ask<Answer: Sendable>(_ identity: BackendIdentity?, _ useCache: Bool, _ waitForModel: Bool,
                                       _ work: @escaping @Sendable (any TextGenerationBackend) async throws -> Answer,
                                       answered: @escaping @Sendable (Answer) -> Message,
                                       failed: @escaping @Sendable (GenerationError) -> Message) {
        let queue = queue
        _ = spawn(identity, useCache, waitForModel, { b in
            do {
                queue.push(answered(try await work(b)))
            } catch {
                queue.push(failed(GenerationError.from(error, otherwise: .generation)))
            }
        }, failed: failed)
    }

    /// Runs `work` on a task with the backend, or reports `failed` when the backend cannot be built.
    private func spawn(_ identity: BackendIdentity?, _ useCache: Bool, _ waitForModel: Bool,
                       _ work: @escaping @Sendable (any TextGenerationBackend) async -> Void,
                       failed: @escaping @Sendable (GenerationError) -> Message) -> Task<Void, Never> {
        do {
            let b = try backend(identity, useCache: useCache, waitForModel: waitForModel)
            return Task.detached { await work(b) }
        } catch {
            queue.push(failed(GenerationError.from(error, otherwise: .invalidRequest)))
            return Task {}
        }
    }

    /// Waits until every file operation asked for so far is done (and its message pushed).
    func waitForFiles() { files.sync {} }

    /// Cancels what still runs and waits for the last write; returns why the session was not saved, if so.
    func finish() -> String? {
        for task in runs.values { task.cancel() }
        waitForFiles()
        return record.lastError.withLock { $0 }
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
            queue.push(.runFailed(run: run, GenerationError.from(error, otherwise: .generation),
                                  now: monotonicSeconds()))
        }
    }

    /// `~/x` as a path under HOME; other paths as given (relative ones against the working directory).
    static func expandHome(_ path: String) -> String {
        guard path.hasPrefix("~/") else { return path }
        return (ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()) + path.dropFirst()
    }
}

/// What the file queue tells the UI thread about session writes.
private final class SaveRecord: Sendable {
    /// Seconds the last session write took: autosave waits ten times that (at least 2 s) between writes, so a
    /// session with a long history is not re-encoded on every pause in typing.
    let cost = Mutex<Double>(0)
    /// Why the last session write failed (reported on stderr at quit when no later write succeeded).
    let lastError = Mutex<String?>(nil)
}
