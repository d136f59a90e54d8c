import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A session file that cannot be used, with the file and the problem named. Loading never changes the file.
public struct SessionFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Problem: Sendable, Equatable {
        case unreadable
        case notJSON
        case notASession
        case newerVersion(Int)
        case invalid
        case unwritable
    }

    public var path: String
    public var problem: Problem
    public var detail: String

    public var description: String {
        switch problem {
        case .unreadable: return "cannot read the session file \(path): \(detail)"
        case .notJSON: return "the session file \(path) is not valid JSON (truncated or damaged?): \(detail)"
        case .notASession: return "\(path) is not a tgplay session file: \(detail)"
        case .newerVersion(let version):
            return "the session file \(path) was written by a newer tgplay (session version \(version); this tgplay reads up to version \(Session.currentVersion)); it was left untouched"
        case .invalid: return "the session file \(path) is damaged: \(detail)"
        case .unwritable: return "cannot save the session to \(path): \(detail)"
        }
    }

    /// The same failure in the shape the CLI and UI report errors in.
    public var generationError: GenerationError {
        GenerationError(errorType: .sessionFile, message: description)
    }
}

/// Reading and writing session files.
///
/// Why the care: a session is the person's work. Saving writes a temporary file next to the target, flushes it
/// and renames it over the target, so a crash or kill leaves either the old file or the new one, never half of
/// one. Loading checks the format and version before decoding and never writes, so a file this build cannot
/// read (damaged, or from a newer tgplay) stays exactly as it was.
public enum SessionFile {
    public static func load(from path: String) throws -> Session {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "permission denied or not a file" : "no such file"
            throw SessionFileError(path: path, problem: .unreadable, detail: reason)
        }
        return try decode(data, path: path)
    }

    /// Decodes a session document; `path` only names the file in errors.
    public static func decode(_ data: Data, path: String) throws -> Session {
        struct Header: Decodable {
            var format: String?
            var version: Int?
        }
        let header: Header
        guard JSONNesting.depth(data) <= JSONNesting.limit else {
            throw SessionFileError(path: path, problem: .notJSON, detail: "nested deeper than \(JSONNesting.limit) levels")
        }
        do {
            header = try JSONDecoder().decode(Header.self, from: data)
        } catch {
            let detail: String
            if case .dataCorrupted? = error as? DecodingError {
                detail = data.isEmpty ? "the file is empty" : (Self.parseProblem(data) ?? "not a JSON object")
                throw SessionFileError(path: path, problem: .notJSON, detail: detail)
            }
            throw SessionFileError(path: path, problem: .notASession, detail: WireJSON.describe(error))
        }
        guard header.format == Session.formatName else {
            let found = header.format.map { "\"format\" is \"\($0)\"" } ?? "no \"format\" key"
            throw SessionFileError(path: path, problem: .notASession,
                                   detail: "\(found), expected \"\(Session.formatName)\"")
        }
        guard let version = header.version, version >= 1 else {
            throw SessionFileError(path: path, problem: .invalid, detail: "missing or invalid \"version\"")
        }
        guard version <= Session.currentVersion else {
            throw SessionFileError(path: path, problem: .newerVersion(version), detail: "")
        }
        var session: Session
        do {
            session = try JSONDecoder().decode(Session.self, from: data)
        } catch {
            throw SessionFileError(path: path, problem: .invalid, detail: WireJSON.describe(error))
        }
        // Through `Decoder` JSON objects lose their member order: grammars and the front end's object are read
        // again from the bytes, so they are kept (and written back) as they were written.
        if session.usesGrammar || session.frontEnd != nil, let tree = try? JSONValue.parse(data) {
            if session.usesGrammar { session.restoreGrammarOrder(from: tree) }
            if let frontEnd = tree["playground"] { session.frontEnd = frontEnd }
        }
        return session
    }

    /// The session as the bytes `save` writes (compact JSON, TGI's field order, a final newline).
    public static func encode(_ session: Session) throws -> Data {
        var data = try WireJSON.encode(session)
        data.append(0x0A)
        return data
    }

    /// Writes `session` to `path` atomically (temporary file + rename), creating the directory if needed.
    /// The file is readable by its owner only: prompts can be private. A file an older tgplay wrote is first
    /// copied, byte for byte, to `path.vN` (N its version) unless that copy exists: an upgrade never loses the
    /// file the older build can read.
    public static func save(_ session: Session, to path: String) throws {
        let data: Data
        do {
            data = try encode(session)
        } catch {
            throw SessionFileError(path: path, problem: .unwritable, detail: "cannot encode: \(error)")
        }
        try keepOlderVersion(of: path)
        try writeAtomically(data, to: path)
    }

    /// Copies an existing session file of an older version to `path.vN` (once).
    static func keepOlderVersion(of path: String) throws {
        struct Header: Decodable { var format: String?; var version: Int? }
        guard let old = FileManager.default.contents(atPath: path),
              let header = try? JSONDecoder().decode(Header.self, from: old),
              header.format == Session.formatName, let version = header.version, version < Session.currentVersion
        else { return }
        let copy = path + ".v\(version)"
        guard !FileManager.default.fileExists(atPath: copy) else { return }
        try writeAtomically(old, to: copy)
    }

    /// Temporary file in the target's directory, written, flushed, closed, then renamed over the target.
    /// On any failure the temporary file is removed and the target is unchanged.
    public static func writeAtomically(_ data: Data, to requested: String) throws {
        // A symlink (`--session link.json`) is followed: its target is the file updated, the link stays.
        let path = followingSymlinks(requested)
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        func failure(_ detail: String) -> SessionFileError {
            SessionFileError(path: path, problem: .unwritable, detail: detail)
        }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw failure("cannot create \(directory): \(error.localizedDescription)")
        }
        let temporary = directory + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UUID().uuidString.prefix(8))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw failure("cannot create a temporary file: \(String(cString: strerror(errno)))") }
        var written = 0
        var writeError: Int32 = 0
        data.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            while written < buffer.count {
                let n = write(fd, base + written, buffer.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    writeError = errno
                    return
                }
                written += n
            }
        }
        if writeError == 0 && fsync(fd) != 0 { writeError = errno }
        if close(fd) != 0 && writeError == 0 { writeError = errno }
        guard writeError == 0 else {
            unlink(temporary)
            throw failure("cannot write: \(String(cString: strerror(writeError)))")
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw failure("cannot replace the file: \(reason)")
        }
    }

    /// Where a chain of symlinks ends (at most 40 links, as the kernel allows); `path` itself when it is none.
    static func followingSymlinks(_ path: String) -> String {
        var current = path
        for _ in 0..<40 {
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: current) else { break }
            current = target.hasPrefix("/") ? target : URL(fileURLWithPath: current).deletingLastPathComponent().path + "/" + target
        }
        return current
    }

    private static func parseProblem(_ data: Data) -> String? {
        do {
            _ = try JSONValue.parse(data)
            return nil
        } catch {
            return String(describing: error)
        }
    }
}

