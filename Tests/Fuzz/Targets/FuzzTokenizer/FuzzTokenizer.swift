import Foundation
@testable import LocalEngine

/// libFuzzer target: the real Gemma 3 tokenizer on arbitrary bytes (read as UTF-8 with replacement, as the
/// engine reads a prompt). Invariants: every id is in the vocabulary, offsets are ordered and inside the text,
/// and decoding gives the text back (a literal U+2581 reads as the space it encodes).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTokenizer(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let tokenizer else { return 0 }
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    let text = String(decoding: bytes, as: UTF8.self)
    let ids = tokenizer.encode(text, addSpecial: false, parseSpecial: false)
    precondition(ids.allSatisfy { $0 >= 0 && Int($0) < tokenizer.vocabularySize }, "an id outside the vocabulary")
    let expected = text.replacingOccurrences(of: "\u{2581}", with: " ")
    precondition(tokenizer.decode(ids) == expected, "decode(encode(text)) is not the text")
    var last = 0
    for piece in tokenizer.encodeWithOffsets(text, addSpecial: true, parseSpecial: true) {
        precondition(piece.start >= last && piece.start <= piece.end && piece.end <= text.utf8.count, "offsets out of order")
        last = piece.start
    }
    return 0
}

/// The installed model's tokenizer (scripts/setup.sh puts the model where ModelLocation looks).
private let tokenizer: GemmaTokenizer? = {
    let path = ModelLocation.resolve(environment: ProcessInfo.processInfo.environment)
    guard let file = try? GGUFFile(path: path) else {
        FileHandle.standardError.write(Data("fuzz-tokenizer: no model at \(path); run scripts/setup.sh\n".utf8))
        return nil
    }
    return try? GemmaTokenizer(file: file)
}()
