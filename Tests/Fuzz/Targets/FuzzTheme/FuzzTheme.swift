import Playground

/// libFuzzer target: theme files (role -> colours/attributes, one per line): parsed or refused with a line number.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTheme(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    _ = try? Theme.parse(String(decoding: bytes, as: UTF8.self), name: "fuzz")
    return 0
}
