import Foundation
import Testing
import GenerationCore
@testable import LocalEngine

/// The built-in engine's chat: Gemma 3's turn format against the published template rendered by jinja2
/// (Fixtures/chat: the template text, the script that rendered it, the rendered strings), and a real chat run.
@Suite struct ChatTemplateTests {
    struct Case: Decodable {
        var name: String
        var add_generation_prompt: Bool
        var messages: [ChatMessage]
        var rendered: String?
        var error: String?
    }

    static func cases() throws -> [Case] {
        struct File: Decodable { var source: String; var cases: [Case] }
        return try JSONDecoder().decode(File.self, from: try TestModel.fixture("chat/gemma3_rendered.json")).cases
    }

    @Test func rendersExactlyAsGemmasPublishedTemplate() throws {
        let cases = try Self.cases().filter { $0.rendered != nil }
        #expect(cases.count == 10)
        for c in cases {
            #expect(GemmaChatTemplate.render(c.messages, addGenerationPrompt: c.add_generation_prompt) == c.rendered,
                    "\(c.name), generation prompt \(c.add_generation_prompt)")
        }
    }

    /// The conversations the template refuses are refused before anything runs, with its own words.
    @Test func refusesWhatTheTemplateRefuses() throws {
        let refused = try Self.cases().filter { $0.error != nil }
        #expect(refused.count == 2)
        for c in refused {
            let problem = ChatRequest(messages: c.messages).problem
            #expect(problem?.message.contains(c.error ?? "?") == true, "\(c.name): \(problem?.message ?? "accepted")")
        }
        #expect(ChatRequest(messages: []).problem != nil)
        #expect(ChatRequest(messages: [.init(role: .user, content: "a"), .init(role: .system, content: "b")]).problem != nil)
    }

    /// Continuing a reply leaves the model turn open: the template up to the reply's text, nothing after it.
    @Test func continuingAReplyLeavesTheTurnOpen() throws {
        let messages: [ChatMessage] = [.init(role: .user, content: "Hi"), .init(role: .assistant, content: "Hello, I am ")]
        let open = GemmaChatTemplate.render(messages, addGenerationPrompt: false, continueFinalMessage: true)
        #expect(open == "<bos><start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\nHello, I am")
        let closed = try #require(try Self.cases().first { $0.name == "multi-turn" && !$0.add_generation_prompt }?.rendered)
        #expect(closed.hasSuffix("<end_of_turn>\n"))
    }

    /// A chat run on the real model: the reply is generated from the templated text (so it equals a text run on
    /// that text), the template says which format it used, and a continued reply carries on the same message.
    @Test func chatRunsOnTheEngine() async throws {
        let backend = try LocalBackend(modelPath: TestModel.path)
        let request = ChatRequest(messages: [.init(role: .system, content: "You answer in one short sentence."),
                                             .init(role: .user, content: "What is the capital of France?")],
                                  parameters: GenerateParameters(details: true, maxNewTokens: 6, topNTokens: 3))
        let templated = try await backend.template(request)
        #expect(templated.templatedText.hasPrefix("<bos><start_of_turn>user\nYou answer in one short sentence.\n\n"))
        #expect(templated.source.contains("this GGUF has no chat template") && templated.source.contains("loosely"))
        let reply = try await backend.chat(request)
        let text = try await backend.generate(GenerateRequest(
            inputs: String(templated.templatedText.dropFirst("<bos>".count)), parameters: request.parameters))
        #expect(reply.generatedText == text.generatedText)
        #expect(reply.details?.tokens.map(\.id) == text.details?.tokens.map(\.id))
        #expect(reply.details?.topTokens?.first?.count == 3)
        // Continue the reply after its first two tokens: the next token is the one the full run chose third.
        let tokens = try #require(reply.details?.tokens)
        let prefix = tokens.prefix(2).map(\.text).joined()
        var continued = request
        continued.messages.append(.init(role: .assistant, content: prefix))
        continued.continueFinalMessage = true
        continued.parameters?.maxNewTokens = 1
        let next = try await backend.chat(continued)
        // (The template trims a message; this greedy reply starts "You answer", which trimming leaves alone.)
        #expect(prefix == prefix.trimmingCharacters(in: .whitespacesAndNewlines), "\(prefix)")
        #expect(next.details?.tokens.first?.id == tokens[2].id, "continuing is the same generation")
        #expect(try await backend.template(continued).templatedText.hasSuffix("<start_of_turn>model\n" + prefix.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    /// F6 in chat mode: the scored prompt is exactly what the chat route feeds the model (the rendering without
    /// its `<bos>` text, which the engine adds as a token), and its logprobs are the text path's for that prompt.
    @Test func scoringAConversationScoresTheChatRoutesOwnPrompt() async throws {
        let backend = LocalBackendTests.backend
        let chat = ChatRequest(messages: [.init(role: .system, content: "Answer briefly."), .init(role: .user, content: "Name a colour.")])
        let scored = try await backend.scoreChat(chat)
        let prefill = try #require(scored.details?.prefill)
        let rendered = try await backend.template(chat).templatedText
        #expect(rendered.hasPrefix("<bos>"))
        let ids = backend.tokenizer.encode(String(rendered.dropFirst(5)), addSpecial: true, parseSpecial: true)
        #expect(prefill.map { Int32($0.id!) } == ids, "one BOS, then the turns' tokens")
        let text = try await backend.generate(PromptPerplexity.request(for: String(rendered.dropFirst(5))))
        #expect(text.details?.prefill == prefill)
        await #expect(throws: GenerationError.self) { _ = try await backend.scoreChat(ChatRequest(messages: [])) }
    }
}
