/// libFuzzer target: tgplay's command-line options (Options.swift is the executable's own file, linked here).
/// NUL bytes split the input into arguments; every argument list parses or is a UsageError.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOptions(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    let arguments = bytes.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
    do { _ = try Options.parse(arguments) } catch is UsageError {} catch { preconditionFailure("not a UsageError: \(error)") }
    return 0
}
