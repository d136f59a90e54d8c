import Foundation
import GenerationCore
#if canImport(Glibc)
import Glibc
#endif

/// What the playground opens with, read before the screen is taken: the XDG files, the theme, the session (its
/// file or the autosave slot) and the default backend, as the first state.
struct StartUp {
    var state: AppState
    var theme: Theme
    var loader: ThemeLoader
    var paths: StatePaths
    /// The backend the playground was opened with (runs with `backend: default` use it).
    var backend: any TextGenerationBackend

    /// Why the playground does not open: the message for stderr and the exit status.
    struct Failure: Error {
        var message: String
        var status: Int32
    }

    static func prepare(_ configuration: PlaygroundConfiguration) -> Result<StartUp, Failure> {
        let paths = StatePaths(environment: configuration.environment)
        let loader = ThemeLoader.standard(environment: configuration.environment,
                                          executablePath: configuration.executablePath)
        let (saved, loadProblem) = SavedSession.load(from: paths)
        let themeName = configuration.themeName ?? saved.theme ?? Theme.builtinDefault.name
        var (theme, themeProblem) = loader.load(themeName)

        // The session: `--session FILE`, else the autosave slot. A file this build cannot read is never
        // overwritten: with --session the playground does not open; the slot's damaged file is moved aside,
        // a newer tgplay's file is left and autosave is off.
        let explicitSession = configuration.sessionPath.map(EffectRunner.expandHome)
        let sessionPath = explicitSession ?? SessionStore(environment: configuration.environment).path
        let opening: SessionOpening
        do {
            opening = try SessionSlot.open(path: sessionPath, explicit: explicitSession != nil)
        } catch {
            return .failure(Failure(message: "\(error)", status: 1))
        }

        guard isatty(0) != 0 && isatty(1) != 0 else {
            return .failure(Failure(message: "the playground needs a terminal (stdin and stdout must be a tty)",
                                    status: 2))
        }

        let backend: any TextGenerationBackend
        do {
            backend = try configuration.makeBackend(nil, saved.settings.useCache, saved.settings.waitForModel)
        } catch {
            return .failure(Failure(message: "cannot open the playground: \(error)", status: 1))
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
        state.sessionPath = sessionPath
        state.autosaveProblem = opening.autosaveProblem
        state.themes = loader.available()
        state.themeName = themeProblem == nil ? themeName : theme.name
        state.notice = opening.notice ?? themeProblem ?? loadProblem
        if themeProblem != nil { theme = .builtinDefault }
        return .success(StartUp(state: state, theme: theme, loader: loader, paths: paths, backend: backend))
    }
}
