import GenerationCore

/// The alternatives popup and branching: pick an alternative, cut the output before that token, accept the
/// alternative and continue from prompt + accepted text (TGI has no "continue"). The branch tree lives in
/// `AppState.branches` with its undo history.

/// Records tokens streamed since the tree last changed into the current node: without an undo step (a
/// continuation belongs to the state it continues), or `asStep` as one (a step's token, which `u` takes back).
func syncBranches(_ state: inout AppState, asStep: Bool = false) {
    guard state.shownRun == nil, var stack = state.branches else { return }
    let tokens = state.transcript.tokens
    let record = { (b: inout BranchState) in
        let have = (try? b.tree.fullTokens(of: b.node).count) ?? tokens.count
        guard tokens.count > have else { return }
        let extra = tokens[have...]
        try? b.tree.extend(b.node, with: extra.map(\.token), topTokens: extra.map(\.topTokens))
    }
    if asStep { stack.perform(record) } else { stack.amend(record) }
    state.branches = stack
}

/// Stops a run in flight (its tokens so far stay in the transcript).
func stopActiveRun(_ state: inout AppState) -> [Effect] {
    guard state.phase.isActive else { return [] }
    return cancel(&state)
}

/// Branches at output position `index` with `alternative` and starts the continuation.
/// `using` sends the continuation with another request's parameters and backend (a compare column's) instead
/// of the sidebar's.
func branch(_ state: inout AppState, at index: Int, with alternative: Token,
            using column: (request: GenerateRequest, backend: BackendIdentity?)? = nil) -> [Effect] {
    if state.sidebar.editText != nil { commitSidebarEdit(&state) }
    let effects = stopActiveRun(&state)
    ensureBranchTree(&state)
    guard var stack = state.branches else { return effects }
    let distribution = state.transcript.tokens[index].topTokens
    do {
        try stack.perform { b in
            b.node = try b.tree.branch(from: b.node, at: index, alternative: alternative, topTokens: distribution)
        }
    } catch {
        state.notice = "\(error)"
        return effects
    }
    state.branches = stack
    showCurrentBranch(&state)
    state.tokenCursor = index
    scrollToCursor(&state)
    let b = stack.current
    // The branch continues like the run whose token it replaces: its parameters and backend.
    let source = column ?? nodeRun(state, b).map { ($0.request, state.launchBackend(of: $0)) }
    let settings = state.runSettings
    let base = source?.request ?? settings.request(prompt: b.tree.prompt)
    let backend = source.map(\.backend) ?? settings.backend
    let launched: [Effect]?
    if state.runChat != nil {
        // A chat reply: the same assistant message continued from the chosen token (the backend refuses in the
        // run's error when it cannot continue a reply, rather than a new turn starting).
        guard let chat = chatContinuation(state, b, base: base) else { return effects }
        launched = launchChatIfValid(&state, chat, base: base, backend: backend)
    } else {
        guard let request = try? b.tree.resumeRequest(for: b.node, base: base) else { return effects }
        launched = launchIfValid(&state, request, backend: backend)
    }
    guard let launched else { return effects }
    let from = origin(state, RunOrigin.branch, of: nodeRun(state, b)?.id)
    state.run?.origin = from
    state.notice = "branched at token \(index + 1) with \(visible(alternative.text))"
    return effects + launched
}

/// Makes sure the output shown is a node of a branch tree with every streamed token recorded: a tree is
/// started from the output when there is none, or when the output is a run shown from the history (which
/// starts a tree of its own, rooted at that run; the tree shown before goes into its root run's entry). The
/// root of the tree shown, shown from the history, goes back to that tree's root node instead.
func ensureBranchTree(_ state: inout AppState) {
    if let shown = state.shownRun {
        state.shownRun = nil
        if shown == treeRoot(state), var stack = state.branches {
            stack.perform { $0.node = BranchTree.rootID }
            state.branches = stack
            showCurrentBranch(&state)
        } else {
            archiveTree(&state)
            state.branches = nil
            state.outputRun = shown
            state.shownTree = state.loom.current.entry(forRun: shown)?.id
        }
    }
    if state.branches == nil {
        let tokens = state.transcript.tokens
        let tree = BranchTree(prompt: state.runPrompt, tokens: tokens.map(\.token), topTokens: tokens.map(\.topTokens),
                              runID: state.outputRun)
        state.branches = UndoStack(BranchState(tree: tree, node: BranchTree.rootID))
    }
    syncBranches(&state)
}

