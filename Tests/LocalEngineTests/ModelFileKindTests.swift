import Foundation
import Testing
@testable import LocalEngine

/// `--model` pointing at something that is not a regular file (issue 16, item 9): a true message at once, never a
/// blocked open() or a misleading "cannot map: No such device".
@Suite struct ModelFileKindTests {
    static func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("model-kind-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Opens `path` on a thread and gives it `seconds`; a blocked open is unblocked (by opening the FIFO's other
    /// end) and reported, so the test fails instead of hanging.
    static func openError(_ path: String, seconds: Double = 5) -> String? {
        /// Written by the opening thread before it signals, read after the wait.
        final class Outcome: @unchecked Sendable { var error: String? }
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        Thread {
            do {
                _ = try GGUFFile(path: path)
            } catch {
                outcome.error = String(describing: error)
            }
            done.signal()
        }.start()
        if done.wait(timeout: .now() + seconds) == .timedOut {
            let unblock = open(path, O_RDWR | O_NONBLOCK)
            done.wait()
            if unblock >= 0 { close(unblock) }
            return "BLOCKED in open()"
        }
        return outcome.error
    }

    @Test func aFIFOIsRefusedWithoutBlocking() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("model.gguf").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let error = try #require(Self.openError(fifo))
        #expect(error.contains(fifo) && error.contains("a FIFO") && error.contains("not a regular file"), "\(error)")
    }

    @Test func aDirectoryIsCalledOne() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let error = try #require(Self.openError(dir.path))
        #expect(error.contains("a directory") && error.contains("not a regular file") && !error.contains("No such device"), "\(error)")
    }

    @Test func aDeviceIsRefused() throws {
        let error = try #require(Self.openError("/dev/zero"))
        #expect(error.contains("a character device") && error.contains("not a regular file"), "\(error)")
    }

    @Test func aSymlinkLoopSaysSo() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = dir.appendingPathComponent("a.gguf").path, b = dir.appendingPathComponent("b.gguf").path
        try FileManager.default.createSymbolicLink(atPath: a, withDestinationPath: b)
        try FileManager.default.createSymbolicLink(atPath: b, withDestinationPath: a)
        let error = try #require(Self.openError(a))
        #expect(error.contains("Too many levels of symbolic links"), "\(error)")
    }

    /// A symlink to the real model is a regular file as far as loading goes.
    @Test func aSymlinkToTheModelLoads() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let link = dir.appendingPathComponent("model.gguf").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: TestModel.path)
        #expect(Self.openError(link) == nil)
    }
}
