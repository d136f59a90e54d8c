import Foundation
import Testing
@testable import GenerationCore

/// Issue 16, hostile servers: JSON nested 100,000 deep, invalid UTF-8 and a `Content-Length` that lies, each sent
/// by a real HTTP server on 127.0.0.1 to the real libcurl client. Every case ends with a typed error (never a
/// trap, never a wait), and the tokens that came before it are kept.
@Suite struct HostileBodyTests {
    static func backend(_ url: String) throws -> TGIBackend {
        TGIBackend(configuration: HTTPBackendConfiguration(endpoint: try Endpoint(url), connectTimeout: 5, readTimeout: 5))
    }

    static let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)

    /// Runs a stream; returns the token texts received and the error it ended with.
    static func stream(_ url: String) async throws -> (tokens: [String], error: GenerationError?) {
        var tokens: [String] = []
        do {
            for try await event in try backend(url).generateStream(GenerateRequest(inputs: "Hi")) {
                tokens.append(event.response.token.text)
            }
            return (tokens, nil)
        } catch let error as GenerationError {
            #expect(error.receivedTokens.map(\.text) == tokens, "the error keeps the tokens received")
            return (tokens, error)
        }
    }

    static func oneShotError(_ url: String) async throws -> GenerationError? {
        do {
            _ = try await backend(url).generate(GenerateRequest(inputs: "Hi"))
            return nil
        } catch let error as GenerationError {
            return error
        }
    }

    @Test func jsonNested100000DeepIsAnInvalidResponse() async throws {
        let server = try TestHTTPServer { request in
            request.path == "/generate_stream"
                ? Reply.stream([Fixtures.tokenEvent(1, id: 10, text: "Hello"), "data: " + Self.deep + "\n\n"])
                : Reply.body(status: 200, Self.deep)
        }
        defer { server.stop() }
        let streamed = try await Self.stream(server.url)
        #expect(streamed.tokens == ["Hello"])
        #expect(streamed.error?.errorType == GenerationError.ErrorType.invalidResponse, "\(String(describing: streamed.error))")
        let error = try await Self.oneShotError(server.url)
        #expect(error?.errorType == GenerationError.ErrorType.invalidResponse, "\(String(describing: error))")
        // An error body nested as deep is still a typed error with its status.
        let failing = try TestHTTPServer { _ in Reply.body(status: 422, Self.deep) }
        defer { failing.stop() }
        let refused = try await Self.oneShotError(failing.url)
        #expect(refused?.statusCode == 422 && refused?.errorType == "validation", "\(String(describing: refused))")
        #expect((refused?.message.utf8.count ?? .max) <= ServerText.maxBytes + 64, "the echoed body is capped")
        #expect(refused?.message.hasSuffix("... (200000 bytes in all)") == true, "and says how long it was")
        // The JSON value parser refuses it at its nesting cap, with the offset.
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(Data(Self.deep.utf8)) }
    }

    @Test func invalidUTF8InAStreamIsAnInvalidResponseWithTheTokensKept() async throws {
        var bad = Data(Fixtures.tokenEvent(2, id: 11, text: "XX").utf8)
        if let range = bad.range(of: Data("XX".utf8)) { bad.replaceSubrange(range, with: [0xC3, 0x28]) }
        let invalid = bad
        let server = try TestHTTPServer { _ in
            [Reply.head(status: 200, contentType: "text/event-stream", chunked: true),
             .chunk(Data(Fixtures.tokenEvent(1, id: 10, text: "Hello").utf8)), .chunk(invalid),
             .chunk(Data(Fixtures.threeTokenStream[2].utf8)), .endChunks]
        }
        defer { server.stop() }
        let streamed = try await Self.stream(server.url)
        #expect(streamed.tokens == ["Hello"])
        #expect(streamed.error?.errorType == GenerationError.ErrorType.invalidResponse, "\(String(describing: streamed.error))")
    }

    @Test func invalidUTF8InAnErrorBodyIsShownReplaced() async throws {
        let server = try TestHTTPServer { _ in
            [Reply.head(status: 500, contentType: "text/plain", contentLength: 9), .raw(Data([0x62, 0x61, 0x64, 0xFF, 0xFE, 0x20, 0x6F, 0x6B, 0x21]))]
        }
        defer { server.stop() }
        let error = try await Self.oneShotError(server.url)
        #expect(error?.statusCode == 500, "\(String(describing: error))")
        #expect(error?.message.contains("bad") == true && error?.message.contains("ok!") == true, "\(String(describing: error))")
    }

    @Test func aContentLengthLongerThanTheBodyIsACutNotAWait() async throws {
        let body = #"{"generated_text":"Hello"}"#
        let server = try TestHTTPServer { _ in
            [Reply.head(status: 200, contentType: "application/json", contentLength: 1000), .raw(Data(body.utf8)), .close]
        }
        defer { server.stop() }
        let error = try await Self.oneShotError(server.url)
        #expect(error?.errorType == GenerationError.ErrorType.connection || error?.errorType == GenerationError.ErrorType.invalidResponse,
                "\(String(describing: error))")
        #expect(error?.message.isEmpty == false)
    }

    @Test func aContentLengthShorterThanTheBodyReadsOnlyWhatItSays() async throws {
        let body = #"{"generated_text":"Hello"}"#
        let server = try TestHTTPServer { _ in
            [Reply.head(status: 200, contentType: "application/json", contentLength: 10), .raw(Data((body + body).utf8))]
        }
        defer { server.stop() }
        let error = try await Self.oneShotError(server.url)
        #expect(error?.errorType == GenerationError.ErrorType.invalidResponse, "\(String(describing: error))")
    }

    @Test func aContentLengthOverTheCapIsRefusedWithoutReadingIt() async throws {
        let server = try TestHTTPServer { _ in
            [Reply.head(status: 200, contentType: "application/json", contentLength: 1 << 40), .raw(Data("{".utf8)), .hang]
        }
        defer { server.stop() }
        let error = try await Self.oneShotError(server.url)
        #expect(error?.errorType == GenerationError.ErrorType.responseTooLarge, "\(String(describing: error))")
    }
}

/// Issue 16, item 10: a stream cut after 20,000 tokens is one short message on stderr, not the whole text again.
@Suite struct CutStreamEchoTests {
    @Test func aLongCutStreamIsNotEchoedWhole() throws {
        let server = try TestHTTPServer { request in
            guard request.path == "/generate_stream" else { return Reply.body(status: 404, #"{"error":"not here"}"#) }
            var steps: [TestHTTPServer.Step] = [Reply.head(status: 200, contentType: "text/event-stream", chunked: true)]
            var batch = ""
            for i in 1...20_000 {
                batch += Fixtures.tokenEvent(i, id: 5, text: " word")
                if i % 1000 == 0 { steps.append(.chunk(Data(batch.utf8))); batch = "" }
            }
            return steps + [.close]
        }
        defer { server.stop() }
        let result = try BinaryRunner.run(["generate", "--api", "tgi", "--endpoint", server.url, "--stream"],
                                          stdin: #"{"inputs":"Hi","parameters":{"max_new_tokens":30000}}"#)
        #expect(result.status == 1)
        #expect(result.stdout.split(separator: "\n").count == 20_001, "every token on stdout, then the error line")
        #expect(result.stderr.utf8.count < 3000, "\(result.stderr.utf8.count) bytes on stderr")
        #expect(result.stderr.contains("(20000 tokens)") && result.stderr.contains("(100000 characters in all)"), "\(result.stderr.prefix(300))")
    }
}
