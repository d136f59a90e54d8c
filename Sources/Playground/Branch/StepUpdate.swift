import GenerationCore

/// Step and steer (`n`): one token at a time after the output shown, each a continuation run of one token with
/// the sidebar's parameters, kept in the branch tree as an undo step and opened in the step popup, where an
/// alternative chosen replaces that token without generating further.

/// How many alternatives a step asks for when the sidebar asks for none: the step popup is for choosing among
/// them (the request sent, kept in the history, says so).
let stepAlternatives: UInt32 = 5

/// The sidebar's request for `prompt` as a step: exactly one new token, with alternatives.
func stepRequest(_ settings: ParameterSettings, prompt: String) -> GenerateRequest {
    var request = settings.request(prompt: prompt)
    var p = request.parameters ?? GenerateParameters()
    p.maxNewTokens = 1
    if (p.topNTokens ?? 0) == 0 { p.topNTokens = stepAlternatives }
    request.parameters = p
    return request
}

/// `n` in the output, or in the step popup: generates one token after the output shown (the prompt's end when
/// there is none yet). Its token goes into the tree as an undo step of its own (`syncBranches(asStep:)`), so `u`
/// takes it back.
func stepOutput(_ state: inout AppState) -> [Effect] {
    guard !state.phase.isActive else {
        state.notice = "still generating"
        return []
    }
    if state.sidebar.editText != nil { commitSidebarEdit(&state) }
    let settings = state.runSettings
    if state.transcript.isEmpty && state.branches == nil {
        guard state.mode != .chat else {
            state.notice = "in chat, Ctrl-R sends the conversation first; n steps its reply"
            return []
        }
        let request = stepRequest(settings, prompt: state.editor.text)
        guard let launched = launchIfValid(&state, request, backend: settings.backend) else { return [] }
        state.run?.isRoot = true
        state.run?.origin = RunOrigin(kind: RunOrigin.step)
        state.outputIsOlder = true
        state.notice = "stepping from the prompt's end"
        return launched + [.save]
    }
    ensureBranchTree(&state)
    guard let b = state.branches?.current else { return [] }
    state.cursorPlaced = false
    let source = nodeRun(state, b)
    let launched: [Effect]?
    let base = stepRequest(settings, prompt: b.tree.prompt)
    if state.runChat != nil {
        guard let chat = chatContinuation(state, b, base: base) else { return [] }
        launched = launchChatIfValid(&state, chat, base: base, backend: settings.backend)
    } else {
        guard let request = try? b.tree.resumeRequest(for: b.node, base: base) else { return [] }
        launched = launchIfValid(&state, request, backend: settings.backend)
    }
    guard let effects = launched else { return [] }
    let from = origin(state, RunOrigin.step, of: source?.id)
    state.run?.origin = from
    state.outputScroll = nil
    state.notice = "stepping after token \(state.transcript.count)"
    return effects
}

/// A step's token arrived (its run finished): the cursor goes on it and the step popup opens.
func openStepPopup(_ state: inout AppState) {
    guard !state.transcript.isEmpty else { return }
    state.tokenCursor = state.transcript.count - 1
    scrollToCursor(&state)
    state.open(.popup(Popup(step: true)))
}

/// Enter / `b` in the step popup: the alternative becomes the token at `index` (a branch, like the popup's
/// branch, undone by `u`) and nothing more is generated; the step popup stays open on it.
func acceptStepAlternative(_ state: inout AppState, at index: Int, with alternative: Token) -> [Effect] {
    guard !state.transcript.tokens[index].token.isSameToken(as: alternative) else {
        state.notice = "kept \(visible(alternative.text)): n steps on"
        return []
    }
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
    state.phase = .finished
    state.tokenCursor = index
    scrollToCursor(&state)
    state.open(.popup(Popup(step: true)))
    state.notice = "accepted \(visible(alternative.text)) at token \(index + 1): n steps on"
    return effects
}

/// `f` then Enter in the step popup: `text` is tokenized and accepted after the output shown, each token scored
/// (`Stepping.step` with `force`, off the UI thread); `forceAnswered` puts them into the tree.
func forceStep(_ state: inout AppState, _ text: String) -> [Effect] {
    guard !state.phase.isActive else {
        state.notice = "still generating"
        return []
    }
    ensureBranchTree(&state)
    guard let b = state.branches?.current, let accepted = try? b.tree.fullTokens(of: b.node) else { return [] }
    let settings = state.runSettings
    state.forceID += 1
    state.notice = "forcing \(visible(text))"
    let request = StepRequest(request: stepRequest(settings, prompt: b.tree.prompt), accepted: accepted, force: text)
    return [.forceStep(id: state.forceID, request: request, useCache: state.settings.useCache,
                       waitForModel: state.settings.waitForModel, backend: settings.backend)]
}

/// The forced text's tokens arrived: they extend the output shown as one undo step and the step popup opens on
/// the last; a failure says why and changes nothing.
func forceAnswered(_ state: inout AppState, id: Int, _ result: Result<[StepToken], GenerationError>) {
    guard id == state.forceID else { return }
    switch result {
    case .failure(let error):
        state.notice = "cannot force: \(error.message)"
    case .success(let forced):
        guard !forced.isEmpty, var stack = state.branches else {
            state.notice = "nothing to force"
            return
        }
        do {
            try stack.perform { b in
                try b.tree.extend(b.node, with: forced.map(\.token), topTokens: forced.map(\.topTokens))
            }
        } catch {
            state.notice = "\(error)"
            return
        }
        state.branches = stack
        showCurrentBranch(&state)
        state.phase = .finished
        openStepPopup(&state)
        let scored = forced.compactMap(\.token.logprob)
        state.notice = "forced \(forced.count) token\(forced.count == 1 ? "" : "s")"
            + (scored.count == forced.count ? String(format: ", logprob %.3f", scored.reduce(0, +)) : ", not scored here")
    }
}
