import GenerationCore

func moveTokenCursor(_ state: inout AppState, _ delta: Int) {
    let count = state.transcript.count
    guard count > 0 else { return }
    let current = state.tokenCursor ?? count
    state.tokenCursor = min(count - 1, max(0, current + delta))
    scrollToCursor(&state)
}

/// Keeps the selected token's row on screen (stops following the stream when the cursor is above it).
func scrollToCursor(_ state: inout AppState) {
    guard let cursor = state.tokenCursor, cursor < state.transcript.tokenRow.count else { return }
    let row = Int(state.transcript.tokenRow[cursor])
    let height = max(1, state.geometry.outputText.height)
    let top = firstVisibleRow(state, height: height)
    if row < top {
        state.outputScroll = row
    } else if row >= top + height {
        state.outputScroll = row - height + 1
    }
    if let s = state.outputScroll, s + height >= state.transcript.rows.count { state.outputScroll = nil }
}

/// The first output row on screen: pinned by scrolling, else following the end.
public func firstVisibleRow(_ state: AppState, height: Int) -> Int {
    let rows = state.transcript.rows.count
    if let s = state.outputScroll { return max(0, min(s, rows - 1)) }
    return max(0, rows - height)
}

func outputKey(_ state: inout AppState, _ key: Key) -> [Effect] {
    let height = max(1, state.geometry.outputText.height)
    switch key {
    case .left, .right, .home, .end, .up, .down, .character("h"), .character("l"), .character("k"), .character("j"):
        state.cursorPlaced = true
    default:
        break
    }
    switch key {
    case .left, .character("h"): moveTokenCursor(&state, -1)
    case .right, .character("l"): moveTokenCursor(&state, 1)
    case .home: state.tokenCursor = state.transcript.isEmpty ? nil : 0; scrollToCursor(&state)
    case .end: moveTokenCursor(&state, state.transcript.count)
    case .up, .down, .character("k"), .character("j"):
        guard let cursor = state.tokenCursor, cursor < state.transcript.tokenRow.count else {
            moveTokenCursor(&state, 0)
            return []
        }
        let row = Int(state.transcript.tokenRow[cursor]) + ((key == .up || key == .character("k")) ? -1 : 1)
        if row >= 0 && row < state.transcript.rows.count {
            state.tokenCursor = Int(state.transcript.rows[row].token)
            scrollToCursor(&state)
        }
    case .pageUp:
        let top = firstVisibleRow(state, height: height)
        state.outputScroll = max(0, top - height)
    case .pageDown:
        let top = firstVisibleRow(state, height: height)
        let next = top + height
        state.outputScroll = next + height >= state.transcript.rows.count ? nil : next
    case .enter:
        if state.tokenCursor == nil { moveTokenCursor(&state, 0) }
        if state.tokenCursor != nil { state.open(.popup(Popup())) }
    case .character("?"):
        state.open(.help(over: nil))
    case .character("["), .character("]"):
        return browseSiblings(&state, key == .character("[") ? -1 : 1)
    case .character("u"), .ctrl("z"):
        return undoBranch(&state)
    case .character("c"):
        return resumeOutput(&state)
    case .character("n"):
        return stepOutput(&state)
    case .character("t"):
        return openLoom(&state)
    case .character("a"):
        return acceptReply(&state)
    case .character("m"):
        cycleColourBy(&state)
    case .character("s"):
        return openTree(&state)
    default:
        break
    }
    return []
}
