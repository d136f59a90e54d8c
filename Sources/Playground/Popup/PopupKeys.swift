import GenerationCore

/// The popup's alternatives, most likely first (the order it draws them in).
func sortedAlternatives(_ token: OutputToken) -> [Token] {
    token.topTokens.sorted { ($0.logprob ?? -.infinity) > ($1.logprob ?? -.infinity) }
}

func popupKey(_ state: inout AppState, _ key: Key) -> [Effect] {
    let alternatives = state.tokenCursor.flatMap { i in
        i < state.transcript.count ? sortedAlternatives(state.transcript.tokens[i]) : nil
    } ?? []
    switch key {
    case .escape:
        closePopup(&state)
    case .left, .right:
        moveTokenCursor(&state, key == .left ? -1 : 1)
        state.updatePopup { $0.selection = nil }
    case .character("v"):
        // Branching picks from the processed list, so the selection does not carry over to the other views.
        state.updatePopup {
            $0.mode = $0.mode.next
            $0.selection = nil
        }
        state.lab.popupWantsStages = state.popup.map { $0.mode != .processed } ?? false
    case .up, .down, .character("k"), .character("j"):
        guard state.popup?.mode == .processed else { break }
        state.updatePopup { $0.selection = steppedSelection($0.selection, count: alternatives.count, key: key) }
    case .enter, .character("b"):
        guard state.popup?.mode == .processed, let selection = state.popup?.selection, selection < alternatives.count, let index = state.tokenCursor else {
            if key == .enter { closePopup(&state) } else { state.notice = "select an alternative with Up/Down" }
            break
        }
        if state.popup?.step == true {
            return acceptStepAlternative(&state, at: index, with: alternatives[selection])
        }
        return branch(&state, at: index, with: alternatives[selection])
    case .character("n") where state.popup?.step == true:
        closePopup(&state)
        return stepOutput(&state)
    case .character("f") where state.popup?.step == true:
        state.open(.pathPrompt(PathPrompt(purpose: .forceText, text: ""), over: state.overlay))
    case .character("c") where state.popup?.step == true:
        closePopup(&state)
        return resumeOutput(&state)
    default:
        break
    }
    return []
}

/// Up/Down (k/j) through a list of `count` alternatives: from nothing selected, Down picks the first and Up
/// the last; the ends do not wrap. An empty list leaves the selection as it is.
func steppedSelection(_ current: Int?, count: Int, key: Key) -> Int? {
    guard count > 0 else { return current }
    let delta = (key == .up || key == .character("k")) ? -1 : 1
    let from = current ?? (delta > 0 ? -1 : count)
    return min(count - 1, max(0, from + delta))
}

func closePopup(_ state: inout AppState) {
    state.close(.popup)
}
