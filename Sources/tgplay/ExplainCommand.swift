import Foundation
import GenerationCore

/// `tgplay explain [BACKEND] --input FILE`: a TGI request body in, one JSON line per generated token out, with
/// what each sampling step did to that token's distribution on the built-in engine (`TokenStages`), and what
/// the backend reports, labelled with what its numbers are, everywhere else. The README's "Distribution lab"
/// section documents the shape.
enum ExplainCommand {
    /// One generated token, explained.
    struct Line: Encodable {
        var index: UInt32?
        var token: Token
        /// What `top_tokens` (and the token's `logprob`) are: `processed`, `raw` or `unknown`
        /// (`BackendCapabilities.probabilities`).
        var probabilities: ProbabilityKind
        var topTokens: [Token]?
        /// The built-in engine's steps, `raw` first (absent on other backends: they cannot show them).
        var stages: [TokenStage]?
        var aboveChosen: [DisplacedToken]?
        /// Set on the last token only.
        var generatedText: String?
        var finishReason: String?

        enum CodingKeys: String, CodingKey {
            case index, token, probabilities
            case topTokens = "top_tokens"
            case stages
            case aboveChosen = "above_chosen"
            case generatedText = "generated_text"
            case finishReason = "finish_reason"
        }

        init(_ event: StreamResponse, probabilities: ProbabilityKind) {
            index = event.index
            token = event.token
            self.probabilities = probabilities
            topTokens = event.topTokens
            stages = event.stages?.stages
            aboveChosen = event.stages?.aboveChosen
            generatedText = event.generatedText
            finishReason = event.details?.finishReason.rawValue
        }
    }

    /// The request as sent: stages traced (the engine's; ignored elsewhere), alternatives asked for when the
    /// body did not (up to 5, or the backend's limit), and `details` so the last line has its finish reason.
    static func prepared(_ request: GenerateRequest, capabilities: BackendCapabilities) -> GenerateRequest {
        var r = request
        r.traceStages = true
        var p = r.parameters ?? GenerateParameters()
        // An absent `parameters` object means "sample" to TGI; keep that meaning when adding fields.
        if r.parameters == nil { p.doSample = true }
        if p.topNTokens == nil { p.topNTokens = UInt32(min(5, capabilities.maxAlternatives ?? 5)) }
        if p.details == nil { p.details = true }
        r.parameters = p
        return r
    }

    static func run(_ options: Options, backend: any TextGenerationBackend) async -> Int32 {
        let request: GenerateRequest
        do {
            request = prepared(try Commands.readRequest(options.inputPath), capabilities: backend.capabilities)
        } catch let error as GenerationError {
            return Output.fail(error)
        } catch {
            return Output.fail(GenerationError(errorType: GenerationError.ErrorType.invalidRequest,
                                               message: String(describing: error)))
        }
        var received: [Token] = []
        do {
            for try await event in backend.generateStream(request) {
                received.append(event.response.token)
                // Read once the stream has started: a backend that detects its server on first use (`AutoBackend`)
                // only knows then what its numbers are.
                Output.line(Line(event.response, probabilities: backend.capabilities.probabilities))
            }
            return 0
        } catch var error as GenerationError {
            if error.receivedTokens.isEmpty { error.receivedTokens = received }
            return Output.fail(error)
        } catch {
            return Output.fail(GenerationError.from(error))
        }
    }
}
