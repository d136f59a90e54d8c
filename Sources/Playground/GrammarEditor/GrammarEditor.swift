import Foundation
import GenerationCore

/// The grammar's value in a multi-line editor over the prompt and output panes: a JSON schema or a long regex
/// does not fit a sidebar row. It edits the settings the sidebar edits (the base, or the set F8 selected).
public struct GrammarEditor: Sendable {
    public var editor: TextEditor
    /// The grammar type when the editor opened (for the title and the JSON check).
    public var kind: Grammar.Kind?

    /// Why the text is not a valid value for its kind (JSON kinds must parse), with the position.
    public var problem: String? {
        guard let kind, kind != .regex, !editor.text.isEmpty else { return nil }
        do {
            _ = try JSONValue.parse(Data(editor.text.utf8))
            return nil
        } catch {
            return "not valid JSON yet: \(error)"
        }
    }
}

/// Opens the editor on the grammar text of `state.settings` (called inside `editSettings`, so a set's).
func openGrammarEditor(_ state: inout AppState) {
    var editor = TextEditor()
    editor.setText(state.settings.grammarText)
    editor.moveDocumentEnd()
    state.open(.grammarEditor(GrammarEditor(editor: editor, kind: state.settings.grammarKind)))
    applyLayout(&state)
}

/// Every key goes to the editor; Esc (or F10) applies the text and closes, Ctrl-G closes without applying.
func grammarEditorKey(_ state: inout AppState, _ key: Key) -> [Effect] {
    switch key {
    case .escape, .function(10):
        applyGrammarEditor(&state)
    case .ctrl("g"):
        state.close(.grammarEditor)
        state.notice = "grammar edit discarded"
    default:
        state.updateGrammarEditor { _ = editText(&$0.editor, key) }
    }
    return []
}

/// Writes the editor's text as the grammar value (a value without a type becomes a regex, or `json` when it
/// looks like a JSON object) and closes the editor.
func applyGrammarEditor(_ state: inout AppState) {
    guard let g = state.grammarEditor else { return }
    state.close(.grammarEditor)
    let text = g.editor.text
    editSettings(&state) { s in
        s.settings.grammarText = text
        if s.settings.grammarKind == nil && !text.isEmpty {
            s.settings.grammarKind = text.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix("{") ? .json : .regex
        }
    }
    state.dirty = true
}
