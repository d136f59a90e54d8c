import Foundation
import GenerationCore

/// libFuzzer target: session files. A document is refused with a SessionFileError or decoded; a decoded session
/// must save and load back.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSession(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = data.map { Data(UnsafeBufferPointer(start: $0, count: size)) } ?? Data()
    guard let session = try? SessionFile.decode(bytes, path: "fuzz.json") else { return 0 }
    let written: Data
    do { written = try SessionFile.encode(session) } catch { return 0 }
    precondition((try? SessionFile.decode(written, path: "fuzz.json")) != nil, "a saved session does not load")
    return 0
}