extension Session {
    var usesGrammar: Bool {
        parameters.grammar != nil || sets.contains { $0.parameters.grammar != nil }
            || runs.contains { $0.request.parameters?.grammar != nil }
    }

    /// `JSONDecoder` on Linux loses object member order, and a JSON-schema grammar generates properties in
    /// schema order, so grammar values are re-read from the order-keeping parse.
    mutating func restoreGrammarOrder(from tree: JSONValue) {
        func items(_ value: JSONValue?) -> [JSONValue] {
            if case .array(let list)? = value { return list }
            return []
        }
        if let value = tree["parameters"]?["grammar"]?["value"] { parameters.grammar?.value = value }
        for (index, set) in items(tree["sets"]).enumerated() where sets.indices.contains(index) {
            if let value = set["parameters"]?["grammar"]?["value"] { sets[index].parameters.grammar?.value = value }
        }
        for (index, run) in items(tree["runs"]).enumerated() where runs.indices.contains(index) {
            if let value = run["request"]?["parameters"]?["grammar"]?["value"] {
                runs[index].request.parameters?.grammar?.value = value
            }
        }
    }
}

/// The autosave slot: `$XDG_STATE_HOME/tgplay/session.json` (default `~/.local/state/tgplay/session.json`).
///
/// No timers here: the TUI calls `save` after every change that matters (a finished run, a branch, an edit),
/// and each save is atomic, so a crash or kill loses at most the change in flight.
public struct SessionStore: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    /// The default slot for `environment` (XDG_STATE_HOME, else HOME/.local/state).
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.init(path: XDGDirectory.state.path(environment: environment) + "/tgplay/session.json")
    }

}
