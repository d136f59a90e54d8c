import Foundation

/// When a run started, saw its first token and ended, in seconds on one monotonic clock (any origin).
///
/// Kept as plain numbers so statistics are a pure function that tests can feed exact values.
public struct RunTiming: Codable, Sendable, Equatable {
    public var start: Double
    /// nil when the run was not streamed (a `/generate` answer arrives all at once).
    public var firstToken: Double?
    public var end: Double

    public init(start: Double, firstToken: Double? = nil, end: Double) {
        self.start = start
        self.firstToken = firstToken
        self.end = end
    }

    /// Seconds since an arbitrary origin on `ContinuousClock`, for building timings from live runs.
    public static func seconds(_ instant: ContinuousClock.Instant, since origin: ContinuousClock.Instant) -> Double {
        let d = instant - origin
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}

/// The numbers shown under each compare column and kept with each run in a session.
///
/// Formulas (tested): `ttft` = first token - start (nil without streaming); `tokens_per_second` = tokens after
/// the first / (end - first token) when streamed with more than one token (decode speed, TTFT excluded), else
/// tokens / (end - start); `mean_logprob` = mean logprob of the non-special generated tokens that have one;
/// `perplexity` = exp(-mean_logprob).
public struct RunStatistics: Codable, Sendable, Equatable {
    public var timeToFirstToken: Double?
    public var tokensPerSecond: Double?
    public var duration: Double
    public var tokens: Int
    public var finishReason: FinishReason?
    public var meanLogprob: Double?
    public var perplexity: Double?

    public init(timeToFirstToken: Double?, tokensPerSecond: Double?, duration: Double, tokens: Int,
                finishReason: FinishReason?, meanLogprob: Double?, perplexity: Double?) {
        self.timeToFirstToken = timeToFirstToken
        self.tokensPerSecond = tokensPerSecond
        self.duration = duration
        self.tokens = tokens
        self.finishReason = finishReason
        self.meanLogprob = meanLogprob
        self.perplexity = perplexity
    }

    /// Computes the statistics of a run from its timing and generated tokens.
    public init(timing: RunTiming, tokens: [Token], finishReason: FinishReason?) {
        let duration = max(0, timing.end - timing.start)
        var rate = Self.decodeRate(timing, tokens: tokens.count)
        if rate == nil && duration > 0 { rate = Double(tokens.count) / duration }
        let scored = LogprobMean(tokens.lazy.filter { !$0.special }.map(\.logprob))
        self.init(timeToFirstToken: timing.firstToken.map { max(0, $0 - timing.start) }, tokensPerSecond: rate,
                  duration: duration, tokens: tokens.count, finishReason: finishReason, meanLogprob: scored.mean,
                  perplexity: scored.perplexity)
    }

    /// Tokens per second after the first token (decode speed: TTFT is prefill), nil unless streamed with more
    /// than one token. O(1): the playground's status bar shows it for a run still streaming.
    public static func decodeRate(_ timing: RunTiming, tokens: Int) -> Double? {
        guard let first = timing.firstToken, tokens > 1, timing.end > first else { return nil }
        return Double(tokens - 1) / (timing.end - first)
    }

    /// The statistics of a `/generate` answer received between `timing.start` and `timing.end`.
    public init(timing: RunTiming, response: GenerateResponse) {
        self.init(timing: timing, tokens: response.details?.tokens ?? [], finishReason: response.details?.finishReason)
    }

    enum CodingKeys: String, CodingKey {
        case timeToFirstToken = "ttft_s"
        case tokensPerSecond = "tokens_per_second"
        case duration = "duration_s"
        case tokens
        case finishReason = "finish_reason"
        case meanLogprob = "mean_logprob"
        case perplexity
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        timeToFirstToken = try c.decodeIfPresent(Double.self, forKey: .timeToFirstToken)
        tokensPerSecond = try c.decodeIfPresent(Double.self, forKey: .tokensPerSecond)
        duration = try c.decode(Double.self, forKey: .duration)
        tokens = try c.decode(Int.self, forKey: .tokens)
        finishReason = try c.decodeIfPresent(FinishReason.self, forKey: .finishReason)
        meanLogprob = try c.decodeIfPresent(Double.self, forKey: .meanLogprob)
        perplexity = try c.decodeIfPresent(Double.self, forKey: .perplexity)
    }

    /// Every key is written (null when unknown) so scripts can rely on the shape.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(timeToFirstToken, forKey: .timeToFirstToken)
        try c.encode(tokensPerSecond, forKey: .tokensPerSecond)
        try c.encode(duration, forKey: .duration)
        try c.encode(tokens, forKey: .tokens)
        try c.encode(finishReason, forKey: .finishReason)
        try c.encode(meanLogprob, forKey: .meanLogprob)
        try c.encode(perplexity, forKey: .perplexity)
    }
}
