import GenerationCore

/// Compare mode: the prompt run twice at once, A with the parameters pinned by F8 and B with the sidebar's
/// current ones, both with one seed, side by side with the first divergent token marked.
public struct CompareState: Sendable {
    public var requestA: GenerateRequest
    public var requestB: GenerateRequest
    public var runA: Int
    public var runB: Int
    public var a = Transcript()
    public var b = Transcript()
    public var doneA = false
    public var doneB = false
    public var errorA: String?
    public var errorB: String?
    public var seed: UInt64
    /// The parameters that differ (A's and B's values), shown at the top of each column.
    public var differences: [ParameterDifference]

    /// The first generated-token position where A and B differ, once both ended.
    public var divergence: Int? {
        guard doneA && doneB else { return nil }
        return Divergence.firstIndex([a.tokens.map(\.token.id), b.tokens.map(\.token.id)])
    }

    public var isActive: Bool { !doneA || !doneB }
}

/// F8: keep the current parameters as set A.
func pinCompareA(_ state: inout AppState) -> [Effect] {
    if state.sidebar.editText != nil { commitSidebarEdit(&state) }
    state.pinnedA = state.settings
    state.notice = "parameters pinned as A: change them for B, then F7 compares"
    return []
}

/// F7: runs A and B with one seed (closes the compare view when it is open).
func startCompare(_ state: inout AppState) -> [Effect] {
    if let c = state.compare {
        state.compare = nil
        return c.isActive ? [.cancelRun(id: c.runA), .cancelRun(id: c.runB)] : []
    }
    if state.sidebar.editText != nil { commitSidebarEdit(&state) }
    var effects: [Effect] = []
    if state.phase.isActive { effects += cancel(&state) }
    let prompt = state.editor.text
    var requestA = (state.pinnedA ?? state.settings).request(prompt: prompt)
    var requestB = state.settings.request(prompt: prompt)
    let seed = requestB.parameters?.seed ?? requestA.parameters?.seed
        ?? (UInt64(max(0, state.now * 1000)) % 1_000_000_007 + 1)
    requestA.parameters = requestA.parameters ?? GenerateParameters()
    requestB.parameters = requestB.parameters ?? GenerateParameters()
    requestA.parameters?.seed = seed
    requestB.parameters?.seed = seed
    for request in [requestA, requestB] {
        if let problem = Validation.check(request, streaming: true, limits: state.limits) {
            state.error = problem
            state.phase = .failed
            return effects
        }
    }
    let differences = ParameterDifference.between(
        [ParameterSet(name: "A", parameters: requestA.parameters ?? GenerateParameters()),
         ParameterSet(name: "B", parameters: requestB.parameters ?? GenerateParameters())],
        base: GenerateParameters())
    let width = max(1, compareColumns(Layout(width: state.width, height: state.height)).0.width - 2)
    state.runID += 1
    let a = state.runID
    state.runID += 1
    let b = state.runID
    var compare = CompareState(requestA: requestA, requestB: requestB, runA: a, runB: b, seed: seed, differences: differences)
    compare.a = Transcript(width: width)
    compare.b = Transcript(width: width)
    state.compare = compare
    state.error = nil
    state.notice = state.pinnedA == nil ? "A and B use the same parameters: F8 pins A, then change B" : nil
    return effects + [
        .startRun(id: a, request: requestA, useCache: state.settings.useCache, waitForModel: state.settings.waitForModel),
        .startRun(id: b, request: requestB, useCache: state.settings.useCache, waitForModel: state.settings.waitForModel),
    ]
}

/// Routes a compare run's event; false when `run` is not one of them.
func compareEvent(_ state: inout AppState, run: Int, _ event: GenerationEvent) -> Bool {
    guard var c = state.compare, run == c.runA || run == c.runB else { return false }
    let token = OutputToken(token: event.response.token, topTokens: event.response.topTokens ?? [])
    let finished: Bool
    if case .finished = event { finished = true } else { finished = false }
    if run == c.runA {
        c.a.append(token)
        if finished { c.doneA = true }
    } else {
        c.b.append(token)
        if finished { c.doneB = true }
    }
    // The verdict (divergence) replaces a hint still on the status bar.
    if finished && !c.isActive { state.notice = nil }
    state.compare = c
    return true
}

func compareFailed(_ state: inout AppState, run: Int, _ error: GenerationError) -> Bool {
    guard var c = state.compare, run == c.runA || run == c.runB else { return false }
    let message = error.statusCode.map { "\($0) " } ?? ""
    if run == c.runA {
        c.doneA = true
        c.errorA = message + error.message
    } else {
        c.doneB = true
        c.errorB = message + error.message
    }
    state.compare = c
    return true
}

/// The two compare columns inside the output pane.
func compareColumns(_ layout: Layout) -> (Rect, Rect) {
    let o = layout.output
    let left = o.width / 2
    return (Rect(x: o.x, y: o.y, width: left, height: o.height),
            Rect(x: o.x + left, y: o.y, width: o.width - left, height: o.height))
}
