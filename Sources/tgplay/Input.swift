import Foundation
import GenerationCore
#if canImport(Glibc)
import Glibc
#endif

/// What the CLI reads whole (request bodies, compare inputs, text to score) from a file or stdin, with `read(2)`.
///
/// Why not `FileHandle.readDataToEndOfFile` or `FileManager.contents(atPath:)`: the first traps (`try!`) on a read
/// error, so a directory as stdin died of SIGILL, and neither has a limit, so `/dev/zero` grew memory until the
/// machine gave out. Here every failure is a request error with the system's reason, and input stops at `maxBytes`.
enum Input {
    /// The most read from one input: far above any request body (TGI's own default limit is 2 MB), far below what
    /// would strain memory.
    static let maxBytes = 64 << 20
    static let maxDescription = "64 MiB"

    /// Reads all of `path` (nil or "-": stdin). `what` names the input in messages ("the request").
    static func readAll(_ path: String?, what: String) throws -> Data {
        let source: String
        let fd: Int32
        if let path, path != "-" {
            source = "\(what) file \(path)"
            fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw failure("cannot read \(source): \(String(cString: strerror(errno)))") }
        } else {
            source = "\(what) from standard input"
            fd = STDIN_FILENO
        }
        defer { if fd != STDIN_FILENO { close(fd) } }
        if fd == STDIN_FILENO && Output.wasClosedAtStart(fd) {
            throw failure("cannot read \(source): \(String(cString: strerror(EBADF)))")
        }
        var info = stat()
        if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_size > maxBytes {
            throw tooLarge(source)
        }
        var data = Data()
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { buffer in read(fd, buffer.baseAddress, buffer.count) }
            if n > 0 {
                guard data.count + n <= maxBytes else { throw tooLarge(source) }
                data.append(contentsOf: chunk[0..<n])
                continue
            }
            if n == 0 { return data }
            let problem = errno
            if problem == EINTR { continue }
            if problem == EAGAIN || problem == EWOULDBLOCK {
                var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                _ = poll(&ready, 1, -1)
                continue
            }
            throw failure("cannot read \(source): \(String(cString: strerror(problem)))")
        }
    }

    private static func tooLarge(_ source: String) -> GenerationError {
        failure("\(source) is larger than \(maxDescription), the most tgplay reads")
    }

    private static func failure(_ message: String) -> GenerationError {
        GenerationError(errorType: GenerationError.ErrorType.invalidRequest, message: message)
    }
}
