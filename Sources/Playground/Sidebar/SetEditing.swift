import GenerationCore

/// Runs `change` on the settings the sidebar edits: the base, or (F8) a set's effective settings (base +
/// override), of which only what then differs from the base is kept as the set's override. The headers
/// (`x-use-cache`, `x-wait-for-model`) are the base's for every set.
func editSettings<R>(_ state: inout AppState, _ change: (inout AppState) -> R) -> R {
    guard let t = state.editTarget, state.sets.indices.contains(t) else { return change(&state) }
    let base = state.settings
    let before = base.applying(state.sets[t])
    state.settings = before
    let result = change(&state)
    let edited = state.settings
    state.settings = base
    state.settings.useCache = edited.useCache
    state.settings.waitForModel = edited.waitForModel
    let (set, lost) = base.updating(state.sets[t], from: before, to: edited)
    state.sets[t] = set
    if !lost.isEmpty {
        state.notice = "set \(set.name) cannot unset \(lost.joined(separator: ", ")) while the base sets it: unset it in the base (F8)"
    }
    return result
}

/// F8: which parameters the sidebar edits: the base, then set A, B, C, D, then the base again.
func cycleEditTarget(_ state: inout AppState) -> [Effect] {
    if state.sidebar.editText != nil { commitSidebarEdit(&state) }
    let next = (state.editTarget ?? -1) + 1
    state.editTarget = next < state.sets.count ? next : nil
    if let t = state.editTarget {
        let name = state.sets[t].name
        state.notice = "editing set \(name): changes apply to \(name) only (d: back to the base's value); F8 next, F7 compares"
        state.focus = .sidebar
    } else {
        state.notice = "editing the base parameters (every set inherits them)"
    }
    return []
}

/// `d` and `D` while a set is the sidebar's target (F8): back to the base's value for one field, or for all;
/// nil when the key is not one of those (the sidebar handles it).
func setOverrideKey(_ state: inout AppState, _ key: Key) -> [Effect]? {
    guard let t = state.editTarget, state.sets.indices.contains(t), state.sidebar.editText == nil,
          !state.isOpen(.presetName) else { return nil }
    let field = state.sidebar.selected
    switch key {
    case .character("d"), .delete, .backspace:
        // Back to the base's value: the set stops overriding the field.
        state.sets[t] = state.sets[t].removingOverride(field)
        state.dirty = true
        return []
    case .character("D"):
        state.sets[t] = ParameterSet(name: state.sets[t].name)
        state.dirty = true
        state.notice = "set \(state.sets[t].name) cleared: it runs with the base parameters"
        return []
    default:
        return nil
    }
}
