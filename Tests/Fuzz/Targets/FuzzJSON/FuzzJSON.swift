import Foundation
@testable import GenerationCore

/// libFuzzer target: the JSON value parser (bounded nesting, byte offsets in errors). A document it accepts must
/// survive being written out and read back unchanged.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = data.map { Data(UnsafeBufferPointer(start: $0, count: size)) } ?? Data()
    guard let value = try? JSONValue.parse(bytes) else { return 0 }
    guard let written = try? WireJSON.encode(value) else { return 0 }
    let reread = try? JSONValue.parse(written)
    precondition(reread != nil, "an accepted document, written out, is no longer accepted")
    return 0
}
