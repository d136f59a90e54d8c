import Foundation
#if canImport(Glibc)
import Glibc
#endif
@testable import LocalEngine

/// libFuzzer target: the GGUF header, metadata and tensor table, then the model config and the tokenizer built
/// from a file that parsed. Seeds: the real model's first megabyte and a tiny well-formed gemma3 file.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGGUF(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    var parser = GGUFParser(bytes: UnsafeRawBufferPointer(start: data, count: size))
    guard let parsed = try? parser.parse() else { return 0 }
    for tensor in parsed.tensors {
        precondition(tensor.offset >= 0 && parsed.dataOffset + tensor.offset + tensor.byteCount <= size,
                     "a tensor outside the file was accepted")
    }
    // The config and tokenizer read a mapped file: write this one out once and open it as a person's --model.
    guard fileDescriptor >= 0, ftruncate(fileDescriptor, 0) == 0, pwrite(fileDescriptor, data, size, 0) == size,
          let file = try? GGUFFile(path: "/proc/self/fd/\(fileDescriptor)") else { return 0 }
    _ = try? GemmaConfig(file: file)
    if let tokenizer = try? GemmaTokenizer(file: file) {
        let ids = tokenizer.encode("Hello <start_of_turn>world\u{1F600}", addSpecial: true)
        precondition(ids.allSatisfy { $0 >= 0 && Int($0) < tokenizer.vocabularySize }, "an id outside the vocabulary")
        _ = tokenizer.decode(ids, special: true)
    }
    return 0
}

/// A scratch file with no name left behind: created, unlinked at once, and opened through /proc/self/fd.
private let fileDescriptor: Int32 = {
    let path = "/tmp/tgplay-fuzz-gguf-\(getpid()).gguf"
    let fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    unlink(path)
    return fd
}()
