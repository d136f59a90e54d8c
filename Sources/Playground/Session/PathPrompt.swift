import Foundation
import GenerationCore

/// A file path being typed in the status bar, and what happens on Enter.
public struct PathPrompt: Sendable, Equatable {
    public enum Purpose: Sendable, Equatable {
        case saveSession
        case openSession
        case exportMarkdown(run: Int)
        case exportJSONL(run: Int)
        /// A name for a tree of the loom (typed like a path; the tree view comes back after it).
        case renameTree(entry: Int)
        /// Text to force after the output (`f` in the step popup); typed as is, leading spaces kept.
        case forceText
    }

    public var purpose: Purpose
    public var text: String

    var label: String {
        switch purpose {
        case .saveSession: return "save session as"
        case .openSession: return "open session"
        case .exportMarkdown(let id): return "export run #\(id) (Markdown) to"
        case .exportJSONL(let id): return "export run #\(id) (JSONL) to"
        case .renameTree(let id): return "name tree #\(id)"
        case .forceText: return "force text"
        }
    }
}

/// Keys while a path is typed; Enter performs it.
func pathPromptKey(_ state: inout AppState, _ key: Key) -> [Effect] {
    guard case .pathPrompt(var prompt, let under)? = state.overlay else { return [] }
    switch key {
    case .escape:
        state.closeTop()
        return []
    case .backspace: if !prompt.text.isEmpty { prompt.text.removeLast() }
    case .ctrl("u"): prompt.text = ""
    case .character(let c): prompt.text.append(c)
    case .enter:
        state.closeTop()
        // Forced text keeps its spaces (" Paris" is another token than "Paris").
        let path = prompt.purpose == .forceText ? prompt.text : prompt.text.trimmingCharacters(in: .whitespaces)
        guard !path.isEmpty else {
            state.notice = "no file name given"
            return []
        }
        return pathChosen(&state, prompt.purpose, path)
    default: break
    }
    state.overlay = .pathPrompt(prompt, over: under)
    return []
}

func pathChosen(_ state: inout AppState, _ purpose: PathPrompt.Purpose, _ path: String) -> [Effect] {
    switch purpose {
    case .saveSession:
        return [.saveSessionAs(path: path)]
    case .openSession:
        return [.openSession(path: path)]
    case .renameTree(let id):
        renameTree(&state, id, to: path)
        return []
    case .forceText:
        return forceStep(&state, path)
    case .exportMarkdown(let id), .exportJSONL(let id):
        guard let run = state.history.first(where: { $0.id == id }) else {
            state.notice = "run #\(id) is no longer in the history"
            return []
        }
        if case .exportMarkdown = purpose {
            return [.writeFile(path: path, contents: RunExport.markdown(run, includeTokens: true),
                               what: "run #\(id) as Markdown")]
        }
        do {
            return [.writeFile(path: path, contents: try RunExport.jsonl(run), what: "run #\(id) as JSONL")]
        } catch {
            state.notice = "cannot export run #\(id): \(error)"
            return []
        }
    }
}
