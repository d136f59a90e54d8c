import Foundation
import Testing
@testable import GenerationCore

/// Session files: round trips, damaged and newer files, atomic saves, no secrets, exports, history.
@Suite struct SessionTests {
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tgplay-session-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func run(tokens count: Int, top: Int, text: (Int) -> String = { " w\($0)" }) -> SessionRun {
        let tokens = (0..<count).map { Token(id: UInt32($0 % 1000), text: text($0), logprob: -Double($0 % 7) / 3, special: false) }
        let topTokens = (0..<count).map { i in
            (0..<top).map { k in Token(id: UInt32(k), text: "alt\(k)·\(i)", logprob: -Double(k) - 0.125, special: false) }
        }
        let request = GenerateRequest(inputs: "Prompt ✓ 東京 🚀", parameters: GenerateParameters(
            details: true, maxNewTokens: UInt32(count), seed: 18_446_744_073_709_551_615, temperature: 0.7, topNTokens: UInt32(top)))
        let response = GenerateResponse(generatedText: tokens.map(\.text).joined(), details: Details(
            finishReason: .length, generatedTokens: UInt32(count), seed: 18_446_744_073_709_551_615,
            prefill: [PrefillToken(id: 2, text: "<bos>", logprob: nil), PrefillToken(id: 7, text: "Prompt", logprob: -3.25)],
            tokens: tokens, topTokens: topTokens.isEmpty ? nil : topTokens))
        return SessionRun(id: 1, setName: "A", backend: BackendIdentity("http://127.0.0.1:8080"), request: request,
                          response: response,
                          stats: RunStatistics(timing: RunTiming(start: 0, firstToken: 0.25, end: 1.5), response: response),
                          startedAt: Timestamp(millisecondsSince1970: 1_764_000_000_123))
    }

    static func session(tokens: Int = 4, top: Int = 2) -> Session {
        let run = run(tokens: tokens, top: top)
        var tree = BranchTree(prompt: run.request.inputs, response: run.response ?? GenerateResponse(generatedText: ""), runID: 1)
        _ = try? tree.branch(from: 0, at: min(1, max(0, tokens - 1)), alternative: Token(id: 5, text: " «ünïcødé»\n", logprob: -2, special: false))
        var failed = SessionRun(id: 2, setName: "B", backend: .local, request: GenerateRequest(inputs: "x"),
                                error: ErrorResponse(error: "Model is overloaded", errorType: "overloaded"),
                                startedAt: Timestamp(millisecondsSince1970: 1_764_000_001_000))
        failed.request.parameters = GenerateParameters(grammar: Grammar(type: .jsonSchema, value: .object([
            .init("schema", .object([.init("zeta", .int(1)), .init("alpha", .bool(true))]))])))
        return Session(prompt: "Prompt ✓ 東京 🚀 \"quoted\" \\ \u{0001}", parameters: GenerateParameters(maxNewTokens: 30, stop: ["\n\n"]),
                       sets: [ParameterSet(name: "A", parameters: GenerateParameters(temperature: 0.3)),
                              ParameterSet(name: "B", parameters: GenerateParameters(temperature: 1.5), backend: .local)],
                       backend: BackendIdentity("http://127.0.0.1:8080"), runs: [run, failed], tree: tree,
                       createdAt: Timestamp(millisecondsSince1970: 1_764_000_000_000),
                       updatedAt: Timestamp(millisecondsSince1970: 1_764_000_002_345))
    }

    /// 513 `[` (found by the session fuzz target) made Foundation's JSONDecoder trap building its error; too deep
    /// a file is a clear "not JSON" error now, and so are generate answers nested as deep.
    @Test func deeplyNestedBytesAreAnErrorNotACrash() throws {
        let deep = Data(repeating: UInt8(ascii: "["), count: 513)
        #expect(throws: SessionFileError.self) { try SessionFile.decode(deep, path: "deep.json") }
        #expect(throws: DecodingError.self) { try WireJSON.decodeGenerateResponse(from: deep) }
        #expect(JSONNesting.depth(Data(#"{"a":["[[[[",{"b":[]}]}"#.utf8)) == 4, "brackets in strings do not count")
    }

