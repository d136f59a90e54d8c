import Foundation
import GenerationCore

/// The playground's one state transition: no I/O, no clock, no terminal. What must happen outside comes
/// back as `Effect`s for the runtime to perform.
public func update(_ state: inout AppState, _ message: Message) -> [Effect] {
    switch message {
    case .resize(let w, let h):
        state.width = w
        state.height = h
        applyLayout(&state)
        return []
    case .tick(let now):
        state.now = now
        return retryIfDue(&state) + contextMeterTick(&state)
    case .key(let key):
        return handleKey(&state, key)
    case .paste(let text):
        switch state.overlay {
        case .pathPrompt(var prompt, let under)?:
            prompt.text += text.replacingOccurrences(of: "\n", with: "")
            state.overlay = .pathPrompt(prompt, over: under)
        case .grammarEditor?:
            state.updateGrammarEditor { $0.editor.insert(text) }
        case .template?:
            break  // read-only
        default:
            paste(&state, text)
        }
        return []
    case .mouse(let event):
        return handleMouse(&state, event)
    case .runEvent(let run, let event, let now):
        if compareEvent(&state, run: run, event, now: now) { return [] }
        guard run == state.runID else { return [] }
        state.now = now
        receive(&state, event)
        return []
    case .prefillProgress(let run, let done, let total):
        if run == state.runID { state.prefill = (run, done, total) }
        return []
    case .runFailed(let run, let error, let now):
        if compareFailed(&state, run: run, error, now: now) { return [] }
        guard run == state.runID else { return [] }
        state.now = now
        return fail(&state, error)
    case .backendInfo(let model, let limits, let capabilities):
        state.modelName = model
        state.limits = limits
        state.capabilities = capabilities
        return []
    case .themeChanged(let name, let problem, let theme):
        state.themeName = name
        state.notice = problem ?? "theme \(name)"  // F2 says which theme it switched to
        return theme.map { [.applyTheme($0)] } ?? []
    case .notice(let text):
        state.notice = text
        return []
    case .presetsListed(let names, let active):
        presetsListed(&state, names, active: active)
        return []
    case .presetLoaded(let name, let settings):
        presetLoaded(&state, name: name, settings: settings)
        return []
    case .stopAllRuns:
        return stopAllRuns(&state)
    case .sessionOpened(let session, let path):
        return sessionOpened(&state, session, path: path)
    case .saved, .saveFailed, .sessionSavedAs, .exported, .exportFailed:
        fileWritten(&state, message)
        return []
    case .promptScored(let id, let response):
        guard id == state.promptScoreID, state.promptScoring else { return [] }
        receivePromptScore(&state, response)
        return []
    case .promptScoreFailed(let id, let error):
        guard id == state.promptScoreID, state.promptScoring else { return [] }
        state.promptScoring = false
        state.notice = "prompt scoring failed: " + error.message
        return []
    case .tokensCounted(let id, let count):
        _ = state.contextMeter.receive(id: id, count)
        return []
    case .tokenCountFailed(let id, let error):
        // The prompt's title says why, not the status bar: a count answers late, after other keys, and a
        // notice there would hide what they showed (the prompt perplexity F6 just computed, say).
        _ = state.contextMeter.fail(id: id, error)
        return []
    case .templateReady(let id, let templated):
        guard id == state.templateID else { return [] }
        state.notice = nil
        state.open(.template(TemplateView(templated)))
        return []
    case .treeSampled(let id, let result):
        treeAnswered(&state, id: id, result)
        return []
    case .stepForced(let id, let result):
        forceAnswered(&state, id: id, result)
        return []
    case .templateFailed(let id, let error):
        guard id == state.templateID else { return [] }
        state.notice = "cannot show the template: " + error.message
        return []
    }
}

/// A paste with no text overlay up: into the sidebar field being typed, else into the prompt.
func paste(_ state: inout AppState, _ text: String) {
    if state.focus == .sidebar, state.sidebar.editText != nil {
        state.sidebar.editText? += text.replacingOccurrences(of: "\n", with: "\\n")
    } else if state.mode == .chat {
        state.focus = .prompt
        state.chat.editor.insert(text)
        state.dirty = true
    } else {
        state.focus = .prompt
        state.editor.insert(text)
        state.dirty = true
    }
}

/// Gives the editor and transcript the geometry of the current layout.
func applyLayout(_ state: inout AppState) {
    let layout = state.geometry
    state.editor.wrapWidth = max(1, layout.promptText.width)
    state.editor.pageHeight = max(1, layout.promptText.height)
    state.editor.ensureCursorVisible()
    state.chat.setGeometry(wrapWidth: max(1, layout.promptText.width - chatLabelWidth),
                           pageHeight: max(1, layout.promptText.height))
    state.transcript.relayout(width: max(1, layout.outputText.width))
    if let count = state.compare?.columns.count {
        let columnWidth = max(1, compareColumns(layout, count: count)[0].width - 2)
        for i in 0..<count { state.compare?.columns[i].transcript.relayout(width: columnWidth) }
    }
    state.promptTokens.relayout(width: max(1, layout.promptText.width))
    let area = layout.grammarEditor.inner
    state.updateGrammarEditor { g in
        g.editor.wrapWidth = max(1, area.width)
        g.editor.pageHeight = max(1, area.height - 2)
        g.editor.ensureCursorVisible()
    }
}

