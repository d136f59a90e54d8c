import Foundation
import Testing
@testable import GenerationCore

/// `tgplay compare` through the real binary against the test HTTP server.
@Suite struct CompareCLITests {
    /// Answers like TGI: the first two tokens are shared, the third depends on the temperature sent.
    static func answer(_ request: TestHTTPServer.Request) -> [TestHTTPServer.Step] {
        let parameters = request.bodyJSON?["parameters"] as? [String: Any] ?? [:]
        let hot = (parameters["temperature"] as? Double ?? 0) > 1
        let seed = parameters["seed"].map { "\($0)" } ?? "null"
        let third = hot ? #"{"id":30,"text":" wild","logprob":-2.5,"special":false}"# : #"{"id":20,"text":" calm","logprob":-0.25,"special":false}"#
        let tops = hot
            ? #"[{"id":20,"text":" calm","logprob":-1.0,"special":false},{"id":30,"text":" wild","logprob":-2.5,"special":false}]"#
            : #"[{"id":20,"text":" calm","logprob":-0.25,"special":false},{"id":30,"text":" wild","logprob":-3.0,"special":false}]"#
        let shared = #"{"id":1,"text":" a","logprob":-0.5,"special":false},{"id":2,"text":" b","logprob":-1.5,"special":false}"#
        let body = #"{"generated_text":" a b\#(hot ? " wild" : " calm")","details":{"finish_reason":"length","generated_tokens":3,"seed":\#(seed),"prefill":[],"tokens":[\#(shared),\#(third)],"top_tokens":[[{"id":1,"text":" a","logprob":-0.5,"special":false}],[{"id":2,"text":" b","logprob":-1.5,"special":false}],\#(tops)]}}"#
        return Reply.body(body)
    }

    static func inputFile(_ text: String) throws -> URL {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("tgplay-compare-\(UUID()).json")
        try Data(text.utf8).write(to: file)
        return file
    }

