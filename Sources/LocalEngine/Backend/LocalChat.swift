import Foundation
import GenerationCore

/// Chat on the built-in engine: the conversation rendered with Gemma's turn format, then the same generation
/// path as text, so logprobs, alternatives, grammar and every parameter apply to the reply. Generation stops at
/// `<end_of_turn>` (one of the engine's end-of-generation tokens). Continuing a reply is native: the open model
/// turn is simply the prompt.
extension LocalBackend {
    public func template(_ request: ChatRequest) async throws -> TemplatedChat {
        if let problem = request.problem { throw problem }
        return TemplatedChat(templatedText: renderedChat(request), source: GemmaChatTemplate.source(for: model.file))
    }

    public func chatStream(_ request: ChatRequest) -> AsyncThrowingStream<GenerationEvent, any Error> {
        if let problem = request.problem { return AsyncThrowingStream { $0.finish(throwing: problem) } }
        return generateStream(request.textRequest(inputs: Self.withoutBOS(renderedChat(request))))
    }

    /// The prompt the chat route feeds the model, scored with the text path's `decoder_input_details`: the same
    /// rendering and the same tokens as `chatStream`, so the numbers are those of the prompt a reply follows.
    public func scoreChat(_ request: ChatRequest) async throws -> GenerateResponse {
        if let problem = request.problem { throw problem }
        return try await generate(PromptPerplexity.request(for: Self.withoutBOS(renderedChat(request)),
                                                           base: request.parameters ?? GenerateParameters()))
    }

    func renderedChat(_ request: ChatRequest) -> String {
        GemmaChatTemplate.render(request.messages, addGenerationPrompt: !request.continuesReply,
                                 continueFinalMessage: request.continuesReply)
    }

    /// The engine adds `<bos>` itself when it tokenizes a prompt, so the rendered text goes in without it.
    static func withoutBOS(_ text: String) -> String {
        text.hasPrefix("<bos>") ? String(text.dropFirst(5)) : text
    }
}
