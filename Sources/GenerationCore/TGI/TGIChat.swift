import Foundation

/// Chat on TGI: its Messages API (`/v1/chat/completions`, chat-style logprobs, up to 5 alternatives) for replies
/// and `/chat_tokenize` for the templated text. The serverless API has neither route in TGI's shape.
extension TGIBackend {
    public func chatStream(_ request: ChatRequest) -> AsyncThrowingStream<GenerationEvent, any Error> {
        guard !configuration.endpoint.isServerless else {
            return AsyncThrowingStream { $0.finish(throwing: Self.serverlessChat) }
        }
        return messagesAPI.chatStream(request)
    }

    public func template(_ request: ChatRequest) async throws -> TemplatedChat {
        guard !configuration.endpoint.isServerless else { throw Self.serverlessChat }
        if let problem = request.problem { throw problem }
        let body = JSONValue.fields([("messages", ChatMessage.wire(request.messages))])
        let client = HTTPClient(configuration: configuration)
        let data = try await client.exchange(method: "POST", url: configuration.endpoint.url("chat_tokenize"),
                                             body: try WireJSON.encode(body))
        return try client.decode(data, what: "/chat_tokenize") { data in
            guard let text = try JSONValue.parse(data)["templated_text"]?.stringValue else {
                throw CompletionShapeError("no templated_text")
            }
            return TemplatedChat(templatedText: text, source: "the server's chat template (TGI /chat_tokenize)")
        }
    }

    /// TGI's Messages API speaks the OpenAI chat shape; its model field is ignored ("tgi" by convention).
    var messagesAPI: OpenAIBackend {
        OpenAIBackend(configuration: configuration, server: .tgi, modelID: "tgi")
    }

    static let serverlessChat = GenerationError(
        errorType: GenerationError.ErrorType.unsupported,
        message: "a serverless model URL has no chat route in TGI's shape; use the router's OpenAI-compatible URL (https://router.huggingface.co/v1) for chat")
}
