import Foundation
import GenerationCore

/// F3: opens the history list on the run shown in the output (a run shown from the history, the run of the
/// branch shown, the last root run), else the newest, so `r` and Enter act on what is on screen (closes it
/// when open).
func toggleHistory(_ state: inout AppState) -> [Effect] {
    if state.isOpen(.history) {
        state.close(.history)
        return []
    }
    state.close(.distributions)
    guard !state.history.isEmpty else {
        state.notice = "no runs yet: every run, compare column and branch is kept here"
        return []
    }
    let shown = state.shownRun ?? state.branches.flatMap { nodeRun(state, $0.current)?.id } ?? state.outputRun
    let selection = shown.flatMap { id in state.history.firstIndex { $0.id == id } } ?? state.history.count - 1
    state.open(.history(HistoryView(selection: selection)))
    return []
}

func historyKey(_ state: inout AppState, _ key: Key) -> [Effect] {
    guard case .history(var h)? = state.overlay, !state.history.isEmpty else {
        state.close(.history)
        return []
    }
    h.selection = min(max(0, h.selection), state.history.count - 1)
    let run = state.history[h.selection]
    if h.diff != nil {
        if key == .escape || key == .character("q") || key == .character("=") || key == .enter { h.diff = nil }
        state.overlay = .history(h)
        return []
    }
    // A path asked for here (export, save as, open) is typed over the list, which comes back after it.
    var path: PathPrompt?
    switch key {
    case .escape, .character("q"):
        state.close(.history)
        return []
    // The list shows the newest run on top: Up goes to newer runs.
    case .up, .character("k"): h.selection = min(state.history.count - 1, h.selection + 1)
    case .down, .character("j"): h.selection = max(0, h.selection - 1)
    case .pageUp: h.selection = min(state.history.count - 1, h.selection + 10)
    case .pageDown: h.selection = max(0, h.selection - 10)
    case .home: h.selection = state.history.count - 1
    case .end: h.selection = 0
    case .character(" "), .character("m"):
        h.marked = h.marked == run.id ? nil : run.id
        state.notice = h.marked == nil ? "mark removed" : "run #\(run.id) marked: select another run and press = to diff"
    case .character("="):
        let other = h.marked.flatMap { id in state.history.first { $0.id == id } }
            ?? (h.selection > 0 ? state.history[h.selection - 1] : nil)
        guard let other, other.id != run.id else {
            state.notice = "mark a run with Space, then select another and press ="
            break
        }
        h.diff = [min(other.id, run.id), max(other.id, run.id)]
    case .enter:
        state.close(.history)
        return showRun(&state, run)
    case .character("r"):
        state.close(.history)
        return rerun(&state, run)
    case .character("p"):
        state.close(.history)
        loadRunSettings(&state, run)
        return []
    case .character("e"):
        path = PathPrompt(purpose: .exportMarkdown(run: run.id), text: "tgplay-run-\(run.id).md")
    case .character("J"):
        path = PathPrompt(purpose: .exportJSONL(run: run.id), text: "tgplay-run-\(run.id).jsonl")
    case .character("w"):
        // Never offer the file autosave refuses to overwrite.
        let suggestion = state.autosaveProblem == nil ? state.sessionPath : nil
        path = PathPrompt(purpose: .saveSession, text: suggestion ?? "tgplay-session.json")
    case .character("o"):
        path = PathPrompt(purpose: .openSession, text: "")
    default:
        break
    }
    state.overlay = .history(h)
    if let path { state.open(.pathPrompt(path, over: nil)) }
    return []
}

/// Enter in the history: the run's tokens in the output pane, to read and inspect with the popup. A run kept
/// with its branch tree brings the tree back (the one shown goes into its own root run's entry).
func showRun(_ state: inout AppState, _ run: SessionRun) -> [Effect] {
    var effects: [Effect] = []
    if state.compare != nil { effects += startCompare(&state) }
    if state.phase.isActive { effects += cancel(&state) }
    syncBranches(&state)  // a cancelled continuation keeps its tokens in the tree
    if let tree = grownTree(state, of: run) ?? run.tree, treeRoot(state) != run.id {
        archiveTree(&state)
        state.branches = UndoStack(BranchState(tree: tree, node: BranchTree.rootID))
        state.shownTree = state.loom.current.entry(forRun: run.id)?.id
        state.shownRun = nil
        state.outputRun = run.id
        state.runPrompt = tree.prompt
        state.runChat = run.chat
        state.tokenCursor = nil
        showCurrentBranch(&state)
        state.error = nil
        state.phase = .finished
        state.shownRecord = ShownRecord(finishReason: run.finishReason, seed: run.seed)
        let branches = tree.nodes.count - 1
        state.notice = "run #\(run.id) with its tree (\(branches) branch\(branches == 1 ? "" : "es")): [ ] browse, u undoes"
        state.focus = .output
        return effects
    }
    state.transcript.removeAll()
    for token in run.outputTokens { state.transcript.append(token) }
    // The branch tree is kept: `[`, `]` or `u` go back to it; branching or `c` here starts a new one.
    state.shownRun = run.id
    state.outputIsOlder = false
    state.runPrompt = run.request.inputs
    state.runChat = run.chat
    state.tokenCursor = nil
    state.outputScroll = nil
    state.error = nil
    state.phase = run.error == nil ? .finished : (run.response?.details?.finishReason == .other("cancelled") ? .cancelled : .failed)
    state.shownRecord = ShownRecord(finishReason: run.finishReason, seed: run.seed)
    let set = run.setName.map { " (set \($0))" } ?? ""
    state.notice = "run #\(run.id)\(set) on \(run.backend): r in the history re-runs it, p loads its prompt and parameters"
    state.focus = .output
    return effects
}

/// `r`: the run again (same request, its seed pinned), on the backend it used.
func rerun(_ state: inout AppState, _ run: SessionRun) -> [Effect] {
    var effects: [Effect] = []
    if state.phase.isActive { effects += cancel(&state) }
    effects += launch(&state, run.rerunRequest, backend: state.launchBackend(of: run), chat: run.rerunChat)
    state.run?.isRoot = true
    state.outputIsOlder = true  // like Ctrl-R: what is shown stays until the first token
    state.notice = "re-running run #\(run.id)"
    return effects
}

/// `p`: the run's prompt into the editor and its parameters into the sidebar (the base).
func loadRunSettings(_ state: inout AppState, _ run: SessionRun) {
    if let chat = run.chat {
        // A chat run: its messages into the chat (mode switched), the text prompt left as it was.
        state.chat = ChatDraft(messages: chat.messages)
        state.mode = .chat
        applyLayout(&state)
    } else {
        state.editor.setText(run.request.inputs)
    }
    var settings = state.settings
    var parameters = run.request.parameters ?? GenerateParameters()
    let grammar = parameters.grammar
    parameters.grammar = nil
    settings.parameters = parameters
    settings.grammarKind = grammar?.type
    settings.grammarText = grammar.map { ParameterSettings.text(of: $0) } ?? ""
    settings.backend = state.launchBackend(of: run)
    state.settings = settings
    state.editTarget = nil
    state.dirty = true
    state.notice = "prompt and parameters of run #\(run.id) loaded"
}
