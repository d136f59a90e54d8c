import Foundation
import Testing
import LocalEngine
@testable import GenerationCore

/// The binary with stdout and stdin that misbehave (issue 16, item 2): a reader that went away ends the process
/// quietly, a full disk or an unreadable stdin is a clear message, and nothing dies of a signal with a backtrace.
@Suite struct CLIStreamTests {
    static let model = ModelLocation.resolve(environment: ProcessInfo.processInfo.environment)
    static let answer = #"{"generated_text":" there","details":null}"#

    struct Run {
        var reason: Process.TerminationReason
        var status: Int32
        var stdout: String
        var stderr: String
        /// Ended by exit(), not by a signal, and said nothing about a crash.
        var endedCleanly: Bool {
            reason == .exit && !["Fatal error", "Backtrace", "Crash", "SIGILL", "Current stack trace"]
                .contains { stderr.contains($0) }
        }
    }

    /// Runs the binary with `arguments`; `stdout`/`stdin` are what the child gets (nil: a pipe the test reads, or
    /// the empty input). `readLimit` closes the test's end of the stdout pipe after that many bytes (`| head -c`).
    static func run(_ arguments: [String], stdin: FileHandle? = nil, input: String = "", stdout: FileHandle? = nil,
                    closedStdoutPipe: Bool = false, readLimit: Int? = nil, timeout: TimeInterval = 60,
                    executable: URL = BinaryRunner.binary) throws -> Run {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ["PATH": "/usr/bin:/bin", "HOME": FileManager.default.temporaryDirectory.path]
        let outPipe = Pipe(), errPipe = Pipe()
        // `input` goes through a file, not a pipe: a child that exits without reading (a usage or model error)
        // would make writing to a pipe raise SIGPIPE in the test process.
        let inputFile = FileManager.default.temporaryDirectory.appendingPathComponent("tgplay-input-\(UUID().uuidString)")
        try Data(input.utf8).write(to: inputFile)
        defer { try? FileManager.default.removeItem(at: inputFile) }
        let inputHandle = try FileHandle(forReadingFrom: inputFile)
        defer { try? inputHandle.close() }
        process.standardInput = stdin ?? inputHandle
        process.standardOutput = stdout ?? outPipe
        process.standardError = errPipe
        if closedStdoutPipe { try outPipe.fileHandleForReading.close() }
        try process.run()
        var out = Data()
        if stdout == nil && !closedStdoutPipe {
            if let readLimit {
                while out.count < readLimit {
                    let chunk = outPipe.fileHandleForReading.availableData
                    if chunk.isEmpty { break }
                    out += chunk
                }
                try outPipe.fileHandleForReading.close()
            } else {
                out = outPipe.fileHandleForReading.readDataToEndOfFile()
            }
        }
        let err = errPipe.fileHandleForReading.readDataToEndOfFile()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return Run(reason: process.terminationReason, status: process.terminationStatus,
                   stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self))
    }

    /// `tgplay generate --local --stream | head -c 100`: the stream stops when the reader goes, without a word.
    @Test func aReaderThatLeavesMidStreamEndsItQuietly() throws {
        let body = #"{"inputs":"Once upon a time","parameters":{"max_new_tokens":60}}"#
        let run = try Self.run(["generate", "--local", "--model", Self.model, "--stream"], input: body, readLimit: 100)
        #expect(run.endedCleanly, "\(run.reason) \(run.status): \(run.stderr)")
        #expect(run.stderr.isEmpty, "\(run.stderr)")
        #expect(run.stdout.hasPrefix(#"{"index":"#))
    }

    /// `tgplay info | true`, `generate` into a pipe nobody reads, and `--help` there too.
    @Test func aPipeWithoutReaderEndsQuietly() throws {
        let server = try TestHTTPServer { request in
            request.path.hasSuffix("/info") ? Reply.body(#"{"model_id":"m"}"#) : Reply.body(Self.answer)
        }
        defer { server.stop() }
        for arguments in [["info", "--api", "tgi", "--endpoint", server.url], ["generate", "--api", "tgi", "--endpoint", server.url], ["--help"]] {
            let run = try Self.run(arguments, input: #"{"inputs":"Hi"}"#, closedStdoutPipe: true)
            #expect(run.endedCleanly, "\(arguments): \(run.reason) \(run.status): \(run.stderr)")
            #expect(run.stderr.isEmpty, "\(arguments): \(run.stderr)")
            #expect(run.status != 0, "\(arguments): the answer was not delivered")
        }
    }

    /// `> /dev/full`: a clear message on stderr and a failing status, for an answer and for an error line.
    @Test func aFullDiskIsAClearError() throws {
        let server = try TestHTTPServer { _ in Reply.body(Self.answer) }
        defer { server.stop() }
        for arguments in [["generate", "--api", "tgi", "--endpoint", server.url], ["generate", "--endpoint", "http://127.0.0.1:9"], ["--version"]] {
            let full = try #require(FileHandle(forWritingAtPath: "/dev/full"))
            defer { try? full.close() }
            let run = try Self.run(arguments, input: #"{"inputs":"Hi"}"#, stdout: full)
            #expect(run.endedCleanly, "\(arguments): \(run.reason) \(run.status): \(run.stderr)")
            #expect(run.status != 0)
            #expect(run.stderr.contains("cannot write to standard output") && run.stderr.contains("No space left on device"),
                    "\(arguments): \(run.stderr)")
        }
    }

    /// stdout or stdin closed altogether (`>&-`, `<&-`): no crash, the reason on stderr, a failing status, and the
    /// answer never lands in whatever file or socket took descriptor 1.
    @Test func closedStandardDescriptorsAreErrors() throws {
        let server = try TestHTTPServer { _ in Reply.body(Self.answer) }
        defer { server.stop() }
        for (redirect, expected) in [(">&-", "cannot write to standard output: Bad file descriptor"),
                                     ("<&-", "cannot read the request from standard input: Bad file descriptor")] {
            let run = try Self.run(["-c", #"exec "$0" "$@" "# + redirect, BinaryRunner.binary.path, "generate", "--api", "tgi", "--endpoint", server.url],
                                   input: #"{"inputs":"Hi"}"#, executable: URL(fileURLWithPath: "/bin/sh"))
            #expect(run.endedCleanly, "\(redirect): \(run.reason) \(run.status): \(run.stderr)")
            #expect(run.status == 1, "\(redirect)")
            #expect(run.stderr.contains(expected), "\(redirect): \(run.stderr)")
        }
        // Nothing reached the server as a stray write, and no request was sent without a body.
        #expect(server.requests.count == 1)
    }

    /// A directory as stdin or as `--input` is an error saying so.
    @Test func aDirectoryAsInputIsAnError() throws {
        let directory = try #require(FileHandle(forReadingAtPath: NSTemporaryDirectory()))
        defer { try? directory.close() }
        for (arguments, stdin) in [(["generate", "--endpoint", "http://127.0.0.1:9"], directory),
                                   (["generate", "--endpoint", "http://127.0.0.1:9", "--input", NSTemporaryDirectory()], nil)] {
            let run = try Self.run(arguments, stdin: stdin)
            #expect(run.endedCleanly, "\(run.reason) \(run.status): \(run.stderr)")
            #expect(run.status == 1)
            #expect(run.stdout.contains(#""error_type":"invalid_request""#), "\(run.stdout)")
            #expect(run.stderr.contains("Is a directory") || run.stderr.contains("is a directory"), "\(run.stderr)")
        }
    }

    /// `/dev/zero` as stdin (or `--input /dev/zero`): refused at the cap, without growing memory forever.
    @Test func anEndlessInputStopsAtTheCap() throws {
        let zero = try #require(FileHandle(forReadingAtPath: "/dev/zero"))
        defer { try? zero.close() }
        for (arguments, stdin) in [(["generate", "--endpoint", "http://127.0.0.1:9"], zero),
                                   (["tokenize", "--endpoint", "http://127.0.0.1:9", "--input", "/dev/zero"], nil)] {
            let run = try Self.run(arguments, stdin: stdin, timeout: 30)
            #expect(run.endedCleanly, "\(run.reason) \(run.status): \(run.stderr)")
            #expect(run.status == 1)
            #expect(run.stdout.contains(#""error_type":"invalid_request""#), "\(run.stdout)")
            #expect(run.stderr.contains("64 MiB"), "\(run.stderr)")
        }
    }
}
