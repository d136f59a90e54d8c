import Foundation

/// Where runs of the same prompt stop agreeing, and what each run was choosing from at that point.
///
/// Why tokens rather than text: two tokenizations can spell the same text, and the question compare mode
/// answers is "where did the sampler pick differently", which is a token-level event. Tokens are compared with
/// `Token.isSameToken(as:)`: by id when both runs have ids, else by bytes or text, so a server that reports
/// text only lines up with one that reports ids.
public enum Divergence {
    /// The first position at which any sequence differs from the others, by `same`. When one sequence is a
    /// strict prefix of another (and they agree as far as both go), the shorter one's length. nil when all are
    /// equal, or when there are fewer than two sequences.
    public static func firstIndex<Element>(_ sequences: [[Element]], same: (Element, Element) -> Bool) -> Int? {
        guard sequences.count > 1 else { return nil }
        let shortest = sequences.map(\.count).min() ?? 0
        for position in 0..<shortest {
            let first = sequences[0][position]
            if sequences.contains(where: { !same($0[position], first) }) { return position }
        }
        return sequences.contains(where: { $0.count != shortest }) ? shortest : nil
    }

    /// `firstIndex(_:same:)` over token ids.
    public static func firstIndex(_ sequences: [[UInt32]]) -> Int? { firstIndex(sequences, same: ==) }

    /// `firstIndex(_:same:)` over tokens, compared as `Token.isSameToken(as:)` does.
    public static func firstIndex(tokens sequences: [[Token]]) -> Int? {
        firstIndex(sequences) { $0.isSameToken(as: $1) }
    }

    /// The first divergent position of the runs' generated tokens (see `firstIndex(_:same:)`).
    public static func firstIndex(of responses: [GenerateResponse]) -> Int? {
        firstIndex(tokens: responses.map { $0.details?.tokens ?? [] })
    }

    /// What one run did at a position: the token it chose (nil past its end) and its `top_tokens` there
    /// (empty when the request did not ask for `top_n_tokens` or the run ended before it).
    public struct Choice: Codable, Sendable, Equatable {
        public var name: String
        public var token: Token?
        public var topTokens: [Token]

        public init(name: String, token: Token?, topTokens: [Token]) {
            self.name = name
            self.token = token
            self.topTokens = topTokens
        }

        /// The logprob this run's distribution gave to `token` (another run's choice), when it was in its top tokens.
        public func logprob(of token: Token) -> Double? {
            topTokens.first(where: { $0.isSameToken(as: token) })?.logprob
        }

        enum CodingKeys: String, CodingKey {
            case name, token
            case topTokens = "top_tokens"
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            try c.encode(token, forKey: .token)
            try c.encode(topTokens, forKey: .topTokens)
        }
    }

    /// The distributions side by side at one position: one `Choice` per run, in the runs' order.
    public struct Point: Codable, Sendable, Equatable {
        public var index: Int
        public var sets: [Choice]

        public init(index: Int, sets: [Choice]) {
            self.index = index
            self.sets = sets
        }
    }

    /// Each named run's choice and top tokens at `index`, from its response's `tokens` and `top_tokens`.
    public static func point(at index: Int, runs: [(name: String, response: GenerateResponse)]) -> Point {
        Point(index: index, sets: runs.map { run in
            let tokens = run.response.details?.tokens ?? []
            let top = run.response.details?.topTokens ?? []
            return Choice(name: run.name, token: tokens.indices.contains(index) ? tokens[index] : nil,
                          topTokens: top.indices.contains(index) ? top[index] : [])
        })
    }
}