/// Launches `request` as the main run when TGI's validation accepts it; otherwise shows TGI's message as the
/// run's error and returns nil.
func launchIfValid(_ state: inout AppState, _ request: GenerateRequest, backend: BackendIdentity?) -> [Effect]? {
    if let problem = state.problem(with: request, backend: backend) {
        state.error = problem
        state.phase = .failed
        return nil
    }
    return launch(&state, request, backend: backend)
}

/// `c` in the output: generation continues from the end of the output shown, whichever node of the branch
/// tree it is (a cancelled run, a short one, a branch browsed to with `[`/`]`). The new tokens extend that node.
/// With the token cursor put inside the output, the output is first cut after the cursor ("continue here": a
/// branch whose tokens the continuation brings; the tokens cut stay in the tree, `[` `]` return to them).
func resumeOutput(_ state: inout AppState) -> [Effect] {
    guard !state.transcript.isEmpty else {
        state.notice = "nothing to continue yet: Ctrl-R runs the prompt"
        return []
    }
    guard !state.phase.isActive else {
        state.notice = "still generating"
        return []
    }
    if state.sidebar.editText != nil { commitSidebarEdit(&state) }
    ensureBranchTree(&state)
    if state.cursorPlaced, let cursor = state.tokenCursor, cursor + 1 < state.transcript.count,
       var stack = state.branches {
        do {
            try stack.perform { b in b.node = try b.tree.cut(b.node, keeping: cursor + 1) }
        } catch {
            state.notice = "\(error)"
            return []
        }
        state.branches = stack
        showCurrentBranch(&state)
        state.tokenCursor = cursor
    }
    state.cursorPlaced = false
    guard let b = state.branches?.current else { return [] }
    // A continuation uses the parameters and backend of the run that produced the node (a compare set's branch
    // keeps its set's); the sidebar's apply only when that run is no longer in the history.
    let source = nodeRun(state, b)
    let settings = state.runSettings
    let base = source?.request ?? settings.request(prompt: b.tree.prompt)
    let from = state.transcript.count
    let backend = source.map { state.launchBackend(of: $0) } ?? settings.backend
    let launched: [Effect]?
    if state.runChat != nil {
        guard let chat = chatContinuation(state, b, base: base) else { return [] }
        launched = launchChatIfValid(&state, chat, base: base, backend: backend)
    } else {
        guard let request = try? b.tree.resumeRequest(for: b.node, base: base) else { return [] }
        launched = launchIfValid(&state, request, backend: backend)
    }
    guard let effects = launched else { return [] }
    let carriesOn = origin(state, RunOrigin.continuation, of: source?.id)
    state.run?.origin = carriesOn
    state.outputScroll = nil
    state.notice = "continuing after token \(from)" + (source.map { " with run #\($0.id)'s parameters" } ?? "")
    return effects
}

/// A branch's or continuation's origin: `of` that run, and the compare set its tree started from.
func origin(_ state: AppState, _ kind: String, of run: Int?) -> RunOrigin {
    let root = treeRoot(state).flatMap { id in state.history.first { $0.id == id } }
    return RunOrigin(kind: kind, of: run, set: root?.setName ?? root?.origin?.set)
}

