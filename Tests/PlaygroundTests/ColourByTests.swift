import Foundation
import GenerationCore
import Testing
@testable import Playground

/// Colour-by (`m` in the output): each setting's number per token, the legend following it, tokens without the
/// number dim (never the lowest bucket), and runs asking for the stage trace only while a view reads it.
@Suite("Colour by")
struct ColourByTests {
    static func token(_ id: UInt32, _ text: String, _ logprob: Double) -> Token {
        Token(id: id, text: text, logprob: logprob, special: false)
    }

    /// Stages of a token drawn with processed logprob `processed`, raw logprob `raw`, the processed
    /// distribution's entropy `entropy` and rank `rank` there.
    static func stages(raw: Double, processed: Double, entropy: Double, rank: Int) -> TokenStages {
        TokenStages(stages: [
            TokenStage(name: "raw", support: 262_144, keptMass: 1, entropy: entropy + 1.5, top: [], chosenRank: rank + 1,
                       chosenLogprob: raw),
            TokenStage(name: "top_k", support: 8, keptMass: 0.9, entropy: entropy, top: [], chosenRank: rank,
                       chosenLogprob: processed),
        ], aboveChosen: [])
    }

    /// (text, processed logprob, raw logprob, entropy, rank): a spread over every bucket of every setting.
    static let words: [(String, Double, Double, Double, Int)] = [
        (" The", log(0.95), log(0.93), 0.1, 1),
        (" cat", log(0.62), log(0.20), 0.8, 1),
        (" sat", log(0.40), log(0.52), 1.5, 2),
        (" on", log(0.25), log(0.12), 2.5, 3),
        (" a", log(0.08), log(0.40), 3.4, 4),
        (" mat", log(0.55), log(0.01), 0.4, 7),
    ]

    static func harness(width: Int = 80, height: Int = 24, withStages: Bool = true) -> Harness {
        var h = Harness(width: width, height: height)
        h.type("Once")
        h.send(.key(.ctrl("r")))
        let run = h.state.runID
        for (i, w) in words.enumerated() {
            let n = UInt32(i + 1)
            let chosen = token(n, w.0, w.1)
            let last = i == words.count - 1
            let response = StreamResponse(index: n, token: chosen, topTokens: [chosen, token(100 + n, "x", w.1 - 1)],
                                          generatedText: last ? "..." : nil,
                                          details: last ? StreamDetails(finishReason: .length, generatedTokens: n, seed: 1) : nil,
                                          stages: withStages ? stages(raw: w.2, processed: w.1, entropy: w.3, rank: w.4) : nil)
            h.send(.runEvent(run: run, last ? .finished(response) : .token(response), now: 1 + Double(i) * 0.01))
        }
        h.keys(.tab, .tab, .home)
        return h
    }

    /// The role the output draws the first glyph of `text` in.
    static func role(of text: String, in screen: CellBuffer) -> Role? {
        for y in 0..<screen.height {
            let row = Array(screen.rowText(y))
            let needle = Array(text)
            guard row.count >= needle.count else { continue }
            for x in 0...(row.count - needle.count) where Array(row[x..<(x + needle.count)]) == needle {
                return screen[x, y].role
            }
        }
        return nil
    }

    @Test func eachSettingsBuckets() {
        let h = Self.harness()
        let tokens = h.state.transcript.tokens
        #expect(tokens.map { ColourBy.probability.bucket($0) } == [5, 3, 2, 1, 0, 3])
        #expect(tokens.map { ColourBy.rawProbability.bucket($0) } == [5, 1, 3, 1, 2, 0])
        #expect(tokens.map { ColourBy.entropy.bucket($0) } == [5, 3, 2, 1, 0, 4])
        #expect(tokens.map { ColourBy.rank.bucket($0) } == [5, 5, 4, 3, 2, 0])
        // processed minus raw: +2, +42, -12, +13, -32, +54 percentage points
        #expect(tokens.map { ColourBy.shift.bucket($0) } == [2, 4, 1, 3, 0, 5])
    }

    @Test func withoutStagesOnlyProbabilityAndRankAreKnown() {
        let h = Self.harness(withStages: false)
        let tokens = h.state.transcript.tokens
        for by in [ColourBy.rawProbability, .entropy, .shift] {
            #expect(tokens.allSatisfy { by.bucket($0) == nil }, "\(by) is not made up")
        }
        // Each token is first of its two top_tokens: rank 1 from the list alone.
        #expect(tokens.allSatisfy { ColourBy.rank.bucket($0) == 5 })
        // A backend that reports raw probabilities gives raw p% without stages.
        #expect(ColourBy.rawProbability.bucket(tokens[0], reportedIsRaw: true) == 5)
    }

    @Test func rankFromTopTokensNeedsAListLongEnoughToSayPastIt() {
        let chosen = Self.token(1, " x", log(0.1))
        let short = OutputToken(token: chosen, topTokens: [Self.token(2, " y", log(0.5)), Self.token(3, " z", log(0.3))])
        #expect(ColourBy.rank.bucket(short) == nil, "missing from 2 alternatives: rank unknown")
        let five = (2...6).map { Self.token(UInt32($0), " t\($0)", log(0.5 / Double($0))) }
        #expect(ColourBy.rank.bucket(OutputToken(token: chosen, topTokens: five)) == 0, "past 5 alternatives: >5")
        #expect(ColourBy.rank.bucket(OutputToken(token: chosen)) == nil)
        let third = [Self.token(2, " a", log(0.5)), Self.token(3, " b", log(0.2)), chosen]
        #expect(ColourBy.rank.bucket(OutputToken(token: chosen, topTokens: third.reversed())) == 3, "sorted, then placed")
    }

