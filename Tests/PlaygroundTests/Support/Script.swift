import Foundation
import GenerationCore
@testable import Playground

/// Drives `update` like the runtime would and renders with `view`, without a terminal.
struct Harness {
    var state: AppState
    var effects: [Effect] = []

    init(width: Int = 80, height: Int = 24) {
        state = AppState(backendName: "http://127.0.0.1:8080")
        send(.resize(width: width, height: height))
    }

    mutating func send(_ message: Message) {
        effects += update(&state, message)
    }

    mutating func keys(_ keys: Key...) { for k in keys { send(.key(k)) } }

    mutating func type(_ text: String) {
        for c in text { send(.key(c == "\n" ? .enter : .character(c))) }
    }

    var screen: CellBuffer { view(state, width: state.width, height: state.height) }

    static func token(_ id: UInt32, _ text: String, _ logprob: Double?, special: Bool = false) -> Token {
        Token(id: id, text: text, logprob: logprob, special: special)
    }

    /// A stream event with three alternatives around the chosen token.
    static func event(_ index: UInt32, _ text: String, _ logprob: Double, final: Bool = false) -> GenerationEvent {
        let chosen = token(index, text, logprob)
        let tops = [chosen, token(900 + index, text + "?", logprob - 1.2), token(950 + index, "alt", logprob - 2.5)]
        if final {
            let details = StreamDetails(finishReason: .length, generatedTokens: index, seed: 42)
            return .finished(StreamResponse(index: index, token: chosen, topTokens: tops, generatedText: "...", details: details))
        }
        return .token(StreamResponse(index: index, token: chosen, topTokens: tops))
    }

    /// Starts a run and feeds `texts` as tokens with falling probabilities, one per 10 ms of fake clock.
    mutating func stream(_ texts: [String], finish: Bool = true) {
        send(.key(.ctrl("r")))
        let run = state.runID
        for (i, text) in texts.enumerated() {
            let lp = log(max(0.02, 0.97 - Double(i) * 0.11))
            let isLast = finish && i == texts.count - 1
            send(.runEvent(run: run, Self.event(UInt32(i + 1), text, lp, final: isLast), now: 1 + Double(i) * 0.01))
        }
    }
}
