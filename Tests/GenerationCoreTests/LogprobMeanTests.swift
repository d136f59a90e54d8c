import Foundation
import Testing
import GenerationCore

/// One rule for the mean logprob everywhere: finite logprobs only, nil when none.
struct LogprobMeanTests {
    @Test func onlyFiniteLogprobsAreScored() {
        let mean = LogprobMean([nil, -1, -.infinity, .nan, -3])
        #expect(mean.count == 2)
        #expect(mean.mean == -2)
        #expect(mean.perplexity == exp(2))
        #expect(LogprobMean([Double?]()).mean == nil)
        #expect(LogprobMean([nil, .infinity]).perplexity == nil)
    }

    @Test func runStatisticsAndPromptScoringAgree() {
        let tokens = [Token(id: 1, text: "a", logprob: -0.5, special: false),
                      Token(id: 2, text: "<eos>", logprob: -9, special: true),
                      Token(id: 3, text: "b", logprob: -1.5, special: false)]
        let stats = RunStatistics(timing: RunTiming(start: 0, end: 1), tokens: tokens, finishReason: nil)
        #expect(stats.meanLogprob == -1)
        let prompt = PromptPerplexity(prefill: [PrefillToken(id: 1, text: "a", logprob: -0.5),
                                                PrefillToken(id: 3, text: "b", logprob: -1.5)])
        #expect(prompt.meanLogprob == stats.meanLogprob)
        #expect(prompt.perplexity == stats.perplexity)
    }
}
