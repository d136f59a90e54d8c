import Foundation
import Testing
@testable import GenerationCore

/// TGI requests -> each server's wire body, and what each server refuses.
@Suite struct AdapterMappingTests {
    static let schema = #"{"type":"object","properties":{"name":{"type":"string"}},"required":["name"]}"#
    static func schemaValue() throws -> JSONValue { try JSONValue.parse(Data(schema.utf8)) }

    static func json(_ text: String) throws -> JSONValue { try JSONValue.parse(Data(text.utf8)) }

    /// Compared as trees with member order ignored; integers and doubles stay apart (`0` is not `0.0`).
    static func same(_ a: JSONValue, _ b: JSONValue) -> Bool { JSONCompare.normalized(a) == JSONCompare.normalized(b) }

    static func text(_ value: JSONValue) -> String {
        (try? WireJSON.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "?"
    }

    /// Every TGI parameter a server takes, set; the expected body with `%SCHEMA%` for the schema object.
    struct Full: Sendable, CustomStringConvertible {
        var server: OpenAIServer
        var parameters: GenerateParameters
        var expected: String
        var description: String { server.rawValue }
    }

    static let common = GenerateParameters(
        details: true, doSample: true, frequencyPenalty: 0.5, maxNewTokens: 20, presencePenalty: 0.3,
        returnFullText: true, seed: 42, stop: ["\n\n"], temperature: 0.7, topNTokens: 3, topP: 0.9)

    static func with(_ edit: (inout GenerateParameters) -> Void) -> GenerateParameters {
        var p = common
        edit(&p)
        return p
    }

    static let jsonSchemaGrammar: Grammar = {
        let value = (try? JSONValue.parse(Data(#"{"name":"person","schema":\#(schema)}"#.utf8))) ?? .null
        return Grammar(type: .jsonSchema, value: value)
    }()

    static let head = #""model":"m","prompt":"Hi","max_tokens":20,"temperature":0.7,"top_p":0.9"#
    static let tail = #""frequency_penalty":0.5,"presence_penalty":0.3,"seed":42,"stop":["\n\n"]"#
    /// TGI's /v1 has no presence penalty (refused there).
    static let tgiTail = #""frequency_penalty":0.5,"seed":42,"stop":["\n\n"]"#

    static let full: [Full] = [
        Full(server: .vllm, parameters: with {
            $0.decoderInputDetails = true; $0.grammar = jsonSchemaGrammar; $0.repetitionPenalty = 1.2; $0.topK = 10
            $0.truncate = 100; $0.minP = 0.05
        }, expected: "{\(head),\"top_k\":10,\"min_p\":0.05,\"repetition_penalty\":1.2,\(tail),\"logprobs\":3,\"echo\":true,\"truncate_prompt_tokens\":100,\"structured_outputs\":{\"json\":%SCHEMA%}}"),
        Full(server: .sglang, parameters: with {
            $0.decoderInputDetails = true; $0.grammar = jsonSchemaGrammar; $0.repetitionPenalty = 1.2; $0.topK = 10
            $0.minP = 0.05
        }, expected: "{\(head),\"top_k\":10,\"min_p\":0.05,\"repetition_penalty\":1.2,\(tail),\"logprobs\":3,\"echo\":true,\"json_schema\":%SCHEMASTRING%}"),
        Full(server: .llamaCppPython, parameters: with {
            $0.decoderInputDetails = true; $0.repetitionPenalty = 1.2; $0.topK = 10; $0.minP = 0.05
        }, expected: "{\(head),\"top_k\":10,\"min_p\":0.05,\"repeat_penalty\":1.2,\(tail),\"logprobs\":3,\"echo\":true}"),
        Full(server: .llamaServer, parameters: with {
            $0.grammar = jsonSchemaGrammar; $0.repetitionPenalty = 1.2; $0.topK = 10; $0.typicalP = 0.95
            $0.minP = 0.05
        }, expected: "{\(head),\"top_k\":10,\"min_p\":0.05,\"typical_p\":0.95,\"repeat_penalty\":1.2,\(tail),\"logprobs\":3,\"json_schema\":%SCHEMA%}"),
        Full(server: .ollama, parameters: common, expected: "{\(head),\(tail),\"logprobs\":3}"),
        Full(server: .tgi, parameters: with { $0.repetitionPenalty = 1.2; $0.topNTokens = nil; $0.presencePenalty = nil },
             expected: "{\(head),\"repetition_penalty\":1.2,\(tgiTail)}"),
        Full(server: .generic, parameters: common, expected: "{\(head),\(tail),\"logprobs\":3}"),
    ]

    static func expand(_ template: String) throws -> JSONValue {
        let schemaString = String(decoding: try WireJSON.encode(JSONValue.string(schema)), as: UTF8.self)
        return try json(template.replacingOccurrences(of: "%SCHEMASTRING%", with: schemaString)
            .replacingOccurrences(of: "%SCHEMA%", with: schema))
    }

    @Test func everyServerHasAFullCase() {
        #expect(Set(Self.full.map(\.server)) == Set(OpenAIServer.allCases))
    }

    /// Every parameter the server takes, set at once: the exact body, streamed and not; and nothing refused.
    @Test(arguments: full)
    func fullRequestBody(_ f: Full) throws {
        let request = GenerateRequest(inputs: "Hi", parameters: f.parameters)
        #expect(f.server.capabilities.problem(with: request, backend: "http://x") == nil)
        #expect(Validation.check(request, streaming: false, limits: ValidationLimits(maxTopNTokens: f.server.maxAlternatives)) == nil)
        let body = OpenAICompletionBody.make(request, model: "m", server: f.server, stream: false)
        let expected = try Self.expand(f.expected)
        #expect(Self.same(body, expected), "\(Self.text(body))")

        var streamed = request
        streamed.parameters?.decoderInputDetails = nil
        let streamBody = OpenAICompletionBody.make(streamed, model: "m", server: f.server, stream: true)
        var expectedStream = expected
        if case .object(let members) = expected {
            expectedStream = .object(members.filter { $0.key != "echo" } + [.init("stream", .bool(true))])
        }
        #expect(Self.same(streamBody, expectedStream), "\(Self.text(streamBody))")
    }

    /// No parameters: greedy (temperature 0, where the servers would sample at 1), neutral repetition penalty
    /// where the server has one (llama.cpp's default is 1.1), one logprob for the chosen token's own.
    @Test(arguments: OpenAIServer.allCases)
    func greedyDefaults(_ server: OpenAIServer) throws {
        let body = OpenAICompletionBody.make(GenerateRequest(inputs: "Hi"), model: nil, server: server, stream: false)
        let expected: String
        switch server {
        case .vllm, .sglang: expected = #"{"prompt":"Hi","temperature":0.0,"repetition_penalty":1.0,"logprobs":1}"#
        case .llamaCppPython, .llamaServer: expected = #"{"prompt":"Hi","temperature":0.0,"repeat_penalty":1.0,"logprobs":1}"#
        case .ollama, .generic: expected = #"{"prompt":"Hi","temperature":0.0,"logprobs":1}"#
        case .tgi: expected = #"{"prompt":"Hi","temperature":0.0,"repetition_penalty":1.0}"#
        }
        #expect(Self.same(body, try Self.json(expected)), "\(Self.text(body))")
    }

    /// `do_sample` alone: temperature 1 and every warper the server has sent as off (TGI applies none unless
    /// asked; the servers' own defaults would).
    @Test(arguments: OpenAIServer.allCases)
    func samplingDefaults(_ server: OpenAIServer) throws {
        let request = GenerateRequest(inputs: "Hi", parameters: GenerateParameters(doSample: true))
        let body = OpenAICompletionBody.make(request, model: "m", server: server, stream: false)
        let start = #""model":"m","prompt":"Hi","temperature":1.0,"top_p":1.0"#
        let expected: String
        switch server {
        case .vllm, .sglang: expected = "{\(start),\"top_k\":-1,\"min_p\":0.0,\"repetition_penalty\":1.0,\"logprobs\":1}"
        case .llamaCppPython: expected = "{\(start),\"top_k\":0,\"min_p\":0.0,\"repeat_penalty\":1.0,\"logprobs\":1}"
        case .llamaServer:
            expected = "{\(start),\"top_k\":0,\"min_p\":0.0,\"typical_p\":1.0,\"repeat_penalty\":1.0,\"logprobs\":1}"
        case .ollama, .generic: expected = "{\(start),\"logprobs\":1}"
        case .tgi: expected = "{\(start),\"repetition_penalty\":1.0}"
        }
        #expect(Self.same(body, try Self.json(expected)), "\(Self.text(body))")
    }

    /// `min_p` alone asks for sampling on the servers that take it (a greedy request would ignore it): temperature
    /// 1, the other warpers off, and the value given, where the neutral `min_p: 0` goes otherwise.
    @Test(arguments: OpenAIServer.allCases.filter(\.takesMinP))
    func minPAloneSamples(_ server: OpenAIServer) throws {
        let request = GenerateRequest(inputs: "Hi", parameters: GenerateParameters(minP: 0.1, seed: 5))
        let body = OpenAICompletionBody.make(request, model: "m", server: server, stream: false)
        let start = #""model":"m","prompt":"Hi","temperature":1.0,"top_p":1.0"#
        let expected: String
        switch server {
        case .vllm, .sglang:
            expected = "{\(start),\"top_k\":-1,\"min_p\":0.1,\"repetition_penalty\":1.0,\"seed\":5,\"logprobs\":1}"
        case .llamaCppPython: expected = "{\(start),\"top_k\":0,\"min_p\":0.1,\"repeat_penalty\":1.0,\"seed\":5,\"logprobs\":1}"
        default:
            expected = "{\(start),\"top_k\":0,\"min_p\":0.1,\"typical_p\":1.0,\"repeat_penalty\":1.0,\"seed\":5,\"logprobs\":1}"
        }
        #expect(Self.same(body, try Self.json(expected)), "\(Self.text(body))")
        #expect(CompletionAssembly(request: request).reportedSeed == 5, "a min_p request samples, so its seed is reported")
        #expect(!request.parameters!.requestsSampling, "TGI's own rule is unchanged")
    }

    /// The native body: `min_p` alone samples at temperature 1 with the value given; `presence_penalty` by name.
    @Test func nativeMinPAndPresencePenalty() throws {
        let request = GenerateRequest(inputs: "Hi", parameters: GenerateParameters(minP: 0.1, presencePenalty: -0.5))
        let body = LlamaCppBackend.body(request, stream: false, postSampling: false)
        let expected = try Self.json(#"{"prompt":"Hi","temperature":1.0,"top_k":0,"top_p":1.0,"min_p":0.1,"typical_p":1.0,"repeat_penalty":1.0,"presence_penalty":-0.5,"n_probs":1}"#)
        #expect(Self.same(body, expected), "\(Self.text(body))")
        let greedy = LlamaCppBackend.body(GenerateRequest(inputs: "Hi", parameters: GenerateParameters(presencePenalty: 1)),
                                          stream: false, postSampling: false)
        #expect(greedy["temperature"] == .double(0), "a penalty alone does not ask for sampling")
        #expect(greedy["presence_penalty"] == .double(1))
    }

    /// TGI's own body is unchanged when the new fields are unset (they are encoded only when set).
    @Test func tgiBodyHasNoNewFieldsWhenUnset() throws {
        let line = try WireJSON.line(GenerateRequest(inputs: "Hi", parameters: GenerateParameters(doSample: true)))
        #expect(line == #"{"inputs":"Hi","parameters":{"do_sample":true}}"#)
        let set = try WireJSON.line(GenerateRequest(inputs: "Hi", parameters: GenerateParameters(minP: 0.1, presencePenalty: 0.5)))
        #expect(set == #"{"inputs":"Hi","parameters":{"min_p":0.1,"presence_penalty":0.5}}"#)
    }

    /// Each grammar kind a server takes, in that server's field.
    @Test func grammarFields() throws {
        let s = try Self.schemaValue()
        let schemaString = JSONValue.string(Self.schema)
        let kinds: [(Grammar, vllm: JSONValue, sglang: [String: JSONValue], llamaServer: JSONValue?)] = [
            (Grammar(type: .json, value: s), .fields([("json", s)]), ["json_schema": schemaString], s),
            (Grammar(type: .jsonObject, value: s), .fields([("json", s)]), ["json_schema": schemaString], s),
            (Grammar(type: .json, value: .string(Self.schema)), .fields([("json", s)]), ["json_schema": schemaString], s),
            (Self.jsonSchemaGrammar, .fields([("json", s)]), ["json_schema": schemaString], s),
            (Grammar(type: .regex, value: .string("[0-9]{3}")), .fields([("regex", .string("[0-9]{3}"))]),
             ["regex": .string("[0-9]{3}")], nil),
        ]
        for (grammar, vllm, sglang, llamaServer) in kinds {
            let request = GenerateRequest(inputs: "Hi", parameters: GenerateParameters(grammar: grammar))
            func fields(_ server: OpenAIServer) -> [String: JSONValue] {
                let body = OpenAICompletionBody.make(request, model: nil, server: server, stream: false)
                var out: [String: JSONValue] = [:]
                for member in body.members ?? [] where ["structured_outputs", "json_schema", "regex"].contains(member.key) {
                    out[member.key] = member.value
                }
                return out
            }
            #expect(fields(.vllm) == ["structured_outputs": vllm], "\(grammar.type)")
            #expect(fields(.sglang) == sglang, "\(grammar.type)")
            if let llamaServer {
                #expect(fields(.llamaServer) == ["json_schema": llamaServer], "\(grammar.type)")
                let native = LlamaCppBackend.body(request, stream: false, postSampling: false)
                #expect(native["json_schema"] == llamaServer, "\(grammar.type)")
            }
            for server in [OpenAIServer.llamaCppPython, .ollama, .tgi, .generic] {
                #expect(fields(server).isEmpty, "\(server) gets no grammar field (it refuses grammars)")
            }
        }
    }

    /// llama-server's native `/completion`: every parameter it takes, exactly.
    @Test func nativeFullRequestBody() throws {
        var p = Self.common
        p.grammar = Self.jsonSchemaGrammar
        p.repetitionPenalty = 1.2
        p.topK = 10
        p.typicalP = 0.95
        p.minP = 0.05
        let request = GenerateRequest(inputs: "Hi", parameters: p)
        let backend = LlamaCppBackend(configuration: try Replay.configuration("http://127.0.0.1:1"))
        #expect(backend.capabilities.problem(with: request, backend: "x") == nil)
        let expected = try Self.json(#"{"prompt":"Hi","n_predict":20,"temperature":0.7,"top_k":10,"top_p":0.9,"min_p":0.05,"typical_p":0.95,"repeat_penalty":1.2,"frequency_penalty":0.5,"presence_penalty":0.3,"seed":42,"stop":["\n\n"],"n_probs":3,"json_schema":\#(Self.schema)}"#)
        let body = LlamaCppBackend.body(request, stream: false, postSampling: false)
        #expect(Self.same(body, expected), "\(Self.text(body))")
        let post = LlamaCppBackend.body(request, stream: true, postSampling: true)
        guard case .object(let members) = expected else {
            Issue.record("expected an object")
            return
        }
        let expectedPost = JSONValue.object(members + [.init("post_sampling_probs", .bool(true)), .init("stream", .bool(true))])
        #expect(Self.same(post, expectedPost), "\(Self.text(post))")
        let greedy = LlamaCppBackend.body(GenerateRequest(inputs: "Hi"), stream: false, postSampling: false)
        let expectedGreedy = try Self.json(#"{"prompt":"Hi","temperature":0.0,"top_k":0,"top_p":1.0,"min_p":0.0,"typical_p":1.0,"repeat_penalty":1.0,"n_probs":1}"#)
        #expect(Self.same(greedy, expectedGreedy), "\(Self.text(greedy))")
    }

    // MARK: - Refusals

    /// A request that sets one parameter, valid by TGI's own rules, for each TGI parameter name.
    static func only(_ name: String) -> GenerateParameters {
        switch name {
        case "watermark": return GenerateParameters(watermark: true)
        case "adapter_id": return GenerateParameters(adapterId: "lora-1")
        case "best_of": return GenerateParameters(bestOf: 2, doSample: true)
        case "truncate": return GenerateParameters(truncate: 10)
        case "typical_p": return GenerateParameters(typicalP: 0.5)
        case "top_k": return GenerateParameters(topK: 5)
        case "repetition_penalty": return GenerateParameters(repetitionPenalty: 1.3)
        case "decoder_input_details": return GenerateParameters(decoderInputDetails: true)
        case "top_n_tokens": return GenerateParameters(details: true, topNTokens: 2)
        case "min_p": return GenerateParameters(minP: 0.1)
        case "presence_penalty": return GenerateParameters(presencePenalty: 0.5)
        default: return GenerateParameters()
        }
    }

    static func grammar(_ kind: Grammar.Kind) -> Grammar {
        let s = (try? schemaValue()) ?? .null
        switch kind {
        case .json: return Grammar(type: .json, value: s)
        case .jsonObject: return Grammar(type: .jsonObject, value: s)
        case .jsonSchema: return jsonSchemaGrammar
        case .regex: return Grammar(type: .regex, value: .string("[0-9]+"))
        }
    }

    struct Refusal: Sendable, CustomStringConvertible {
        var server: OpenAIServer?  // nil: llama-server's native API (LlamaCppBackend)
        var parameter: String
        var grammar: Grammar.Kind?
        var description: String {
            "\(server?.rawValue ?? "llama.cpp native"): \(grammar.map { "grammar \($0.rawValue)" } ?? parameter)"
        }
        var request: GenerateRequest {
            var p = AdapterMappingTests.only(parameter)
            if let grammar { p.grammar = AdapterMappingTests.grammar(grammar) }
            return GenerateRequest(inputs: "Hi", parameters: p)
        }
        var serverName: String { server?.description ?? "llama.cpp llama-server" }
    }

    /// What each server refuses, written out (not read from the capabilities under test).
    static let refusals: [Refusal] = {
        let allKinds = Grammar.Kind.allCases
        var out: [Refusal] = []
        func add(_ server: OpenAIServer?, _ parameters: [String], grammars: [Grammar.Kind]) {
            out += parameters.map { Refusal(server: server, parameter: $0) }
            out += grammars.map { Refusal(server: server, parameter: "grammar", grammar: $0) }
        }
        let always = ["watermark", "adapter_id", "best_of"]
        add(.vllm, always + ["typical_p"], grammars: [])
        add(.sglang, always + ["truncate", "typical_p"], grammars: [])
        add(.llamaCppPython, always + ["truncate", "typical_p"], grammars: allKinds)
        add(.llamaServer, always + ["truncate", "decoder_input_details"], grammars: [.regex])
        add(.ollama, always + ["truncate", "typical_p", "top_k", "repetition_penalty", "decoder_input_details", "min_p"],
            grammars: allKinds)
        add(.tgi, always + ["truncate", "typical_p", "top_k", "decoder_input_details", "top_n_tokens", "min_p",
                            "presence_penalty"], grammars: allKinds)
        add(.generic, always + ["truncate", "typical_p", "top_k", "repetition_penalty", "decoder_input_details", "min_p"],
            grammars: allKinds)
        add(nil, always + ["truncate", "decoder_input_details"], grammars: [.regex])
        return out
    }()

    /// Each refused parameter fails before anything is sent, as a validation error naming the server and the
    /// parameter.
    @Test(arguments: refusals)
    func refusedParameter(_ r: Refusal) async throws {
        let server = try TestHTTPServer { _ in Reply.body(#"{"choices":[]}"#) }
        defer { server.stop() }
        let configuration = try Replay.configuration(server.url)
        let backend: any TextGenerationBackend = r.server.map { OpenAIBackend(configuration: configuration, server: $0, modelID: "m") }
            ?? LlamaCppBackend(configuration: configuration)
        do {
            _ = try await backend.generate(r.request)
            Issue.record("\(r) was not refused")
        } catch let error as GenerationError {
            #expect(error.errorType == GenerationError.ErrorType.validation)
            #expect(error.statusCode == 422)
            #expect(error.message.contains("by \(r.serverName) at"), "\(error.message)")
            let named = r.grammar.map { "grammar type `\($0.rawValue)`" } ?? "`\(r.parameter)`"
            #expect(error.message.contains(named), "\(error.message)")
        }
        #expect(server.requests.isEmpty, "nothing is sent")
    }

    /// The parameters one server refuses and another takes are taken there (the refusal list is not a blanket).
    @Test func takenWhereTheServerHasThem() {
        let cases: [(OpenAIServer, String)] = [(.vllm, "truncate"), (.llamaServer, "typical_p"), (.vllm, "top_k"),
                                               (.llamaCppPython, "decoder_input_details"), (.tgi, "repetition_penalty"),
                                               (.vllm, "min_p"), (.sglang, "min_p"), (.llamaCppPython, "min_p"),
                                               (.llamaServer, "min_p"), (.ollama, "presence_penalty"),
                                               (.generic, "presence_penalty"), (.vllm, "presence_penalty")]
        for (server, name) in cases {
            let request = GenerateRequest(inputs: "Hi", parameters: Self.only(name))
            #expect(server.capabilities.problem(with: request, backend: "x") == nil, "\(server) takes \(name)")
        }
    }

    /// TGI itself refuses what it does not have (its router would ignore the fields), naming TGI, before sending;
    /// streamed and not. The built-in engine takes both.
    @Test func tgiRefusesMinPAndPresencePenalty() async throws {
        let server = try TestHTTPServer { _ in Reply.body(#"{"generated_text":"x"}"#) }
        defer { server.stop() }
        let backend = TGIBackend(configuration: try Replay.configuration(server.url))
        for (name, p) in [("min_p", GenerateParameters(minP: 0.1)), ("presence_penalty", GenerateParameters(presencePenalty: 0.5))] {
            let request = GenerateRequest(inputs: "Hi", parameters: p)
            do {
                _ = try await backend.generate(request)
                Issue.record("\(name) was not refused")
            } catch let error as GenerationError {
                #expect(error.errorType == GenerationError.ErrorType.validation)
                #expect(error.message.contains("`\(name)` is not supported by TGI at"), "\(error.message)")
                #expect(error.message.contains("TGI has no \(name)"), "\(error.message)")
            }
            do {
                for try await _ in backend.generateStream(request) {}
                Issue.record("\(name) was not refused when streaming")
            } catch let error as GenerationError {
                #expect(error.message.contains("`\(name)` is not supported by TGI at"), "\(error.message)")
            }
        }
        #expect(server.requests.isEmpty, "nothing is sent")
        _ = try await backend.generate(GenerateRequest(inputs: "Hi", parameters: GenerateParameters(details: true, topNTokens: 8)))
        #expect(server.requests.count == 1, "an alternatives limit not known from /info is left to the server")
    }

    /// Through detection too: llama-cpp-python found by AutoBackend refuses what it would silently drop.
    @Test func autoBackendRefusesForTheDetectedServer() async throws {
        let server = try Replay.server(.llamaCppPython, answering: [try Fixtures.recording(.llamaCppPython, "completion_logprobs")])
        defer { server.stop() }
        let backend = AutoBackend(configuration: try Replay.configuration(server.url))
        do {
            _ = try await backend.generate(GenerateRequest(inputs: "Hi", parameters: GenerateParameters(typicalP: 0.5)))
            Issue.record("typical_p was not refused")
        } catch let error as GenerationError {
            #expect(error.message.contains("`typical_p` is not supported by llama-cpp-python"), "\(error.message)")
        }
        #expect(!server.requests.contains { $0.method == "POST" })
    }

    /// `top_n_tokens` on TGI's /v1 (which returns no logprobs there) is refused with the reason, on the first call
    /// (detecting) and after it; more alternatives than vLLM gives are refused naming vLLM.
    @Test func alternativesLimitsNameTheServer() async throws {
        for (owner, topN, expected) in [("tgi", UInt32(2), "`top_n_tokens` is not supported by TGI's /v1"),
                                        ("vllm", UInt32(25), "`top_n_tokens` must be >= 0 and <= 20 on vLLM at")] {
            let models = #"{"object":"list","data":[{"id":"m","object":"model","owned_by":"\#(owner)"}]}"#
            let server = try TestHTTPServer { request in
                request.path == "/v1/models" ? Reply.body(models) : Reply.body(status: 404, #"{"detail":"Not Found"}"#)
            }
            defer { server.stop() }
            let backend = AutoBackend(configuration: try Replay.configuration(server.url), choice: .openai)
            let request = GenerateRequest(inputs: "Hi", parameters: GenerateParameters(details: true, topNTokens: topN))
            for call in 1...2 {
                do {
                    _ = try await backend.generate(request)
                    Issue.record("\(owner): top_n_tokens \(topN) was not refused")
                } catch let error as GenerationError {
                    #expect(error.message.contains(expected), "\(owner) call \(call): \(error.message)")
                }
            }
            #expect(!server.requests.contains { $0.method == "POST" })
        }
    }
}
