import Foundation
import Testing
@testable import GenerationCore

@Suite struct UTF8AssemblerTests {
    static func assemble(_ pieces: [[UInt8]]) -> (texts: [String], rest: String) {
        var assembler = UTF8Assembler()
        let texts = pieces.map { assembler.push($0) }
        return (texts, assembler.flush())
    }

    @Test func emojiSplitAcrossTokens() {
        let emoji = Array("😀".utf8)  // F0 9F 98 80
        #expect(Self.assemble([Array(emoji[..<2]), Array(emoji[2...])]).texts == ["", "😀"])
        #expect(Self.assemble([Array(emoji[..<1]), Array(emoji[1..<3]), Array(emoji[3...])]).texts == ["", "", "😀"])
        #expect(Self.assemble([Array(emoji[..<3]), Array(emoji[3...]) + Array(" ok".utf8)]).texts == ["", "😀 ok"])
        #expect(Self.assemble([Array("a".utf8) + emoji[..<2], Array(emoji[2...])]).texts == ["a", "😀"])
        #expect(Self.assemble([emoji, []]).texts == ["😀", ""])
    }

    @Test func cjkSplitAcrossTokens() {
        let bytes = Array("日本".utf8)  // E6 97 A5 E6 9C AC
        let r = Self.assemble([Array(bytes[0..<2]), Array(bytes[2..<4]), Array(bytes[4...])])
        #expect(r.texts == ["", "日", "本"])
        #expect(r.rest == "")
        #expect(Self.assemble([Array(bytes[0..<1]), Array(bytes[1..<5]), Array(bytes[5...])]).texts == ["", "日", "本"])
    }

    /// Bytes that can never start a character come out as U+FFFD at once; a character cut off by the end of the
    /// stream is U+FFFD at `flush`.
    @Test func invalidBytes() {
        #expect(Self.assemble([[0xFF]]).texts == ["\u{FFFD}"])
        #expect(Self.assemble([[0x80]]).texts == ["\u{FFFD}"])
        #expect(Self.assemble([[0xC0, 0x80]]).texts == ["\u{FFFD}\u{FFFD}"])
        #expect(Self.assemble([[0x61, 0xFE, 0x62]]).texts == ["a\u{FFFD}b"])
        #expect(Self.assemble([[0xC3], [0x28]]).texts == ["", "\u{FFFD}("], "a lead byte followed by ASCII")
        let cut = Self.assemble([[0x41, 0xE6, 0x97]])
        #expect(cut.texts == ["A"])
        #expect(cut.rest == "\u{FFFD}")
        #expect(Self.assemble([Array("😀".utf8) + [0x80]]).texts == ["😀\u{FFFD}"], "a stray continuation after a character")
    }