/// The run whose parameters the node's output was generated with: the node's own run, else the nearest
/// ancestor's (a new branch has none yet; the root's is the first run), among those still in the history and not
/// steps (`n`).
func nodeRun(_ state: AppState, _ b: BranchState) -> SessionRun? {
    guard let path = try? b.tree.path(to: b.node) else { return nil }
    for id in path.reversed() {
        // A step's run asked for one token with the sidebar's parameters at the time: not the node's.
        if let runID = (try? b.tree.node(id))?.runID, let run = state.history.first(where: { $0.id == runID }),
           run.origin?.kind != RunOrigin.step {
            return run
        }
    }
    return nil
}

/// Rebuilds the transcript from the current node's full output.
func showCurrentBranch(_ state: inout AppState) {
    guard let b = state.branches?.current,
          let tokens = try? b.tree.fullTokens(of: b.node),
          let tops = try? b.tree.fullTopTokens(of: b.node) else { return }
    state.transcript.removeAll()
    state.outputIsOlder = false
    state.cursorPlaced = false
    for (i, token) in tokens.enumerated() {
        state.transcript.append(OutputToken(token: token, topTokens: i < tops.count ? tops[i] : []))
    }
    if let c = state.tokenCursor { state.tokenCursor = state.transcript.isEmpty ? nil : min(c, state.transcript.count - 1) }
    state.outputScroll = nil
    closePopup(&state)
}

/// The alternatives tried at the current node's branch point: the node it branched from, then every branch
/// there, oldest first. On the root, the branch point of its newest branch.
func branchPoint(_ b: BranchState) -> [BranchTree.NodeID] {
    guard let me = try? b.tree.node(b.node) else { return [] }
    if let parent = me.parent {
        return [parent] + ((try? b.tree.siblings(of: b.node)) ?? [b.node])
    }
    guard let last = (try? b.tree.children(of: b.node))?.last, let siblings = try? b.tree.siblings(of: last) else {
        return []
    }
    return [b.node] + siblings
}

/// `[` / `]`: shows the previous / next alternative tried at the branch point.
func browseSiblings(_ state: inout AppState, _ delta: Int) -> [Effect] {
    guard var stack = state.branches else {
        state.notice = "no branches yet: pick an alternative in the popup (Enter on a token)"
        return []
    }
    let effects = stopActiveRun(&state)
    if state.shownRun != nil {
        // Leaving a history run shown: back to the tree first, whatever happens next.
        state.shownRun = nil
        showCurrentBranch(&state)
        state.phase = .finished
    } else {
        syncBranches(&state)
    }
    stack = state.branches ?? stack
    let list = branchPoint(stack.current)
    guard list.count > 1 else {
        state.notice = "no other branch here"
        return effects
    }
    let here = list.firstIndex(of: stack.current.node) ?? 0
    let next = list[(here + delta + list.count) % list.count]
    let at = list.last.flatMap { try? stack.current.tree.node($0).start } ?? 0
    stack.perform { $0.node = next }
    state.branches = stack
    state.tokenCursor = at
    showCurrentBranch(&state)
    scrollToCursor(&state)
    state.phase = .finished
    state.notice = "branch \(list.firstIndex(of: next).map { $0 + 1 } ?? 1)/\(list.count) at token \(at + 1)"
    return effects
}

/// `u` / Ctrl-Z in the output: back to the previous branch-tree state (from a history run shown: back to the
/// tree as it was, nothing undone).
func undoBranch(_ state: inout AppState) -> [Effect] {
    if state.shownRun != nil, state.branches != nil {
        let effects = stopActiveRun(&state)
        state.shownRun = nil
        showCurrentBranch(&state)
        scrollToCursor(&state)
        state.phase = .finished
        state.notice = "back to the branch tree"
        return effects
    }
    guard var stack = state.branches, stack.canUndo else {
        state.notice = "nothing to undo"
        return []
    }
    let effects = stopActiveRun(&state)
    state.shownRun = nil
    stack.undo()
    state.branches = stack
    showCurrentBranch(&state)
    scrollToCursor(&state)
    state.phase = .finished
    state.notice = "undone"
    return effects
}
