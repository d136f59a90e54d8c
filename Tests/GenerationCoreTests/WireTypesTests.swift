import Foundation
import Testing
@testable import GenerationCore

@Suite struct WireTypesTests {
    /// Every recorded `/generate` answer in TGI's integration snapshots decodes and re-encodes to the same tree.
    @Test func snapshotsRoundTrip() throws {
        var checked = 0
        for url in try Fixtures.files("snapshots") {
            let data = try Data(contentsOf: url)
            let tree = try JSONValue.parse(data)
            let isList: Bool
            switch tree {
            case .array(let items): isList = true; guard items.first?["generated_text"] != nil else { continue }
            case .object: isList = false; guard tree["generated_text"] != nil else { continue }
            default: continue
            }
            let reencoded: Data
            if isList {
                reencoded = try WireJSON.encode(try JSONDecoder().decode([GenerateResponse].self, from: data))
            } else {
                reencoded = try WireJSON.encode(try JSONDecoder().decode(GenerateResponse.self, from: data))
            }
            #expect(try JSONCompare.equal(data, reencoded), "\(url.lastPathComponent) changed in a round trip")
            checked += 1
        }
        #expect(checked == 13, "expected the 13 generate snapshots, checked \(checked)")
    }

    /// Every recorded serverless answer (objects, lists, errors, streams) survives decode + encode.
    @Test func cassettesRoundTrip() throws {
        var objects = 0, errors = 0, events = 0
        for (name, interaction) in try Fixtures.generateInteractions() {
            let body = Data(interaction.response_body.utf8)
            if interaction.content_type.hasPrefix("text/event-stream") {
                var parser = SSEParser()
                var found = parser.feed(body)
                found += parser.finish().events
                for event in found {
                    let data = Data(event.data)
                    let decoded = try JSONDecoder().decode(StreamResponse.self, from: data)
                    #expect(try JSONCompare.equal(data, try WireJSON.encode(decoded)), "\(name) stream event")
                    events += 1
                }
            } else if interaction.status == 200 {
                let decoded = try WireJSON.decodeGenerateResponse(from: body)
                let list = try JSONDecoder().decode([GenerateResponse].self, from: body)
                #expect(list.first == decoded)
                #expect(try JSONCompare.equal(body, try WireJSON.encode(list)), "\(name) answer")
                objects += 1
            } else {
                let decoded = try JSONDecoder().decode(ErrorResponse.self, from: body)
                #expect(try JSONCompare.equal(body, try WireJSON.encode(decoded)), "\(name) error")
                errors += 1
            }
        }
        #expect(objects == 6 && errors == 4 && events == 2, "objects \(objects) errors \(errors) events \(events)")
    }

    @Test func largeSeedsAndNullLogprobsAreExact() throws {
        let text = #"[{"generated_text":"5","details":{"finish_reason":"length","generated_tokens":1,"seed":18446744073709551615,"prefill":[{"id":0,"text":"<pad>","logprob":null}],"tokens":[{"id":305,"text":" 5","logprob":-6.0976562,"special":false}],"best_of_sequences":[{"generated_text":"10-","finish_reason":"length","generated_tokens":1,"seed":1621834340256795699,"prefill":[{"id":0,"text":"<pad>","logprob":null}],"tokens":[{"id":9445,"text":" 10-","logprob":-10.6875,"special":false}]}]}}]"#
        let response = try WireJSON.decodeGenerateResponse(from: Data(text.utf8))
        #expect(response.details?.seed == UInt64.max)
        #expect(response.details?.prefill.first?.logprob == nil)
        #expect(response.details?.tokens.first?.logprob == -6.0976562)
        // Re-encoded byte for byte as the server wrote it (TGI's field order, shortest float form).
        let line = try WireJSON.line([response])
        #expect(line == text)
    }

    @Test func streamEventsKeepTGINullsAndOrder() throws {
        let event = StreamResponse(index: 1, token: Token(id: 363, text: " for", logprob: -1.5351562, special: false))
        #expect(try WireJSON.line(event) ==
            #"{"index":1,"token":{"id":363,"text":" for","logprob":-1.5351562,"special":false},"generated_text":null,"details":null}"#)
        let old = #"{"token":{"id":3,"text":" ","logprob":-2.0078125,"special":false},"generated_text":"","details":null}"#
        let decoded = try JSONDecoder().decode(StreamResponse.self, from: Data(old.utf8))
        #expect(decoded.index == nil && decoded.isFinal)
        #expect(try WireJSON.line(decoded) == old)
    }

