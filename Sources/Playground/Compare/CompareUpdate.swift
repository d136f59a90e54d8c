import GenerationCore

/// The sets F7 runs: A and B always, C and D when they change something.
func comparedSets(_ state: AppState) -> [ParameterSet] {
    state.sets.enumerated().filter { $0.offset < 2 || !$0.element.isEmpty }.map(\.element)
}

/// F7: runs the compared sets with one seed (closes the compare view when it is open). In chat mode every set
/// answers the same conversation (`.startChat` with the set's parameters and backend); everything else is the same.
func startCompare(_ state: inout AppState) -> [Effect] {
    if let c = state.compare {
        state.compare = nil
        state.close(.distributions)
        // Columns still running are cancelled and kept in the history with what they received.
        let running = c.columns.filter { !$0.done }
        for var column in running {
            column.live.fail(GenerationError(errorType: .cancelled, message: "cancelled"), now: state.now)
            recordCompareRun(&state, column)
        }
        state.runID += 1  // late events of the columns can never match the main run
        return running.map { .cancelRun(id: $0.run) }
    }
    if state.sidebar.editText != nil { commitSidebarEdit(&state) }
    var effects: [Effect] = []
    if state.phase.isActive { effects += cancel(&state) }
    let chat = state.mode == .chat ? state.chat.request : nil
    if let problem = chat?.problem {
        state.error = problem
        state.phase = .failed
        return effects
    }
    let prompt = chat == nil ? state.editor.text : ""
    let sets = comparedSets(state)
    let settings = sets.map { state.settings.applying($0) }
    var requests = settings.map { $0.request(prompt: prompt) }
    let seed = CompareRunner.sharedSeed(base: state.settings.parameters, sets: sets,
                                        otherwise: UInt64(max(0, state.now * 1000)) % 1_000_000_007 + 1)
    for i in requests.indices {
        requests[i].parameters = CompareRunner.prepared(requests[i].parameters ?? GenerateParameters(), seed: seed,
                                                        maxTopNTokens: state.limits.maxTopNTokens)
    }
    for (set, request) in zip(sets, requests) {
        var probe = request
        if chat != nil { probe.inputs = "x" }  // parameters alone: a chat has no text inputs (as `launchChatIfValid`)
        if let problem = state.problem(with: probe, backend: set.backend) {
            var named = problem
            named.message = "set \(set.name): " + problem.message
            state.error = named
            state.phase = .failed
            return effects
        }
    }
    let differences = ParameterDifference.between(
        sets.indices.map { ParameterSet(name: sets[$0].name, parameters: requests[$0].parameters ?? GenerateParameters(),
                                        backend: settings[$0].backend) },
        base: GenerateParameters(), defaultBackend: nil)
    let width = max(1, compareColumns(state.geometry, count: sets.count)[0].width - 2)
    var columns: [CompareColumn] = []
    for (i, set) in sets.enumerated() {
        state.runID += 1
        let live = LiveRun(id: state.runID, request: requests[i], chat: chat?.withoutParameters,
                           backend: settings[i].backend, useCache: state.settings.useCache,
                           waitForModel: state.settings.waitForModel, startedAt: state.now)
        columns.append(CompareColumn(name: set.name, live: live, transcript: Transcript(width: width)))
    }
    state.runID += 1  // the main run's id is none of the columns'
    state.compare = CompareState(columns: columns, seed: seed, differences: differences)
    state.close(.history, .popup)
    state.error = nil
    if !state.phase.isActive { state.phase = .idle }
    state.notice = sets.allSatisfy(\.isEmpty)
        ? "A and B use the base parameters: F8 picks a set to edit, then change it" : nil
    return effects + columns.map(\.live.effect)
}

/// Routes a compare run's event; false when `run` is not one of the columns.
func compareEvent(_ state: inout AppState, run: Int, _ event: GenerationEvent, now: Double) -> Bool {
    guard var c = state.compare, let i = c.columns.firstIndex(where: { $0.run == run }) else { return false }
    let first = c.columns[i].firstTokenAt == nil
    c.columns[i].transcript.append(c.columns[i].live.receive(event, now: now))
    if first { c.columns[i].servedFrom = servedFrom(c, i, firstTokenAt: now) }
    state.compare = c
    if case .finished = event { compareColumnEnded(&state, i) }
    return true
}

/// When column `i` most likely started being served. The runtime cannot tell when a request leaves a backend's
/// queue (the built-in engine runs one request at a time; a server may batch them), so this measures from the
/// end of the latest other set on the same backend identity that had ended before this one's first token:
/// a set that received nothing until another finished was waiting behind it. A set whose first token came
/// while the others were still streaming (a server that batches) was not queued: its start is its own.
func servedFrom(_ c: CompareState, _ i: Int, firstTokenAt: Double) -> Double {
    let me = c.columns[i]
    let ends = c.columns.indices.filter { $0 != i && c.columns[$0].backend == me.backend && c.columns[$0].done }
        .compactMap { c.columns[$0].lastTokenAt }
        .filter { $0 < firstTokenAt }  // strictly before: a queued set still has its own prefill to do
    return max(me.startedAt, ends.max() ?? me.startedAt)
}

func compareFailed(_ state: inout AppState, run: Int, _ error: GenerationError, now: Double) -> Bool {
    guard var c = state.compare, let i = c.columns.firstIndex(where: { $0.run == run }) else { return false }
    for token in c.columns[i].live.missedTokens(of: error) { c.columns[i].transcript.append(token) }
    c.columns[i].live.fail(error, now: now)
    state.compare = c
    compareColumnEnded(&state, i)
    return true
}

