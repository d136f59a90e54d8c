import Foundation
import GenerationCore

/// The playground's state as a session document and back: prompt, base parameters and headers, sets A-D,
/// every run of the history, the branch tree and the node shown. What is not kept: the theme (a setting of
/// the person, not of the session) and in-flight runs.
extension AppState {
    public func sessionDocument() -> Session {
        let base = settings.request(prompt: "").parameters ?? GenerateParameters()
        let kept = loomForSaving()
        // A run's tree is kept once, in the loom.
        let runs = history.map { run in
            var bare = run
            if kept.loom.entry(forRun: run.id) != nil { bare.tree = nil }
            return bare
        }
        var session = Session(prompt: editor.text, parameters: base, sets: sets, backend: defaultBackend,
                              runs: runs, tree: branches?.current.tree,
                              createdAt: sessionCreated ?? timestamp(now), updatedAt: timestamp(now))
        session.loom = kept.loom
        session.playground = SessionPlayground(
            node: branches?.current.node, tree: kept.shown, useCache: settings.useCache, waitForModel: settings.waitForModel,
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
        loom = UndoStack(session.loom)
        // The entry shown: the one the file names, else the loom's copy of the file's tree.
        let named = session.playground?.tree.flatMap { session.loom.entry($0)?.id }
        shownTree = named ?? session.tree.flatMap { tree in session.loom.entries.last { $0.tree == tree }?.id }
        // The trees grown from runs go back with their runs (the file keeps them once, in the loom).
        for entry in session.loom.entries {
            guard entry.id != shownTree, let run = entry.rootRun, let i = history.firstIndex(where: { $0.id == run }),
                  history[i].tree == nil, grownTree(self, of: history[i]) != nil else { continue }
            history[i].tree = entry.tree
        }
        if var tree = session.tree {
            let node = session.playground?.node.flatMap { (try? tree.node($0)) != nil ? $0 : nil } ?? BranchTree.rootID
            if (try? tree.node(BranchTree.rootID))?.runID == nil, let root = Loom.rootRun(of: tree, in: history) {
                // A tree saved before trees knew their root run: the newest run it starts with.
                try? tree.extend(BranchTree.rootID, with: [], runID: root)
            }
            if shownTree == nil { shownTree = loom.current.entries.last { $0.tree == tree }?.id }
            branches = UndoStack(BranchState(tree: tree, node: node))
            outputRun = try? tree.node(BranchTree.rootID).runID
            runPrompt = tree.prompt
            runChat = outputRun.flatMap { id in history.first { $0.id == id } }?.chat
            showCurrentBranch(&self)
            phase = .finished
        } else if let last = history.last(where: { $0.setName == nil }) {
            for token in last.outputTokens { transcript.append(token) }
            outputRun = last.id
            if shownTree == nil { shownTree = loom.current.entry(forRun: last.id)?.id }
            runPrompt = last.request.inputs
            runChat = last.chat
            shownRecord = ShownRecord(finishReason: last.finishReason, seed: last.seed)
            phase = .finished
        }
        // Sets that run elsewhere offer their backends in the sidebar's `backend` field.
        for set in sets { if let b = set.backend, !backendChoices.contains(b) { backendChoices.append(b) } }
        dirty = false
    }
}
