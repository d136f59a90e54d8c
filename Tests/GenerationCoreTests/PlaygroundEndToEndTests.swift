import Foundation
import Testing
import LocalEngine
import GenerationCore

/// The real `tgplay` binary in tmux against the test HTTP server: the flow a person (or a script) goes
/// through, checked on what the terminal shows. It lives here because this target already has the scripted
/// server and the binary locator. Waits poll the pane with a generous deadline; nothing asserts on timing.
@Suite("Playground end to end (tmux)", .serialized)
struct PlaygroundEndToEndTests {
    static let tmuxAvailable = FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux")
        || FileManager.default.isExecutableFile(atPath: "/usr/local/bin/tmux")

    /// A private tmux server (own socket) running one shell.
    final class Tmux {
        let socket = "tgplay-e2e-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let target = "e2e"
        /// A private HOME (and XDG dirs under it) for the playground, removed by `stop()`.
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("tgplay-e2e-\(UUID().uuidString)")

        /// Starts a 120x40 shell with a clean, coloured UTF-8 environment and runs `tgplay ARGUMENTS` in it,
        /// echoing its exit status afterwards.
        func launch(_ arguments: String, environment extra: [String: String] = [:]) throws {
            try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
            let themes = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("themes").path
            start(width: 120, height: 40, environment: [
                "HOME": home.path, "XDG_CONFIG_HOME": home.path + "/config", "XDG_STATE_HOME": home.path + "/state",
                "TGPLAY_THEMES": themes, "TERM": "tmux-256color", "PS1": "$ ", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
                // The colour checks need colour: a NO_COLOR inherited from the test runner would turn it off.
                "NO_COLOR": "",
            ].merging(extra) { $1 })
            literal("\(BinaryRunner.binary.path) \(arguments); echo TGPLAY-EXIT=$?")
            keys("Enter")
        }

        /// `launch` on the built-in engine, waiting until the playground shows the model.
        func launchBuiltInEngine() throws {
            try launch("--local --model \(PlaygroundEndToEndTests.modelPath)")
            #expect(waitFor("playground") { $0.contains("Parameters") && $0.contains("gemma-3-270m") }, "\(capture())")
        }

        /// Runs a tmux command through `sh` with output in a temporary file, waiting with waitpid: the
        /// forked tmux server must not hold a pipe we read to the end (Foundation's Process did hang on it).
        @discardableResult
        func run(_ arguments: [String]) -> String {
            let out = NSTemporaryDirectory() + "tgplay-e2e-\(UUID().uuidString).out"
            let quoted = (["tmux", "-L", socket] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
            let command = quoted.joined(separator: " ") + " >'\(out)' 2>/dev/null </dev/null"
            var pid: pid_t = 0
            let parts: [String] = ["/bin/sh", "-c", command]
            var argv: [UnsafeMutablePointer<CChar>?] = parts.map { strdup($0) } + [nil]
            defer { for p in argv { free(p) } }
            guard posix_spawn(&pid, "/bin/sh", nil, nil, &argv, environ) == 0 else { return "" }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            defer { unlink(out) }
            return (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        }

        func start(width: Int, height: Int, environment: [String: String]) {
            var args = ["-f", "/dev/null", "new-session", "-d", "-s", target, "-x", "\(width)", "-y", "\(height)"]
            for (k, v) in environment.sorted(by: { $0.key < $1.key }) { args += ["-e", "\(k)=\(v)"] }
            args += ["sh"]
            run(args)
            run(["set-option", "-g", "escape-time", "0"])
        }

        func keys(_ keys: String...) { run(["send-keys", "-t", target] + keys) }
        func literal(_ text: String) { run(["send-keys", "-t", target, "-l", text]) }
        func capture(colours: Bool = false) -> String {
            run(["capture-pane", "-t", target, "-p"] + (colours ? ["-e"] : []))
        }
        func alternateScreen() -> String { run(["display-message", "-t", target, "-p", "#{alternate_on}"]).trimmingCharacters(in: .whitespacesAndNewlines) }
        /// Stops the private server and removes its socket file (tmux does not always do it on kill-server).
        func stop() {
            run(["kill-server"])
            try? FileManager.default.removeItem(at: home)
            let dir = ProcessInfo.processInfo.environment["TMUX_TMPDIR"] ?? "/tmp"
            unlink("\(dir)/tmux-\(getuid())/\(socket)")
        }

        /// Polls the pane until `condition` holds; false after the deadline.
        func waitFor(_ what: String, timeout: Double = 30, _ condition: (String) -> Bool) -> Bool {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                if condition(capture()) { return true }
                usleep(50_000)
            }
            return false
        }
    }

