import Foundation

/// One generated token with its alternatives, decoded from any of the servers' logprob shapes.
struct LogprobEntry: Sendable, Equatable {
    var token: Token
    var alternatives: [Token]
}

/// Reads the per-token logprobs of the OpenAI-compatible dialects and of llama.cpp's native API into neutral
/// tokens. Every shape is read field by field from a parsed `JSONValue`, so a missing or mistyped field gives
/// nil (an `invalid_response`), never a trap.
enum LogprobEntries {
    /// `choices[i].logprobs` in either dialect: legacy `{tokens, token_logprobs, top_logprobs}` (text only) or
    /// chat-style `{content: [{token, logprob, bytes, top_logprobs}]}` (llama-server adds `id`). nil when the
    /// object has neither shape.
    static func fromChoiceLogprobs(_ logprobs: JSONValue) -> [LogprobEntry]? {
        if let content = logprobs["content"] {
            if content.isNull { return [] }
            guard let items = content.arrayValue else { return nil }
            return entries(items, alternativesKey: "top_logprobs")
        }
        guard let tokens = logprobs["tokens"]?.arrayValue else { return nil }
        let logprobList = logprobs["token_logprobs"]?.arrayValue ?? []
        let topList = logprobs["top_logprobs"]?.arrayValue ?? []
        var out: [LogprobEntry] = []
        out.reserveCapacity(tokens.count)
        for (i, item) in tokens.enumerated() {
            guard let text = item.stringValue else { return nil }
            let logprob = i < logprobList.count ? logprobList[i].doubleValue : nil
            var alternatives: [Token] = []
            if i < topList.count, let members = topList[i].members {
                for member in members {
                    guard let value = member.value.doubleValue else { continue }
                    alternatives.append(Token(id: nil, text: member.key, logprob: value, special: false))
                }
            }
            out.append(LogprobEntry(token: Token(id: nil, text: text, logprob: logprob, special: false),
                                    alternatives: sortedByProbability(alternatives)))
        }
        return out
    }

    /// llama.cpp's `completion_probabilities`: `{id, token, bytes, logprob, top_logprobs}`, or with
    /// `post_sampling_probs` `{id, token, bytes, prob, top_probs}` (probabilities turned into logprobs here).
    static func fromCompletionProbabilities(_ items: [JSONValue]) -> [LogprobEntry]? {
        entries(items, alternativesKey: items.first?["top_probs"] != nil ? "top_probs" : "top_logprobs")
    }

    private static func entries(_ items: [JSONValue], alternativesKey: String) -> [LogprobEntry]? {
        var out: [LogprobEntry] = []
        out.reserveCapacity(items.count)
        for item in items {
            guard let token = token(item) else { return nil }
            let alternatives = (item[alternativesKey]?.arrayValue ?? []).compactMap { self.token($0) }
            out.append(LogprobEntry(token: token, alternatives: sortedByProbability(alternatives)))
        }
        return out
    }

    /// One `{id?, token, bytes?, logprob | prob}` object.
    private static func token(_ item: JSONValue) -> Token? {
        guard let text = item["token"]?.stringValue else { return nil }
        var logprob = item["logprob"]?.doubleValue
        if logprob == nil, let p = item["prob"]?.doubleValue { logprob = p > 0 ? Foundation.log(p) : -Double.infinity }
        if let lp = logprob, !lp.isFinite { logprob = nil }
        let id = item["id"]?.intValue.flatMap { UInt32(exactly: $0) }
        return Token(id: id, text: text, logprob: logprob, special: false, bytes: item["bytes"]?.byteArray)
    }

    /// TGI lists `top_tokens` most likely first; servers mostly do too, but a map has no order guarantee.
    static func sortedByProbability(_ tokens: [Token]) -> [Token] {
        tokens.enumerated().sorted { a, b in
            let pa = a.element.logprob ?? -.infinity, pb = b.element.logprob ?? -.infinity
            return pa != pb ? pa > pb : a.offset < b.offset
        }.map(\.element)
    }
}
