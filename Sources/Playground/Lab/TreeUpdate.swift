import GenerationCore

/// `s` in the output: samples a token tree at the cursor (the output before it accepted) or, with no cursor,
/// from the prompt's end, with the sidebar's parameters and backend. Text prompts only: a chat reply's
/// continuation is a chat request, which a sample tree is not.
func openTree(_ state: inout AppState, samples: Int = TreeView.defaultSamples, depth: Int = TreeView.defaultDepth,
              at given: Int? = nil) -> [Effect] {
    guard state.mode == .text, state.runChat == nil else {
        state.notice = "sample trees take a text prompt (F4 switches chat mode off)"
        return []
    }
    guard state.compare == nil else {
        state.notice = "sample trees grow from the main output: F7 leaves compare mode"
        return []
    }
    if state.sidebar.editText != nil { commitSidebarEdit(&state) }
    let index = given ?? (state.tokenCursor.map { min($0, state.transcript.count) } ?? 0)
    state.lab.treeID += 1
    var view = TreeView(id: state.lab.treeID, index: index, samples: samples, depth: depth)
    let prompt = state.transcript.isEmpty ? state.editor.text : state.runPrompt
    let accepted = state.transcript.tokens.prefix(index).map(\.token.text).joined()
    let settings = state.runSettings
    let request = SampleTreeRequest(request: settings.request(prompt: prompt), accepted: accepted,
                                    samples: samples, depth: depth)
    if let problem = request.problem ?? state.problem(with: request.sampleRequest(0, base: 0), backend: settings.backend) {
        view.error = problem.message
        state.close(.popup, .tree)
        state.open(.tree(view))
        return []
    }
    state.close(.popup, .tree)
    state.open(.tree(view))
    return [.sampleTree(id: view.id, request: request, useCache: settings.useCache,
                        waitForModel: settings.waitForModel, backend: settings.backend)]
}

/// The answer to tree request `id` (older ones, or one for a closed overlay, are dropped).
func treeAnswered(_ state: inout AppState, id: Int, _ result: Result<SampleTree, GenerationError>) {
    guard state.treeView?.id == id else { return }
    state.updateTreeView { view in
        switch result {
        case .success(let tree): view.tree = tree
        case .failure(let error): view.error = error.message
        }
    }
}

func treeKey(_ state: inout AppState, _ key: Key) -> [Effect] {
    guard let view = state.treeView else { return [] }
    let count = view.rows.count
    switch key {
    case .escape, .character("q"):
        state.close(.tree)
    case .up, .character("k"):
        state.updateTreeView { $0.selection = max(0, $0.selection - 1) }
    case .down, .character("j"):
        state.updateTreeView { $0.selection = min(max(0, count - 1), $0.selection + 1) }
    case .pageUp:
        state.updateTreeView { $0.selection = max(0, $0.selection - 10) }
    case .pageDown:
        state.updateTreeView { $0.selection = min(max(0, count - 1), $0.selection + 10) }
    case .home:
        state.updateTreeView { $0.selection = 0 }
    case .end:
        state.updateTreeView { $0.selection = max(0, count - 1) }
    case .character("+"), .character("-"):
        let range = SampleTreeRequest.sampleRange
        let n = key == .character("+") ? min(range.upperBound, view.samples * 2) : max(range.lowerBound, view.samples / 2)
        return openTree(&state, samples: n, depth: view.depth, at: view.index)
    case .character(">"), .character("<"):
        let range = SampleTreeRequest.depthRange
        let k = min(range.upperBound, max(range.lowerBound, view.depth + (key == .character(">") ? 1 : -1)))
        return openTree(&state, samples: view.samples, depth: k, at: view.index)
    case .character("r"):
        return openTree(&state, samples: view.samples, depth: view.depth, at: view.index)
    case .enter:
        let rows = view.rows
        guard view.selection < rows.count else { return [] }
        return acceptTreePath(&state, rows[view.selection].path, at: view.index)
    default:
        break
    }
    return []
}

/// Accepts a sampled path at output position `index`: like branching, the output is cut there and the path's
/// tokens become a new branch of the branch tree (the first in place of the token there); with no output yet
/// the path starts the tree. Nothing is generated: `c` continues from its end.
func acceptTreePath(_ state: inout AppState, _ path: [Token], at index: Int) -> [Effect] {
    guard let first = path.first else { return [] }
    let effects = stopActiveRun(&state)
    state.close(.tree)
    // A tree from an empty output was sampled from the prompt being edited.
    if state.transcript.isEmpty { state.runPrompt = state.editor.text }
    if index >= state.transcript.count {
        // At the end of the output (or of nothing): the path extends what is shown.
        ensureBranchTree(&state)
        guard var stack = state.branches else { return effects }
        do {
            try stack.perform { b in try b.tree.extend(b.node, with: path) }
        } catch {
            state.notice = "\(error)"
            return effects
        }
        state.branches = stack
    } else {
        ensureBranchTree(&state)
        guard var stack = state.branches else { return effects }
        do {
            try stack.perform { b in
                b.node = try b.tree.branch(from: b.node, at: index, alternative: first, topTokens: [])
                try b.tree.extend(b.node, with: Array(path.dropFirst()))
            }
        } catch {
            state.notice = "\(error)"
            return effects
        }
        state.branches = stack
    }
    showCurrentBranch(&state)
    state.tokenCursor = min(state.transcript.count - 1, index + path.count - 1)
    scrollToCursor(&state)
    state.focus = .output
    state.notice = "accepted \(path.count) sampled token\(path.count == 1 ? "" : "s") at token \(index + 1); c continues"
    return effects
}