    /// The built-in model, where `make test`'s setup puts it (or TGPLAY_MODEL).
    static var modelPath: String {
        ModelLocation.resolve(environment: ProcessInfo.processInfo.environment)
    }

    static let info = #"{"model_id":"e2e/test-model","max_best_of":2,"max_stop_sequences":4,"max_input_tokens":1000,"max_total_tokens":2048}"#

    static func event(_ index: Int, _ text: String, _ logprob: Double, final: Bool = false) -> String {
        let token = #"{"id":\#(index),"text":"\#(text)","logprob":\#(logprob),"special":false}"#
        let tops = "[" + token + #",{"id":\#(900 + index),"text":"ALT\#(index)a","logprob":\#(logprob - 1.1),"special":false},{"id":\#(950 + index),"text":"ALT\#(index)b","logprob":\#(logprob - 2.3),"special":false}]"#
        let tail = final
            ? #""generated_text":"done","details":{"finish_reason":"length","generated_tokens":\#(index),"seed":1234,"input_length":4}"#
            : #""generated_text":null,"details":null"#
        return #"data: {"index":\#(index),"token":\#(token),"top_tokens":\#(tops),\#(tail)}"# + "\n\n"
    }

    static let firstRun: [String] = {
        let words: [(String, Double)] = [("Once", -0.02), (" upon", -0.4), (" a", -1.2), (" time", -0.05),
                                         (" a", -2.9), (" dragon", -0.7), (" slept", -0.2), (".", -0.01)]
        return words.enumerated().map { event($0.offset + 1, $0.element.0, $0.element.1, final: $0.offset == words.count - 1) }
    }()

