import Foundation

/// A run written out for people (Markdown) or for scripts (JSONL, one line per generated token).
public enum RunExport {
    /// Prompt (a chat run: its conversation, each message under its role, then the reply), output, a parameters table, the outcome, and optionally one table row per token
    /// (index, text, logprob, probability, top alternatives).
    public static func markdown(_ run: SessionRun, includeTokens: Bool = false) -> String {
        var out = "# tgplay run \(run.id)"
        if let set = run.setName { out += " (set \(set))" }
        out += "\n\n"
        out += "- backend: `\(run.backend.value)`\n"
        out += "- started: \(run.startedAt)\n"
        if let reason = run.finishReason { out += "- finish reason: \(reason.rawValue)\n" }
        if let seed = run.seed { out += "- seed: \(seed)\n" }
        if let stats = run.stats {
            out += "- tokens: \(stats.tokens)\n"
            if let ttft = stats.timeToFirstToken { out += "- time to first token: \(format(ttft)) s\n" }
            if let rate = stats.tokensPerSecond { out += "- tokens per second: \(format(rate))\n" }
            if let mean = stats.meanLogprob { out += "- mean logprob: \(format(mean))\n" }
            if let ppl = stats.perplexity { out += "- perplexity: \(format(ppl))\n" }
        }
        if let error = run.error { out += "- error (\(error.errorType ?? "unknown")): \(error.error)\n" }
        if let chat = run.chat {
            out += "\n## Conversation\n\n"
            for (index, message) in chat.messages.enumerated() {
                let continued = chat.continuesReply && index == chat.messages.count - 1
                out += "### \(message.role.rawValue)\(continued ? " (continued by the reply)" : "")\n\n"
                out += fenced(message.content) + "\n"
            }
            out += "## Reply\n\n"
        } else {
            out += "\n## Prompt\n\n" + fenced(run.request.inputs) + "\n## Output\n\n"
        }
        out += fenced(run.response?.generatedText ?? run.tokens.filter { !$0.special }.map(\.text).joined())
        out += "\n## Parameters\n\n"
        let values = (run.request.parameters ?? GenerateParameters()).wireValues
        if values.isEmpty {
            out += "(TGI defaults)\n"
        } else {
            out += "| parameter | value |\n|---|---|\n"
            for name in GenerateParameters.wireNames {
                guard let value = values[name] else { continue }
                out += "| \(name) | \(cell((try? WireJSON.line(value)) ?? "?")) |\n"
            }
        }
        if includeTokens && !run.tokens.isEmpty {
            out += "\n## Tokens\n\n| # | token | logprob | p | top tokens |\n|---|---|---|---|---|\n"
            let top = run.topTokens
            for (index, token) in run.tokens.enumerated() {
                let alternatives = top.indices.contains(index)
                    ? top[index].map { "\(quoted($0.text)) \($0.logprob.map(format) ?? "null")" }.joined(separator: ", ")
                    : ""
                out += "| \(index) | \(cell(quoted(token.text)))\(token.special ? " (special)" : "") | "
                out += "\(token.logprob.map(format) ?? "null") | \(token.probability.map(format) ?? "") | "
                out += "\(cell(alternatives)) |\n"
            }
        }
        return out
    }

    /// One JSON object per generated token: `{"index","id","text","logprob","special","top_tokens"}`.
    public static func jsonl(_ run: SessionRun) throws -> String {
        struct Line: Encodable {
            var index: Int
            var token: Token
            var topTokens: [Token]
            enum CodingKeys: String, CodingKey { case index, id, text, logprob, special, topTokens = "top_tokens" }
            func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(index, forKey: .index)
                try c.encode(token.id, forKey: .id)
                try c.encode(token.text, forKey: .text)
                try c.encode(token.logprob, forKey: .logprob)
                try c.encode(token.special, forKey: .special)
                try c.encode(topTokens, forKey: .topTokens)
            }
        }
        let top = run.topTokens
        var out = ""
        for (index, token) in run.tokens.enumerated() {
            let line = Line(index: index, token: token, topTokens: top.indices.contains(index) ? top[index] : [])
            out += try WireJSON.line(line) + "\n"
        }
        return out
    }

    private static func format(_ value: Double) -> String { String(format: "%.4f", value) }

    private static func quoted(_ text: String) -> String {
        "`" + text.replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "`", with: "'") + "`"
    }

    private static func cell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }

    /// A fenced block long enough that no backtick run inside the text can close it.
    private static func fenced(_ text: String) -> String {
        var longest = 0, current = 0
        for character in text {
            current = character == "`" ? current + 1 : 0
            longest = max(longest, current)
        }
        let fence = String(repeating: "`", count: max(3, longest + 1))
        return fence + "text\n" + text + (text.hasSuffix("\n") ? "" : "\n") + fence + "\n"
    }
}

/// A token-level comparison of two runs: where they part and how each continues from there.
public struct RunDiff: Sendable, Equatable {
    /// nil when the two token sequences are identical.
    public var firstDivergentIndex: Int?
    /// The text both share before the divergence.
    public var commonText: String
    /// Each run's tokens from the divergence on (empty for the one that is a prefix of the other).
    public var continuationA: [Token]
    public var continuationB: [Token]

    public init(_ a: [Token], _ b: [Token]) {
        let index = Divergence.firstIndex(tokens: [a, b])
        firstDivergentIndex = index
        let cut = index ?? a.count
        commonText = a.prefix(cut).filter { !$0.special }.map(\.text).joined()
        continuationA = Array(a.dropFirst(cut))
        continuationB = Array(b.dropFirst(cut))
    }

    public init(_ a: SessionRun, _ b: SessionRun) { self.init(a.tokens, b.tokens) }
}
