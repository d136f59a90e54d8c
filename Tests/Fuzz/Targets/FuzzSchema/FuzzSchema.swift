import Foundation
import GenerationCore
@testable import LocalEngine

/// libFuzzer target: the JSON-Schema compiler. A schema compiles to a DFA within the state budget or is refused
/// with a GrammarError; no hang, no blow-up.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSchema(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = data.map { Data(UnsafeBufferPointer(start: $0, count: size)) } ?? Data()
    guard let schema = try? JSONValue.parse(bytes),
          let node = try? JSONSchemaGrammar.node(schema),
          let dfa = try? ByteDFA.compile(node) else { return 0 }
    _ = dfa.matches(Array(#"{"name": "x"}"#.utf8))
    return 0
}