    @Test(.enabled(if: tmuxAvailable, "tmux is installed by scripts/setup.sh"))
    func typeRunInspectCancelQuit() throws {
        let server = try TestHTTPServer { request in
            if request.path.hasSuffix("/info") { return Reply.body(Self.info) }
            if request.path.hasSuffix("/generate_stream") {
                let posts = Self.postCount.withLock { n in n += 1; return n }
                if posts == 1 { return Reply.stream(Self.firstRun, delayMilliseconds: 20) }
                // The second run streams slowly until the client hangs up (the cancel).
                var steps: [TestHTTPServer.Step] = [Reply.head(status: 200, contentType: "text/event-stream", chunked: true)]
                for i in 1...300 {
                    steps.append(.chunk(Data(Self.event(i, " slow\(i)", -0.3).utf8)))
                    steps.append(.sleepUnlessClosed(milliseconds: 150))
                }
                steps.append(.endChunks)
                return steps
            }
            return Reply.body(status: 404, #"{"error":"not found"}"#)
        }
        defer { server.stop() }
        let tmux = Tmux()
        defer { tmux.stop() }
        try tmux.launch("--endpoint \(server.url)")

        // The playground is up, with the model from /info.
        #expect(tmux.waitFor("playground") { $0.contains("Parameters") && $0.contains("e2e/test-model") }, "\(tmux.capture())")
        #expect(tmux.alternateScreen() == "1")

        // Type a prompt and run it: tokens stream in, coloured by probability.
        tmux.literal("Tell me a story")
        tmux.keys("C-r")
        #expect(tmux.waitFor("tokens") { $0.contains("Once upon a time a dragon slept.") && $0.contains(" done ") }, "\(tmux.capture())")
        let coloured = tmux.capture(colours: true)
        let outputLine = coloured.split(separator: "\n").first { $0.contains("Once") }.map(String.init) ?? ""
        // Distinct 256-colour foregrounds on the token line: the high (46) and low (196) ends of the scale.
        #expect(outputLine.contains("38;5;46m"), "\(outputLine)")
        #expect(outputLine.contains("38;5;196m"), "\(outputLine)")
        #expect(tmux.capture().contains("seed 1234"))
        #expect(server.requests.first { $0.path.hasSuffix("/generate_stream") }?.bodyJSON?["parameters"]
            .flatMap { ($0 as? [String: Any])?["top_n_tokens"] as? Int } == 5)

        // Focus the output, move the token cursor to " dragon" and open its popup.
        tmux.keys("Tab", "Tab")
        #expect(tmux.waitFor("cursor") { $0.contains("token 8/8") })
        tmux.keys("Left", "Left")
        #expect(tmux.waitFor("cursor moved") { $0.contains("token 6/8") })
        tmux.keys("Enter")
        #expect(tmux.waitFor("popup") { $0.contains("rank") && $0.contains("ALT6a") && $0.contains("\" dragon\"") }, "\(tmux.capture())")
        tmux.keys("Escape")
        #expect(tmux.waitFor("popup closed") { !$0.contains("ALT6a") })

        // Run again and cancel mid-stream with Esc; the partial output stays, marked.
        tmux.keys("F5")
        #expect(tmux.waitFor("second run streams") { $0.contains("slow2") }, "\(tmux.capture())")
        tmux.keys("Escape")
        #expect(tmux.waitFor("cancelled") { $0.contains("[cancelled]") && $0.contains(" cancelled ") }, "\(tmux.capture())")

        // Quit: the shell comes back on the normal screen and echoes what is typed.
        tmux.keys("C-q")
        #expect(tmux.waitFor("exit") { $0.contains("TGPLAY-EXIT=0") }, "\(tmux.capture())")
        #expect(tmux.alternateScreen() == "0")
        tmux.literal("echo back-$((40+2))")
        tmux.keys("Enter")
        #expect(tmux.waitFor("shell") { $0.contains("back-42") })

        // The prompt was saved for the next start.
        let saved = try String(contentsOfFile: tmux.home.path + "/state/tgplay/prompt.txt", encoding: .utf8)
        #expect(saved == "Tell me a story")
    }

    /// The same flow on the built-in engine (the real model, greedy by default): tokens stream in coloured, the
    /// popup of the first token offers the model's real alternatives, Esc cancels the long run, Ctrl-Q quits.
    @Test(.enabled(if: tmuxAvailable, "tmux is installed by scripts/setup.sh"))
    func builtInEngineRunPopupCancelQuit() throws {
        let tmux = Tmux()
        defer { tmux.stop() }
        try tmux.launchBuiltInEngine()

        tmux.literal("The capital of France is")
        tmux.keys("C-r")
        // Greedy continuation of the real model (the f32 reference's text).
        #expect(tmux.waitFor("tokens", timeout: 120) { $0.contains("the capital of the country of France") }, "\(tmux.capture())")
        let coloured = tmux.capture(colours: true)
        let outputLine = coloured.split(separator: "\n").first { $0.contains("country") }.map(String.init) ?? ""
        #expect(outputLine.contains("38;5;"), "tokens are coloured: \(outputLine)")

        // Cancel the long run (max_new_tokens is the server's default), then inspect the first token.
        tmux.keys("Escape")
        #expect(tmux.waitFor("cancelled") { $0.contains(" cancelled ") }, "\(tmux.capture())")
        tmux.keys("Tab", "Tab")
        tmux.keys("Home")
        #expect(tmux.waitFor("cursor on the first token") { $0.contains("token 1/") }, "\(tmux.capture())")
        tmux.keys("Enter")
        // " the" is the top choice; " a" and " Paris" are the model's next alternatives (f32 reference).
        #expect(tmux.waitFor("popup") { $0.contains("rank") && $0.contains("\" Paris\"") && $0.contains("\" a\"") },
                "\(tmux.capture())")
        tmux.keys("Escape")
        tmux.keys("C-q")
        #expect(tmux.waitFor("exit") { $0.contains("TGPLAY-EXIT=0") }, "\(tmux.capture())")
        #expect(tmux.alternateScreen() == "0")
    }

