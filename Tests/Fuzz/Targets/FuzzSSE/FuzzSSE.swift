import GenerationCore

/// libFuzzer target: the SSE parser under arbitrary chunking. The first byte seeds how the rest is cut into
/// reads; whatever the cuts, the events and the truncated tail must equal those of one read of the whole.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSSE(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size > 0 else { return 0 }
    let seed = UInt64(data[0])
    let stream = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))

    var whole = SSEParser()
    var expected = whole.feed(stream)
    let wholeEnd = whole.finish()
    expected += wholeEnd.events

    var chunked = SSEParser()
    var events: [SSEEvent] = []
    var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
    var offset = 0
    while offset < stream.count {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        let length = min(stream.count - offset, Int(state % 17))
        events += chunked.feed(stream[offset..<(offset + length)])
        offset += length
    }
    let end = chunked.finish()
    events += end.events
    precondition(events == expected, "chunking changed the events")
    precondition(end.truncatedLine == wholeEnd.truncatedLine, "chunking changed the truncated line")
    return 0
}
