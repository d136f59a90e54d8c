/// Why a model file cannot be used: the byte offset where reading failed and what was wrong there.
/// Every malformed, truncated or hostile file ends in one of these, never in a crash or an out-of-bounds read.
public struct GGUFError: Error, Equatable, CustomStringConvertible {
    public var offset: Int
    public var reason: String
    public var path: String?

    public init(offset: Int, reason: String, path: String? = nil) {
        self.offset = offset
        self.reason = reason
        self.path = path
    }

    public var description: String {
        "\(path.map { "\($0): " } ?? "")invalid GGUF at byte \(offset): \(reason)"
    }
}
