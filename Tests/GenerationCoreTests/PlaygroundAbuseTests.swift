import Foundation
import Testing
@testable import GenerationCore
#if canImport(Glibc)
import Glibc
#endif

/// The playground under abuse (issue 16, item 6), in tmux against the fault server: 500 resizes and a 1 MB
/// paste while a stream runs, SIGTERM mid-stream (the session file then holds the partial run), `kill -9`
/// mid-run (the next start opens the last autosave, never a half-written file), and fatal signals (the
/// terminal comes back before the process dies of the signal).
@Suite("Playground under abuse (tmux)", .serialized)
struct PlaygroundAbuseTests {
    typealias Tmux = PlaygroundEndToEndTests.Tmux

    /// A stream of `count` tokens, one every `milliseconds`, that stops as soon as the client goes away.
    static func slowServer(count: Int = 2_000, milliseconds: Int = 20) throws -> TestHTTPServer {
        try TestHTTPServer { request in
            if request.path == "/info" { return Reply.body(PlaygroundEndToEndTests.info) }
            guard request.path == "/generate_stream" else { return Reply.body(status: 404, #"{"error":"no"}"#) }
            var steps: [TestHTTPServer.Step] = [Reply.head(status: 200, contentType: "text/event-stream", chunked: true)]
            for i in 1...count {
                steps.append(.chunk(Data(PlaygroundEndToEndTests.event(i, " w\(i)", -0.3).utf8)))
                steps.append(.sleepUnlessClosed(milliseconds: milliseconds))
            }
            return steps + [.endChunks]
        }
    }

    /// The pid of the tgplay process running in the pane (the child of the pane's shell).
    static func tgplayPID(_ tmux: Tmux) -> pid_t? {
        let shell = tmux.run(["display-message", "-t", tmux.target, "-p", "#{pane_pid}"]).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let children = try? String(contentsOfFile: "/proc/\(shell)/task/\(shell)/children", encoding: .utf8) else { return nil }
        return children.split(separator: " ").first.flatMap { pid_t($0) }
    }

    @Test(.enabled(if: PlaygroundEndToEndTests.tmuxAvailable, "tmux is installed by scripts/setup.sh"))
    func resizesPasteAndSigtermMidStream() throws {
        let server = try Self.slowServer()
        defer { server.stop() }
        let tmux = Tmux()
        defer { tmux.stop() }
        let sessionPath = tmux.home.path + "/abuse-session.json"
        try tmux.launch("--endpoint \(server.url) --session \(sessionPath)")
        #expect(tmux.waitFor("playground") { $0.contains("Parameters") && $0.contains("e2e/test-model") }, "\(tmux.capture())")
        tmux.literal("Resize me")
        tmux.keys("C-r")
        #expect(tmux.waitFor("streaming") { $0.contains(" w3") }, "\(tmux.capture())")

        // 500 resizes while the stream runs, then back to 120x40: the screen is whole and the stream goes on.
        for i in 0..<500 {
            tmux.run(["resize-window", "-t", tmux.target, "-x", "\(40 + (i * 37) % 160)", "-y", "\(10 + (i * 13) % 50)"])
        }
        tmux.run(["resize-window", "-t", tmux.target, "-x", "120", "-y", "40"])
        // Whole again: every pane's frame and the status bar (whose model name a notice may cover: this server
        // has no /tokenize, so the context meter says once why it shows no count).
        #expect(tmux.waitFor("redrawn after resizes") {
            $0.contains("─ Prompt ─") && $0.contains("─ Output ─") && $0.contains("Parameters") && $0.contains("streaming")
        }, "\(tmux.capture())")
        let before = tmux.capture()
        #expect(tmux.waitFor("still streaming") { $0 != before && !$0.contains(" done ") }, "\(tmux.capture())")

        // A 1 MB bracketed paste into the prompt while the stream runs.
        let paste = NSTemporaryDirectory() + "tgplay-paste-\(UUID().uuidString).txt"
        defer { unlink(paste) }
        let line = String(repeating: "pasted words ", count: 10) + "\n"
        try String(repeating: line, count: (1 << 20) / line.utf8.count + 1).write(toFile: paste, atomically: true, encoding: .utf8)
        tmux.run(["load-buffer", "-b", "big", paste])
        tmux.run(["paste-buffer", "-p", "-b", "big", "-t", tmux.target])
        #expect(tmux.waitFor("pasted", timeout: 60) { $0.contains("pasted words pasted words") }, "\(tmux.capture())")
        #expect(tmux.waitFor("stream survives the paste") { $0.contains("Parameters") && !$0.contains(" done ") }, "\(tmux.capture())")

        // SIGTERM mid-stream: the terminal comes back, the exit status says SIGTERM, the partial run is saved.
        let pid = try #require(Self.tgplayPID(tmux))
        kill(pid, SIGTERM)
        #expect(tmux.waitFor("exit", timeout: 30) { $0.contains("TGPLAY-EXIT=143") }, "\(tmux.capture())")
        #expect(tmux.alternateScreen() == "0")
        let session = try SessionFile.load(from: sessionPath)
        let run = try #require(session.runs.last, "the partial run is in the session")
        #expect(run.error?.errorType == GenerationError.ErrorType.cancelled, "\(String(describing: run.error))")
        #expect(run.tokens.count >= 3 && run.tokens.first?.text == " w1", "\(run.tokens.count) tokens kept")
        #expect(session.prompt.hasPrefix("Resize me") && session.prompt.utf8.count > 1 << 20, "the paste is in the prompt")
    }

