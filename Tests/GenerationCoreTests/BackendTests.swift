import Foundation
import Testing
@testable import GenerationCore

/// The TGI client over real libcurl against a real socket on 127.0.0.1.
@Suite struct BackendTests {
    static func backend(_ url: String, readTimeout: Double? = nil, token: String? = nil, useCache: Bool = true,
                        waitForModel: Bool = false) throws -> TGIBackend {
        var configuration = HTTPBackendConfiguration(endpoint: try Endpoint(url), token: token, useCache: useCache,
                                                     waitForModel: waitForModel, connectTimeout: 5)
        if let readTimeout { configuration.readTimeout = readTimeout }
        return TGIBackend(configuration: configuration)
    }

    static let request = GenerateRequest(inputs: "Hi", parameters: GenerateParameters(details: true, topNTokens: 3))

    @Test(arguments: FaultScenario.all)
    func scenario(_ s: FaultScenario) async throws {
        let server = try TestHTTPServer(handler: s.steps)
        defer { server.stop() }
        let backend = try Self.backend(server.url, readTimeout: s.readTimeout)
        var tokens: [String] = []
        var final: String?
        var failure: GenerationError?
        do {
            if s.stream {
                for try await event in backend.generateStream(Self.request) {
                    tokens.append(event.response.token.text)
                    if case .finished(let r) = event { final = r.generatedText }
                }
            } else {
                final = try await backend.generate(Self.request).generatedText
            }
        } catch let error as GenerationError {
            failure = error
        }
        #expect(tokens == s.tokens)
        #expect(final == s.generatedText)
        #expect(failure?.errorType == s.errorType)
        if let message = s.message { #expect(failure?.message.contains(message) == true, "\(failure?.message ?? "no error")") }
        if let code = s.statusCode { #expect(failure?.statusCode == code) }
        #expect(failure?.estimatedTime == s.estimatedTime)
        #expect(failure?.retryAfter == s.retryAfter)
        if let failure, s.stream { #expect(failure.receivedTokens.map(\.text) == s.tokens, "partial tokens are kept") }
        let path = server.requests.first?.path
        #expect(path == (s.stream ? "/generate_stream" : "/generate"))
    }

    @Test func connectionRefused() async throws {
        let port = try Self.closedPort()
        let backend = try Self.backend("http://127.0.0.1:\(port)")
        await #expect(throws: GenerationError.self) { _ = try await backend.generate(Self.request) }
        do {
            for try await _ in backend.generateStream(Self.request) {}
            Issue.record("a refused connection must fail")
        } catch let error as GenerationError {
            #expect(error.errorType == "connection")
            #expect(error.message.contains("127.0.0.1:\(port)"))
        }
    }

    /// A port nothing listens on: bind one, note it, close it.
    static func closedPort() throws -> UInt16 {
        let server = try TestHTTPServer { _ in [] }
        let port = server.port
        server.stop()
        return port
    }

    @Test func requestsReuseOneConnection() async throws {
        let server = try TestHTTPServer { _ in Reply.body(#"{"generated_text":"ok"}"#) }
        defer { server.stop() }
        let backend = try Self.backend(server.url)
        for _ in 0..<3 { #expect(try await backend.generate(Self.request).generatedText == "ok") }
        #expect(server.requests.count == 3)
        print("keep-alive connections:", server.requests.map(\.connection))
        #expect(server.acceptedConnections == 1, "keep-alive: one TCP connection for three requests")
    }

    @Test func headersTokenAndPathPrefix() async throws {
        let server = try TestHTTPServer { _ in Reply.body(#"{"generated_text":"ok"}"#) }
        defer { server.stop() }
        let backend = try Self.backend(server.url + "/some/prefix/", token: "hf_secret", useCache: false, waitForModel: true)
        _ = try await backend.generate(Self.request)
        let seen = try #require(server.requests.first)
        #expect(seen.method == "POST" && seen.path == "/some/prefix/generate")
        #expect(seen.headers["authorization"] == "Bearer hf_secret")
        #expect(seen.headers["x-use-cache"] == "false")
        #expect(seen.headers["x-wait-for-model"] == "true")
        #expect(seen.headers["content-type"] == "application/json")
        #expect(seen.headers["expect"] == nil)
        #expect(String(decoding: seen.body, as: UTF8.self) == #"{"inputs":"Hi","parameters":{"details":true,"top_n_tokens":3}}"#)
    }

    @Test func serverlessModelURL() async throws {
        let server = try TestHTTPServer { request in
            if request.bodyJSON?["stream"] as? Bool == true { return Reply.stream(Fixtures.threeTokenStream) }
            return Reply.body(#"[{"generated_text":" 3 4 5"}]"#)
        }
        defer { server.stop() }
        let backend = try Self.backend(server.url + "/hf-inference/models/org/model")
        #expect(try await backend.generate(Self.request).generatedText == " 3 4 5")
        var count = 0
        for try await _ in backend.generateStream(GenerateRequest(inputs: "Hi")) { count += 1 }
        #expect(count == 3)
        let seen = server.requests
        #expect(seen.map(\.path) == ["/hf-inference/models/org/model", "/hf-inference/models/org/model"])
        #expect(seen[0].bodyJSON?["stream"] as? Bool == false && seen[1].bodyJSON?["stream"] as? Bool == true)
        #expect(try await backend.info().modelId == "org/model")
        await #expect(throws: GenerationError.self) { _ = try await backend.tokenize(Self.request) }
    }

    @Test func infoTokenizeHealthAndLimits() async throws {
        let server = try TestHTTPServer { request in
            switch request.path {
            case "/info": return Reply.body(#"{"model_id":"m","max_best_of":1,"max_stop_sequences":2,"max_input_tokens":10,"max_total_tokens":20}"#)
            case "/tokenize": return Reply.body(#"[{"id":2,"text":"<bos>","start":0,"stop":0},{"id":9259,"text":"Hi","start":0,"stop":2}]"#)
            case "/health": return Reply.body(status: 200, contentType: nil, "")
            default: return Reply.body(status: 404, contentType: "text/plain", "")
            }
        }
        defer { server.stop() }
        let backend = try Self.backend(server.url)
        try await backend.health()
        let tokens = try await backend.tokenize(GenerateRequest(inputs: "Hi"))
        #expect(tokens == [SimpleToken(id: 2, text: "<bos>", start: 0, stop: 0), SimpleToken(id: 9259, text: "Hi", start: 0, stop: 2)])
        let info = try await backend.info()
        #expect(info.modelId == "m")
        // Limits from /info stop a request before it leaves.
        let limited = TGIBackend(configuration: backend.configuration, limits: info.validationLimits)
        #expect(limited.limits.maxStopSequences == 2)
        let before = server.requests.count
        await #expect(throws: GenerationError.validation("`stop` supports up to 2 stop sequences. Given: 3")) {
            _ = try await limited.generate(GenerateRequest(inputs: "x", parameters: GenerateParameters(stop: ["a", "b", "c"])))
        }
        #expect(server.requests.count == before, "an invalid request never reaches the server")
    }

    @Test func invalidRequestNeverLeaves() async throws {
        let server = try TestHTTPServer { _ in Reply.body(#"{"generated_text":"ok"}"#) }
        defer { server.stop() }
        let backend = try Self.backend(server.url)
        do {
            for try await _ in backend.generateStream(GenerateRequest(inputs: "x", parameters: GenerateParameters(temperature: 0))) {}
            Issue.record("must fail")
        } catch let error as GenerationError {
            #expect(error == GenerationError.validation("`temperature` must be strictly positive"))
        }
        #expect(server.requests.isEmpty)
    }

    /// Cancelling a stream aborts the transfer at once: the handle is freed and the server sees the connection
    /// closed while its answer is still open (it sends two tokens, then holds the stream without finishing it, so
    /// only a client-side abort can end the connection, however slowly the test itself is scheduled).
    @Test func cancellationStopsTheTransfer() async throws {
        let server = try TestHTTPServer { _ in
            [Reply.head(status: 200, contentType: "text/event-stream", chunked: true),
             .chunk(Data(Fixtures.tokenEvent(1, id: 1, text: "t1").utf8)),
             .chunk(Data(Fixtures.tokenEvent(2, id: 2, text: "t2").utf8)),
             .hang]
        }
        defer { server.stop() }
        let backend = try Self.backend(server.url)
        var received = 0
        var cancelledAt: UInt64 = 0
        for try await _ in backend.generateStream(Self.request) {
            received += 1
            if received == 2 {
                cancelledAt = DispatchTime.now().uptimeNanoseconds
                break  // ending iteration cancels the stream
            }
        }
        #expect(received == 2)
        var closedAt: UInt64?
        for _ in 0..<1_000 {
            closedAt = server.clientClosedAt(connection: 1)
            if closedAt != nil { break }
            usleep(10_000)
        }
        let closed = try #require(closedAt, "the server must see the connection closed")
        print("cancellation: connection closed \(String(format: "%.1f", Double(closed &- cancelledAt) / 1e6)) ms after cancel")
        #expect(server.requests.count == 1)
        for _ in 0..<500 where CurlTransfer.liveHandles(prefix: server.url) > 0 { usleep(10_000) }
        #expect(CurlTransfer.liveHandles(prefix: server.url) == 0, "the easy handle was freed")
    }

    @Test func cancellingANonStreamingRequest() async throws {
        let server = try TestHTTPServer { _ in [.hang] }
        defer { server.stop() }
        let backend = try Self.backend(server.url)
        let task = Task { try await backend.generate(Self.request) }
        while server.requests.isEmpty { try await Task.sleep(nanoseconds: 5_000_000) }
        task.cancel()
        do {
            _ = try await task.value
            Issue.record("must fail")
        } catch let error as GenerationError {
            #expect(error.errorType == "cancelled")
        }
    }

    @Test func endpointParsing() throws {
        #expect(try Endpoint("http://127.0.0.1:8080/").url("generate") == "http://127.0.0.1:8080/generate")
        #expect(try Endpoint("https://host/prefix").url("info") == "https://host/prefix/info")
        #expect(try Endpoint("https://router.huggingface.co/hf-inference/models/google/gemma-2b").kind
            == .serverless(modelId: "google/gemma-2b"))
        #expect(throws: GenerationError.self) { try Endpoint("ftp://x") }
        #expect(throws: GenerationError.self) { try Endpoint("localhost:8080") }
    }

    @Test func tokenLookupOrder() {
        let files = ["/tmp/x/token": "hf_file\n", "/home/u/.cache/huggingface/token": " hf_home \r\n"]
        let read: (String) -> String? = { files[$0] }
        #expect(TokenLookup.resolve(explicit: "hf_flag", environment: ["HF_TOKEN": "hf_env"], readFile: read) == "hf_flag")
        #expect(TokenLookup.resolve(explicit: nil, environment: ["HF_TOKEN": "hf_env", "HUGGING_FACE_HUB_TOKEN": "old"], readFile: read) == "hf_env")
        #expect(TokenLookup.resolve(explicit: nil, environment: ["HUGGING_FACE_HUB_TOKEN": "old"], readFile: read) == "old")
        #expect(TokenLookup.resolve(explicit: nil, environment: ["HF_TOKEN_PATH": "/tmp/x/token", "HOME": "/home/u"], readFile: read) == "hf_file")
        #expect(TokenLookup.resolve(explicit: nil, environment: ["HOME": "/home/u"], readFile: read) == "hf_home")
        #expect(TokenLookup.resolve(explicit: "  ", environment: ["HOME": "/nowhere"], readFile: read) == nil)
    }
}