    /// Whatever the bytes and wherever tokens split them, the pieces (and the flush) add up to decoding all the
    /// bytes at once, so no byte is lost or doubled.
    @Test func anySplitAddsUpToTheWholeDecode() {
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ bound: Int) -> Int {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Int((seed >> 33) % UInt64(bound))
        }
        let alphabet: [[UInt8]] = [Array("a".utf8), Array("é".utf8), Array("日".utf8), Array("😀".utf8),
                                   [0x80], [0xBF], [0xC0], [0xE0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90], [0xFF], [0xF0]]
        var failures: [String] = []
        for _ in 0..<3000 {
            var bytes: [UInt8] = []
            for _ in 0..<(1 + next(8)) { bytes += alphabet[next(alphabet.count)] }
            var pieces: [[UInt8]] = []
            var start = 0
            while start < bytes.count {
                let length = min(bytes.count - start, 1 + next(4))
                pieces.append(Array(bytes[start..<(start + length)]))
                start += length
            }
            let r = Self.assemble(pieces)
            let whole = String(decoding: bytes, as: UTF8.self)
            if r.texts.joined() + r.rest != whole { failures.append("\(pieces)") }
        }
        #expect(failures.isEmpty, "\(failures.count) splits decode differently, e.g. \(failures.prefix(3))")
    }

    /// Through both byte-carrying stream dialects: a character split over tokens shows on the token that
    /// completes it, and the final text has it whole.
    @Test(arguments: [true, false])
    func splitCharactersInStreams(native: Bool) throws {
        let pieces: [[UInt8]] = [Array("日".utf8.prefix(2)), Array("日".utf8.suffix(1)) + Array("😀".utf8.prefix(2)),
                                 Array("😀".utf8.suffix(2)), Array("!".utf8)]
        func entry(_ i: Int, _ bytes: [UInt8]) -> String {
            let text = String(decoding: bytes, as: UTF8.self)  // what servers send: U+FFFD for the broken parts
            let escaped = String(decoding: (try? JSONSerialization.data(withJSONObject: [text])) ?? Data("[\"?\"]".utf8), as: UTF8.self)
                .dropFirst().dropLast()
            return #"{"id":\#(100 + i),"token":\#(escaped),"bytes":\#(bytes),"logprob":-0.5,"top_logprobs":[]}"#
        }
        var events: [String] = []
        for (i, bytes) in pieces.enumerated() {
            events.append(native
                ? #"data: {"index":0,"content":"x","stop":false,"completion_probabilities":[\#(entry(i, bytes))]}"#
                : #"data: {"choices":[{"text":"x","index":0,"logprobs":{"content":[\#(entry(i, bytes))]},"finish_reason":null}]}"#)
        }
        events.append(native ? #"data: {"index":0,"content":"","stop":true,"stop_type":"limit"}"#
            : #"data: {"choices":[{"text":"","index":0,"logprobs":null,"finish_reason":"length"}]}"#)
        let body = Array(events.map { $0 + "\n\n" }.joined().utf8)
        let stream = RecordedStream(set: .llamaServer, name: "synthetic", native: native,
                                    request: GenerateRequest(inputs: "x", parameters: GenerateParameters(details: true)))
        let steps = stream.decode([body[...]]).steps
        let decoded = steps.compactMap { step -> GenerationEvent? in
            if case .event(let e) = step { return e }
            return nil
        }
        #expect(decoded.map(\.response.token.text) == ["", "日", "😀", "!"])
        #expect(decoded.map(\.response.token.bytes) == pieces.map(Optional.some))
        #expect(decoded.last?.response.generatedText == "日😀!")
        #expect(decoded.last?.response.details?.finishReason == .length)
    }
}

@Suite struct DivergenceMixedTests {
    /// One run from llama-server (ids and bytes) and one from llama-cpp-python (text only), both recorded from
    /// the same prompt: they line up by text where one side has no ids, and part where the tokens differ.
    @Test func recordedRunsWithAndWithoutIDs() async throws {
        let native = try Fixtures.recording(.llamaServer, "native_completion_probs")
        let legacy = try Fixtures.recording(.llamaCppPython, "completion_logprobs")
        let a = try Replay.server(.llamaServer, answering: [native])
        let b = try Replay.server(.llamaCppPython, answering: [legacy])
        defer { a.stop(); b.stop() }
        let request = RecordedCase.greedy(RecordedCase.prompt, 8, topN: 3)
        let withIDs = try await AutoBackend(configuration: try Replay.configuration(a.url)).generate(request)
        let textOnly = try await AutoBackend(configuration: try Replay.configuration(b.url)).generate(request)
        let left = try #require(withIDs.details?.tokens), right = try #require(textOnly.details?.tokens)
        #expect(left.allSatisfy { $0.id != nil } && right.allSatisfy { $0.id == nil })
        // " the capital of the country..." against " the capital of France. ..."
        #expect(Divergence.firstIndex(tokens: [left, right]) == 3)
        #expect(Divergence.firstIndex(of: [withIDs, textOnly]) == 3)
        #expect(Divergence.firstIndex(tokens: [Array(left.prefix(3)), Array(right.prefix(3))]) == nil)
        #expect(Divergence.firstIndex(tokens: [Array(left.prefix(3)), Array(right.prefix(5))]) == 3, "a prefix ends first")
    }

    @Test func idsDecideWhenBothHaveThem() {
        let a = [Token(id: 1, text: " a", logprob: nil, special: false), Token(id: 2, text: " b", logprob: nil, special: false)]
        let sameTextOtherID = [a[0], Token(id: 3, text: " b", logprob: nil, special: false)]
        let textOnly = a.map { Token(id: nil, text: $0.text, logprob: $0.logprob, special: false) }
        let otherText = [a[0], Token(id: nil, text: " c", logprob: nil, special: false)]
        #expect(Divergence.firstIndex(tokens: [a, sameTextOtherID]) == 1, "same text, different ids: different tokens")
        #expect(Divergence.firstIndex(tokens: [a, textOnly]) == nil, "ids on one side only: text decides")
        #expect(Divergence.firstIndex(tokens: [textOnly, a]) == nil)
        #expect(Divergence.firstIndex(tokens: [a, otherText]) == 1)
        #expect(Divergence.firstIndex(tokens: [a, textOnly, sameTextOtherID]) == 1, "three runs, one differs by id")
        let withBytes = [Token(id: nil, text: "", logprob: nil, special: false, bytes: [0xE6, 0x97])]
        let otherBytes = [Token(id: nil, text: "", logprob: nil, special: false, bytes: [0xE6, 0x98])]
        #expect(Divergence.firstIndex(tokens: [withBytes, otherBytes]) == 0, "equal (empty) text, different bytes")
    }
}
