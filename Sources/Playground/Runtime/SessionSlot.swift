import Foundation
import GenerationCore

/// What the playground starts from: the session found, what to tell the person, and why autosave is off.
public struct SessionOpening: Sendable {
    public var session: Session?
    public var notice: String?
    public var autosaveProblem: String?
}

/// The rules for the file a session lives in. A file tgplay cannot read is the person's work (or a newer
/// tgplay's) and is never overwritten: with `--session FILE` the playground refuses to start; in the autosave
/// slot a damaged file is moved aside (same bytes, new name) and a fresh session starts, and a newer tgplay's
/// file is left where it is with autosave off.
public enum SessionSlot {
    /// Reads the session at `path`; `explicit` is `--session FILE`. Throws only for an explicit file.
    public static func open(path: String, explicit: Bool, now: Date = Date()) throws -> SessionOpening {
        guard FileManager.default.fileExists(atPath: path) else { return SessionOpening() }
        do {
            return SessionOpening(session: try SessionFile.load(from: path))
        } catch let error as SessionFileError {
            if explicit { throw error }
            if case .newerVersion = error.problem {
                return SessionOpening(notice: error.description, autosaveProblem: "\(path) is from a newer tgplay")
            }
            let aside = path + ".damaged-\(Int(now.timeIntervalSince1970))"
            if rename(path, aside) == 0 {
                return SessionOpening(notice: error.description + "; kept as \(aside), starting a fresh session")
            }
            return SessionOpening(notice: error.description, autosaveProblem: "cannot move the damaged \(path) aside")
        }
    }

    /// Why "save as" must not write `path`: it holds something that is not a session this tgplay can read
    /// (nil when the path is free or holds a readable session).
    public static func overwriteProblem(_ path: String) -> String? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do {
            _ = try SessionFile.load(from: path)
            return nil
        } catch {
            return "\(error); not overwritten: choose another file"
        }
    }
}
