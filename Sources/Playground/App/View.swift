import Foundation
import GenerationCore

/// The playground's screen as a pure function of its state: no terminal, no clock, no I/O, so every screen
/// can be snapshot-tested and the runtime can diff two frames.
public func view(_ state: AppState, width: Int, height: Int) -> CellBuffer {
    var buffer = CellBuffer(width: width, height: height)
    if width < AppState.minimumWidth || height < AppState.minimumHeight {
        drawTooSmall(&buffer)
        return buffer
    }
    let layout = Layout(state, width: width, height: height)
    if state.promptView {
        drawPromptTokens(&buffer, state, layout)
    } else if state.mode == .chat {
        drawChatPrompt(&buffer, state, layout)
    } else {
        drawPrompt(&buffer, state, layout.prompt)
    }
    if let compare = state.compare {
        drawCompare(&buffer, state, compare, layout)
    } else {
        drawOutput(&buffer, state, layout)
    }
    drawSidebar(&buffer, state, layout)
    drawStatus(&buffer, state, layout.status)
    // The overlays, innermost first: the one taking the keys is drawn on top.
    for overlay in (state.overlay?.layers ?? []).reversed() {
        drawOverlay(&buffer, state, overlay, layout)
    }
    return buffer
}

/// One overlay in its place (path prompts and preset naming are drawn by the status bar and the sidebar).
func drawOverlay(_ buffer: inout CellBuffer, _ state: AppState, _ overlay: Overlay, _ layout: Layout) {
    switch overlay {
    case .grammarEditor(let grammar): drawGrammarEditor(&buffer, grammar, layout.grammarEditor)
    case .history(let history): drawHistory(&buffer, state, history, layout.wideOverlay)
    case .loom(let loom): drawLoom(&buffer, state, loom, layout.wideOverlay)
    case .distributions:
        if let compare = state.compare { drawDistributions(&buffer, compare, layout.wideOverlay) }
    case .popup(let popup): drawPopup(&buffer, state, popup, layout.output)
    case .template(let template): drawTemplate(&buffer, template, layout.grammarEditor)
    case .tree(let tree): drawTree(&buffer, tree, layout.wideOverlay)
    case .help: drawHelp(&buffer, width: layout.status.width, height: layout.status.maxY, page: state.helpPage)
    case .statusDetails: drawStatusDetails(&buffer, state, layout)
    case .pathPrompt, .presetName: break
    }
}

func drawTooSmall(_ buffer: inout CellBuffer) {
    let lines = ["Terminal too small", "need \(AppState.minimumWidth)x\(AppState.minimumHeight),",
                 "have \(buffer.width)x\(buffer.height)", "Ctrl-Q quits"]
    let top = max(0, (buffer.height - lines.count) / 2)
    for (i, line) in lines.enumerated() {
        let x = max(0, (buffer.width - DisplayWidth.of(line)) / 2)
        buffer.put(line, x: x, y: top + i, role: i == 0 ? .error : .normal)
    }
}

/// A single-line border with a title; the focused pane's border is highlighted.
func drawBox(_ buffer: inout CellBuffer, _ rect: Rect, title: String, focused: Bool, right: String? = nil,
             rightRole: Role = .dim) {
    guard rect.width >= 2, rect.height >= 2 else { return }
    let role: Role = focused ? .borderFocus : .border
    for x in rect.x..<rect.maxX {
        buffer.put("─", x: x, y: rect.y, role: role)
        buffer.put("─", x: x, y: rect.maxY - 1, role: role)
    }
    for y in rect.y..<rect.maxY {
        buffer.put("│", x: rect.x, y: y, role: role)
        buffer.put("│", x: rect.maxX - 1, y: y, role: role)
    }
    buffer.put("┌", x: rect.x, y: rect.y, role: role)
    buffer.put("┐", x: rect.maxX - 1, y: rect.y, role: role)
    buffer.put("└", x: rect.x, y: rect.maxY - 1, role: role)
    buffer.put("┘", x: rect.maxX - 1, y: rect.maxY - 1, role: role)
    let end = buffer.put(" \(title) ", x: rect.x + 2, y: rect.y, role: focused ? .titleFocus : .title, limit: rect.maxX - 2)
    // The right-hand text whole or not at all: where it does not fit, hints go from its end but the last (the
    // first hints and "Esc" stay longest), so a key or a number is never cut in half.
    var parts = right.map(boxHintParts) ?? []
    while !parts.isEmpty {
        let text = parts.enumerated().map { $0.offset == 0 ? $0.element.text : $0.element.separator + $0.element.text }.joined()
        let w = DisplayWidth.of(text) + 2
        if rect.maxX - 2 - w >= end + 1 {
            buffer.put(" \(text) ", x: rect.maxX - 2 - w, y: rect.y, role: rightRole, limit: rect.maxX - 2)
            break
        }
        parts.remove(at: max(0, parts.count - 2))
    }
}

/// A box's right-hand text cut into its hints at " · " and at double spaces, each with the separator before it.
func boxHintParts(_ text: String) -> [(separator: String, text: String)] {
    var parts: [(separator: String, text: String)] = []
    var separator = ""
    var rest = Substring(text)
    while !rest.isEmpty {
        let dot = rest.range(of: " · ")
        let gap = rest.range(of: "  ")
        guard let cut = [dot, gap].compactMap({ $0 }).min(by: { $0.lowerBound < $1.lowerBound }) else {
            parts.append((separator, String(rest)))
            break
        }
        parts.append((separator, String(rest[..<cut.lowerBound])))
        separator = String(rest[cut])
        rest = rest[cut.upperBound...]
    }
    return parts.filter { !$0.text.isEmpty }
}