/// A column ended: it goes into the history; the verdict replaces a hint still on the status bar.
func compareColumnEnded(_ state: inout AppState, _ index: Int) {
    guard let c = state.compare else { return }
    recordCompareRun(&state, c.columns[index])
    if !c.isActive { state.notice = nil }
}

/// The compare columns inside the output pane, left to right.
func compareColumns(_ layout: Layout, count: Int) -> [Rect] {
    let o = layout.output
    let n = max(1, count)
    var rects: [Rect] = []
    var x = o.x
    for i in 0..<n {
        let width = (o.width * (i + 1)) / n - (o.width * i) / n
        rects.append(Rect(x: x, y: o.y, width: width, height: o.height))
        x += width
    }
    return rects
}

/// Output-pane keys while compare mode is open: a cursor over every column and the distributions there.
func compareKey(_ state: inout AppState, _ key: Key) -> [Effect]? {
    guard var c = state.compare else { return nil }
    if case .distributions? = state.overlay {
        let alternatives = pickableAlternatives(c)
        switch key {
        case .enter where c.pick != nil, .character("b") where c.pick != nil:
            return branchFromColumn(&state)
        case .escape, .enter, .character("v"), .character("q"): state.close(.distributions)
        case .left, .character("h"):
            c.cursor = max(0, (c.position ?? 0) - 1)
            c.pick = nil
        case .right, .character("l"):
            c.cursor = min(max(0, c.longest - 1), (c.position ?? -1) + 1)
            c.pick = nil
        case .tab, .backTab:
            let n = c.columns.count
            c.pickColumn = (c.pickColumn + (key == .tab ? 1 : n - 1)) % n
            c.pick = nil
        case .up, .down, .character("k"), .character("j"):
            c.pick = steppedSelection(c.pick, count: alternatives.count, key: key)
        case .character("b"):
            state.notice = "pick an alternative with Up/Down (Tab: another set) to branch that set from it"
        default: break
        }
        state.compare = c
        return []
    }
    guard state.focus == .output else { return nil }
    switch key {
    case .left, .character("h"): c.cursor = max(0, (c.position ?? c.longest) - 1)
    case .right, .character("l"): c.cursor = min(max(0, c.longest - 1), (c.position ?? -1) + 1)
    case .home: c.cursor = 0
    case .end: c.cursor = max(0, c.longest - 1)
    case .character("g"):
        c.cursor = nil
        if c.divergence == nil { state.notice = c.isActive ? "no divergence yet" : "the sets generated the same tokens" }
    case .enter, .character("v"):
        guard c.position != nil, c.longest > 0 else {
            state.notice = "no tokens yet"
            return []
        }
        state.open(.distributions)
    default:
        return nil
    }
    state.compare = c
    return []
}

/// The alternatives listed for the picked column at the cursor, most likely first (as drawn).
func pickableAlternatives(_ c: CompareState) -> [Token] {
    guard let index = c.position, c.columns.indices.contains(c.pickColumn),
          index < c.columns[c.pickColumn].transcript.count else { return [] }
    return sortedAlternatives(c.columns[c.pickColumn].transcript.tokens[index])
}

/// Enter / `b` on an alternative in the distributions: compare closes, the picked set's output becomes the
/// output, and it branches there with that alternative, continuing with the set's parameters and backend.
func branchFromColumn(_ state: inout AppState) -> [Effect] {
    guard let c = state.compare, let index = c.position, let pick = c.pick,
          c.columns.indices.contains(c.pickColumn) else { return [] }
    let alternatives = pickableAlternatives(c)
    guard pick < alternatives.count else { return [] }
    let column = c.columns[c.pickColumn]
    var effects = startCompare(&state)  // closes compare; running columns are cancelled and kept
    if state.phase.isActive { effects += cancel(&state) }
    state.transcript.removeAll()
    for token in column.transcript.tokens { state.transcript.append(token) }
    state.runPrompt = column.request.inputs
    state.runChat = column.chat  // a chat column's branch continues its reply (see `branch`)
    archiveTree(&state)
    state.branches = nil
    state.shownRun = nil
    state.outputIsOlder = false
    // The column's run was recorded when it ended (or just now, cancelled): the newest with its set and request.
    state.outputRun = state.history.last { $0.setName == column.name && $0.request == column.request }?.id
    state.shownTree = state.outputRun.flatMap { state.loom.current.entry(forRun: $0)?.id }
    state.focus = .output
    effects += branch(&state, at: index, with: alternatives[pick], using: (column.request, column.backend))
    state.notice = "set \(column.name) branched at token \(index + 1) with \(visible(alternatives[pick].text))"
    return effects
}

/// A click in compare mode: the token under the mouse (in the frame `layout` drew) becomes the cursor of every
/// column.
func compareClick(_ state: inout AppState, _ layout: Layout, x: Int, y: Int) {
    guard var c = state.compare,
          let i = layout.compareColumns.firstIndex(where: { $0.box.contains(x: x, y: y) }),
          c.columns.indices.contains(i), let parts = layout.compareColumns[i].parts,
          parts.tokens.contains(x: x, y: y) else { return }
    var t = c.columns[i].transcript
    if t.width != parts.tokens.width { t.relayout(width: parts.tokens.width) }
    state.focus = .output
    if let token = t.token(atRow: parts.top + y - parts.tokens.y, x: x - parts.tokens.x) {
        c.cursor = token
        state.compare = c
    }
}