    @Test func mCyclesAndTheLegendAndColoursFollow() {
        var h = Self.harness()
        #expect(h.state.lab.colourBy == .probability)
        #expect(h.screen.contains("p% █<10"))
        #expect(Self.role(of: " cat", in: h.screen) == .prob3)
        h.keys(.character("m"))
        #expect(h.state.lab.colourBy == .rawProbability)
        #expect(h.screen.contains("raw p% █<10"))
        #expect(Self.role(of: " cat", in: h.screen) == .prob1, "raw 20%")
        Snapshot.check(h.screen, named: "colour-raw-80x24")
        h.keys(.character("m"))
        #expect(h.state.lab.colourBy == .entropy)
        #expect(h.screen.contains("entropy █3+ █<3 █<2 █<1 █<.5 █<.25"))
        h.keys(.character("m"))
        #expect(h.state.lab.colourBy == .rank)
        #expect(h.screen.contains("rank █>5 █5 █4 █3 █2 █1"))
        #expect(Self.role(of: " mat", in: h.screen) == .prob0, "rank 7")
        h.keys(.character("m"))
        #expect(h.state.lab.colourBy == .shift)
        #expect(h.screen.contains("Δp% █<-20 █<-5 █±5 █>5 █>20 █>50"))
        #expect(Self.role(of: " a", in: h.screen) == .prob0, "processing took 32 points from it")
        h.keys(.character("m"))
        #expect(h.state.lab.colourBy == .probability, "m wraps around")
    }

    /// Compare columns colour their tokens as the main output does: by raw probability, " cat" (processed 62%,
    /// raw 20%) takes the raw bucket in every column.
    @Test func compareColumnsFollowTheSetting() throws {
        var h = Harness(width: 120, height: 40)
        h.type("Once")
        h.state.sets[1].parameters.temperature = 0.5
        h.keys(.function(7))
        let c = try #require(h.state.compare)
        for column in c.columns {
            for (i, w) in Self.words.enumerated() {
                let n = UInt32(i + 1)
                let chosen = Self.token(n, w.0, w.1)
                let last = i == Self.words.count - 1
                let response = StreamResponse(index: n, token: chosen, topTokens: [chosen],
                                              generatedText: last ? "..." : nil,
                                              details: last ? StreamDetails(finishReason: .length, generatedTokens: n, seed: 1) : nil,
                                              stages: Self.stages(raw: w.2, processed: w.1, entropy: w.3, rank: w.4))
                h.send(.runEvent(run: column.run, last ? .finished(response) : .token(response), now: 1 + Double(i) * 0.01))
            }
        }
        let processed = Self.role(of: "cat", in: h.screen)
        #expect(processed == Role.probabilityScale[Role.probabilityBucket(0.62) ?? 0])
        h.state.lab.colourBy = .rawProbability
        let raw = Self.role(of: "cat", in: h.screen)
        #expect(raw == Role.probabilityScale[Role.probabilityBucket(0.20) ?? 0])
        #expect(raw != processed)
    }

    @Test func shiftAt120x40() {
        var h = Self.harness(width: 120, height: 40)
        h.keys(.character("m"), .character("m"), .character("m"), .character("m"))
        #expect(h.state.lab.colourBy == .shift)
        Snapshot.check(h.screen, named: "colour-shift-120x40")
    }

    @Test func aSettingTheOutputCannotShowSaysSoAndDrawsDim() {
        var h = Self.harness(withStages: false)
        h.keys(.character("m"))
        let screen = h.screen
        #expect(screen.contains("raw p% n/a: needs stages (built-in engine)"))
        #expect(Self.role(of: " cat", in: screen) == .dim, "not the lowest bucket: unknown")
        #expect(h.state.notice?.contains("needs the built-in engine's stages") == true)
        Snapshot.check(screen, named: "colour-raw-unknown-80x24")
    }

    @Test func runsTraceStagesOnlyWhileAViewReadsThem() {
        var h = Self.harness()
        #expect(h.state.lab.traceStages == false, "probability colours and the processed popup need no trace")
        h.keys(.character("m"))
        #expect(h.state.lab.traceStages, "raw probability reads the stages")
        h.keys(.character("m"))
        #expect(h.state.lab.traceStages, "entropy too")
        h.keys(.character("m"))
        #expect(h.state.lab.traceStages == false, "rank comes from top_tokens")
        h.keys(.character("m"))
        #expect(h.state.lab.traceStages, "shift reads raw and processed")
        h.keys(.character("m"))
        h.keys(.enter, .character("v"))
        #expect(h.state.popup?.mode == .raw)
        #expect(h.state.lab.traceStages, "the popup's raw view")
        h.keys(.escape)
        #expect(h.state.lab.traceStages, "left in the raw view: still wanted for the next run")
        h.keys(.enter, .character("v"), .character("v"), .character("v"))
        #expect(h.state.popup?.mode == .processed)
        #expect(h.state.lab.traceStages == false, "back to processed")
    }
}
