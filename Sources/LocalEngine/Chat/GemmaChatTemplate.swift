import Foundation
import GenerationCore

/// Gemma 3's turn format, as its published chat template renders it (`tokenizer_config.json` of the
/// instruction-tuned models; the rendered strings in the tests come from that template run by jinja2):
///
///     <bos><start_of_turn>user\n{system}\n\n{user}<end_of_turn>\n<start_of_turn>model\n{reply}<end_of_turn>\n...
///     <start_of_turn>model\n
///
/// The system text is folded into the first user turn (Gemma has no system role); every message's text is
/// trimmed except the system text; assistant turns are `model` turns. Continuing a reply leaves the last model
/// turn open (no `<end_of_turn>`, no new generation prompt), so the engine writes on inside the same message.
public enum GemmaChatTemplate {
    /// The templated text, starting with `<bos>` as the model receives it.
    public static func render(_ messages: [ChatMessage], addGenerationPrompt: Bool = true,
                              continueFinalMessage: Bool = false) -> String {
        var prefix = ""
        var turns = messages[...]
        if let first = messages.first, first.role == .system {
            prefix = first.content + "\n\n"
            turns = messages.dropFirst()
        }
        var text = "<bos>"
        let lastIndex = turns.indices.last
        for (i, message) in zip(turns.indices, turns) {
            let role = message.role == .assistant ? "model" : message.role.rawValue
            text += "<start_of_turn>" + role + "\n" + (i == turns.startIndex ? prefix : "")
            text += message.content.trimmingCharacters(in: .whitespacesAndNewlines)
            if continueFinalMessage && i == lastIndex && message.role == .assistant { return text }
            text += "<end_of_turn>\n"
        }
        if addGenerationPrompt { text += "<start_of_turn>model\n" }
        return text
    }

    /// Which template the built-in engine uses for `file`, said in words for the UI: the GGUF's own when it is
    /// Gemma's turn format (the only one the engine renders), else Gemma's documented format, with the warning a
    /// base model deserves.
    public static func source(for file: GGUFFile) -> String {
        if let embedded = file.string("tokenizer.chat_template"), embedded.contains("<start_of_turn>") {
            return "the model's own chat template (Gemma's turn format)"
        }
        let base = file.string("tokenizer.chat_template") == nil
            ? "Gemma 3's documented turn format: this GGUF has no chat template"
            : "Gemma 3's documented turn format: this GGUF's chat template is not Gemma's and is not used"
        return base + "; a base model follows chats loosely"
    }
}
