import Playground

/// libFuzzer target: the terminal input decoder (keys, CSI/SS3, UTF-8, bracketed paste, SGR mouse). The first
/// byte seeds how the rest is cut into reads, as a terminal delivers them; pending Esc is flushed between some.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    var decoder = InputDecoder()
    var state = UInt64(data[0]) &* 0x9E37_79B9_7F4A_7C15 | 1
    var offset = 0
    while offset < bytes.count {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        let length = min(bytes.count - offset, 1 + Int(state % 9))
        _ = decoder.feed(Array(bytes[offset..<(offset + length)]))
        if state & 0x30 == 0 { _ = decoder.flushPendingEscape() }
        offset += length
    }
    _ = decoder.flushPendingEscape()
    return 0
}
