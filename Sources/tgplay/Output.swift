import Foundation
import GenerationCore
#if canImport(Glibc)
import Glibc
#endif

/// Everything the CLI writes: JSON lines on stdout (flushed per line, so a pipe sees each stream event at once)
/// and readable messages on stderr.
///
/// Written with `write(2)`, not `FileHandle.write`, because Foundation's FileHandle traps (`try!`) on any write
/// error: `tgplay generate --stream | head -c 100` or `> /dev/full` died of SIGILL with a backtrace. Here a reader
/// that went away (EPIPE, SIGPIPE being ignored in main) ends the process quietly, as SIGPIPE's default would but
/// without a signal, and any other stdout error (a full disk, a closed descriptor) is one clear message on stderr
/// and a failing status. An answer that cannot be delivered is never reported as a success.
enum Output {
    /// The exit status when stdout's reader went away: 128 + SIGPIPE, what a shell reports for a process
    /// killed by SIGPIPE, so `set -o pipefail` scripts see the same thing as with any other Unix filter.
    static let closedPipeStatus: Int32 = 141

    /// Standard descriptors (0, 1, 2) that were closed when tgplay started. Their numbers are then taken by
    /// /dev/null, because otherwise the next file or socket opened would get one and, say, the answer would be
    /// written into the HTTP connection; writes and reads on them fail with EBADF as they would have.
    private static let closedAtStart: [Int32] = {
        var closed: [Int32] = []
        for fd in [STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO] where fcntl(fd, F_GETFD) < 0 && errno == EBADF {
            let filler = open("/dev/null", fd == STDIN_FILENO ? O_RDONLY : O_WRONLY)
            if filler >= 0 && filler != fd {
                dup2(filler, fd)
                close(filler)
            }
            closed.append(fd)
        }
        return closed
    }()

    /// Call first in main, before anything opens a file: fills closed standard descriptors (see `closedAtStart`).
    static func claimStandardDescriptors() { _ = closedAtStart }

    /// Whether `fd` (0, 1 or 2) was closed when tgplay started.
    static func wasClosedAtStart(_ fd: Int32) -> Bool { closedAtStart.contains(fd) }

    static func line<T: Encodable>(_ value: T) {
        do {
            standardOutput(try WireJSON.line(value) + "\n")
        } catch {
            message("cannot encode the answer: \(error)")
        }
    }

    /// Plain text on stdout (help, version), with the same error handling as the JSON lines.
    static func standardOutput(_ text: String) {
        guard let problem = writeAll(text, to: STDOUT_FILENO) else { return }
        if problem == EPIPE { exit(closedPipeStatus) }
        message("cannot write to standard output: \(String(cString: strerror(problem)))")
        exit(1)
    }

    static func message(_ text: String) {
        // Nowhere left to report a failing stderr: it is ignored, and stdout's status still tells.
        _ = writeAll("tgplay: \(text)\n", to: STDERR_FILENO)
    }

    /// The most of a failed run's text repeated on stderr, in characters.
    static let maxEchoed = 2000

    /// Prints the error line and the readable message; returns the exit status for a failed request.
    static func fail(_ error: any Error) -> Int32 {
        let failure = GenerationError.from(error)
        line(failure.response)
        var text = "error (\(failure.errorType)"
        if let status = failure.statusCode { text += ", HTTP \(status)" }
        text += "): \(failure.message)"
        if let eta = failure.estimatedTime { text += String(format: " (model ready in about %.0f s)", eta) }
        if let wait = failure.retryAfter { text += String(format: " (retry after %.0f s)", wait) }
        if !failure.receivedTokens.isEmpty {
            // At most the first `maxEchoed` characters: a server that streamed 200k tokens and then failed must
            // not flood the terminal (a stream's tokens are all on stdout already).
            let partial = failure.receivedTokens.filter { !$0.special }.map(\.text).joined()
            let shown = partial.count > maxEchoed ? partial.prefix(maxEchoed) + "... (\(partial.count) characters in all)" : partial
            text += "\n  received before the failure (\(failure.receivedTokens.count) tokens): \(shown)"
        }
        message(text)
        return 1
    }

    /// Writes all of `text` to `fd`, through partial writes, EINTR and a non-blocking descriptor's EAGAIN.
    /// Returns the errno that stopped it, nil when everything was written.
    private static func writeAll(_ text: String, to fd: Int32) -> Int32? {
        if wasClosedAtStart(fd) { return EBADF }
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBytes { buffer -> Int32? in
            guard let base = buffer.baseAddress else { return nil }
            var done = 0
            while done < buffer.count {
                let n = write(fd, base + done, buffer.count - done)
                if n > 0 {
                    done += n
                    continue
                }
                let problem = n < 0 ? errno : EIO
                if problem == EINTR { continue }
                if problem == EAGAIN || problem == EWOULDBLOCK {
                    var ready = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&ready, 1, -1)
                    continue
                }
                return problem
            }
            return nil
        }
    }
}
