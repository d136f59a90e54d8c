/// Why a model file cannot be used: the byte offset where reading failed and what was wrong there.
/// Every malformed, truncated or hostile file ends in one of these, never in a crash or an out-of-bounds read.
public struct GGUFError: Error, Equatable, CustomStringConvertible {
    /// Where in the file; `GGUFError.notAboutBytes` when the file could not be read at all (open, stat, the kind
    /// of file, mmap), so the message does not call an unreadable path an "invalid GGUF".
    public var offset: Int
    public static let notAboutBytes = -1
    public var reason: String
    public var path: String?

    public init(offset: Int, reason: String, path: String? = nil) {
        self.offset = offset
        self.reason = reason
        self.path = path
    }

    public var description: String {
        let file = path.map { "\($0): " } ?? ""
        return offset == Self.notAboutBytes ? file + reason : "\(file)invalid GGUF at byte \(offset): \(reason)"
    }
}
