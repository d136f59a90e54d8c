import Foundation
import GenerationCore
import Testing
@testable import LocalEngine

/// TGI's logits processors, each checked against its formula on small hand-made distributions.
@Suite struct SamplingTests {
    static func parameters(_ build: (inout SamplingParameters) -> Void) -> SamplingParameters {
        var p = SamplingParameters()
        build(&p)
        return p
    }

    @Test func repetitionPenaltyDividesPositiveAndMultipliesNegative() {
        var logits: [Float] = [2, -2, 4, -1, 0.5]
        LogitsProcessor.process(&logits, history: [0, 1, 1, 4], Self.parameters { $0.repetitionPenalty = 2 })
        #expect(logits == [1, -4, 4, -1, 0.25])
    }

    @Test func frequencyPenaltyIsNormalisedByTheHistoryLength() {
        var logits: [Float] = [1, 1, 1]
        LogitsProcessor.process(&logits, history: [0, 0, 0, 1], Self.parameters { $0.frequencyPenalty = 1 })
        #expect(logits == [1 - 0.75, 1 - 0.25, 1])
        var encourage: [Float] = [1, 1]
        LogitsProcessor.process(&encourage, history: [1, 1], Self.parameters { $0.frequencyPenalty = -2 })
        #expect(encourage == [1, 3])
    }

    @Test func temperatureDivides() {
        var logits: [Float] = [1, 2, -3]
        LogitsProcessor.process(&logits, history: [], Self.parameters { $0.temperature = 0.5 })
        #expect(logits == [2, 4, -6])
    }

    @Test func topKKeepsTies() {
        var logits: [Float] = [5, 3, 3, 1, 4]
        LogitsProcessor.process(&logits, history: [], Self.parameters { $0.topK = 3 })
        #expect(logits == [5, 3, 3, -.infinity, 4])
    }

    @Test func topPDropsTheLowMassTail() {
        // probabilities 0.5, 0.3, 0.15, 0.05: top_p 0.8 keeps 0.5 and 0.3 (the tail's cumulative 0.2 <= 0.2).
        let probabilities: [Double] = [0.5, 0.3, 0.15, 0.05]
        var logits = probabilities.map { Float(Foundation.log($0)) }
        LogitsProcessor.process(&logits, history: [], Self.parameters { $0.topP = 0.81 })
        #expect(logits.map { $0 > -.infinity } == [true, true, true, false])
        var tight = probabilities.map { Float(Foundation.log($0)) }
        LogitsProcessor.process(&tight, history: [], Self.parameters { $0.topP = 0.01 })
        #expect(tight.map { $0 > -.infinity } == [true, false, false, false], "the most likely token is always kept")
    }

    @Test func typicalKeepsTokensClosestToTheEntropy() {
        let probabilities: [Double] = [0.4, 0.3, 0.2, 0.1]
        var logits = probabilities.map { Float(Foundation.log($0)) }
        LogitsProcessor.process(&logits, history: [], Self.parameters { $0.typicalP = 0.5 })
        // entropy = 1.2799; |−log p − H| = 0.364, 0.076, 0.330, 1.023: order 0.3, 0.2, 0.4, 0.1;
        // cumulative 0.3, 0.5 -> one entry below 0.5 -> keep shifted <= 0.330: {0.3, 0.2}.
        #expect(logits.map { $0 > -.infinity } == [false, true, true, false])
    }

    @Test func impliedSamplingFollowsTGI() {
        #expect(SamplingParameters(nil).doSample, "no parameters object at all: TGI samples")
        #expect(!SamplingParameters(GenerateParameters()).doSample)
        #expect(!SamplingParameters(GenerateParameters(temperature: 1.0)).doSample)
        #expect(SamplingParameters(GenerateParameters(temperature: 0.7)).doSample)
        #expect(SamplingParameters(GenerateParameters(topK: 5)).doSample)
        #expect(!SamplingParameters(GenerateParameters(repetitionPenalty: 1.3, seed: 3)).doSample)
    }

    @Test func seededDrawsRepeatAndFollowTheDistribution() {
        let logits: [Float] = [Float(Foundation.log(0.7)), Float(Foundation.log(0.2)), Float(Foundation.log(0.1))]
        var a = SeededGenerator(seed: 42), b = SeededGenerator(seed: 42)
        var counts = [0, 0, 0]
        for _ in 0..<20_000 {
            let x = LogitsProcessor.choose(logits, sample: true, generator: &a)
            #expect(x == LogitsProcessor.choose(logits, sample: true, generator: &b))
            counts[x] += 1
        }
        #expect(abs(Double(counts[0]) / 20_000 - 0.7) < 0.02 && abs(Double(counts[2]) / 20_000 - 0.1) < 0.02)
        #expect(LogitsProcessor.choose(logits, sample: false, generator: &a) == 0)
    }

    @Test func topListIsSortedAndStable() {
        let top = LogSoftmax.top([1, 9, 3, 9, 7, -.infinity], 4)
        #expect(top.map(\.id) == [1, 3, 4, 2])
        #expect(abs(LogSoftmax.logSumExp([0, 0]) - Foundation.log(2)) < 1e-15)
    }
}
