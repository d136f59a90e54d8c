import Foundation

/// The mean logprob and perplexity of scored tokens, one rule for every place that shows them (the status bar,
/// compare columns, sessions, prompt scoring): a token counts when it has a finite logprob (a generated special
/// token is left out by the caller). Accumulated one token at a time, so the playground's output keeps it in O(1)
/// per token however long the transcript grows.
public struct LogprobMean: Sendable, Equatable {
    public private(set) var sum = 0.0
    public private(set) var count = 0

    public init() {}

    /// The mean of `logprobs` (nil and non-finite values are not scored).
    public init<S: Sequence>(_ logprobs: S) where S.Element == Double? {
        for logprob in logprobs { add(logprob) }
    }

    public mutating func add(_ logprob: Double?) {
        guard let logprob, logprob.isFinite else { return }
        sum += logprob
        count += 1
    }

    /// nil when no token was scored.
    public var mean: Double? { count > 0 ? sum / Double(count) : nil }
    /// exp(-mean logprob).
    public var perplexity: Double? { mean.map { Foundation.exp(-$0) } }
}
