import GenerationCore

/// The mouse: the overlay up takes it first, else the pane under the pointer (each pane's click lives with the
/// pane: Output/, Editor/, Sidebar/, Compare/).
func handleMouse(_ state: inout AppState, _ event: MouseEvent) -> [Effect] {
    // The frame on screen: what the click landed on is what this layout drew there.
    let layout = Layout(state)
    // The overlay that takes the keys takes the mouse too: a click must not act on what it covers. A click
    // closes the help and the popup; preset naming lets the panes have the mouse.
    switch state.overlay {
    case .help?, .popup?, .statusDetails?:
        if event.button == .left { state.close(.help, .popup, .statusDetails) }
        return []
    case .presetName?, nil:
        break
    case .history?, .distributions?, .grammarEditor?, .pathPrompt?, .template?, .loom?, .tree?:
        return []
    }
    switch event.button {
    case .wheelUp, .wheelDown:
        if layout.output.contains(x: event.x, y: event.y) { outputWheel(&state, layout, up: event.button == .wheelUp) }
    case .left:
        if state.compare != nil && layout.output.contains(x: event.x, y: event.y) {
            compareClick(&state, layout, x: event.x, y: event.y)
        } else if layout.output.contains(x: event.x, y: event.y) {
            outputClick(&state, layout, x: event.x, y: event.y)
        } else if layout.prompt.contains(x: event.x, y: event.y) {
            promptClick(&state, layout, y: event.y)
        } else if layout.sidebar.contains(x: event.x, y: event.y) {
            sidebarClick(&state, layout, y: event.y)
        }
    default:
        break
    }
    return []
}
