import Foundation
import Testing
@testable import GenerationCore

@Suite struct SSEParserTests {
    static let stream = Data((Fixtures.threeTokenStream.joined() + ":\n\n" + "data:{\"x\":\"é😀\"}\r\n\r\n").utf8)

    static func parseAll(_ chunks: [Data]) -> [SSEEvent] {
        var parser = SSEParser()
        var events: [SSEEvent] = []
        for chunk in chunks { events += parser.feed(chunk) }
        let end = parser.finish()
        #expect(end.truncatedLine == nil)
        return events + end.events
    }

    @Test func wholeStream() {
        let events = Self.parseAll([Self.stream])
        #expect(events.count == 4)
        #expect(events[3].text == "{\"x\":\"é😀\"}")
        #expect(events[0].text.hasPrefix("{\"index\":1"))
    }

    /// Split at every byte offset (including inside the multi-byte characters and between \r and \n).
    @Test func everyTwoWaySplit() {
        let reference = Self.parseAll([Self.stream])
        for cut in 0...Self.stream.count {
            let chunks = [Self.stream.prefix(cut), Self.stream.dropFirst(cut)].map { Data($0) }
            #expect(Self.parseAll(chunks) == reference, "split at \(cut)")
        }
    }

    @Test func everyThreeWaySplitOfAShortStream() {
        let short = Data("data: {\"a\":1}\r\n\r\n: keep-alive\n\ndata:{\"b\":2}\n\n".utf8)
        let reference = Self.parseAll([short])
        #expect(reference.map(\.text) == ["{\"a\":1}", "{\"b\":2}"])
        for i in 0...short.count {
            for j in i...short.count {
                let chunks = [short[0..<i], short[i..<j], short[j...]].map { Data($0) }
                #expect(Self.parseAll(chunks) == reference, "split at \(i), \(j)")
            }
        }
    }

    @Test func oneByteAtATime() {
        #expect(Self.parseAll(Self.stream.map { Data([$0]) }) == Self.parseAll([Self.stream]))
    }

    @Test func commentsCountedAndIgnored() {
        var parser = SSEParser()
        let events = parser.feed(Data(":\n\n:\n\ndata: {}\n\n".utf8))
        #expect(events.map(\.text) == ["{}"])
        #expect(parser.commentCount == 2)
    }

    @Test func multiLineDataAndEventNames() {
        let events = Self.parseAll([Data("event: note\ndata: a\ndata:b\nid: 7\n\ndata: c\n\n".utf8)])
        #expect(events == [SSEEvent(name: "note", data: Array("a\nb".utf8)), SSEEvent(data: Array("c".utf8))])
    }

    @Test func truncatedLastLineIsReportedNotParsed() {
        var parser = SSEParser()
        let events = parser.feed(Data("data: {\"a\":1}\n\ndata: {\"index\":2,\"tok".utf8))
        let end = parser.finish()
        #expect(events.count == 1 && end.events.isEmpty)
        #expect(end.truncatedLine.map { String(decoding: $0, as: UTF8.self) } == "data: {\"index\":2,\"tok")
    }

    @Test func completeDataLineWithoutBlankLineAtEndIsDelivered() {
        var parser = SSEParser()
        _ = parser.feed(Data("data: {\"last\":true}\n".utf8))
        #expect(parser.finish().events.map(\.text) == ["{\"last\":true}"])
    }
}