    /// Branch and compare on the built-in engine: branch from the first token's second alternative, browse back,
    /// make set A sample at temperature 1.5 while B stays greedy, compare them with one seed and open both
    /// distributions; the history lists every run, the session file keeps them, and a restart brings them back.
    @Test(.enabled(if: tmuxAvailable, "tmux is installed by scripts/setup.sh"))
    func builtInEngineBranchCompareAndSession() throws {
        let tmux = Tmux()
        defer { tmux.stop() }
        try tmux.launchBuiltInEngine()

        tmux.literal("The capital of France is")
        tmux.keys("Tab")
        tmux.literal("10")  // max_new_tokens, the selected field
        tmux.keys("Enter", "C-r")
        #expect(tmux.waitFor("run", timeout: 120) { $0.contains("the capital of the country") && $0.contains(" done ") },
                "\(tmux.capture())")

        // The popup on the first token; the second most likely alternative becomes a branch.
        tmux.keys("Tab", "Home", "Enter")
        #expect(tmux.waitFor("popup") { $0.contains("rank") && $0.contains("\" Paris\"") }, "\(tmux.capture())")
        tmux.keys("Down", "Down", "Enter")
        #expect(tmux.waitFor("branched", timeout: 120) { $0.contains("branched at token 1") }, "\(tmux.capture())")
        #expect(tmux.waitFor("branch done", timeout: 120) { $0.contains(" done ") && !$0.contains("the capital of the country") },
                "\(tmux.capture())")
        tmux.literal("[")
        #expect(tmux.waitFor("original") { $0.contains("branch 1/2") && $0.contains("the capital of the country") }, "\(tmux.capture())")

        // Set A samples at temperature 1.5; B keeps the base (greedy). F7 runs both with one seed.
        tmux.keys("F8")
        #expect(tmux.waitFor("set A") { $0.contains("Set A") }, "\(tmux.capture())")
        tmux.keys("Down")
        tmux.literal("1.5")
        tmux.keys("Enter", "F7")
        #expect(tmux.waitFor("compare", timeout: 120) {
            $0.contains("compare A-B seed") && ($0.contains("diverge at token") || $0.contains("identical"))
                && $0.contains("temperature 1.5") && $0.contains("temperature unset")
                && $0.components(separatedBy: " length ").count - 1 == 2  // both columns ended
        }, "\(tmux.capture())")
        tmux.keys("Tab", "Right", "Enter")
        #expect(tmux.waitFor("distributions") { $0.contains("A chose") && $0.contains("B chose") }, "\(tmux.capture())")
        tmux.keys("Escape", "Escape")

        // Every run is in the history: the first run, the branch, and the two compare columns.
        tmux.keys("F3")
        #expect(tmux.waitFor("history") { $0.contains("History: 4 runs") }, "\(tmux.capture())")
        tmux.keys("Escape", "C-q")
        #expect(tmux.waitFor("exit") { $0.contains("TGPLAY-EXIT=0") }, "\(tmux.capture())")

        let session = try SessionFile.load(from: tmux.home.path + "/state/tgplay/session.json")
        #expect(session.runs.count == 4)
        // The compare columns are recorded as they end, in either order.
        #expect(session.runs.map(\.setName).prefix(2) == [nil, nil])
        #expect(Set(session.runs.suffix(2).compactMap(\.setName)) == ["A", "B"])
        let setA = session.runs.first { $0.setName == "A" }, setB = session.runs.first { $0.setName == "B" }
        #expect(setA?.request.parameters?.temperature == 1.5)
        #expect(setB?.request.parameters?.temperature == nil)
        #expect(setA?.request.parameters?.seed != nil && setA?.request.parameters?.seed == setB?.request.parameters?.seed)
        #expect(session.runs.allSatisfy { $0.backend == .local && !$0.tokens.isEmpty && !$0.topTokens.isEmpty })
        #expect(session.tree?.nodes.count == 2)
        #expect(session.sets.first?.parameters.temperature == 1.5)
        #expect(session.prompt == "The capital of France is")

        // A restart brings the session back: the history and the branch shown.
        tmux.literal("clear")
        tmux.keys("Enter")
        tmux.literal("\(BinaryRunner.binary.path) --local --model \(Self.modelPath); echo TGPLAY-AGAIN=$?")
        tmux.keys("Enter")
        #expect(tmux.waitFor("restored") { $0.contains("Parameters") && $0.contains("the capital of the country") }, "\(tmux.capture())")
        tmux.keys("F3")
        #expect(tmux.waitFor("history restored") { $0.contains("History: 4 runs") }, "\(tmux.capture())")
        tmux.keys("Escape", "C-q")
        #expect(tmux.waitFor("exit again") { $0.contains("TGPLAY-AGAIN=0") }, "\(tmux.capture())")
    }

    /// Compare across backends: the playground opened on the test server, set B sent to the built-in engine
    /// through the `backend` field; both columns answer the same prompt and the first token differs.
    @Test(.enabled(if: tmuxAvailable, "tmux is installed by scripts/setup.sh"))
    func compareAnEndpointWithTheBuiltInEngine() throws {
        let server = try TestHTTPServer { request in
            if request.path.hasSuffix("/info") { return Reply.body(Self.info) }
            if request.path.hasSuffix("/generate_stream") { return Reply.stream(Self.firstRun) }
            return Reply.body(status: 404, #"{"error":"not found"}"#)
        }
        defer { server.stop() }
        let model = Self.modelPath
        let tmux = Tmux()
        defer { tmux.stop() }
        try tmux.launch("--endpoint \(server.url)", environment: ["TGPLAY_MODEL": model])
        #expect(tmux.waitFor("playground") { $0.contains("Parameters") && $0.contains("e2e/test-model") }, "\(tmux.capture())")
        tmux.literal("Once upon a time")
        tmux.keys("Tab")
        tmux.literal("8")  // max_new_tokens
        tmux.keys("Enter", "F8", "F8")
        #expect(tmux.waitFor("set B") { $0.contains("Set B") }, "\(tmux.capture())")
        tmux.keys("End", "Right")  // the last field, `backend`: default -> local
        #expect(tmux.waitFor("backend local") { $0.contains("backend               local") || $0.contains("backend              local") },
                "\(tmux.capture())")
        tmux.keys("F7")
        #expect(tmux.waitFor("compare", timeout: 120) {
            $0.contains("backend default") && $0.contains("backend local") && $0.contains("diverge at token 1")
                && $0.contains("Once upon a time a dragon slept.") && $0.components(separatedBy: " length ").count - 1 == 2
        }, "\(tmux.capture())")
        // Only set A went to the server.
        #expect(server.requests.filter { $0.path.hasSuffix("/generate_stream") }.count == 1)
        tmux.keys("C-q")
        #expect(tmux.waitFor("exit") { $0.contains("TGPLAY-EXIT=0") }, "\(tmux.capture())")
        let session = try SessionFile.load(from: tmux.home.path + "/state/tgplay/session.json")
        #expect(session.runs.map(\.backend.value).sorted() == ["local", server.url].sorted())
    }

    static let postCount = Mutex(0)
    static let branchPosts = Mutex(0)

    static let scoreAnswer = #"{"generated_text":"!","details":{"finish_reason":"length","generated_tokens":1,"seed":null,"prefill":[{"id":1,"text":"Tell","logprob":null},{"id":2,"text":" me","logprob":-0.1},{"id":3,"text":" a","logprob":-0.3},{"id":4,"text":" story","logprob":-2.2}],"tokens":[{"id":5,"text":"!","logprob":-1.0,"special":false}]}}"#

    /// Branching from an alternative sends a continuation request (prompt + accepted text) and shows it; `[`
    /// goes back to the original; F6 scores the prompt with a non-streaming `decoder_input_details` request.
    @Test(.enabled(if: tmuxAvailable, "tmux is installed by scripts/setup.sh"))
    func branchBrowseAndScoreThePrompt() throws {
        let server = try TestHTTPServer { request in
            if request.path.hasSuffix("/info") { return Reply.body(Self.info) }
            if request.path.hasSuffix("/generate_stream") {
                let posts = Self.branchPosts.withLock { n in n += 1; return n }
                if posts == 1 { return Reply.stream(Self.firstRun) }
                return Reply.stream([Self.event(1, " woke", -0.1), Self.event(2, " up!", -0.2, final: true)])
            }
            if request.path.hasSuffix("/generate") { return Reply.body(Self.scoreAnswer) }
            return Reply.body(status: 404, #"{"error":"not found"}"#)
        }
        defer { server.stop() }
        let tmux = Tmux()
        defer { tmux.stop() }
        try tmux.launch("--endpoint \(server.url)")
        #expect(tmux.waitFor("playground") { $0.contains("Parameters") && $0.contains("e2e/test-model") }, "\(tmux.capture())")

        tmux.literal("Tell me a story")
        tmux.keys("C-r")
        #expect(tmux.waitFor("tokens") { $0.contains("Once upon a time a dragon slept.") && $0.contains(" done ") }, "\(tmux.capture())")

        // Popup on " dragon", select the second most likely alternative (ALT6a) and branch.
        tmux.keys("Tab", "Tab", "Left", "Left", "Enter")
        #expect(tmux.waitFor("popup") { $0.contains("ALT6a") }, "\(tmux.capture())")
        tmux.keys("Down", "Down", "Enter")
        #expect(tmux.waitFor("branch") { $0.contains("Once upon a time aALT6a woke up!") && $0.contains(" done ") }, "\(tmux.capture())")
        let streams = server.requests.filter { $0.path.hasSuffix("/generate_stream") }
        #expect(streams.count == 2)
        #expect(streams.last?.bodyJSON?["inputs"] as? String == "Tell me a storyOnce upon a time aALT6a")

        // `[` shows the original continuation, `]` the branch again.
        tmux.literal("[")
        #expect(tmux.waitFor("original") { $0.contains("Once upon a time a dragon slept.") && $0.contains("branch 1/2") }, "\(tmux.capture())")
        tmux.literal("]")
        #expect(tmux.waitFor("branch again") { $0.contains("aALT6a woke up!") })

        // F6: prompt tokens and their perplexity.
        tmux.keys("F6")
        #expect(tmux.waitFor("prompt tokens") { $0.contains("Prompt tokens") && $0.contains("prompt ppl") }, "\(tmux.capture())")
        let score = server.requests.first { $0.path.hasSuffix("/generate") }?.bodyJSON
        #expect((score?["parameters"] as? [String: Any])?["decoder_input_details"] as? Bool == true)
        #expect(score?["inputs"] as? String == "Tell me a story")

        // F7 with sets A and B unchanged: both columns run with one seed (same answers here, so identical).
        tmux.keys("Escape")
        #expect(tmux.waitFor("editor back") { !$0.contains("Prompt tokens") })
        tmux.keys("F7")
        #expect(tmux.waitFor("compare") { $0.contains("compare A-B seed") && $0.contains("identical") }, "\(tmux.capture())")
        let pair = server.requests.filter { $0.path.hasSuffix("/generate_stream") }.suffix(2).map {
            ($0.bodyJSON?["parameters"] as? [String: Any])?["seed"] as? Int
        }
        #expect(pair.count == 2 && pair[0] != nil && pair[0] == pair[1])

        tmux.keys("C-q")
        #expect(tmux.waitFor("exit") { $0.contains("TGPLAY-EXIT=0") }, "\(tmux.capture())")
    }
}

import Synchronization
