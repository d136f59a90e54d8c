/// Why a grammar cannot be used. `description` completes TGI's prefix: the engine reports
/// "grammar is not valid: \(description)".
public struct GrammarError: Error, Equatable, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
