/// One row of the key table: the keys and what they do as the README's "Keys" table words them, and the short
/// form the help overlay fits into its columns. One list for both, so neither can forget a key the other has
/// (a test reads the README's table and compares it with this one).
public struct KeyBinding: Sendable, Equatable {
    /// The README's "Key" cell.
    public var keys: String
    /// The README's "Does" cell.
    public var does: String
    /// The help overlay's key column (at most 10 cells, a blank before the description).
    public var shortKeys: String
    /// The help overlay's description (at most 13 cells).
    public var shortDoes: String

    public init(_ keys: String, _ does: String, short shortKeys: String, _ shortDoes: String) {
        self.keys = keys
        self.does = does
        self.shortKeys = shortKeys
        self.shortDoes = shortDoes
    }
}

/// The keys that work in one place (a pane, an overlay, a mode).
public struct KeySection: Sendable, Equatable {
    /// The README's "Where" cell.
    public var place: String
    /// The help overlay's heading.
    public var title: String
    public var bindings: [KeyBinding]
}

/// Every key, grouped by where it works: the README's key table and the help overlay (F1).
public let keyTable: [KeySection] = [
    KeySection(place: "everywhere", title: "Everywhere", bindings: [
        KeyBinding("Ctrl-R, F5", "run the prompt (restarts a running one)", short: "Ctrl-R F5", "run / restart"),
        KeyBinding("Esc", "cancel the run; close the popup, help or an edit", short: "Esc", "cancel, close"),
        KeyBinding("Tab, Shift-Tab", "focus prompt -> parameters -> output", short: "Tab S-Tab", "switch pane"),
        KeyBinding("F1 (and `?` outside the prompt); Alt-I", "help overlay with every key (in pages turned by PgDn / PgUp where the terminal is too narrow for its columns); Alt-I: every status-bar field at full length with the whole notice and error (the bar drops the fields that do not fit, whole), any key closes it",
                   short: "F1 ? Alt-I", "help / status"),
        KeyBinding("F2, Ctrl-T", "F2: next theme (the status bar names it); Ctrl-T: hide or show the parameter sidebar (the prompt and output take its width; the sidebar also narrows by itself below 80 columns)",
                   short: "F2  C-T", "theme/sidebar"),
        KeyBinding("F4, F9", "chat mode: F4 switches the prompt pane between a text prompt and chat messages (also the sidebar's `mode`; both are kept); F9 shows the exact templated text the backend feeds the model, special tokens marked, and which template made it (Esc closes)", short: "F4  F9", "chat/template"),
        KeyBinding("F8", "which parameters the sidebar edits: the base, then compare set A, B, C, D, then the base again (a set's own values are marked with its letter; Ctrl-R runs what the sidebar shows)",
                   short: "F8", "edit base/A-D"),
        KeyBinding("F7", "compare mode: the prompt (in chat mode, the conversation) runs with sets A and B (and C, D when they change something) at once with one seed, one column each with the differing parameters on top, the first divergent token marked in every column and each set's stats below; F7, Esc or Ctrl-R leave it",
                   short: "F7", "compare sets"),
        KeyBinding("F3", "the history of runs (see below)", short: "F3", "run history"),
        KeyBinding("Ctrl-O", "open a session file (type its path)", short: "Ctrl-O", "open session"),
        KeyBinding("F6", "score the prompt (non-streaming `decoder_input_details` request; in chat mode the conversation's prompt, where the backend can): a read-only view of the prompt's tokens coloured by logprob, prompt perplexity in the status bar; F6 or Esc returns to the editor",
                   short: "F6", "prompt ppl"),
        KeyBinding("Ctrl-S; Ctrl-Q, Ctrl-C", "save the session now (it also saves by itself); save and quit", short: "C-S Ctrl-Q", "save / quit"),
    ]),
    KeySection(place: "prompt", title: "Prompt", bindings: [
        KeyBinding("arrows, PgUp, PgDn", "move; Up/Down follow soft-wrapped rows; page up / down", short: "↑↓ PgUp/Dn", "move, page"),
        KeyBinding("Home/End, Ctrl-A/Ctrl-E", "line start / end", short: "Home  End", "start / end"),
        KeyBinding("Ctrl-Left/Right, Alt-B/F", "word jump", short: "C-← C-→", "word jump"),
        KeyBinding("Ctrl-K, Ctrl-U, Ctrl-W", "kill to end of line, to start, word back", short: "C-K/U/W", "cut line/word"),
        KeyBinding("Ctrl-Z, Ctrl-Y", "undo, redo", short: "C-Z  C-Y", "undo / redo"),
        KeyBinding("paste", "bracketed paste, inserted as one undo step (1 MB stays responsive)", short: "paste", "one undo step"),
    ]),
    KeySection(place: "parameters", title: "Parameters", bindings: [
        KeyBinding("Up, Down", "select a field", short: "↑ ↓", "select field"),
        KeyBinding("Left, Right, Space", "step a number, toggle a switch, cycle the grammar type; Space toggles a switch", short: "← → Space", "step / toggle"),
        KeyBinding("Enter or typing", "edit the value; Enter sets it, Esc drops the edit. On `grammar.value` a multi-line editor opens over the prompt and output (same editing keys as the prompt, paste works, JSON kinds are checked as you type): Esc or F10 applies, Ctrl-G discards",
                   short: "Enter type", "edit a value"),
        KeyBinding("d, D", "reset the field, reset all (editing a set: back to the base's value, clear the set)", short: "d  D", "reset one/all"),
        KeyBinding("S", "save the current parameters as a named preset (type the name, Enter; Esc abandons)", short: "S", "save preset"),
        KeyBinding("P", "load the next saved preset (presets live in `$XDG_CONFIG_HOME/tgplay/presets/NAME.json`)", short: "P", "next preset"),
    ]),
    KeySection(place: "output", title: "Output", bindings: [
        KeyBinding("arrows, Home, End", "move the token cursor: Left/Right by token, Up/Down by row, Home/End first / last token", short: "arrows H/E", "token cursor"),
        KeyBinding("Enter, mouse click", "open the alternatives popup / select a token", short: "Ent/click", "alternatives"),
        KeyBinding("`[`, `]`", "previous / next branch tried at the current branch point (the original continuation first)", short: "[  ]", "browse branch"),
        KeyBinding("u, Ctrl-Z", "undo the last branch-tree change (branch or browse)", short: "u  C-Z", "undo branch"),
        KeyBinding("c", "continue generating from the end of the output shown (a cancelled or short run, or any branch browsed to): a new request with inputs = prompt + the text shown; its tokens extend that branch. With the token cursor moved inside the output, continue from the cursor: the output is cut after it (what was cut stays a branch, `[` `]` return to it)",
                   short: "c", "continue here"),
        KeyBinding("n", "step: generate exactly one more token after the output shown (the prompt's end when there is none) with the sidebar's parameters (and `top_n_tokens` 5 when it asks for none), as its own undo step (`u` takes it back), and open the step popup on it", short: "n", "step 1 token"),
        KeyBinding("t", "the tree view: every tree of the session (each run of the prompt is a root; its branches and continuations hang from it, nothing is thrown away by Ctrl-R, re-runs, failures or the history), with first words, mean probability, tokens and parameters (see below)",
                   short: "t", "tree view"),
        KeyBinding("m", "colour the output by: probability (the default), raw probability (the model's own, before any processor), entropy of the distribution the token was drawn from, the token's rank in it, or how much processing moved it (processed minus raw probability); the legend follows, and tokens without the number are dim with the legend saying why. All but probability and rank read the built-in engine's stages, which runs record only while such a setting (or the popup's raw or stages view) is on",
                   short: "m", "colour by"),
        KeyBinding("s", "sample a token tree: 16 continuations of up to 6 tokens with the current parameters, from the token at the cursor (the output before it accepted; with no cursor, from the prompt's end), drawn as a tree of token prefixes with counts, a bar of each prefix's share, the token's probability and the path's; in it Up/Down select a node, Enter accepts the path to it into the branch tree (the output cut at the cursor, nothing generated: `c` continues), `+`/`-` double/halve the samples (8 to 64), `<`/`>` change the depth (1 to 12), r samples again, Esc closes",
                   short: "s", "sample tree"),
        KeyBinding("PgUp, PgDn, wheel", "scroll", short: "PgUp PgDn", "scroll, wheel"),
    ]),
    KeySection(place: "popup", title: "Popup", bindings: [
        KeyBinding("Up, Down; Left, Right", "select an alternative; previous / next token", short: "↑↓  ← →", "pick / token"),
        KeyBinding("Enter, b", "branch: cut the output before the token, accept the alternative and continue generating (new request with inputs = prompt + accepted text; on a chat reply the same assistant message is continued, or the error says why the backend cannot); Enter with nothing selected closes",
                   short: "Enter  b", "branch there"),
        KeyBinding("n, c, f (step popup)", "in the popup `n` opened, Enter or b accepts the selected alternative as that token (a branch, `u` undoes it) and generates nothing; n steps again, c continues generating normally, f forces text typed in the status bar (Enter): its tokens are accepted after the output, each scored, as one undo step", short: "n  c  f", "step/go/force"),
        KeyBinding("v", "cycle the popup's view: processed (the distribution the token was drawn from, as the backend reports it), raw (the model's own before any processor) and stages (one row per sampling step: tokens left, share of the previous step's mass kept, entropy, the token's probability as a bar and its rank; then which step removed the tokens the raw model preferred); raw and stages need the built-in engine, which records stages for the runs started while the popup was last left in one of them",
                   short: "v", "raw / stages"),
    ]),
    KeySection(place: "compare (output focused)", title: "Compare (F7)", bindings: [
        KeyBinding("Left, Right, Home, End, mouse click", "move a token cursor through every column at once", short: "← → click", "token in all"),
        KeyBinding("g", "back to the first divergent token", short: "g", "to divergence"),
        KeyBinding("Enter, v", "every set's distribution at the cursor side by side: each set's choice and probability, its parameters, its `top_tokens` with bars (tokens other sets chose marked with their letters) and why the choices differ (different most likely tokens, or a sampled lower-ranked token); Left/Right move, Esc closes",
                   short: "Enter  v", "distributions"),
    ]),
    KeySection(place: "distributions", title: "Distributions", bindings: [
        KeyBinding("Tab, Up, Down, Enter or b", "pick a set (Tab) and one of its alternatives (Up/Down); Enter branches that set there: compare closes, the set's output is cut before the token, the alternative taken, and generation continues with that set's parameters and backend",
                   short: "Tab ↑↓ b", "branch a set"),
    ]),
    KeySection(place: "history (F3)", title: "History (F3)", bindings: [
        KeyBinding("Up, Down, PgUp, PgDn", "select a run (newest on top: id, set, time, backend, sampling parameters, seed, tokens, finish reason, perplexity, text)",
                   short: "↑↓ PgUp/Dn", "select a run"),
        KeyBinding("Enter", "show the run's tokens in the output pane (popup included); the branch tree is kept (`[`, `]` or `u` return to it; branching or `c` from the shown run starts a new tree)",
                   short: "Enter", "show the run"),
        KeyBinding("r", "re-run it: the same request with its seed pinned, on the backend it used", short: "r", "re-run"),
        KeyBinding("p", "load its prompt and parameters into the editor and sidebar", short: "p", "load prompt"),
        KeyBinding("Space, =", "mark a run; diff the selected run with the marked one (or the one before): shared text, the parameters that differ between the two runs, and each continuation from the first divergent token",
                   short: "Space  =", "mark / diff"),
        KeyBinding("e, J", "export the run to Markdown / to JSONL (type the path)", short: "e  J", "md / JSONL"),
        KeyBinding("w, o", "save the session as a new file (autosave then writes there) / open a session file", short: "w  o", "save as, open"),
    ]),
    KeySection(place: "tree view (`t`)", title: "Trees (t)", bindings: [
        KeyBinding("Enter, r, d", "with a tree or one of its branches selected (Up, Down, PgUp, PgDn, Home, End; newest tree on top): Enter shows it in the output at that branch (the tree shown before stays in the loom), r names the tree (type the name, Enter), d deletes the whole tree (its runs stay in the history)",
                   short: "Ent r d", "show/name/del"),
        KeyBinding("u, Ctrl-Z / Ctrl-Y, U", "undo / redo a rename or delete", short: "u  C-Y", "undo / redo"),
    ]),
    KeySection(place: "prompt tokens (F6)", title: "Prompt tokens (F6)", bindings: [
        KeyBinding("arrows, Home, End, Enter", "move the prompt-token cursor; Enter: popup with the prompt token's probability and logprob (the first token has none)", short: "arrows Ent", "cursor, prob."),
    ]),
    KeySection(place: "chat (F4)", title: "Chat (F4)", bindings: [
        KeyBinding("Alt-N, Alt-X, Alt-R", "add a message after the selected one (a user turn, or an assistant turn after a user turn), remove the selected message, change its role (system -> user -> assistant); Up/Down past a message's first/last row select the one before/after, a click selects one", short: "Alt-N/X/R", "add/rm/role"),
        KeyBinding("Alt-A (`a` in the output)", "accept the reply shown as an assistant message after the conversation it answers, and start a new, empty user turn", short: "Alt-A  a", "accept reply"),
    ]),
]