    @Test(.enabled(if: PlaygroundEndToEndTests.tmuxAvailable, "tmux is installed by scripts/setup.sh"))
    func killNineMidRunLeavesTheLastAutosave() throws {
        let server = try Self.slowServer()
        defer { server.stop() }
        let tmux = Tmux()
        defer { tmux.stop() }
        let autosave = tmux.home.path + "/state/tgplay/session.json"
        try tmux.launch("--endpoint \(server.url)")
        #expect(tmux.waitFor("playground") { $0.contains("Parameters") && $0.contains("e2e/test-model") }, "\(tmux.capture())")
        tmux.literal("Keep this prompt")
        // Autosave writes after a pause in typing (at least 2 s).
        let saved = Date().addingTimeInterval(20)
        while Date() < saved, (try? SessionFile.load(from: autosave))?.prompt != "Keep this prompt" { usleep(100_000) }
        #expect((try? SessionFile.load(from: autosave))?.prompt == "Keep this prompt")
        tmux.keys("C-r")
        #expect(tmux.waitFor("streaming") { $0.contains(" w3") }, "\(tmux.capture())")
        let pid = try #require(Self.tgplayPID(tmux))
        kill(pid, SIGKILL)
        #expect(tmux.waitFor("killed") { $0.contains("TGPLAY-EXIT=137") }, "\(tmux.capture())")

        // The file is a whole session (atomic rename: never half-written), and no temporary file is left in use.
        let session = try SessionFile.load(from: autosave)
        #expect(session.prompt == "Keep this prompt")
        // The next start (a fresh terminal: kill -9 leaves this one raw, nothing can restore it) opens it.
        let next = Tmux()
        defer { next.stop() }
        try FileManager.default.createDirectory(atPath: next.home.path + "/state/tgplay", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: autosave, toPath: next.home.path + "/state/tgplay/session.json")
        try next.launch("--endpoint \(server.url)")
        #expect(next.waitFor("reopened") { $0.contains("Parameters") && $0.contains("Keep this prompt") }, "\(next.capture())")
        next.keys("C-q")
        #expect(next.waitFor("exit again") { $0.contains("TGPLAY-EXIT=0") }, "\(next.capture())")
    }

    @Test(.enabled(if: PlaygroundEndToEndTests.tmuxAvailable, "tmux is installed by scripts/setup.sh"),
          arguments: [(SIGSEGV, "SEGV"), (SIGABRT, "ABRT"), (SIGBUS, "BUS"), (SIGILL, "ILL"), (SIGQUIT, "QUIT")])
    func aFatalSignalRestoresTheTerminal(_ signal: Int32, _ name: String) throws {
        let server = try Self.slowServer()
        defer { server.stop() }
        let tmux = Tmux()
        defer { tmux.stop() }
        // No crash report: the Swift runtime's backtracer would otherwise symbolicate for seconds.
        try tmux.launch("--endpoint \(server.url)", environment: ["SWIFT_BACKTRACE": "enable=no"])
        #expect(tmux.waitFor("playground") { $0.contains("Parameters") && $0.contains("e2e/test-model") }, "\(tmux.capture())")
        #expect(tmux.alternateScreen() == "1")
        tmux.literal("Crash me")
        tmux.keys("C-r")
        #expect(tmux.waitFor("streaming") { $0.contains(" w2") }, "\(tmux.capture())")
        let pid = try #require(Self.tgplayPID(tmux))
        kill(pid, signal)
        // Died of the signal itself (the shell reports 128 + its number), after giving the terminal back. Under
        // AddressSanitizer (`make sanitize`) the action handed on to is ASan's, which reports SEGV/BUS/FPE and exits 1.
        #expect(tmux.waitFor("died of SIG\(name)") {
            $0.contains("TGPLAY-EXIT=\(128 + signal)") || ($0.contains("AddressSanitizer") && $0.contains("TGPLAY-EXIT=1"))
        }, "\(tmux.capture())")
        #expect(tmux.alternateScreen() == "0", "the alternate screen was left")
        // The line discipline is back: a typed command echoes and runs (raw mode and no-echo would swallow it).
        tmux.literal("stty -a | grep -o -- ' icanon' ; echo back-$((40+2))")
        tmux.keys("Enter")
        #expect(tmux.waitFor("terminal usable") { $0.contains("back-42") && $0.contains(" icanon") }, "\(tmux.capture())")
    }
}