    @Test func requestEncodingOmitsUnsetParameters() throws {
        let request = GenerateRequest(inputs: "Hi", parameters: GenerateParameters(details: true, topNTokens: 3))
        #expect(try WireJSON.line(request) == #"{"inputs":"Hi","parameters":{"details":true,"top_n_tokens":3}}"#)
        #expect(try WireJSON.line(GenerateRequest(inputs: "Hi")) == #"{"inputs":"Hi"}"#)
        let full = #"{"inputs":"x","parameters":{"adapter_id":"a","best_of":2,"decoder_input_details":true,"details":true,"do_sample":true,"frequency_penalty":0.5,"grammar":{"type":"json","value":{"properties":{"b":{"type":"integer"},"a":{"type":"string"}}}},"max_new_tokens":20,"min_p":0.05,"presence_penalty":-0.5,"repetition_penalty":1.2,"return_full_text":false,"seed":42,"stop":["\n"],"temperature":0.7,"top_k":10,"top_n_tokens":5,"top_p":0.9,"truncate":100,"typical_p":0.95,"watermark":true},"stream":false}"#
        let decoded = try GenerateRequest.decode(from: Data(full.utf8))
        #expect(try WireJSON.line(decoded) == full, "every parameter survives, schema member order included")
    }

    @Test func infoDecodesOldAndNewFieldNames() throws {
        let new = #"{"model_id":"bigscience/blomm-560m","model_sha":"e985a63c","model_pipeline_tag":"text-generation","max_concurrent_requests":128,"max_best_of":2,"max_stop_sequences":4,"max_input_tokens":1024,"max_total_tokens":2048,"validation_workers":2,"max_client_batch_size":32,"router":"text-generation-router","version":"3.3.6-dev0"}"#
        let old = #"{"model_id":"m","model_dtype":"torch.float16","model_device_type":"cuda","max_input_length":1000,"max_total_tokens":1512,"waiting_served_ratio":1.2,"max_batch_total_tokens":32000,"max_waiting_tokens":20,"max_best_of":2,"max_stop_sequences":4,"max_concurrent_requests":128,"validation_workers":2,"version":"1.4.5","sha":null,"docker_label":null}"#
        let a = try JSONDecoder().decode(Info.self, from: Data(new.utf8))
        let b = try JSONDecoder().decode(Info.self, from: Data(old.utf8))
        #expect(a.inputTokenLimit == 1024 && b.inputTokenLimit == 1000)
        #expect(b.validationLimits == ValidationLimits(maxBestOf: 2, maxStopSequences: 4, maxInputTokens: 1000, maxTotalTokens: 1512))
        #expect(try JSONCompare.equal(Data(new.utf8), try WireJSON.encode(a)))
        #expect(try JSONCompare.equal(Data(old.utf8), try WireJSON.encode(b)))
    }

    @Test func badRequestBodiesGetTGIWording() {
        func message(_ body: String) -> String {
            do {
                _ = try GenerateRequest.decode(from: Data(body.utf8))
                return "accepted"
            } catch {
                return (error as? GenerationError)?.message ?? "\(error)"
            }
        }
        #expect(message(#"{"inputs":"x","parameters":{"best_of":-1}}"#)
            == "Failed to deserialize the JSON body into the target type: parameters.best_of: invalid value: integer `-1`, expected usize")
        #expect(message(#"{"parameters":{}}"#) == "Failed to deserialize the JSON body into the target type: missing field `inputs`")
        #expect(message(#"{"inputs":"x""#).hasPrefix("Failed to parse the request body as JSON: "))
        #expect(message(#"{"inputs":"x","parameters":{"top_k":"10"}}"#).hasSuffix("parameters.top_k: invalid type: string \"10\", expected i32"))
        #expect(message(#"{"inputs":"x","parameters":{"min_p":"0.1"}}"#).hasSuffix("parameters.min_p: invalid type: string \"0.1\", expected f32"))
        #expect(message(#"{"inputs":"x","parameters":{"presence_penalty":true}}"#).contains("parameters.presence_penalty: invalid type"))
        #expect(message(#"{"inputs":"x","unknown_field":1,"parameters":{"future":true}}"#) == "accepted")
    }

    @Test func orderedParserHandlesEscapesAndRejectsGarbage() throws {
        let value = try JSONValue.parse(Data(#"{"b":"\u00e9\ud83d\ude00\n","a":[1,-2,3.5e2,18446744073709551615,true,null]}"#.utf8))
        #expect(value == .object([.init("b", .string("é😀\n")),
                                  .init("a", .array([.int(1), .int(-2), .double(350), .uint(UInt64.max), .bool(true), .null]))]))
        for bad in ["", "{", "[1,]", "{\"a\" 1}", "nul", "\"\u{01}\"", "1 2", String(repeating: "[", count: 600)] {
            #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(Data(bad.utf8)) }
        }
    }
}
