import GenerationCore

/// What is up over the panes. One value decides which overlay takes the keys and the mouse (the outermost one)
/// and the drawing order (innermost first), so `update`, the mouse handler and `view` cannot disagree about
/// which one wins. Help and path prompts open over whatever was up, which comes back when they close (an export
/// path typed from the history returns to the history).
public indirect enum Overlay: Sendable {
    /// The alternatives popup on the token cursor (an output token, or a prompt token in the F6 view).
    case popup(Popup)
    /// Compare mode's side-by-side distributions at its cursor (the pick lives in `CompareState`).
    case distributions
    /// The history list (F3), or the diff of two runs.
    case history(HistoryView)
    /// The multi-line grammar editor over the prompt and output.
    case grammarEditor(GrammarEditor)
    /// A preset name being typed in the sidebar's footer (after `S`); the sidebar's keys type it.
    case presetName(String)
    /// A file path typed in the status bar, over what was up when it opened.
    case pathPrompt(PathPrompt, over: Overlay?)
    /// The key help, over what was up when it opened.
    case help(over: Overlay?)
    /// Chat mode's "show template" (F9): the exact templated text, read-only, over the prompt and output.
    case template(TemplateView)
    /// The tree view (`t` in the output): every tree of the loom.
    case loom(LoomView)
    /// A sampled token tree (`s` in the output).
    case tree(TreeView)
    /// Every status-bar field at full length, with the whole notice or error (Alt-I), over what was up.
    case statusDetails(over: Overlay?)

    /// The overlays by kind, to close some wherever they are in the stack.
    public enum Kind: Sendable, CaseIterable {
        case popup, distributions, history, grammarEditor, presetName, pathPrompt, help, template, loom, tree, statusDetails
    }

    public var kind: Kind {
        switch self {
        case .popup: return .popup
        case .distributions: return .distributions
        case .history: return .history
        case .grammarEditor: return .grammarEditor
        case .presetName: return .presetName
        case .pathPrompt: return .pathPrompt
        case .help: return .help
        case .template: return .template
        case .loom: return .loom
        case .tree: return .tree
        case .statusDetails: return .statusDetails
        }
    }

    /// The overlay this one went over; nil for those that replace what was up.
    public var under: Overlay? {
        switch self {
        case .help(let under), .pathPrompt(_, let under), .statusDetails(let under): return under
        default: return nil
        }
    }

    /// This overlay and the ones under it, outermost (the one taking the keys) first.
    public var layers: [Overlay] {
        var all = [self]
        var next = under
        while let o = next {
            all.append(o)
            next = o.under
        }
        return all
    }

    /// This overlay over `under` instead of what it went over (those that go over nothing stay as they are).
    func placed(over under: Overlay?) -> Overlay {
        switch self {
        case .help: return .help(over: under)
        case .statusDetails: return .statusDetails(over: under)
        case .pathPrompt(let p, _): return .pathPrompt(p, over: under)
        default: return self
        }
    }

    /// The stack without the overlays of `kinds` (the ones over them stay up); nil when nothing is left.
    func removing(_ kinds: Set<Kind>) -> Overlay? {
        let rest = under?.removing(kinds)
        if kinds.contains(kind) { return rest }
        return placed(over: rest)
    }

    /// The stack with `change` applied to every overlay in it.
    func mapping(_ change: (Overlay) -> Overlay) -> Overlay {
        change(self).placed(over: under?.mapping(change))
    }
}

extension AppState {
    /// The "show template" view, when it is up.
    public var templateView: TemplateView? {
        for case .template(let t) in overlay?.layers ?? [] { return t }
        return nil
    }

    /// Opens `overlay` over whatever is up (help and path prompts keep it under them; the others replace it).
    mutating func open(_ overlay: Overlay) {
        if case .help = overlay { helpPage = 0 }
        self.overlay = overlay.placed(over: self.overlay)
    }

    /// Closes the overlays of `kinds` wherever they are in the stack.
    mutating func close(_ kinds: Overlay.Kind...) {
        overlay = overlay?.removing(Set(kinds))
    }

    /// Closes the outermost overlay: what it went over comes back.
    mutating func closeTop() {
        overlay = overlay?.under
    }

    /// Whether an overlay of `kind` is up (taking the keys or under one that does).
    func isOpen(_ kind: Overlay.Kind) -> Bool {
        overlay?.layers.contains { $0.kind == kind } ?? false
    }

    /// The alternatives popup, when it is up.
    public var popup: Popup? {
        for case .popup(let p) in overlay?.layers ?? [] { return p }
        return nil
    }

    /// The history list, when it is up.
    public var historyView: HistoryView? {
        for case .history(let h) in overlay?.layers ?? [] { return h }
        return nil
    }

    /// The tree view, when it is up.
    public var loomView: LoomView? {
        for case .loom(let l) in overlay?.layers ?? [] { return l }
        return nil
    }

    /// The path being typed, when a path prompt is up.
    public var pathPrompt: PathPrompt? {
        for case .pathPrompt(let p, _) in overlay?.layers ?? [] { return p }
        return nil
    }

    /// The grammar editor, when it is up.
    public var grammarEditor: GrammarEditor? {
        for case .grammarEditor(let g) in overlay?.layers ?? [] { return g }
        return nil
    }

    /// The preset name being typed, when preset naming is up.
    public var presetName: String? {
        for case .presetName(let name) in overlay?.layers ?? [] { return name }
        return nil
    }

    public var helpOpen: Bool { isOpen(.help) }

    public var distributionsOpen: Bool { compare != nil && isOpen(.distributions) }

    /// Changes the history list wherever it is in the stack (under an export's path prompt, say).
    mutating func updateHistoryView(_ change: (inout HistoryView) -> Void) {
        overlay = overlay?.mapping { o in
            guard case .history(var h) = o else { return o }
            change(&h)
            return .history(h)
        }
    }

    /// Changes the grammar editor, when it is up.
    mutating func updateGrammarEditor(_ change: (inout GrammarEditor) -> Void) {
        overlay = overlay?.mapping { o in
            guard case .grammarEditor(var g) = o else { return o }
            change(&g)
            return .grammarEditor(g)
        }
    }

    /// Changes the popup, when it is up.
    mutating func updatePopup(_ change: (inout Popup) -> Void) {
        overlay = overlay?.mapping { o in
            guard case .popup(var p) = o else { return o }
            change(&p)
            return .popup(p)
        }
    }
}
