import GenerationCore

/// The sidebar's keys: moving between fields, typing a value, stepping, resetting (the F8 set overrides live in
/// SetEditing.swift, preset naming in Presets/).

func commitSidebarEdit(_ state: inout AppState) {
    guard state.sidebar.editText != nil else { return }
    editSettings(&state) { commitSidebarText(&$0) }
}

/// Applies the typed text to `state.settings` (whichever settings `editSettings` put there).
func commitSidebarText(_ state: inout AppState) {
    guard let text = state.sidebar.editText else { return }
    state.sidebar.inputProblem = state.sidebar.selected.set(text, in: &state.settings)
    state.sidebar.editText = nil
    state.dirty = true
    if state.sidebar.selected == .backend, let typed = state.settings.backend, !state.backendChoices.contains(typed) {
        state.backendChoices.append(typed)
    }
}

func sidebarKey(_ state: inout AppState, _ key: Key) -> [Effect] {
    if state.sidebar.selected == .mode, state.sidebar.editText == nil, !state.isOpen(.presetName) {
        // Not a parameter: the prompt pane's mode, the same switch as F4.
        switch key {
        case .left, .right, .enter, .character(" "):
            toggleMode(&state, focusPrompt: false)
            return []
        case .character("d"), .delete, .backspace:
            if state.mode == .chat { toggleMode(&state, focusPrompt: false) }
            return []
        case .character(let c) where !"D?SP".contains(c):
            return []
        default:
            break
        }
    }
    if let effects = setOverrideKey(&state, key) { return effects }
    return editSettings(&state) { sidebarFieldKey(&$0, key) }
}

func sidebarFieldKey(_ state: inout AppState, _ key: Key) -> [Effect] {
    let fields = ParameterField.allCases
    let field = state.sidebar.selected
    if case .presetName(let name)? = state.overlay { return presetNameKey(&state, key, name: name) }
    if var text = state.sidebar.editText {
        switch key {
        case .enter: commitSidebarText(&state); return []
        case .backspace: if !text.isEmpty { text.removeLast() }
        case .ctrl("u"): text = ""
        case .character(let c): text.append(c)
        case .up, .down:
            commitSidebarText(&state)
            return sidebarFieldKey(&state, key)
        default: break
        }
        state.sidebar.editText = text
        return []
    }
    let index = fields.firstIndex(of: field) ?? 0
    switch key {
    case .up, .ctrl("p"): state.sidebar.selected = fields[max(0, index - 1)]
    case .down, .ctrl("n"): state.sidebar.selected = fields[min(fields.count - 1, index + 1)]
    case .home, .pageUp: state.sidebar.selected = fields[0]
    case .end, .pageDown: state.sidebar.selected = fields[fields.count - 1]
    case .left where field == .backend, .right where field == .backend:
        stepBackend(&state, key == .left ? -1 : 1)
        state.sidebar.inputProblem = nil
        state.dirty = true
    case .left, .right:
        field.stepped(key == .left ? -1 : 1, in: &state.settings)
        state.sidebar.inputProblem = nil
        state.dirty = true
    case .enter where field == .grammarValue, .character(" ") where field == .grammarValue:
        openGrammarEditor(&state)
    case .character(let c) where field == .grammarValue && !"dDSP?".contains(c):
        openGrammarEditor(&state)
        state.updateGrammarEditor { $0.editor.insert(String(c)) }
    case .enter, .character(" "):
        switch field.kind {
        case .boolean, .choice:
            field.stepped(1, in: &state.settings)
            state.dirty = true
        default:
            state.sidebar.editText = field.editText(in: state.settings)
        }
    case .character("d"), .delete, .backspace:
        field.reset(in: &state.settings)
        state.sidebar.inputProblem = nil
        state.dirty = true
    case .character("D"):
        state.settings = .defaults
        state.sidebar.inputProblem = nil
        state.dirty = true
        state.notice = "all parameters reset to defaults"
    case .character("?"):
        state.open(.help(over: nil))
    case .character("S"):
        state.open(.presetName(state.sidebar.activePreset ?? ""))
    case .character("P"):
        let names = state.sidebar.presets
        guard !names.isEmpty else {
            state.notice = "no presets yet: S saves the current parameters as one"
            return []
        }
        let next = state.sidebar.activePreset.flatMap { names.firstIndex(of: $0) }.map { ($0 + 1) % names.count } ?? 0
        return [.loadPreset(name: names[next])]
    case .character(let c) where field.kind != .boolean && field.kind != .choice:
        // Typing starts an edit that replaces the value.
        state.sidebar.editText = String(c)
    default:
        break
    }
    return []
}

/// A click in the sidebar focuses it and selects the field drawn on that row (the layout's scroll included).
func sidebarClick(_ state: inout AppState, _ layout: Layout, y: Int) {
    state.focus = .sidebar
    if let field = layout.sidebarField(atRow: y) { state.sidebar.selected = field }
}
