import Foundation
import GenerationCore
import LocalEngine

/// The scripting subcommands. Each returns the process exit status; output goes through `Output`.
enum Commands {
    static func generate(_ options: Options, backend: any TextGenerationBackend) async -> Int32 {
        let request: GenerateRequest
        do {
            request = try readRequest(options.inputPath)
        } catch {
            return Output.fail(GenerationError.from(error, otherwise: GenerationError.ErrorType.invalidRequest))
        }
        if options.stream || request.wantsStream {
            var lastTokens: [Token] = []
            do {
                for try await event in backend.generateStream(request) {
                    lastTokens.append(event.response.token)
                    Output.line(event.response)
                }
                return 0
            } catch var error as GenerationError {
                if error.receivedTokens.isEmpty { error.receivedTokens = lastTokens }
                return Output.fail(error)
            } catch {
                return Output.fail(error)
            }
        }
        do {
            Output.line(try await backend.generate(request))
            return 0
        } catch {
            return Output.fail(error)
        }
    }

    static func tokenize(_ options: Options, backend: any TextGenerationBackend) async -> Int32 {
        do {
            let request = try readRequest(options.inputPath)
            Output.line(try await backend.tokenize(request))
            return 0
        } catch {
            return Output.fail(error)
        }
    }

    static func info(backend: any TextGenerationBackend) async -> Int32 {
        do {
            Output.line(try await backend.info())
            return 0
        } catch {
            return Output.fail(error)
        }
    }

    /// `tgplay watermark-detect`: reads plain text (file or stdin), prints the z-score and verdict for the
    /// built-in engine's watermark as one JSON line.
    static func watermarkDetect(_ options: Options, environment: [String: String]) -> Int32 {
        do {
            let data = try Input.readAll(options.inputPath, what: "the text")
            let backend = try BackendFactory.makeLocal(options.backend, environment: environment)
            Output.line(backend.detectWatermark(String(decoding: data, as: UTF8.self)))
            return 0
        } catch {
            return Output.fail(error)
        }
    }

    /// Reads a TGI request body from `path` or stdin, with axum's wording for what TGI itself would refuse.
    static func readRequest(_ path: String?) throws -> GenerateRequest {
        try GenerateRequest.decode(from: try Input.readAll(path, what: "the request"))
    }

    /// `tgplay chat`: `{"messages": [...], "parameters": {...}}` in, an OpenAI-style `chat.completion` out (with
    /// `--stream` or `"stream": true`, one `chat.completion.chunk` per token), whatever the backend.
    static func chat(_ options: Options, backend: any TextGenerationBackend) async -> Int32 {
        var request: ChatRequest
        do {
            request = try ChatRequest.decode(from: try Input.readAll(options.inputPath, what: "the chat request"))
        } catch {
            return Output.fail(error)
        }
        // The final event's details carry the finish reason the chat shape needs.
        var parameters = request.parameters ?? GenerateParameters()
        parameters.details = true
        request.parameters = parameters
        let model = (try? await backend.info())?.modelId ?? backend.displayName
        let created = Int(Date().timeIntervalSince1970)
        let id = "chatcmpl-tgplay-\(created)"
        if options.stream || request.stream == true {
            var received: [Token] = []
            do {
                for try await event in backend.chatStream(request) {
                    Output.line(ChatCompletionShape.chunk(event.response, id: id, created: created, model: model,
                                                          first: received.isEmpty))
                    received.append(event.response.token)
                }
                return 0
            } catch var error as GenerationError {
                if error.receivedTokens.isEmpty { error.receivedTokens = received }
                return Output.fail(error)
            } catch {
                return Output.fail(error)
            }
        }
        do {
            let response = try await backend.chat(request)
            Output.line(ChatCompletionShape.completion(response, id: id, created: created, model: model))
            return 0
        } catch {
            return Output.fail(error)
        }
    }

    /// `tgplay template`: the exact text the backend feeds the model for a conversation, and which template
    /// made it, as `{"templated_text": ..., "source": ...}`.
    static func template(_ options: Options, backend: any TextGenerationBackend) async -> Int32 {
        do {
            let request = try ChatRequest.decode(from: try Input.readAll(options.inputPath, what: "the chat request"))
            Output.line(try await backend.template(request))
            return 0
        } catch {
            return Output.fail(error)
        }
    }
}
