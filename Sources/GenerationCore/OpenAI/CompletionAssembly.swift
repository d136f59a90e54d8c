import Foundation

/// Builds TGI-shaped answers from a completion server's tokens, so every adapter answers in the one shape the UI,
/// compare mode and the CLI read: `/generate`'s `GenerateResponse` and `/generate_stream`'s events.
///
/// Tokens with raw bytes get their text from `UTF8Assembler` (a token that ends inside a character shows as
/// empty and the next one completes it, as the built-in engine does); alternatives are trimmed to the
/// `top_n_tokens` asked for, because servers are asked for at least one to get the chosen token's logprob.
struct CompletionAssembly: Sendable {
    let request: GenerateRequest
    private(set) var tokens: [Token] = []
    private(set) var topTokens: [[Token]] = []
    private(set) var text = ""
    private var utf8 = UTF8Assembler()

    init(request: GenerateRequest) { self.request = request }

    private var parameters: GenerateParameters { request.parameters ?? GenerateParameters() }
    private var topN: Int { Int(parameters.topNTokens ?? 0) }

    /// Adds one decoded entry; returns the token as shown and its alternatives as reported.
    @discardableResult
    mutating func append(_ entry: LogprobEntry) -> (token: Token, alternatives: [Token]) {
        var token = entry.token
        if let bytes = token.bytes { token.text = utf8.push(bytes) }
        let alternatives = Array(entry.alternatives.prefix(topN))
        tokens.append(token)
        topTokens.append(alternatives)
        text += token.text
        return (token, alternatives)
    }

    /// Adds a piece of text the server sent without logprobs (TGI's /v1 never sends any): one token, no id.
    @discardableResult
    mutating func appendText(_ piece: String) -> (token: Token, alternatives: [Token]) {
        append(LogprobEntry(token: Token(id: nil, text: piece, logprob: nil, special: false), alternatives: []))
    }

    /// The seed TGI would report: the one asked for when sampling, null when greedy (the server's own random
    /// seed is not known).
    var reportedSeed: UInt64? { parameters.requestsSamplingWithMinP ? parameters.seed : nil }

    /// The generated text as TGI returns it (`return_full_text` puts the prompt first, as TGI does). A stream
    /// that ended inside a character ends with U+FFFD, as a full decode of its bytes would.
    var generatedText: String { (parameters.returnFullText == true ? request.inputs : "") + text + utf8.pendingText }

    /// The `/generate` answer. `details` only when asked for, as TGI does.
    func response(finish: FinishReason, prefill: [PrefillToken] = [], generatedCount: Int? = nil) -> GenerateResponse {
        let wantsDetails = parameters.details == true || parameters.decoderInputDetails == true
        guard wantsDetails else { return GenerateResponse(generatedText: generatedText) }
        let count = UInt32(clamping: generatedCount ?? tokens.count)
        return GenerateResponse(generatedText: generatedText, details: Details(
            finishReason: finish, generatedTokens: count, seed: reportedSeed,
            prefill: parameters.decoderInputDetails == true ? prefill : [], tokens: tokens,
            topTokens: topN > 0 ? topTokens : nil))
    }

    /// One stream event for the token at `index` (0-based), final when `finish` is given.
    func event(for token: Token, alternatives: [Token], index: Int, finish: FinishReason?,
               generatedCount: Int? = nil, inputLength: Int? = nil) -> GenerationEvent {
        var response = StreamResponse(index: UInt32(clamping: index + 1), token: token,
                                      topTokens: alternatives.isEmpty ? nil : alternatives)
        guard let finish else { return .token(response) }
        response.generatedText = generatedText
        if parameters.details == true {
            response.details = StreamDetails(
                finishReason: finish, generatedTokens: UInt32(clamping: generatedCount ?? tokens.count),
                seed: reportedSeed, inputLength: inputLength.map { UInt32(clamping: $0) })
        }
        return .finished(response)
    }

    /// The stand-in for a final event when the server ended without any token to carry it (TGI's final event
    /// always has one): an empty special token with no id and no logprob, so nothing invented looks real.
    static let endMarker = Token(id: nil, text: "", logprob: nil, special: true)
}

/// Maps finish reasons of the completion APIs to TGI's.
enum CompletionFinish {
    /// OpenAI's `finish_reason`: `length`; `stop` covers both an end-of-sequence token and a stop string, so it
    /// is `stop_sequence` when vLLM's `stop_reason` names a string, `eos_token` when no stop sequence was asked
    /// for, and kept as `stop` otherwise (which of the two it was is not known).
    static func openAI(_ reason: String, stopReason: JSONValue?, request: GenerateRequest) -> FinishReason {
        switch reason {
        case "length": return .length
        case "stop":
            if stopReason?.stringValue != nil { return .stopSequence }
            if stopReason?.intValue != nil { return .eosToken }
            let asked = request.parameters?.stop ?? []
            return asked.isEmpty ? .eosToken : .other("stop")
        default: return .other(reason)
        }
    }

