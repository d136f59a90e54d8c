import Foundation
@testable import GenerationCore

/// Replays recorded exchanges over `TestHTTPServer` (a real socket on 127.0.0.1): a request for a recorded
/// method and path gets the recorded status, content type and body (event streams chunked, one chunk per event as
/// the server sent them); any other path gets the recorded server's own 404 (llama-cpp-python's FastAPI
/// `{"detail":"Not Found"}`, llama-server's `{"error":{"message":"File Not Found",...}}`).
///
/// The set's discovery answers (`/v1/models`, and for llama-server `/props` and `/health`) are always served, so
/// `AutoBackend` detects the server as it would the real one.
enum Replay {
    /// The recordings every replay of `set` answers besides the one under test.
    static func discovery(_ set: RecordedServer) throws -> [Recording] {
        switch set {
        case .llamaCppPython: return [try Fixtures.recording(set, "models")]
        case .llamaServer:
            return try ["models", "props", "health"].map { try Fixtures.recording(set, $0) }
        }
    }

    /// The server's answer to an unknown path, as recorded.
    static func notFound(_ set: RecordedServer) throws -> Recording.Response {
        try Fixtures.recording(set, "error_unknown_path").response
    }

    /// A handler answering `recordings` (first match wins), then `set`'s discovery routes, else its 404.
    static func handler(_ set: RecordedServer, answering recordings: [Recording]) throws -> TestHTTPServer.Handler {
        let routes = recordings + (try discovery(set))
        let missing = try notFound(set)
        return { request in
            let path = request.path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? request.path
            guard let hit = routes.first(where: { $0.request.method == request.method && $0.request.path == path }) else {
                return answer(missing)
            }
            return answer(hit.response)
        }
    }

    /// A replay server for `set` answering `recordings`.
    static func server(_ set: RecordedServer, answering recordings: [Recording]) throws -> TestHTTPServer {
        try TestHTTPServer(handler: try handler(set, answering: recordings))
    }

    /// One recorded answer as steps: chunked when it is an event stream, else with its Content-Length.
    static func answer(_ response: Recording.Response, extra: [String: String] = [:]) -> [TestHTTPServer.Step] {
        let type = response.headers["content-type"]
        guard type?.hasPrefix("text/event-stream") == true else {
            return Reply.body(status: response.status, contentType: type, response.body, extra: extra)
        }
        var steps: [TestHTTPServer.Step] = [Reply.head(status: response.status, contentType: type, chunked: true, extra: extra)]
        let recording = Recording(server: "", request: .init(method: "", path: "", headers: [:], body: nil),
                                  response: response)
        steps += recording.streamEvents.map { TestHTTPServer.Step.chunk(Data($0.utf8)) }
        steps.append(.endChunks)
        return steps
    }

    /// A configuration for the replay at `url`.
    static func configuration(_ url: String, readTimeout: Double = 10) throws -> HTTPBackendConfiguration {
        HTTPBackendConfiguration(endpoint: try Endpoint(url), connectTimeout: 5, readTimeout: readTimeout)
    }
}
