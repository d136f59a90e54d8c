import Foundation

/// Writes chat replies as OpenAI-style chat completions (`chat.completion` and `chat.completion.chunk`), the
/// shape chat scripts already read, whatever backend produced them: `tgplay chat`'s output.
///
/// Each token's logprobs are chat-style (`{token, logprob, bytes, top_logprobs}`), with the token's `id` added
/// when the backend gave one (as llama-server does). Special tokens (the end of the turn) end the reply and
/// are left out of the content, as the servers do.
public enum ChatCompletionShape {
    /// One `chat.completion.chunk` for a stream event. `first` adds `delta.role`.
    public static func chunk(_ event: StreamResponse, id: String, created: Int, model: String, first: Bool) -> JSONValue {
        let visible = !event.token.special
        var delta: [(String, JSONValue?)] = []
        if first { delta.append(("role", .string("assistant"))) }
        delta.append(("content", .string(visible ? event.token.text : "")))
        let logprobs: JSONValue = visible
            ? .fields([("content", .array([entry(event.token, alternatives: event.topTokens ?? [])]))]) : .null
        let finish: JSONValue = event.isFinal ? .string(finishReason(event.details?.finishReason)) : .null
        let choice = JSONValue.fields([("index", .int(0)), ("delta", .fields(delta)), ("logprobs", logprobs),
                                       ("finish_reason", finish)])
        return header(id: id, object: "chat.completion.chunk", created: created, model: model, choices: [choice])
    }

    /// The whole `chat.completion` for a finished reply.
    public static func completion(_ response: GenerateResponse, id: String, created: Int, model: String) -> JSONValue {
        let tokens = response.details?.tokens ?? []
        let tops = response.details?.topTokens ?? []
        var entries: [JSONValue] = []
        for (i, token) in tokens.enumerated() where !token.special {
            entries.append(entry(token, alternatives: i < tops.count ? tops[i] : []))
        }
        let message = JSONValue.fields([("role", .string("assistant")), ("content", .string(response.generatedText))])
        let choice = JSONValue.fields([
            ("index", .int(0)), ("message", message), ("logprobs", .fields([("content", .array(entries))])),
            ("finish_reason", .string(finishReason(response.details?.finishReason))),
        ])
        var object = header(id: id, object: "chat.completion", created: created, model: model, choices: [choice])
        if case .object(var members) = object, let count = response.details?.generatedTokens {
            members.append(.init("usage", .fields([("completion_tokens", .uint(UInt64(count)))])))
            object = .object(members)
        }
        return object
    }

    /// TGI's finish reasons in OpenAI's words: an end-of-sequence token or a stop string is `stop`.
    public static func finishReason(_ reason: FinishReason?) -> String {
        switch reason {
        case .eosToken?, .stopSequence?: return "stop"
        case .length?: return "length"
        case .other(let raw)?: return raw
        case nil: return "unknown"
        }
    }

    private static func header(id: String, object: String, created: Int, model: String, choices: [JSONValue]) -> JSONValue {
        .fields([("id", .string(id)), ("object", .string(object)), ("created", .int(Int64(created))),
                 ("model", .string(model)), ("choices", .array(choices))])
    }

    private static func entry(_ token: Token, alternatives: [Token]) -> JSONValue {
        .fields([
            ("id", token.id.map { .uint(UInt64($0)) }),
            ("token", .string(token.text)),
            ("logprob", token.logprob.map(JSONValue.double) ?? .null),
            ("bytes", .array((token.bytes ?? Array(token.text.utf8)).map { .uint(UInt64($0)) })),
            ("top_logprobs", .array(alternatives.map { alt in
                .fields([
                    ("id", alt.id.map { .uint(UInt64($0)) }),
                    ("token", .string(alt.text)),
                    ("logprob", alt.logprob.map(JSONValue.double) ?? .null),
                    ("bytes", .array((alt.bytes ?? Array(alt.text.utf8)).map { .uint(UInt64($0)) })),
                ])
            })),
        ])
    }
}
