import Testing
@testable import Playground

@Suite("Input decoder")
struct InputDecoderTests {
    func keys(_ bytes: String) -> [Key] {
        var d = InputDecoder()
        var out = d.feed(Array(bytes.utf8))
        out += d.flushPendingEscape()
        return out.compactMap { if case .key(let k) = $0 { return k } else { return nil } }
    }

    @Test func controlAndFunctionKeys() {
        #expect(keys("\u{12}") == [.ctrl("r")])
        #expect(keys("\u{11}") == [.ctrl("q")])
        #expect(keys("\u{1B}[15~") == [.function(5)])
        #expect(keys("\u{1B}OP") == [.function(1)])
        #expect(keys("\u{1B}[11~") == [.function(1)])
        #expect(keys("\u{1B}[A\u{1B}[B\u{1B}[C\u{1B}[D") == [.up, .down, .right, .left])
        #expect(keys("\u{1B}[1;5C\u{1B}[1;5D") == [.ctrlRight, .ctrlLeft])
        #expect(keys("\u{1B}[H\u{1B}[F\u{1B}[1~\u{1B}[4~") == [.home, .end, .home, .end])
        #expect(keys("\u{1B}[5~\u{1B}[6~\u{1B}[3~") == [.pageUp, .pageDown, .delete])
        #expect(keys("\t\u{1B}[Z\r\u{7F}") == [.tab, .backTab, .enter, .backspace])
    }

    @Test func escapeVersusAlt() {
        #expect(keys("\u{1B}") == [.escape])
        #expect(keys("\u{1B}b") == [.alt("b")])
        var d = InputDecoder()
        #expect(d.feed([0x1B]).isEmpty)
        #expect(d.hasPendingEscape)
        // The rest of a sequence arriving in the next read still decodes as one key.
        let rest = d.feed(Array("[C".utf8))
        #expect(rest.count == 1)
        if case .key(.right)? = rest.first {} else { Issue.record("expected right, got \(rest)") }
    }

    @Test func utf8SplitAcrossReads() {
        var d = InputDecoder()
        let bytes = Array("日😀".utf8)
        var out = d.feed(Array(bytes[0..<2]))
        out += d.feed(Array(bytes[2..<5]))
        out += d.feed(Array(bytes[5...]))
        let chars = out.compactMap { if case .key(.character(let c)) = $0 { return c } else { return nil } }
        #expect(chars == ["日", "😀"])
    }

    @Test func bracketedPasteAcrossReads() {
        var d = InputDecoder()
        var out = d.feed(Array("\u{1B}[200~line one\r\nline ".utf8))
        #expect(out.isEmpty)
        out += d.feed(Array("two\u{1B}[20".utf8))
        out += d.feed(Array("1~x".utf8))
        #expect(out.count == 2)
        if case .paste(let text)? = out.first { #expect(text == "line one\nline two") } else { Issue.record("no paste") }
        if case .key(.character("x"))? = out.last {} else { Issue.record("no x after paste") }
    }

    @Test func oneMegabytePasteInChunks() {
        var d = InputDecoder()
        let body = String(repeating: "abcdefgh\n", count: 120_000)
        let bytes = Array(("\u{1B}[200~" + body + "\u{1B}[201~").utf8)
        var out: [Message] = []
        var i = 0
        while i < bytes.count {
            out += d.feed(Array(bytes[i..<min(bytes.count, i + 4096)]))
            i += 4096
        }
        #expect(out.count == 1)
        if case .paste(let text)? = out.first {
            #expect(text.utf8.count == body.utf8.count)
        } else {
            Issue.record("no paste: \(out.prefix(3))")
        }
    }

    @Test func sgrMouse() {
        var d = InputDecoder()
        let out = d.feed(Array("\u{1B}[<0;11;5M\u{1B}[<0;11;5m\u{1B}[<64;1;1M".utf8))
        #expect(out.count == 2)
        if case .mouse(let m)? = out.first {
            #expect(m == MouseEvent(button: .left, x: 10, y: 4))
        } else {
            Issue.record("no left click first: \(out)")
        }
        if case .mouse(let m)? = out.last {
            #expect(m.button == .wheelUp)
        } else {
            Issue.record("no wheel last: \(out)")
        }
    }
}
