import GenerationCore

/// `backend` steps through the default, the built-in engine, configured endpoints and URLs typed before.
func stepBackend(_ state: inout AppState, _ direction: Int) {
    let choices: [BackendIdentity?] = [nil] + state.backendChoices.filter { $0 != state.defaultBackend }
    let i = choices.firstIndex(of: state.settings.backend) ?? 0
    state.settings.backend = choices[(i + direction + choices.count) % choices.count]
}