    @Test func roundTripWithUnicode() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("s.json").path
        let session = Self.session()
        try SessionFile.save(session, to: path)
        let loaded = try SessionFile.load(from: path)
        #expect(loaded == session)
        // Grammar member order survives (a JSON-schema grammar generates in schema order).
        #expect(loaded.runs[1].request.parameters?.grammar == session.runs[1].request.parameters?.grammar)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasPrefix(#"{"format":"tgplay-session","version":3,"created_at":"2025-11-24T16:00:00.000Z""#))
        #expect(text.hasSuffix("\n"))
        // Saved files are private to their owner.
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
    }

    /// A version-1 file (no run API or model) opens as it is; the first save keeps it byte for byte as
    /// `FILE.v1` and writes the current version with each run's API and model; later saves leave the copy alone.
    @Test func versionOneFilesOpenAndAreKeptBeforeTheFirstSave() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("old.json").path
        let v1 = String(decoding: try SessionFile.encode(Self.session()), as: UTF8.self)
            .replacingOccurrences(of: #""version":3"#, with: #""version":1"#)
        try Data(v1.utf8).write(to: URL(fileURLWithPath: path))
        var session = try SessionFile.load(from: path)
        #expect(session.runs.allSatisfy { $0.api == nil && $0.model == nil })
        session.runs[0].api = .llamacpp
        session.runs[0].model = "gemma-3-270m-q4_k_m"
        try SessionFile.save(session, to: path)
        #expect(try String(contentsOfFile: path + ".v1", encoding: .utf8) == v1)
        let reread = try SessionFile.load(from: path)
        #expect(reread.runs[0].api == .llamacpp && reread.runs[0].model == "gemma-3-270m-q4_k_m")
        #expect(try String(contentsOfFile: path, encoding: .utf8).contains(#""api":"llamacpp","model":"gemma-3-270m-q4_k_m""#))
        try SessionFile.save(reread, to: path)
        #expect(try String(contentsOfFile: path + ".v1", encoding: .utf8) == v1, "the copy is made once")
    }

    @Test func largeRunRoundTrip() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("big.json").path
        let session = Self.session(tokens: 5000, top: 5)
        #expect(session.runs[0].tokens.count == 5000)
        #expect(session.runs[0].topTokens.allSatisfy { $0.count == 5 })
        try SessionFile.save(session, to: path)
        #expect(try SessionFile.load(from: path) == session)
    }

    static let corruptions: [(String, @Sendable (Data) -> Data, SessionFileError.Problem)] = [
        ("truncated", { $0.prefix($0.count / 2) }, .notJSON),
        ("not JSON", { _ in Data("hello, I am not JSON".utf8) }, .notJSON),
        ("empty", { _ in Data() }, .notJSON),
        ("wrong format", { _ in Data(#"{"format":"something-else","version":1}"#.utf8) }, .notASession),
        ("a JSON list", { _ in Data("[1,2]".utf8) }, .notASession),
        ("newer version", { data in
            Data(String(decoding: data, as: UTF8.self).replacingOccurrences(of: #""version":3"#, with: #""version":4"#).utf8)
        }, .newerVersion(4)),
        ("damaged content", { data in
            Data(String(decoding: data, as: UTF8.self).replacingOccurrences(of: #""prompt":"#, with: #""prompt":5,"x":"#).utf8)
        }, .invalid),
    ]

    @Test(arguments: 0..<corruptions.count)
    func corruptFilesAreClearErrorsAndStayUntouched(_ index: Int) throws {
        let (name, damage, problem) = Self.corruptions[index]
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("damaged.json").path
        let bytes = damage(try SessionFile.encode(Self.session()))
        try bytes.write(to: URL(fileURLWithPath: path))
        let before = try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date
        do {
            _ = try SessionFile.load(from: path)
            Issue.record("\(name): loaded")
        } catch let error as SessionFileError {
            #expect(error.problem == problem, "\(name)")
            #expect(error.description.contains(path), "\(name): \(error)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == bytes, "\(name)")
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["damaged.json"])
    }

    @Test func newerVersionMessage() throws {
        let error = SessionFileError(path: "/x/s.json", problem: .newerVersion(4), detail: "")
        #expect(error.description == "the session file /x/s.json was written by a newer tgplay (session version 4; this tgplay reads up to version 3); it was left untouched")
        #expect(throws: SessionFileError(path: "/nope/s.json", problem: .unreadable, detail: "no such file")) {
            try SessionFile.load(from: "/nope/s.json")
        }
    }

    @Test func saveIsAtomic() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("nested/dir/s.json").path
        var session = Self.session()
        try SessionFile.save(session, to: path)
        session.prompt = "second version"
        try SessionFile.save(session, to: path)
        #expect(try SessionFile.load(from: path).prompt == "second version")
        // No temporary file is left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("nested/dir").path) == ["s.json"])

        // When the rename cannot happen (the target is a non-empty directory) the target is unchanged and the
        // temporary file is gone.
        let blocked = directory.appendingPathComponent("blocked")
        try FileManager.default.createDirectory(at: blocked, withIntermediateDirectories: true)
        try Data("keep".utf8).write(to: blocked.appendingPathComponent("inside"))
        #expect(throws: SessionFileError.self) { try SessionFile.save(session, to: blocked.path) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: blocked.path) == ["inside"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["blocked", "nested"])
    }

    @Test func noTokenEverReachesTheFile() throws {
        let secret = "hf_SeCrEtToKeN1234567890"
        let configuration = HTTPBackendConfiguration(endpoint: try Endpoint("https://user:pa55word@example.test/prefix"),
                                                     token: secret)
        let backend = TGIBackend(configuration: configuration)
        var session = Self.session()
        session.backend = BackendIdentity(of: backend)
        session.sets[0].backend = BackendIdentity(of: backend)
        session.runs.append(SessionRun(id: 1, backend: BackendIdentity(of: backend), request: GenerateRequest(inputs: "Hi")))
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("s.json").path
        try SessionFile.save(session, to: path)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(!text.contains(secret))
        #expect(!text.contains("pa55word"))
        #expect(text.contains(#""backend":"https://example.test/prefix""#))
    }

    @Test func storeUsesXDGStateHome() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = SessionStore(environment: ["XDG_STATE_HOME": directory.path, "HOME": "/nonexistent"])
        #expect(store.path == directory.path + "/tgplay/session.json")
        #expect(!FileManager.default.fileExists(atPath: store.path))
        let session = Self.session()
        try SessionFile.save(session, to: store.path)
        #expect(try SessionFile.load(from: store.path) == session)
        #expect(SessionStore(environment: ["HOME": "/home/x"]).path == "/home/x/.local/state/tgplay/session.json")
        #expect(SessionStore(environment: ["HOME": "/home/x", "XDG_STATE_HOME": ""]).path == "/home/x/.local/state/tgplay/session.json")
    }

    @Test func historyRerunAndDiff() throws {
        var session = Session(prompt: "p")
        let first = Self.run(tokens: 5, top: 0)
        var second = Self.run(tokens: 6, top: 0)
        second.response?.details?.tokens[3] = Token(id: 999, text: " other", logprob: -1, special: false)
        session.runs = [first, second]
        let rerun = first.rerunRequest
        #expect(rerun == first.request)

        // A run whose request left the seed to the server is re-run with the seed it got.
        var unseeded = first
        unseeded.request.parameters?.seed = nil
        #expect(unseeded.rerunRequest.parameters?.seed == 18_446_744_073_709_551_615)

        let diff = RunDiff(session.runs[0], session.runs[1])
        #expect(diff.firstDivergentIndex == 3)
        #expect(diff.commonText == " w0 w1 w2")
        #expect(diff.continuationA.map(\.text) == [" w3", " w4"])
        #expect(diff.continuationB.map(\.text) == [" other", " w4", " w5"])
        let same = RunDiff(first, first)
        #expect(same.firstDivergentIndex == nil && same.continuationA.isEmpty && same.continuationB.isEmpty)
    }

    @Test func markdownExport() {
        var run = Self.run(tokens: 3, top: 2, text: { $0 == 1 ? " a|b\n" : " w\($0)" })
        run.request.inputs = "Say ```hi```"
        let plain = RunExport.markdown(run)
        #expect(plain.hasPrefix("# tgplay run 1 (set A)\n"))
        #expect(plain.contains("- backend: `http://127.0.0.1:8080`"))
        #expect(plain.contains("- finish reason: length"))
        #expect(plain.contains("## Prompt\n\n````text\nSay ```hi```\n````\n"))
        #expect(plain.contains("## Output\n\n```text\n w0 a|b\n w2\n```\n"))
        #expect(plain.contains("| parameter | value |\n|---|---|\n| details | true |\n| max_new_tokens | 3 |\n| seed | 18446744073709551615 |\n| temperature | 0.7 |\n| top_n_tokens | 2 |\n"))
        #expect(!plain.contains("## Tokens"))
        let detailed = RunExport.markdown(run, includeTokens: true)
        #expect(detailed.contains("## Tokens\n\n| # | token | logprob | p | top tokens |"))
        #expect(detailed.contains("| 1 | ` a\\|b\\n` | -0.3333 | 0.7165 | `alt0·1` -0.1250, `alt1·1` -1.1250 |"))
    }

    /// A chat run's export writes its conversation, each message under its role, then the reply.
    @Test func markdownExportOfAChatRun() {
        var run = Self.run(tokens: 2, top: 0)
        run.request.inputs = ""
        run.chat = ChatRequest(messages: [ChatMessage(role: .system, content: "Answer briefly."),
                                          ChatMessage(role: .user, content: "Name a colour.")])
        let out = RunExport.markdown(run)
        #expect(out.contains("## Conversation\n\n### system\n\n```text\nAnswer briefly.\n```\n\n### user\n\n```text\nName a colour.\n```\n\n## Reply\n\n```text\n w0 w1\n```\n"))
        #expect(!out.contains("## Prompt"))
        #expect(out.contains("| temperature | 0.7 |"))
        // A reply being continued: the final assistant message is marked as the one the reply carries on.
        run.chat?.messages.append(ChatMessage(role: .assistant, content: "Blue"))
        run.chat?.continueFinalMessage = true
        #expect(RunExport.markdown(run).contains("### assistant (continued by the reply)\n\n```text\nBlue\n```\n\n## Reply"))
        // A text run keeps its prompt section.
        run.chat = nil
        #expect(RunExport.markdown(run).contains("## Prompt\n\n```text\n\n```\n\n## Output"))
    }

    @Test func jsonlExport() throws {
        let run = Self.run(tokens: 3, top: 2)
        let lines = try RunExport.jsonl(run).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 4 && lines[3].isEmpty)
        #expect(lines[0] == #"{"index":0,"id":0,"text":" w0","logprob":-0.0,"special":false,"top_tokens":[{"id":0,"text":"alt0·0","logprob":-0.125,"special":false},{"id":1,"text":"alt1·0","logprob":-1.125,"special":false}]}"#)
        for (index, line) in lines.dropLast().enumerated() {
            let value = try JSONValue.parse(Data(line.utf8))
            #expect(value["index"] == .int(Int64(index)))
            #expect(value["text"]?.stringValue == run.tokens[index].text)
        }
    }

    @Test func streamEventsAssembleIntoAResponse() throws {
        let events = [
            StreamResponse(index: 1, token: Token(id: 1, text: "a", logprob: -1, special: false),
                           topTokens: [Token(id: 1, text: "a", logprob: -1, special: false)]),
            StreamResponse(index: 2, token: Token(id: 2, text: "b", logprob: -2, special: false),
                           topTokens: [Token(id: 2, text: "b", logprob: -2, special: false)], generatedText: "ab",
                           details: StreamDetails(finishReason: .eosToken, generatedTokens: 2, seed: 7)),
        ]
        let response = try #require(GenerateResponse(streamEvents: events))
        #expect(response.generatedText == "ab")
        #expect(response.details?.tokens.map(\.id) == [1, 2])
        #expect(response.details?.topTokens?.count == 2)
        #expect(response.details?.seed == 7)
        #expect(response.details?.finishReason == .eosToken)
        #expect(GenerateResponse(streamEvents: Array(events.prefix(1))) == nil)
    }
}
