import Foundation
import Testing
import LocalEngine

/// SIGQUIT during `tgplay generate` (issue 16, item 10): tgplay quits, with no crash backtrace, and the
/// generation does not go on.
@Suite struct CLISignalTests {
    /// Spawns the binary with default signal dispositions and an empty signal mask (a test runner's threads
    /// block signals, and a child inherits that), stdout and stderr to files. Returns the pid.
    static func spawn(_ arguments: [String], stdin: String, stdout: String, stderr: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdin, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t(), defaults = sigset_t()
        sigemptyset(&empty)
        sigemptyset(&defaults)
        for s in [SIGQUIT, SIGINT, SIGTERM, SIGPIPE] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let words: [String] = [BinaryRunner.binary.path] + arguments
        let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let variables: [String] = ["PATH=/usr/bin:/bin", "HOME=" + FileManager.default.temporaryDirectory.path]
        let environment: [UnsafeMutablePointer<CChar>?] = variables.map { strdup($0) } + [nil]
        defer { environment.forEach { free($0) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, BinaryRunner.binary.path, &actions, &attributes, argv, environment)
        guard status == 0 else { throw POSIXError(POSIXErrorCode(rawValue: status) ?? .EINVAL) }
        return pid
    }

    static func lineCount(_ path: String) -> Int {
        (FileManager.default.contents(atPath: path) ?? Data()).reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
    }

    @Test func sigquitEndsAGenerationWithoutABacktrace() throws {
        let model = ModelLocation.resolve(environment: ProcessInfo.processInfo.environment)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sigquit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("request.json").path
        let out = dir.appendingPathComponent("out").path, err = dir.appendingPathComponent("err").path
        try Data(#"{"inputs":"Once upon a time","parameters":{"max_new_tokens":4000}}"#.utf8).write(to: URL(fileURLWithPath: input))
        let pid = try Self.spawn(["generate", "--local", "--model", model, "--stream"],
                                 stdin: input, stdout: out, stderr: err)
        // Wait until tokens flow, then quit.
        let started = Date()
        while Self.lineCount(out) < 3 && Date().timeIntervalSince(started) < 60 { usleep(20_000) }
        kill(pid, SIGQUIT)
        var status: Int32 = 0
        var ended = false
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if waitpid(pid, &status, WNOHANG) == pid { ended = true; break }
            usleep(20_000)
        }
        if !ended {
            kill(pid, SIGKILL)
            waitpid(pid, &status, 0)
        }
        let stderr = String(decoding: FileManager.default.contents(atPath: err) ?? Data(), as: UTF8.self)
        #expect(ended, "still generating 10 s after SIGQUIT: \(Self.lineCount(out)) lines")
        #expect(!stderr.contains("crashed") && !stderr.contains("Backtrac"), "\(stderr.prefix(300))")
        // Ended by SIGQUIT itself (the default action), as any Unix filter would.
        #expect(status & 0x7f == SIGQUIT, "wait status \(status)")
    }
}
