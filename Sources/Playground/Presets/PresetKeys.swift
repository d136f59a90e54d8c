import Foundation
import GenerationCore

/// A preset name typed in the sidebar's footer (after `S`): Enter saves the sidebar's parameters under it.
func presetNameKey(_ state: inout AppState, _ key: Key, name: String) -> [Effect] {
    var name = name
    switch key {
    case .enter:
        state.close(.presetName)
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard PresetStore.isValidName(trimmed) else {
            state.notice = "not a preset name: letters, digits, space, - _ . (1 to 40)"
            return []
        }
        return [.savePreset(name: trimmed, settings: state.settings)]
    case .backspace: if !name.isEmpty { name.removeLast() }
    case .ctrl("u"): name = ""
    case .character(let c): name.append(c)
    default: break
    }
    state.overlay = .presetName(name)
    return []
}

/// The saved presets were listed (at start-up, or after `active` was saved).
func presetsListed(_ state: inout AppState, _ names: [String], active: String?) {
    state.sidebar.presets = names
    if let active {
        state.sidebar.activePreset = active
        state.notice = "saved preset \(active)"
    }
}

/// A preset was read: its parameters replace the sidebar's target's (the base, or the set F8 edits).
func presetLoaded(_ state: inout AppState, name: String, settings: ParameterSettings) {
    if let t = state.editTarget, state.sets.indices.contains(t) {
        // A preset loaded into a set: the set overrides whatever the preset sets differently from the base.
        let (set, _) = state.settings.override(to: settings, name: state.sets[t].name)
        state.sets[t] = set
    } else {
        state.settings = settings
    }
    state.sidebar.activePreset = name
    state.sidebar.inputProblem = nil
    state.notice = "preset \(name)"
    state.dirty = true
}

