import Foundation

/// One message of a conversation, in the role names every chat API shares.
public struct ChatMessage: Codable, Sendable, Equatable, Hashable {
    public enum Role: String, Codable, Sendable, CaseIterable {
        case system, user, assistant
    }

    public var role: Role
    public var content: String

    public init(role: Role, content: String) {
        self.role = role
        self.content = content
    }

    /// A conversation as every chat route takes it: `[{"role", "content"}]`.
    static func wire(_ messages: [ChatMessage]) -> JSONValue {
        .array(messages.map { .fields([("role", .string($0.role.rawValue)), ("content", .string($0.content))]) })
    }
}

/// A chat turn to generate: the conversation and TGI's parameters (the same ones text runs take), so chat
/// replies get the same logprobs, alternatives, compare and branching as text runs.
///
/// `continueFinalMessage`: the last message is an assistant message to be continued, not closed (branching
/// inside a reply); servers that cannot prefill a reply refuse it.
public struct ChatRequest: Codable, Sendable, Equatable {
    public var messages: [ChatMessage]
    public var parameters: GenerateParameters?
    public var continueFinalMessage: Bool?
    /// Only read from `tgplay chat`'s input; `--stream` sets it too.
    public var stream: Bool?

    public init(messages: [ChatMessage], parameters: GenerateParameters? = nil, continueFinalMessage: Bool? = nil,
                stream: Bool? = nil) {
        self.messages = messages
        self.parameters = parameters
        self.continueFinalMessage = continueFinalMessage
        self.stream = stream
    }

    enum CodingKeys: String, CodingKey {
        case messages, parameters, stream
        case continueFinalMessage = "continue_final_message"
    }

    public var continuesReply: Bool { continueFinalMessage == true && messages.last?.role == .assistant }

    /// Decodes `{"messages": [...], "parameters": {...}}` with the same wording as text requests for bad JSON,
    /// and checks the conversation's shape (see `problem`).
    public static func decode(from data: Data) throws -> ChatRequest {
        let request: ChatRequest
        do {
            _ = try JSONValue.parse(data)
        } catch {
            let detail = data.isEmpty ? "the body is empty" : String(describing: error)
            throw GenerationError(errorType: GenerationError.ErrorType.invalidRequest,
                                  message: "Failed to parse the request body as JSON: \(detail)")
        }
        do {
            request = try JSONDecoder().decode(ChatRequest.self, from: data)
        } catch {
            throw GenerationError(errorType: GenerationError.ErrorType.invalidRequest,
                                  message: "Failed to deserialize the JSON body into the target type: \(WireJSON.describe(error))")
        }
        if let problem = request.problem { throw problem }
        return request
    }

    /// What every chat template needs: at least one message, a system message only first, and user and assistant
    /// turns alternating from a user turn (Gemma's template raises the same), the last one a user turn unless a
    /// reply is being continued.
    public var problem: GenerationError? {
        guard !messages.isEmpty else { return .validation("`messages` cannot be empty") }
        let turns = messages.first?.role == .system ? Array(messages.dropFirst()) : messages
        if turns.contains(where: { $0.role == .system }) {
            return .validation("a system message may only come first")
        }
        guard !turns.isEmpty else { return .validation("`messages` needs a user message after the system message") }
        for (i, message) in turns.enumerated() where (message.role == .user) != (i % 2 == 0) {
            return .validation("Conversation roles must alternate user/assistant/user/assistant/... (message \(i + 1 + messages.count - turns.count) is \(message.role.rawValue))")
        }
        if turns.last?.role == .assistant && continueFinalMessage != true {
            return .validation("the last message is an assistant message: set `continue_final_message` to continue it, or add a user message")
        }
        return nil
    }

    /// The parameters as a text request of `inputs` (for backends that generate from the templated text).
    public func textRequest(inputs: String) -> GenerateRequest {
        GenerateRequest(inputs: inputs, parameters: parameters)
    }
}

/// The exact text a backend feeds the model for a conversation, and where that rendering came from.
public struct TemplatedChat: Codable, Sendable, Equatable {
    /// Special tokens included (`<bos>`, `<start_of_turn>`...), as the model sees them.
    public var templatedText: String
    /// Which template rendered it: the GGUF's, a documented format, or the server's own (`/apply-template`).
    public var source: String

    public init(templatedText: String, source: String) {
        self.templatedText = templatedText
        self.source = source
    }

    enum CodingKeys: String, CodingKey {
        case templatedText = "templated_text"
        case source
    }
}