    @Test func twoSetsOneObject() throws {
        let server = try TestHTTPServer(handler: Self.answer)
        defer { server.stop() }
        let file = try Self.inputFile(#"{"inputs":"Hi","parameters":{"max_new_tokens":3},"sets":[{"name":"A","parameters":{"temperature":0.3}},{"name":"B","parameters":{"temperature":1.5},"endpoint":"\#(server.url)/"}]}"#)
        defer { try? FileManager.default.removeItem(at: file) }
        let secret = "hf_compareSecret42"
        let result = try BinaryRunner.run(["compare", "--input", file.path, "--api", "tgi", "--endpoint", server.url, "--token", secret])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.lines.count == 1)
        #expect(!result.stdout.contains(secret) && !result.stderr.contains(secret))
        let object = try JSONValue.parse(Data(result.stdout.utf8))
        guard case .array(let sets)? = object["sets"] else { Issue.record("no sets"); return }
        #expect(sets.count == 2)
        #expect(sets.map { $0["name"]?.stringValue } == ["A", "B"])
        // One seed for both, sent to the server in both requests.
        let seed = try #require(object["seed"])
        #expect(sets.allSatisfy { $0["parameters"]?["seed"] == seed })
        let requests = server.requests
        #expect(requests.count == 2)
        #expect(Set(requests.map { ($0.bodyJSON?["parameters"] as? [String: Any])?["seed"].map { "\($0)" } ?? "" }).count == 1)
        #expect(requests.allSatisfy { $0.headers["authorization"] == "Bearer \(secret)" || $0.headers["Authorization"] == "Bearer \(secret)" })
        // Merged parameters, with details and top_n_tokens turned on.
        #expect(sets[0]["parameters"]?["max_new_tokens"] == .int(3))
        #expect(sets[0]["parameters"]?["temperature"]?.doubleValue == 0.3)
        #expect(sets[1]["parameters"]?["temperature"]?.doubleValue == 1.5)
        #expect(sets[0]["parameters"]?["details"] == .bool(true))
        #expect(sets[0]["parameters"]?["top_n_tokens"] == .int(5))
        #expect(sets[1]["backend"]?.stringValue == server.url)
        #expect(sets[0]["response"]?["generated_text"]?.stringValue == " a b calm")
        #expect(sets[1]["response"]?["generated_text"]?.stringValue == " a b wild")
        #expect(sets[0]["stats"]?["tokens"] == .int(3))
        #expect(sets[0]["stats"]?["finish_reason"]?.stringValue == "length")
        #expect(sets[0]["error"] == nil)
        // Divergence at the third token, with each set's own top tokens there.
        #expect(object["first_divergent_index"] == .int(2))
        let divergence = try #require(object["divergence"])
        #expect(divergence["index"] == .int(2))
        guard case .array(let choices)? = divergence["sets"] else { Issue.record("no divergence sets"); return }
        #expect(choices.map { $0["token"]?["text"]?.stringValue } == [" calm", " wild"])
        #expect(choices[0]["top_tokens"] == sets[0]["response"]?["details"]?["top_tokens"].flatMap { value -> JSONValue? in
            if case .array(let rows) = value { return rows[2] }
            return nil
        })
        guard case .array(let hotTop)? = choices[1]["top_tokens"] else { Issue.record("no top tokens"); return }
        #expect(hotTop.map { $0["logprob"]?.doubleValue } == [-1.0, -2.5])
    }

    @Test func aFailingEndpointIsAnErrorEntryAndExitOne() throws {
        let server = try TestHTTPServer(handler: Self.answer)
        defer { server.stop() }
        let port = try BackendTests.closedPort()
        let file = try Self.inputFile(#"{"inputs":"Hi","parameters":{"seed":7},"sets":[{"name":"A"},{"name":"B","endpoint":"http://127.0.0.1:\#(port)"}]}"#)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try BinaryRunner.run(["compare", "--input", file.path], environment: ["TGPLAY_ENDPOINT": server.url, "TGPLAY_API": "tgi"])
        #expect(result.status == 1)
        #expect(result.lines.count == 1)
        let object = try JSONValue.parse(Data(result.stdout.utf8))
        #expect(object["seed"] == .int(7))
        guard case .array(let sets)? = object["sets"] else { Issue.record("no sets"); return }
        #expect(sets[0]["response"]?["generated_text"]?.stringValue == " a b calm")
        #expect(sets[1]["response"] == nil)
        #expect(sets[1]["error"]?["error_type"]?.stringValue == "connection")
        #expect(sets[1]["stats"] == .null)
        #expect(sets[1]["backend"]?.stringValue == "http://127.0.0.1:\(port)")
        #expect(object["first_divergent_index"] == .null)
        #expect(object["divergence"] == .null)
        #expect(result.stderr.contains("set B failed (connection)"))
    }

    @Test(arguments: [
        (#"{"inputs":"Hi","sets":[{"name":"A"}]}"#, "compare needs 2 to 4 parameter sets, got 1"),
        (#"{"inputs":"Hi","sets":[{},{},{},{},{}]}"#, "compare needs 2 to 4 parameter sets, got 5"),
        (#"{"inputs":"Hi","sets":[{"name":"A"},{"name":"A"}]}"#, "two parameter sets are named \"A\""),
        (#"{"sets":[]}"#, "cannot read the compare input"),
        ("not json", "the compare input is not valid JSON"),
    ])
    func badInputIsAClearError(_ text: String, _ message: String) throws {
        let server = try TestHTTPServer(handler: Self.answer)
        defer { server.stop() }
        let file = try Self.inputFile(text)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try BinaryRunner.run(["compare", "--input", file.path, "--endpoint", server.url])
        #expect(result.status == 1)
        let error = try JSONDecoder().decode(ErrorResponse.self, from: Data(result.stdout.utf8))
        #expect(error.error.contains(message), "\(error.error)")
        #expect(error.errorType == "invalid_request")
        #expect(server.requests.isEmpty)
    }

    /// Cancelling the task that awaits the runner aborts every set's request: the server, which would hang
    /// forever (its read timeout is an hour), sees both connections closed by the client.
    @Test func runnerIsCancellable() async throws {
        let server = try TestHTTPServer { _ in [.hang] }
        defer { server.stop() }
        let backend = TGIBackend(configuration: HTTPBackendConfiguration(endpoint: try Endpoint(server.url),
                                                                          readTimeout: 3600))
        let sets = [ParameterSet(name: "A"), ParameterSet(name: "B", parameters: GenerateParameters(temperature: 1.5))]
        let task = Task {
            try await CompareRunner.run(prompt: "Hi", base: GenerateParameters(), sets: sets) { _ in backend }
        }
        while server.requests.count < 2 { try await Task.sleep(for: .milliseconds(20)) }
        task.cancel()
        let result = try await task.value
        // The server notices a close on its next poll (every 50 ms): give it up to 500 polls.
        func allClosed() -> Bool { server.requests.map(\.connection).allSatisfy { server.clientClosedAt(connection: $0) != nil } }
        for _ in 0..<500 where !allClosed() { try await Task.sleep(for: .milliseconds(50)) }
        #expect(allClosed())
        #expect(!result.allSucceeded)
        #expect(result.sets.allSatisfy { $0.error?.errorType == GenerationError.ErrorType.cancelled }, "\(result.sets.map(\.error))")
    }

    @Test func helpListsCompare() throws {
        let help = try BinaryRunner.run(["--help"])
        #expect(help.stdout.contains("tgplay compare  [BACKEND] --input FILE"))
    }
}
