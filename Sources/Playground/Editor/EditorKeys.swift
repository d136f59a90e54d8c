import GenerationCore

func editorKey(_ state: inout AppState, _ key: Key) -> [Effect] {
    if editText(&state.editor, key) { state.dirty = true }
    return []
}

/// The editing keys of a multi-line editor (the prompt, the grammar editor); true when the text changed.
func editText(_ e: inout TextEditor, _ key: Key) -> Bool {
    switch key {
    case .character(let c): e.insert(String(c))
    case .enter: e.newline()
    case .backspace, .ctrl("h"): e.backspace()
    case .delete, .ctrl("d"): e.deleteForward()
    case .left, .ctrl("b"): e.moveLeft(); return false
    case .right, .ctrl("f"): e.moveRight(); return false
    case .up, .ctrl("p"): e.moveVertically(-1); return false
    case .down, .ctrl("n"): e.moveVertically(1); return false
    case .home, .ctrl("a"): e.moveHome(); return false
    case .end, .ctrl("e"): e.moveEnd(); return false
    case .ctrlHome: e.moveDocumentStart(); return false
    case .ctrlEnd: e.moveDocumentEnd(); return false
    case .ctrlLeft, .alt("b"): e.moveWordLeft(); return false
    case .ctrlRight, .alt("f"): e.moveWordRight(); return false
    case .pageUp: e.pageUp(); return false
    case .pageDown: e.pageDown(); return false
    case .ctrl("k"): e.killToEnd()
    case .ctrl("u"): e.killToStart()
    case .ctrl("w"), .alt("\u{7F}"): e.deleteWordBackward()
    case .ctrl("z"), .ctrl("_"): e.undo()
    case .ctrl("y"): e.redo()
    default: return false
    }
    return true
}
