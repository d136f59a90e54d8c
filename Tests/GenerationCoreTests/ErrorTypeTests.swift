import Foundation
import Testing
@testable import GenerationCore

/// `GenerationError.ErrorType` is typed in code and a plain string on the wire: every named kind reads back as
/// itself, and a string no case names (a server's own word) survives decoding and encoding unchanged.
struct ErrorTypeTests {
    @Test func everyNamedKindRoundTripsThroughItsWireName() throws {
        var seen = Set<String>()
        for kind in GenerationError.ErrorType.known {
            #expect(seen.insert(kind.rawValue).inserted, "two kinds share \(kind.rawValue)")
            let back = GenerationError.ErrorType(rawValue: kind.rawValue)
            if case .other = back { Issue.record("\(kind.rawValue) reads back as .other") }
            #expect(back == kind)
        }
        #expect(GenerationError.ErrorType.incompleteGeneration.rawValue == "incomplete_generation")
        #expect(GenerationError.ErrorType.modelNotFound.rawValue == "model_not_found")
    }

    @Test func anUnknownServerWordIsKeptAndWrittenBackAsSent() throws {
        let body = Data(#"{"error":"bad key","error_type":"authentication_error"}"#.utf8)
        let parsed = try JSONDecoder().decode(ErrorResponse.self, from: body)
        #expect(parsed.errorType == .other("authentication_error"))
        let again = String(decoding: try JSONEncoder().encode(parsed), as: UTF8.self)
        #expect(again.contains(#""error_type":"authentication_error""#), "\(again)")
    }

    @Test func aKnownWordSpelledAsOtherIsTheSameKind() {
        #expect(GenerationError.ErrorType.other("validation") == .validation)
        #expect(Set([GenerationError.ErrorType.other("timeout"), .timeout]).count == 1)
        #expect("\(GenerationError.ErrorType.tooManyTokens)" == "too_many_tokens")
    }

    @Test func anErrorWritesItsKindAsTheWireString() throws {
        let error = GenerationError(errorType: GenerationError.ErrorType.invalidRequest, message: "bad body")
        let json = String(decoding: try JSONEncoder().encode(error.response), as: UTF8.self)
        #expect(json.contains(#""error_type":"invalid_request""#), "\(json)")
    }
}
