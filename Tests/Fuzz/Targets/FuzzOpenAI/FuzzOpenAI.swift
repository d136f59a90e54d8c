import Foundation
@testable import GenerationCore

/// libFuzzer target: OpenAI-compatible and llama.cpp answers. The first byte picks the dialect; the rest is read
/// as an SSE stream through that completion stream decoder, and as a non-streamed `/v1/completions` body.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOpenAI(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let request = GenerateRequest(inputs: "Hi", parameters: GenerateParameters(details: true, topNTokens: 3))
    var parser = SSEParser()
    let events = parser.feed(bytes) + parser.finish().events
    if data[0] & 1 == 0 {
        var decoder = CompletionStreamDecoder<OpenAIChunks>(request: request, url: "http://127.0.0.1:1/v1/completions")
        for event in events { check(decoder.decode(event)) }
    } else {
        var decoder = CompletionStreamDecoder<LlamaCppChunks>(request: request, url: "http://127.0.0.1:1/completion")
        for event in events { check(decoder.decode(event)) }
    }
    _ = try? OpenAIBackend.decodeCompletion(Data(bytes), request: request)
    return 0
}

private func check(_ steps: [StreamStep]) {
    for step in steps {
        if case .failure(let error) = step { precondition(!error.errorType.rawValue.isEmpty, "a failure without a type") }
    }
}
