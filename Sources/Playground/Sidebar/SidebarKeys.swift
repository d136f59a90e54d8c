import GenerationCore
/// Key handling per focused pane.

func editorKey(_ state: inout AppState, _ key: Key) -> [Effect] {
    if editText(&state.editor, key) { state.dirty = true }
    return []
}

/// The editing keys of a multi-line editor (the prompt, the grammar editor); true when the text changed.
func editText(_ e: inout TextEditor, _ key: Key) -> Bool {
    switch key {
    case .character(let c): e.insert(String(c))
    case .enter: e.newline()
    case .backspace, .ctrl("h"): e.backspace()
    case .delete, .ctrl("d"): e.deleteForward()
    case .left, .ctrl("b"): e.moveLeft(); return false
    case .right, .ctrl("f"): e.moveRight(); return false
    case .up, .ctrl("p"): e.moveVertically(-1); return false
    case .down, .ctrl("n"): e.moveVertically(1); return false
    case .home, .ctrl("a"): e.moveHome(); return false
    case .end, .ctrl("e"): e.moveEnd(); return false
    case .ctrlHome: e.moveDocumentStart(); return false
    case .ctrlEnd: e.moveDocumentEnd(); return false
    case .ctrlLeft, .alt("b"): e.moveWordLeft(); return false
    case .ctrlRight, .alt("f"): e.moveWordRight(); return false
    case .pageUp: e.pageUp(); return false
    case .pageDown: e.pageDown(); return false
    case .ctrl("k"): e.killToEnd()
    case .ctrl("u"): e.killToStart()
    case .ctrl("w"), .alt("\u{7F}"): e.deleteWordBackward()
    case .ctrl("z"), .ctrl("_"): e.undo()
    case .ctrl("y"): e.redo()
    default: return false
    }
    return true
}

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
    if let t = state.editTarget, state.sets.indices.contains(t), state.sidebar.editText == nil,
       !state.isOpen(.presetName) {
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
            break
        }
    }
    return editSettings(&state) { sidebarFieldKey(&$0, key) }
}

/// `backend` steps through the default, the built-in engine, configured endpoints and URLs typed before.
func stepBackend(_ state: inout AppState, _ direction: Int) {
    let choices: [BackendIdentity?] = [nil] + state.backendChoices.filter { $0 != state.defaultBackend }
    let i = choices.firstIndex(of: state.settings.backend) ?? 0
    state.settings.backend = choices[(i + direction + choices.count) % choices.count]
}

func sidebarFieldKey(_ state: inout AppState, _ key: Key) -> [Effect] {
    let fields = ParameterField.allCases
    let field = state.sidebar.selected
    if case .presetName(var name)? = state.overlay {
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
    let height = max(1, Layout(width: state.width, height: state.height).outputText.height)
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
    let height = max(1, Layout(width: state.width, height: state.height).outputText.height)
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
    case .character("a"):
        return acceptReply(&state)
    default:
        break
    }
    return []
}

func handleMouse(_ state: inout AppState, _ event: MouseEvent) -> [Effect] {
    // The frame on screen: what the click landed on is what this layout drew there.
    let layout = Layout(state)
    // The overlay that takes the keys takes the mouse too: a click must not act on what it covers. A click
    // closes the help and the popup; preset naming lets the panes have the mouse.
    switch state.overlay {
    case .help?, .popup?:
        if event.button == .left { state.close(.help, .popup) }
        return []
    case .presetName?, nil:
        break
    case .history?, .distributions?, .grammarEditor?, .pathPrompt?, .template?:
        return []
    }
    switch event.button {
    case .wheelUp, .wheelDown:
        if layout.output.contains(x: event.x, y: event.y) {
            let height = max(1, layout.outputText.height)
            let top = layout.outputTop
            let next = top + (event.button == .wheelUp ? -3 : 3)
            state.outputScroll = next + height >= state.transcript.rows.count ? nil : max(0, next)
        }
    case .left:
        if state.compare != nil && layout.output.contains(x: event.x, y: event.y) {
            compareClick(&state, layout, x: event.x, y: event.y)
        } else if layout.output.contains(x: event.x, y: event.y) {
            state.focus = .output
            let text = layout.outputText
            let row = layout.outputTop + event.y - text.y
            if let t = state.transcript.token(atRow: row, x: event.x - text.x) {
                state.tokenCursor = t
            }
        } else if layout.prompt.contains(x: event.x, y: event.y) {
            state.focus = .prompt
            if state.mode == .chat, !state.promptView, let i = layout.chatMessage(state.chat, atRow: event.y) {
                state.chat.select(i)
            }
        } else if layout.sidebar.contains(x: event.x, y: event.y) {
            state.focus = .sidebar
            if let field = layout.sidebarField(atRow: event.y) { state.sidebar.selected = field }
        }
    default:
        break
    }
    return []
}
