import Foundation
@testable import GenerationCore

/// libFuzzer target: TGI's answers. The bytes are read as an SSE stream through TGI's stream decoder, and as a
/// `/generate`, `/info` and `/tokenize` body. Any input ends as events or a typed error; nothing traps.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTGI(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    var parser = SSEParser()
    var decoder = TGIStreamDecoder(url: "http://127.0.0.1:1/generate_stream")
    for event in parser.feed(bytes) + parser.finish().events {
        for step in decoder.decode(event) {
            if case .failure(let error) = step {
                precondition(!error.errorType.rawValue.isEmpty, "a failure without a type")
            }
        }
    }
    let body = Data(bytes)
    _ = try? WireJSON.decodeGenerateResponse(from: body)
    _ = try? WireJSON.decode(Info.self, from: body)
    _ = try? WireJSON.decode([SimpleToken].self, from: body)
    return 0
}
