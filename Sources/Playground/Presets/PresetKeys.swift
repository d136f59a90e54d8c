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
