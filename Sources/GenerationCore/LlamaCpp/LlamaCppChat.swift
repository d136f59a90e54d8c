import Foundation

/// Chat on llama-server through its own template: `/apply-template` renders the conversation with the model's
/// chat template (llama.cpp falls back to ChatML for a GGUF without one, and says so in `/props`), and the
/// rendered text goes to the native `/completion`, so chat replies keep what the native API gives (token ids,
/// bytes, raw or post-sampling probabilities). Continuing a reply renders the conversation without the
/// unfinished reply and appends its text after the generation prompt, which is where the template puts it.
extension LlamaCppBackend {
    public func template(_ request: ChatRequest) async throws -> TemplatedChat {
        if let problem = request.problem { throw problem }
        return TemplatedChat(templatedText: try await rendered(request),
                             source: "the server's chat template (llama-server /apply-template)")
    }

    public func chatStream(_ request: ChatRequest) -> AsyncThrowingStream<GenerationEvent, any Error> {
        if let problem = request.problem { return AsyncThrowingStream { $0.finish(throwing: problem) } }
        return DeferredStream.make { self.generateStream(request.textRequest(inputs: try await self.rendered(request))) }
    }

    private func rendered(_ request: ChatRequest) async throws -> String {
        var messages = request.messages
        var reply = ""
        if request.continuesReply, let last = messages.popLast() { reply = last.content }
        let body = JSONValue.fields([("messages", ChatMessage.wire(messages))])
        let client = HTTPClient(configuration: configuration)
        let data = try await client.exchange(method: "POST", url: configuration.endpoint.base + "/apply-template",
                                             body: try WireJSON.encode(body))
        let prompt = try client.decode(data, what: "/apply-template") { data in
            guard let text = try JSONValue.parse(data)["prompt"]?.stringValue else { throw CompletionShapeError("no prompt") }
            return text
        }
        return prompt + reply
    }
}
