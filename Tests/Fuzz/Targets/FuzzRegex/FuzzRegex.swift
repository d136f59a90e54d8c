@testable import LocalEngine

/// libFuzzer target: the regex parser and the DFA compiler. A pattern compiles within the state budget or is
/// refused with a GrammarError; the DFA it gives answers any input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRegex(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    guard let node = try? RegexParser.parse(String(decoding: bytes, as: UTF8.self)),
          let dfa = try? ByteDFA.compile(node) else { return 0 }
    _ = dfa.matches(bytes)
    _ = dfa.isLivePrefix(Array(bytes.prefix(8)))
    return 0
}