    /// llama.cpp's `stop_type`: `limit`, `eos`, `word`.
    static func llamaCpp(_ stopType: String?) -> FinishReason {
        switch stopType {
        case "limit": return .length
        case "eos": return .eosToken
        case "word": return .stopSequence
        case let other?: return .other(other)
        case nil: return .other("unknown")
        }
    }
}

/// Holds the last streamed token back until the server says whether the stream ends there, so it can become
/// TGI's final event (completion servers end with a token-less chunk that carries only the finish reason).
struct HeldToken: Sendable {
    private var held: (token: Token, alternatives: [Token], index: Int)?

    var tokens: [Token] { held.map { [$0.token] } ?? [] }

    /// Holds the token `assembly` just appended and releases the one held before it.
    mutating func hold(_ next: (token: Token, alternatives: [Token]), in assembly: CompletionAssembly) -> [StreamStep] {
        let released = held.map {
            StreamStep.event(assembly.event(for: $0.token, alternatives: $0.alternatives, index: $0.index, finish: nil))
        }
        held = (next.token, next.alternatives, assembly.tokens.count - 1)
        return released.map { [$0] } ?? []
    }

    /// The final event: the held token (or `CompletionAssembly.endMarker` when none came) with the finish reason.
    mutating func finish(_ finish: FinishReason, in assembly: CompletionAssembly, inputLength: Int?) -> StreamStep {
        let last = held ?? (CompletionAssembly.endMarker, [], assembly.tokens.count)
        held = nil
        return .event(assembly.event(for: last.token, alternatives: last.alternatives, index: last.index,
                                     finish: finish, inputLength: inputLength))
    }
}

/// The first reading of a completion server's stream event, the same for every dialect: keep-alives and
/// `[DONE]` say nothing, bytes that are not JSON are `invalid_response`, an `{"error": ...}` object is the
/// server's error; anything else is the parsed chunk.
enum CompletionChunk {
    case nothing
    case step(StreamStep)
    case chunk(JSONValue)

    static func read(_ event: SSEEvent, url: String) -> CompletionChunk {
        let text = event.text.trimmingCharacters(in: .whitespaces)
        if text.isEmpty || text == "[DONE]" { return .nothing }
        let data = Data(event.data)
        guard let tree = try? JSONValue.parse(data) else { return .step(malformed(data, url: url)) }
        if tree["error"] != nil, let error = HTTPErrorMapping.bodyError(data, status: 200) { return .step(.failure(error)) }
        return .chunk(tree)
    }

    static func malformed(_ data: Data, url: String) -> StreamStep {
        .failure(GenerationError(errorType: GenerationError.ErrorType.invalidResponse,
                                 message: "malformed stream event from \(url): \(BodySnippet.of(data))"))
    }
}

/// What one chunk of a completion stream says, whatever the dialect: its tokens (with logprobs, or bare text
/// from a server that sent none), whether the stream ends here and why, and the prompt length when told.
struct CompletionChunkContent: Sendable {
    enum Pieces: Sendable {
        case none
        case entries([LogprobEntry])
        case text(String)
    }

    var pieces: Pieces = .none
    var finish: FinishReason?
    var inputLength: Int?
}

/// How one server family's stream chunk reads (OpenAI-compatible `choices[]`, llama.cpp's native object).
protocol CompletionChunkDialect: Sendable {
    /// The chunk's content; nil when it is not the shape the API promises.
    static func read(_ chunk: JSONValue, request: GenerateRequest) -> CompletionChunkContent?
}

/// Completion-server stream events as TGI events, for any dialect: the last token is held back until the
/// server says whether the stream ends there, so it can become TGI's final event; keep-alives and `[DONE]` say
/// nothing; an `{"error": ...}` chunk fails the stream with the server's words.
struct CompletionStreamDecoder<Dialect: CompletionChunkDialect>: StreamDecoder {
    private var assembly: CompletionAssembly
    private let url: String
    private var held = HeldToken()
    private var inputLength: Int?

    init(request: GenerateRequest, url: String) {
        self.assembly = CompletionAssembly(request: request)
        self.url = url
    }

    var pendingTokens: [Token] { held.tokens }

    mutating func decode(_ event: SSEEvent) -> [StreamStep] {
        let tree: JSONValue
        switch CompletionChunk.read(event, url: url) {
        case .nothing: return []
        case .step(let step): return [step]
        case .chunk(let chunk): tree = chunk
        }
        guard let content = Dialect.read(tree, request: assembly.request) else {
            return [CompletionChunk.malformed(Data(event.data), url: url)]
        }
        if let length = content.inputLength { inputLength = length }
        var steps: [StreamStep] = []
        switch content.pieces {
        case .none: break
        case .entries(let entries): for entry in entries { steps += held.hold(assembly.append(entry), in: assembly) }
        case .text(let piece): steps += held.hold(assembly.appendText(piece), in: assembly)
        }
        if let finish = content.finish { steps.append(held.finish(finish, in: assembly, inputLength: inputLength)) }
        return steps
    }
}
