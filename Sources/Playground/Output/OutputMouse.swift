import GenerationCore

/// The wheel over the output scrolls it three rows; back at the end it follows the stream again.
func outputWheel(_ state: inout AppState, _ layout: Layout, up: Bool) {
    let height = max(1, layout.outputText.height)
    let next = layout.outputTop + (up ? -3 : 3)
    state.outputScroll = next + height >= state.transcript.rows.count ? nil : max(0, next)
}

/// A click in the output focuses it and puts the token cursor on the token drawn there.
func outputClick(_ state: inout AppState, _ layout: Layout, x: Int, y: Int) {
    state.focus = .output
    let text = layout.outputText
    let row = layout.outputTop + y - text.y
    if let t = state.transcript.token(atRow: row, x: x - text.x) {
        state.tokenCursor = t
        state.cursorPlaced = true
    }
}
