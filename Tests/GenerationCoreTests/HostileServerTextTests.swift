import Foundation
import Testing
@testable import GenerationCore

/// What a server says never takes over the terminal, and credentials in an endpoint URL never reach a message.
@Suite struct HostileServerTextTests {
    static let hostile = #"{"error":"\u001b]0;PWNED\u0007\u001b[2Jbad regex","error_type":"validation"}"#

    @Test func controlCharactersFromAServerAreMadeVisible() async throws {
        let server = try TestHTTPServer { _ in Reply.body(status: 422, Self.hostile) }
        defer { server.stop() }
        let backend = TGIBackend(configuration: HTTPBackendConfiguration(endpoint: try Endpoint(server.url)))
        do {
            _ = try await backend.generate(GenerateRequest(inputs: "Hi"))
            Issue.record("a 422 must fail")
        } catch let error as GenerationError {
            #expect(!error.message.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 }, "\(error.message)")
            #expect(error.message == #"\u{1B}]0;PWNED\u{7}\u{1B}[2Jbad regex"#)
            #expect(error.errorType == "validation")
        }
        // Through the binary: neither stdout nor stderr carries an escape byte.
        let result = try BinaryRunner.run(["generate", "--api", "tgi", "--endpoint", server.url], stdin: #"{"inputs":"Hi"}"#)
        #expect(result.status == 1)
        #expect(!result.stdout.contains("\u{1B}") && !result.stderr.contains("\u{1B}") && !result.stderr.contains("\u{7}"))
        #expect(result.stderr.contains("PWNED"), "the words stay readable: \(result.stderr)")
    }

    @Test func aStreamedErrorEventAndAPlainTextBodyAreMadeVisibleToo() async throws {
        let server = try TestHTTPServer { request in
            request.path == "/generate_stream"
                ? Reply.stream(["data: " + Self.hostile + "\n\n"])
                : Reply.body(status: 500, contentType: "text/plain", "\u{1B}[31mred\u{1B}[0m")
        }
        defer { server.stop() }
        let backend = TGIBackend(configuration: HTTPBackendConfiguration(endpoint: try Endpoint(server.url)))
        do {
            for try await _ in backend.generateStream(GenerateRequest(inputs: "Hi")) {}
            Issue.record("the error event must fail the stream")
        } catch let error as GenerationError {
            #expect(!error.message.contains("\u{1B}"), "\(error.message)")
        }
        do {
            _ = try await backend.generate(GenerateRequest(inputs: "Hi"))
            Issue.record("a 500 must fail")
        } catch let error as GenerationError {
            #expect(error.message == #"\u{1B}[31mred\u{1B}[0m"#)
        }
    }

    @Test func credentialsInTheEndpointNeverReachAMessage() throws {
        let port = try BackendTests.closedPort()
        for api in ["tgi", "auto", "openai", "llamacpp"] {
            let result = try BinaryRunner.run(["generate", "--api", api, "--endpoint", "http://user:pa55word@127.0.0.1:\(port)"],
                                              stdin: #"{"inputs":"Hi"}"#)
            #expect(result.status == 1, "\(api)")
            #expect(result.stdout.contains(#""error_type":"connection""#), "\(api): \(result.stdout)")
            #expect(!result.stdout.contains("pa55word") && !result.stderr.contains("pa55word"), "\(api): \(result.stdout) \(result.stderr)")
            #expect(result.stdout.contains("127.0.0.1:\(port)"), "the place is still named")
        }
    }
}
