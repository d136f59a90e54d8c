import Foundation
import GenerationCore

/// `tgplay bench ui`: the cost of the UI under a fast stream, without a terminal. A 200x60 screen, a long
/// transcript, and a replayed stream at a fixed rate on a virtual clock: every token goes through `update`,
/// and a frame (`view` plus the cell diff the runtime blits) is rendered every 1/60 s of stream time, as the
/// real loop does. Measured at two transcript lengths to show the per-token cost does not grow.
public enum UIBenchmark {
    public struct Result: Encodable, Sendable {
        public var bench = "ui"
        public var width: Int
        public var height: Int
        public var streamRate: Int
        public var transcriptTokens: Int
        /// Frames rendered per second of CPU time (view + diff) with the long transcript.
        public var framesPerSecond: Double
        /// Microseconds of `update` per streamed token, after 1k and after the long transcript.
        public var perTokenMicroseconds1k: Double
        public var perTokenMicroseconds20k: Double
        /// Milliseconds per frame at each length.
        public var frameMilliseconds1k: Double
        public var frameMilliseconds20k: Double
        /// CPU seconds needed per second of stream (tokens + 60 frames); below 1 means it keeps up.
        public var loadPerStreamSecond: Double
        /// Cells the diff found changed per frame (what ncurses is asked to draw).
        public var changedCellsPerFrame: Double

        enum CodingKeys: String, CodingKey {
            case bench, width, height
            case streamRate = "stream_tokens_per_second"
            case transcriptTokens = "transcript_tokens"
            case framesPerSecond = "frames_per_second"
            case perTokenMicroseconds1k = "per_token_us_at_1k"
            case perTokenMicroseconds20k = "per_token_us_at_20k"
            case frameMilliseconds1k = "frame_ms_at_1k"
            case frameMilliseconds20k = "frame_ms_at_20k"
            case loadPerStreamSecond = "cpu_seconds_per_stream_second"
            case changedCellsPerFrame = "changed_cells_per_frame"
        }
    }

    struct Phase {
        var perTokenSeconds: Double
        var frameSeconds: Double
        var changedCells: Double
    }

    /// A replayed stream event: varied text (wide characters, newlines, specials) and five alternatives.
    static func event(_ i: Int) -> GenerationEvent {
        let words = [" the", " model", " 日本", ",", " 😀", "\n", " token", " stream", " of", " probability", ".", "  "]
        let text = words[i % words.count]
        let lp = -Double((i * 7919) % 23) * 0.15
        let token = Token(id: UInt32(i % 32000), text: text, logprob: lp, special: i % 997 == 996)
        var tops: [Token] = [token]
        for k in 1..<5 {
            let id = UInt32((i + k) % 32000)
            let alt: String = words[(i + k) % words.count]
            let altLogprob: Double = lp - Double(k) * 0.7
            tops.append(Token(id: id, text: alt, logprob: altLogprob, special: false))
        }
        return .token(StreamResponse(index: UInt32(i + 1), token: token, topTokens: tops))
    }

    /// Streams `count` tokens at `rate` into `state`, rendering every 1/60 s of stream time.
    static func measure(_ state: inout AppState, from start: Int, count: Int, rate: Int, width: Int, height: Int) -> Phase {
        let tokensPerFrame = max(1, rate / 60)
        var updateTime = 0.0, frameTime = 0.0, frames = 0, changed = 0
        var previous: CellBuffer? = view(state, width: width, height: height)
        var i = 0
        let clock = ContinuousClock()
        while i < count {
            let batch = min(tokensPerFrame, count - i)
            let t0 = clock.now
            for k in 0..<batch {
                let n = start + i + k
                _ = update(&state, .runEvent(run: state.runID, event(n), now: Double(n) / Double(rate)))
            }
            let t1 = clock.now
            let frame = view(state, width: width, height: height)
            changed += CellDiff.writes(from: previous, to: frame).count
            previous = frame
            let t2 = clock.now
            updateTime += seconds(t1 - t0)
            frameTime += seconds(t2 - t1)
            frames += 1
            i += batch
        }
        return Phase(perTokenSeconds: updateTime / Double(count), frameSeconds: frameTime / Double(max(1, frames)),
                     changedCells: Double(changed) / Double(max(1, frames)))
    }

    static func seconds(_ d: Duration) -> Double {
        let c = d.components
        return Double(c.seconds) + Double(c.attoseconds) / 1e18
    }

    /// Runs the benchmark; `transcriptTokens` is the long transcript (20,000 by default).
    public static func run(width: Int = 200, height: Int = 60, transcriptTokens: Int = 20_000, rate: Int = 2_000,
                           measuredTokens: Int = 2_000) -> Result {
        var state = AppState(backendName: "bench")
        _ = update(&state, .resize(width: width, height: height))
        _ = update(&state, .paste("Benchmark prompt"))
        _ = update(&state, .key(.ctrl("r")))
        _ = update(&state, .key(.tab))
        _ = update(&state, .key(.tab))  // output focused: the token cursor is drawn too
        // Fill to 1k, measure; fill to the long length, measure.
        var n = 0
        func fill(to target: Int) {
            while n < target {
                _ = update(&state, .runEvent(run: state.runID, event(n), now: Double(n) / Double(rate)))
                n += 1
            }
        }
        fill(to: 1_000)
        let short = measure(&state, from: n, count: measuredTokens, rate: rate, width: width, height: height)
        n += measuredTokens
        fill(to: transcriptTokens)
        let long = measure(&state, from: n, count: measuredTokens, rate: rate, width: width, height: height)
        let load = long.perTokenSeconds * Double(rate) + long.frameSeconds * 60
        func round(_ v: Double, _ digits: Double) -> Double { (v * digits).rounded() / digits }
        return Result(width: width, height: height, streamRate: rate, transcriptTokens: transcriptTokens,
                      framesPerSecond: round(1 / long.frameSeconds, 10),
                      perTokenMicroseconds1k: round(short.perTokenSeconds * 1e6, 100),
                      perTokenMicroseconds20k: round(long.perTokenSeconds * 1e6, 100),
                      frameMilliseconds1k: round(short.frameSeconds * 1e3, 1000),
                      frameMilliseconds20k: round(long.frameSeconds * 1e3, 1000),
                      loadPerStreamSecond: round(load, 1000),
                      changedCellsPerFrame: round(long.changedCells, 10))
    }
}
