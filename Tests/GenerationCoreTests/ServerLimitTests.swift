import Foundation
import Testing
@testable import GenerationCore

/// A server cannot make tgplay hold unbounded memory or relay an endless stream: bodies over 64 MiB, stream
/// events over 16 MiB and tokens beyond `max_new_tokens` (plus a margin) end with a typed error, tokens kept.
@Suite struct ServerLimitTests {
    static func backend(_ url: String) throws -> TGIBackend {
        TGIBackend(configuration: HTTPBackendConfiguration(endpoint: try Endpoint(url), connectTimeout: 5, readTimeout: 30))
    }

    /// 1 MiB chunks of `byte`, `count` of them, as a chunked body.
    static func flood(_ count: Int, byte: UInt8, contentType: String) -> [TestHTTPServer.Step] {
        var steps: [TestHTTPServer.Step] = [Reply.head(status: 200, contentType: contentType, chunked: true)]
        let chunk = Data(repeating: byte, count: 1 << 20)
        for _ in 0..<count { steps.append(.sleepUnlessClosed(milliseconds: 0)); steps.append(.chunk(chunk)) }
        steps.append(.endChunks)
        return steps
    }

    @Test func aBodyOverTheCapIsAnError() async throws {
        let server = try TestHTTPServer { _ in Self.flood(80, byte: 0x20, contentType: "application/json") }
        defer { server.stop() }
        do {
            _ = try await Self.backend(server.url).generate(GenerateRequest(inputs: "Hi"))
            Issue.record("an 80 MiB body must be refused")
        } catch let error as GenerationError {
            #expect(error.errorType == GenerationError.ErrorType.responseTooLarge, "\(error)")
            #expect(error.message.contains("64 MiB"))
        }
    }

    @Test func aStreamEventThatNeverEndsIsAnError() async throws {
        let server = try TestHTTPServer { _ in
            var steps = Self.flood(20, byte: 0x61, contentType: "text/event-stream")
            steps.insert(.chunk(Data((Fixtures.tokenEvent(1, id: 7, text: "ok") + "data: ").utf8)), at: 1)
            return steps
        }
        defer { server.stop() }
        var tokens: [String] = []
        do {
            for try await event in try Self.backend(server.url).generateStream(GenerateRequest(inputs: "Hi")) {
                tokens.append(event.response.token.text)
            }
            Issue.record("a 20 MiB event must be refused")
        } catch let error as GenerationError {
            #expect(error.errorType == GenerationError.ErrorType.responseTooLarge, "\(error)")
            #expect(error.receivedTokens.map(\.text) == ["ok"], "the token before it is kept")
        }
        #expect(tokens == ["ok"])
    }

    @Test func tokensBeyondWhatWasAskedEndTheStream() async throws {
        let server = try TestHTTPServer { _ in
            var steps: [TestHTTPServer.Step] = [Reply.head(status: 200, contentType: "text/event-stream", chunked: true)]
            for i in 1...5_000 { steps.append(.chunk(Data(Fixtures.tokenEvent(i, id: 5, text: " x").utf8))) }
            steps.append(.endChunks)
            return steps
        }
        defer { server.stop() }
        let request = GenerateRequest(inputs: "Hi", parameters: GenerateParameters(maxNewTokens: 3))
        var count = 0
        do {
            for try await _ in try Self.backend(server.url).generateStream(request) { count += 1 }
            Issue.record("an endless stream must be cut")
        } catch let error as GenerationError {
            #expect(error.errorType == GenerationError.ErrorType.tooManyTokens, "\(error)")
            #expect(error.receivedTokens.count == 3 + TransportLimits.extraTokens)
        }
        #expect(count == 3 + TransportLimits.extraTokens)
    }
}

/// `--max-time`: a server that trickles a byte now and then (so the idle timeout never fires) cannot hold a
/// request forever.
@Suite struct MaxTimeTests {
    @Test func aTricklingServerIsCutAtTheDeadline() async throws {
        let server = try TestHTTPServer { _ in
            var steps: [TestHTTPServer.Step] = [Reply.head(status: 200, contentType: "application/json", chunked: true)]
            for _ in 0..<200 { steps += [.sleepUnlessClosed(milliseconds: 200), .chunk(Data(" ".utf8))] }
            steps.append(.endChunks)
            return steps
        }
        defer { server.stop() }
        var configuration = HTTPBackendConfiguration(endpoint: try Endpoint(server.url), connectTimeout: 5, readTimeout: 30)
        configuration.maxTime = 1
        do {
            _ = try await TGIBackend(configuration: configuration).generate(GenerateRequest(inputs: "Hi"))
            Issue.record("a trickling answer must be cut")
        } catch let error as GenerationError {
            #expect(error.errorType == GenerationError.ErrorType.timeout, "\(error)")
            #expect(error.message.contains("took longer than 1 s (--max-time)"), "\(error.message)")
        }
        let result = try BinaryRunner.run(["generate", "--api", "tgi", "--endpoint", server.url, "--max-time", "1"],
                                          stdin: #"{"inputs":"Hi"}"#)
        #expect(result.status == 1 && result.stdout.contains(#""error_type":"timeout""#), "\(result.stdout)")
    }
}