/// Ctrl-T: hides the parameter sidebar (the panes take its width; the focus leaves it, an edit in it is kept as
/// set) or shows it again.
func toggleSidebar(_ state: inout AppState) {
    if state.sidebar.editText != nil { commitSidebarEdit(&state) }
    state.sidebarHidden.toggle()
    if state.sidebarHidden && state.focus == .sidebar { state.focus = .prompt }
    state.notice = state.sidebarHidden ? "parameters hidden: Ctrl-T shows them" : nil
    applyLayout(&state)
}

func handleKey(_ state: inout AppState, _ key: Key) -> [Effect] {
    state.notice = nil
    // A path or a grammar being typed takes every key but quitting.
    let quit = key == .ctrl("q") || key == .ctrl("c")
    switch state.overlay {
    case .pathPrompt? where !quit: return pathPromptKey(&state, key)
    case .grammarEditor? where !quit: return grammarEditorKey(&state, key)
    default: break
    }
    // Keys that work everywhere.
    switch key {
    case .ctrl("q"), .ctrl("c"):
        applyGrammarEditor(&state)  // a grammar being typed is kept
        // Runs in flight are cancelled and kept in the history before the last save.
        return stopAllRuns(&state) + [.save, .quit]
    case .ctrl("r"), .function(5):
        return startRun(&state)
    case .function(1):
        if case .help? = state.overlay { state.closeTop() } else { state.open(.help(over: nil)) }
        return []
    case .alt("i"):
        if case .statusDetails? = state.overlay { state.closeTop() } else { state.open(.statusDetails(over: nil)) }
        return []
    case .function(4):
        toggleMode(&state)
        return []
    case .function(9):
        return toggleTemplate(&state)
    case .alt("a") where state.mode == .chat:
        return acceptReply(&state)
    case .function(6):
        return togglePromptView(&state)
    case .function(7):
        return startCompare(&state)
    case .function(8):
        return cycleEditTarget(&state)
    case .function(3):
        return toggleHistory(&state)
    case .ctrl("o"):
        state.open(.pathPrompt(PathPrompt(purpose: .openSession, text: ""), over: nil))
        return []
    case .function(2):
        let names = state.themes
        let i = names.firstIndex(of: state.themeName) ?? -1
        let next = names.isEmpty ? Theme.builtinDefault.name : names[(i + 1) % names.count]
        state.dirty = true
        return [.switchTheme(name: next)]
    case .ctrl("s"):
        return [.save]
    case .ctrl("t"):
        toggleSidebar(&state)
        return []
    default:
        break
    }
    // The outermost overlay takes the keys (preset naming only while the sidebar has the focus).
    switch state.overlay {
    case .statusDetails?:
        // Any key closes it; a key that means something else also does that.
        state.closeTop()
        if key == .escape || key == .enter || key == .character("q") { return [] }
        return handleKey(&state, key)
    case .help?:
        if key == .escape || key == .character("?") || key == .enter || key == .character("q") { state.closeTop() }
        let pages = helpPageCount(width: state.width, height: state.height)
        if key == .pageDown || key == .right || key == .character(" ") { state.helpPage = min(pages - 1, state.helpPage + 1) }
        if key == .pageUp || key == .left { state.helpPage = max(0, state.helpPage - 1) }
        return []
    case .popup(let popup)?:
        return popup.onPrompt ? promptPopupKey(&state, key) : popupKey(&state, key)
    case .history?:
        return historyKey(&state, key)
    case .loom?:
        return loomKey(&state, key)
    case .distributions?:
        return compareKey(&state, key) ?? []
    case .template?:
        return templateViewKey(&state, key)
    case .tree?:
        return treeKey(&state, key)
    case .presetName?, .pathPrompt?, .grammarEditor?, nil:
        break
    }
    if state.compare != nil, let effects = compareKey(&state, key) { return effects }
    if state.promptView && state.focus == .prompt && key != .tab && key != .backTab { return promptViewKey(&state, key) }
    if key == .escape {
        if state.sidebar.editText != nil || state.isOpen(.presetName) {
            state.sidebar.editText = nil
            state.close(.presetName)
            return []
        }
        if state.compare != nil { return startCompare(&state) }
        if state.phase.isActive { return cancel(&state) }
        return []
    }
    if key == .tab || key == .backTab {
        if state.sidebar.editText != nil { commitSidebarEdit(&state) }
        state.focus = key == .tab ? state.focus.next : state.focus.previous
        if state.sidebarHidden && state.focus == .sidebar { state.focus = key == .tab ? state.focus.next : state.focus.previous }
        if state.focus == .output && state.tokenCursor == nil && !state.transcript.isEmpty {
            state.tokenCursor = state.transcript.count - 1
        }
        return []
    }
    switch state.focus {
    case .prompt: return state.mode == .chat ? chatEditorKey(&state, key) : editorKey(&state, key)
    case .sidebar: return sidebarKey(&state, key)
    case .output: return outputKey(&state, key)
    }
}
