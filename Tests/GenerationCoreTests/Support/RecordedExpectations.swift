import Foundation
@testable import GenerationCore

/// What a recording says the adapter must produce, read with JSONSerialization and nothing of the adapters' code:
/// the tokens (ids and bytes where the server gave them), their logprobs, their alternatives (most likely first,
/// trimmed to the `top_n_tokens` asked for) and the finish reason, in TGI's terms.
struct RecordedExpectation: CustomStringConvertible {
    var tokens: [Token] = []
    var alternatives: [[Token]] = []
    /// Echoed prompt tokens (OpenAI `echo`), as TGI's prefill.
    var prefill: [PrefillToken] = []
    /// The finish reason as the server wrote it (`length`, `stop`; llama.cpp's `limit`, `eos`, `word`).
    var recordedFinish: String?

    var description: String { tokens.map(\.text).joined(separator: "|") }
    var text: String { tokens.map(\.text).joined() }

    /// TGI's finish reason for the recorded one (the adapters' documented mapping, written out here: OpenAI's
    /// `stop` covers both EOS and a stop string, so it is `eos_token` only when no stop sequence was asked for).
    func finish(stopAsked: Bool) -> FinishReason? {
        switch recordedFinish {
        case "length", "limit": return .length
        case "eos": return .eosToken
        case "word": return .stopSequence
        case "stop": return stopAsked ? .other("stop") : .eosToken
        case let other?: return .other(other)
        case nil: return nil
        }
    }

    /// A non-streamed answer of `recording` (OpenAI `/v1/completions` or llama.cpp `/completion`).
    static func answer(_ recording: Recording, topN: Int, echo: Bool = false) -> RecordedExpectation {
        var out = RecordedExpectation()
        guard let json = recording.responseJSON else { return out }
        if let choices = json["choices"] as? [[String: Any]], let choice = choices.first {
            out.recordedFinish = choice["finish_reason"] as? String
            var entries = openAIEntries(choice["logprobs"])
            if echo {
                let completion = RecordedJSON.int((json["usage"] as? [String: Any])?["completion_tokens"]) ?? entries.count
                let promptCount = entries.count - completion
                out.prefill = entries.prefix(promptCount).map { PrefillToken(id: $0.0.id, text: $0.0.text, logprob: $0.0.logprob) }
                entries.removeFirst(promptCount)
            }
            out.add(entries, topN: topN)
        } else {
            out.add(nativeEntries(json["completion_probabilities"]), topN: topN)
            out.recordedFinish = json["stop_type"] as? String
        }
        return out
    }

    /// An event-stream answer of `recording`, event by event.
    static func stream(_ recording: Recording, topN: Int) -> RecordedExpectation {
        var out = RecordedExpectation()
        for event in recording.streamJSON {
            if let choices = event["choices"] as? [[String: Any]] {
                guard let choice = choices.first else { continue }
                out.add(openAIEntries(choice["logprobs"]), topN: topN)
                if let reason = choice["finish_reason"] as? String { out.recordedFinish = reason }
            } else {
                out.add(nativeEntries(event["completion_probabilities"]), topN: topN)
                if (event["stop"] as? NSNumber)?.boolValue == true { out.recordedFinish = event["stop_type"] as? String }
            }
        }
        return out
    }

    private mutating func add(_ entries: [(Token, [Token])], topN: Int) {
        for (token, alternatives) in entries {
            tokens.append(token)
            let sorted = alternatives.enumerated().sorted { a, b in
                let pa = a.element.logprob ?? -.infinity, pb = b.element.logprob ?? -.infinity
                return pa != pb ? pa > pb : a.offset < b.offset
            }.map(\.element)
            self.alternatives.append(Array(sorted.prefix(topN)))
        }
    }

    /// `logprobs` of an OpenAI choice: legacy `{tokens, token_logprobs, top_logprobs}` or `{content: [...]}`.
    static func openAIEntries(_ value: Any?) -> [(Token, [Token])] {
        guard let logprobs = value as? [String: Any] else { return [] }
        if let content = logprobs["content"] as? [[String: Any]] { return nativeEntries(content, key: "top_logprobs") }
        let texts = logprobs["tokens"] as? [String] ?? []
        let values = logprobs["token_logprobs"] as? [Any] ?? []
        let tops = logprobs["top_logprobs"] as? [Any] ?? []
        return texts.enumerated().map { i, text in
            let logprob = i < values.count ? RecordedJSON.number(values[i]) : nil
            let top = (i < tops.count ? tops[i] as? [String: Any] : nil) ?? [:]
            let alternatives = top.map { Token(id: nil, text: $0.key, logprob: RecordedJSON.number($0.value), special: false) }
            return (Token(id: nil, text: text, logprob: logprob, special: false), alternatives)
        }
    }

    /// llama.cpp's `[{id, token, bytes, logprob, top_logprobs}]` or, post-sampling, `[{..., prob, top_probs}]`.
    static func nativeEntries(_ value: Any?, key: String? = nil) -> [(Token, [Token])] {
        guard let items = value as? [[String: Any]] else { return [] }
        func token(_ item: [String: Any]) -> Token {
            var logprob = RecordedJSON.number(item["logprob"])
            if logprob == nil, let p = RecordedJSON.number(item["prob"]) { logprob = p > 0 ? Foundation.log(p) : nil }
            return Token(id: RecordedJSON.int(item["id"]).flatMap { UInt32(exactly: $0) }, text: item["token"] as? String ?? "?",
                         logprob: logprob, special: false, bytes: RecordedJSON.bytes(item["bytes"]))
        }
        return items.map { item in
            let alternatives = (item[key ?? (item["top_probs"] != nil ? "top_probs" : "top_logprobs")] as? [[String: Any]] ?? [])
                .map(token)
            return (token(item), alternatives)
        }
    }
}
