import Foundation
import Testing
@testable import GenerationCore

/// `tgplay --local --model PATH` with paths that are not model files (issue 16, item 9): the message says what
/// the path is, at once.
@Suite struct ModelPathTests {
    static let body = #"{"inputs":"Hi","parameters":{"max_new_tokens":1}}"#

    @Test func eachKindOfPathGetsATrueMessage() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("model-path-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("fifo.gguf").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let loop = dir.appendingPathComponent("loop.gguf").path
        try FileManager.default.createSymbolicLink(atPath: loop, withDestinationPath: loop)
        let dangling = dir.appendingPathComponent("dangling.gguf").path
        try FileManager.default.createSymbolicLink(atPath: dangling, withDestinationPath: dir.appendingPathComponent("gone").path)
        let cases: [(String, String, String)] = [
            (fifo, "model_error", "is a FIFO"),
            (dir.path, "model_error", "is a directory"),
            (loop, "model_error", "Too many levels of symbolic links"),
            (dangling, "model_not_found", "no model at"),
            (dir.appendingPathComponent("missing.gguf").path, "model_not_found", "no model at"),
        ]
        // Should open() block on the FIFO again, its other end is opened after 15 s so the run ends (and fails
        // the time check) instead of hanging the suite: a blocked child ignores the runner's SIGTERM.
        DispatchQueue.global().asyncAfter(deadline: .now() + 15) {
            let writer = open(fifo, O_RDWR | O_NONBLOCK)
            if writer >= 0 { DispatchQueue.global().asyncAfter(deadline: .now() + 5) { close(writer) } }
        }
        for (path, errorType, message) in cases {
            let started = Date()
            let run = try CLIStreamTests.run(["generate", "--local", "--model", path], input: Self.body, timeout: 20)
            #expect(Date().timeIntervalSince(started) < 15, "\(path) took too long: blocked?")
            #expect(run.status == 1, "\(path): \(run.status) \(run.stderr)")
            #expect(run.stdout.contains(#""error_type":"\#(errorType)""#), "\(path): \(run.stdout)")
            #expect(run.stderr.contains(message) && run.stderr.contains(path), "\(path): \(run.stderr)")
        }
    }
}
