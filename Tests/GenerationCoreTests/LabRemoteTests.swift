import Foundation
import Testing
import LocalEngine
@testable import GenerationCore

/// The distribution lab's remote paths against a real HTTP server on 127.0.0.1 speaking TGI's `/generate`, its
/// answers computed by the built-in engine (a TGI-shaped server with a real model behind it, no fixture can give
/// N different seeded samples): a remote tree (N requests) is the engine's own tree, a remote step is a
/// one-token request, forced text is scored through prompt logprobs; and the CLI commands print them.
@Suite(.serialized) struct LabRemoteTests {
    static let engine: LocalBackend = {
        do {
            return try LocalBackend(modelPath: ModelLocation.resolve(environment: ProcessInfo.processInfo.environment))
        } catch {
            fatalError("the model is missing (\(error)); run `make test`, which installs it")
        }
    }()
    static let prompt = "The capital of France is"

    /// A result carried from the engine's task back to the server's connection thread.
    final class Answer: @unchecked Sendable {
        private let lock = NSLock()
        private var value: String?
        func set(_ text: String) { lock.withLock { value = text } }
        var text: String { lock.withLock { value ?? "" } }
    }

    /// `/info` and `/generate` as TGI answers them, `/generate` run on the engine; an error in TGI's shape.
    static func handler(_ request: TestHTTPServer.Request) -> [TestHTTPServer.Step] {
        switch request.path {
        case "/info": return Reply.body(#"{"model_id":"tgplay/engine-behind-http"}"#)
        case "/generate":
            let answer = Answer(), done = DispatchSemaphore(value: 0)
            let body = request.body
            Task {
                do {
                    let decoded = try GenerateRequest.decode(from: body)
                    let response = try await engine.generate(decoded)
                    answer.set(String(decoding: try WireJSON.encode(response), as: UTF8.self))
                } catch {
                    let failure = GenerationError.from(error)
                    answer.set(#"{"error":"\#(failure.message)","error_type":"validation"}"#)
                }
                done.signal()
            }
            done.wait()
            return Reply.body(answer.text)
        case "/generate_stream":
            let answer = Answer(), done = DispatchSemaphore(value: 0)
            let body = request.body
            Task {
                var events = ""
                do {
                    for try await event in engine.generateStream(try GenerateRequest.decode(from: body)) {
                        events += "data:" + String(decoding: try WireJSON.encode(event.response), as: UTF8.self) + "\n\n"
                    }
                } catch {
                    events += #"data:{"error":"engine failed","error_type":"generation"}"# + "\n\n"
                }
                answer.set(events)
                done.signal()
            }
            done.wait()
            return Reply.stream([answer.text])
        default: return Reply.body(status: 404, "")
        }
    }

    static func tgi(_ server: TestHTTPServer) throws -> TGIBackend {
        TGIBackend(configuration: try Replay.configuration(server.url, readTimeout: 60))
    }

    static func strip(_ nodes: [SampleTree.Node]) -> [SampleTree.Node] {
        nodes.map { node in
            var n = node
            n.token.bytes = nil
            n.children = strip(node.children)
            return n
        }
    }

    @Test func aRemoteTreeIsTheEnginesTree() async throws {
        let server = try TestHTTPServer(handler: Self.handler)
        defer { server.stop() }
        let request = SampleTreeRequest(
            request: GenerateRequest(inputs: Self.prompt, parameters: GenerateParameters(seed: 21, temperature: 1.1)),
            accepted: " the", samples: 8, depth: 3)
        let remote = try await SampleTrees.sample(request, on: try Self.tgi(server), concurrency: 3)
        let native = try await SampleTrees.sample(request, on: Self.engine)
        #expect(remote.samples == 8 && remote.seed == 21 && remote.probabilities == .processed)
        #expect(remote.inputs == Self.prompt + " the")
        #expect(remote.children.reduce(0) { $0 + $1.count } == 8)
        #expect(remote.children == Self.strip(native.children), "N requests give the shared-prefill tree")
        let bodies = server.requests.filter { $0.path == "/generate" }.compactMap(\.bodyJSON)
        #expect(bodies.count == 8)
        let seeds = bodies.compactMap { ($0["parameters"] as? [String: Any])?["seed"] as? Int }.sorted()
        #expect(seeds == Array(21..<29), "sample i uses seed + i")
        #expect(bodies.allSatisfy { ($0["parameters"] as? [String: Any])?["max_new_tokens"] as? Int == 3 })
        #expect(bodies.allSatisfy { $0["inputs"] as? String == Self.prompt + " the" })
    }

    @Test func remoteStepsAreOneTokenRequestsAndForcedTextIsPromptScored() async throws {
        let server = try TestHTTPServer(handler: Self.handler)
        defer { server.stop() }
        let backend = try Self.tgi(server)
        let request = GenerateRequest(inputs: Self.prompt, parameters: GenerateParameters(topNTokens: 2))
        var accepted: [Token] = []
        for _ in 0..<3 {
            let answer = try await Stepping.step(StepRequest(request: request, accepted: accepted), on: backend)
            #expect(answer.count == 1 && answer.first?.topTokens.count == 2)
            accepted += answer.map(\.token)
        }
        let native = try await Self.engine.generate(GenerateRequest(
            inputs: Self.prompt, parameters: GenerateParameters(details: true, maxNewTokens: 3)))
        #expect(accepted.map(\.id) == native.details?.tokens.map(\.id))
        let bodies = server.requests.filter { $0.path == "/generate" }.compactMap(\.bodyJSON)
        #expect(bodies.allSatisfy { ($0["parameters"] as? [String: Any])?["max_new_tokens"] as? Int == 1 })
        #expect(bodies.last?["inputs"] as? String == Self.prompt + accepted.dropLast().map(\.text).joined())

        let force = " Paris, a city"
        let forced = try await Stepping.step(StepRequest(request: request, force: force), on: backend)
        let local = try await Stepping.step(StepRequest(request: request, force: force), on: Self.engine)
        #expect(forced.map(\.token.id) == local.map(\.token.id))
        #expect(forced.map(\.token.logprob) == local.map(\.token.logprob))
        #expect(forced.allSatisfy { $0.forced && $0.probabilities == .raw })
    }

    @Test func sampleTreeAndStepOnTheCommandLine() throws {
        let server = try TestHTTPServer(handler: Self.handler)
        defer { server.stop() }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("tgplay-lab-\(UUID()).json")
        try Data(#"{"inputs":"The capital of France is","parameters":{"seed":5,"temperature":0.9}}"#.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let tree = try BinaryRunner.run(["sample-tree", "--api", "tgi", "--endpoint", server.url, "--input", file.path,
                                         "--n", "8", "--depth", "2"])
        #expect(tree.status == 0, "\(tree.stderr)")
        let object = try JSONValue.parse(Data(tree.stdout.utf8))
        #expect(object["samples"] == .int(8) && object["depth"] == .int(2) && object["seed"] == .int(5))
        #expect(object["probabilities"]?.stringValue == "processed")
        let counts = (object["children"]?.arrayValue ?? []).compactMap { $0["count"]?.intValue }
        #expect(counts.reduce(0, +) == 8)

        let model = ModelLocation.resolve(environment: ProcessInfo.processInfo.environment)
        let steps = try BinaryRunner.run(["step", "--local", "--model", model, "--input", file.path, "--steps", "2",
                                          "--force", " Paris"])
        #expect(steps.status == 0, "\(steps.stderr)")
        let lines = steps.stdout.split(separator: "\n").map { try? JSONValue.parse(Data($0.utf8)) }
        #expect(lines.count == 3)
        #expect(lines.map { $0?["step"]?.intValue } == [1, 2, 3])
        #expect(lines.map { $0?["forced"] } == [.bool(false), .bool(false), .bool(true)])
        #expect(lines.allSatisfy { $0?["stages"]?["stages"]?.arrayValue?.first?["name"]?.stringValue == "raw" })

        for bad in [["--n", "4"], ["--depth", "13"], ["--frobnicate", "1"]] {
            let refused = try BinaryRunner.run(["sample-tree", "--local", "--model", model, "--input", file.path] + bad)
            #expect(refused.status == 2, "\(bad): \(refused.stderr)")
        }
        let help = try BinaryRunner.run(["--help"])
        #expect(help.stdout.contains("tgplay sample-tree [BACKEND] --input FILE --n N --depth K"))
        #expect(help.stdout.contains("tgplay step"))
        #expect(help.stdout.contains("tgplay bench tree"))
    }

    /// `explain` labels what each backend's numbers are: TGI processed; llama.cpp's native route raw, processed
    /// when `--probabilities processed` (which sends post_sampling_probs); a contradicting declaration refused.
    @Test func explainSaysWhatRemoteNumbersAre() throws {
        let server = try TestHTTPServer(handler: Self.handler)
        defer { server.stop() }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("tgplay-labels-\(UUID()).json")
        try Data(#"{"inputs":"The capital of France is","parameters":{"max_new_tokens":3}}"#.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        func labels(_ result: BinaryRunner.Result) -> [String?] {
            result.stdout.split(separator: "\n").map { (try? JSONValue.parse(Data($0.utf8)))?["probabilities"]?.stringValue }
        }
        let tgi = try BinaryRunner.run(["explain", "--api", "tgi", "--endpoint", server.url, "--input", file.path])
        #expect(tgi.status == 0, "\(tgi.stderr)")
        #expect(labels(tgi) == ["processed", "processed", "processed"])
        let contradicted = try BinaryRunner.run(["explain", "--api", "tgi", "--endpoint", server.url, "--probabilities", "raw",
                                                 "--input", file.path])
        #expect(contradicted.status == 1 && contradicted.stdout.contains("--probabilities raw does not hold"), "\(contradicted.stdout)")

        let llama = try Replay.server(.llamaServer, answering: [try Fixtures.recording(.llamaServer, "native_completion_probs_stream")])
        defer { llama.stop() }
        let raw = try BinaryRunner.run(["explain", "--api", "llamacpp", "--endpoint", llama.url, "--input", file.path])
        #expect(raw.status == 0, "\(raw.stderr)")
        #expect(!labels(raw).isEmpty && labels(raw).allSatisfy { $0 == "raw" }, "\(raw.stdout)")
        let post = try BinaryRunner.run(["explain", "--api", "llamacpp", "--endpoint", llama.url, "--probabilities", "processed",
                                         "--input", file.path])
        #expect(post.status == 0, "\(post.stderr)")
        #expect(labels(post).allSatisfy { $0 == "processed" })
        let sent = llama.requests.filter { $0.path == "/completion" }.compactMap(\.bodyJSON)
        #expect(sent.map { $0["post_sampling_probs"] as? Bool } == [nil, true], "asked for only when declared")
        // A tree through detection (no --api): llama-server found by /props, its raw numbers labelled so; the
        // replayed answer is the same for every seed, so the tree is one path of 8.
        let detected = try Replay.server(.llamaServer, answering: [try Fixtures.recording(.llamaServer, "native_completion_probs")])
        defer { detected.stop() }
        let tree = try BinaryRunner.run(["sample-tree", "--endpoint", detected.url, "--input", file.path, "--n", "8",
                                         "--depth", "3"])
        #expect(tree.status == 0, "\(tree.stderr)")
        let object = try JSONValue.parse(Data(tree.stdout.utf8))
        #expect(object["probabilities"]?.stringValue == "raw")
        #expect(object["children"]?.arrayValue?.count == 1 && object["children"]?.arrayValue?.first?["count"] == .int(8))
        #expect(detected.requests.filter { $0.path == "/completion" }.count == 8)
        let local = try BinaryRunner.run(["explain", "--local", "--probabilities", "raw", "--input", file.path])
        #expect(local.status == 2)
    }
}
