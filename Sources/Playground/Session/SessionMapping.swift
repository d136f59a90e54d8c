import Foundation
import GenerationCore

/// The playground's state as a session document and back: prompt, base parameters and headers, sets A-D,
/// every run of the history, the branch tree and the node shown. What is not kept: the theme (a setting of
/// the person, not of the session) and in-flight runs.
extension AppState {
    public func sessionDocument() -> Session {
        let base = settings.request(prompt: "").parameters ?? GenerateParameters()
        var session = Session(prompt: editor.text, parameters: base, sets: sets, backend: defaultBackend,
                              runs: history, tree: branches?.current.tree,
                              createdAt: sessionCreated ?? timestamp(now), updatedAt: timestamp(now))
        session.playground = SessionPlayground(
            node: branches?.current.node, useCache: settings.useCache, waitForModel: settings.waitForModel,
            backend: settings.backend, grammarText: settings.grammarKind == nil ? nil : settings.grammarText,
            mode: mode == .chat ? PromptMode.chat.rawValue : nil, messages: chat.messages)
        return session
    }

    /// Replaces the prompt, parameters, sets, history and branch tree with `session`'s, and shows the branch
    /// it was on (or its last plain run).
    public mutating func restore(_ session: Session) {
        var restored = settings
        var parameters = session.parameters
        let grammar = parameters.grammar
        parameters.grammar = nil
        restored.parameters = parameters
        restored.grammarKind = grammar?.type
        restored.grammarText = session.playground?.grammarText ?? grammar.map { ParameterSettings.text(of: $0) } ?? ""
        if let p = session.playground {
            restored.useCache = p.useCache
            restored.waitForModel = p.waitForModel
            restored.backend = p.backend
        }
        settings = restored
        editor.setText(session.prompt)
        // Files from before chat mode have neither: text mode and a fresh chat.
        mode = session.playground?.mode.flatMap(PromptMode.init(rawValue:)) ?? .text
        chat = session.playground?.messages.map { ChatDraft(messages: $0) } ?? ChatDraft()
        runChat = nil
        // Sets named A-D go to their column; others (a hand-written file) fill the free ones in order.
        var loadedSets = ParameterSet.fresh
        var taken = Set<Int>()
        var others: [ParameterSet] = []
        for set in session.sets {
            if let i = loadedSets.firstIndex(where: { $0.name == set.name }), !taken.contains(i) {
                loadedSets[i] = set
                taken.insert(i)
            } else {
                others.append(set)
            }
        }
        for var set in others {
            guard let i = loadedSets.indices.first(where: { !taken.contains($0) }) else { break }
            set.name = loadedSets[i].name
            loadedSets[i] = set
            taken.insert(i)
        }
        sets = loadedSets
        shownRun = nil
        editTarget = nil
        history = session.runs
        sessionCreated = session.createdAt
        compare = nil
        close(.history, .distributions)
        transcript.removeAll()
        outputIsOlder = false
        branches = nil
        tokenCursor = nil
        outputScroll = nil
        error = nil
        phase = .idle
        run = nil
        shownRecord = ShownRecord()
        outputRun = nil
        if var tree = session.tree {
            let node = session.playground?.node.flatMap { (try? tree.node($0)) != nil ? $0 : nil } ?? BranchTree.rootID
            if (try? tree.node(BranchTree.rootID))?.runID == nil, let root = Self.rootRun(of: tree, in: history) {
                // A tree saved before trees knew their root run: the newest run it starts with.
                try? tree.extend(BranchTree.rootID, with: [], runID: root)
            }
            branches = UndoStack(BranchState(tree: tree, node: node))
            outputRun = try? tree.node(BranchTree.rootID).runID
            runPrompt = tree.prompt
            runChat = outputRun.flatMap { id in history.first { $0.id == id } }?.chat
            showCurrentBranch(&self)
            phase = .finished
        } else if let last = history.last(where: { $0.setName == nil }) {
            for token in last.outputTokens { transcript.append(token) }
            outputRun = last.id
            runPrompt = last.request.inputs
            runChat = last.chat
            shownRecord = ShownRecord(finishReason: last.finishReason, seed: last.seed)
            phase = .finished
        }
        // Sets that run elsewhere offer their backends in the sidebar's `backend` field.
        for set in sets { if let b = set.backend, !backendChoices.contains(b) { backendChoices.append(b) } }
        dirty = false
    }

    /// The newest run of `history` on the tree's prompt whose tokens begin the tree's root (a continuation of
    /// the root extends it), for trees from files that did not record their root run.
    static func rootRun(of tree: BranchTree, in history: [SessionRun]) -> Int? {
        guard let root = try? tree.node(BranchTree.rootID) else { return nil }
        return history.last { run in
            run.request.inputs == tree.prompt && !run.tokens.isEmpty && run.tokens.count <= root.tokens.count
                && zip(run.tokens, root.tokens).allSatisfy { $0.isSameToken(as: $1) }
        }?.id
    }
}
