import Foundation
import GenerationCore
import Testing
@testable import LocalEngine

/// Deeply nested grammars (issue 16, item 4): refused with a GrammarError before any recursive pass can exhaust
/// the stack (50,000 nested parentheses used to end in SIGSEGV with nothing on stderr).
@Suite struct GrammarDepthTests {
    static func nested(_ depth: Int, _ inner: String = "a") -> String {
        String(repeating: "(", count: depth) + inner + String(repeating: ")", count: depth)
    }

    @Test func deeplyNestedRegexIsAGrammarError() {
        for pattern in [Self.nested(50_000), Self.nested(50_000, "a|b"), String(repeating: "(?:", count: 50_000),
                        String(repeating: "(a", count: 50_000) + String(repeating: ")*", count: 50_000)] {
            #expect {
                _ = try RegexParser.parse(pattern)
            } throws: { error in
                (error as? GrammarError)?.description.contains("groups nested more than \(RegexParser.maxGroupDepth) deep") == true
            }
        }
    }

    /// At the limit it still compiles and means what it says.
    @Test func nestingAtTheLimitCompiles() throws {
        let dfa = try ByteDFA.compile(try RegexParser.parse(Self.nested(RegexParser.maxGroupDepth, "ab|c")))
        #expect(dfa.matches(Array("ab".utf8)) && dfa.matches(Array("c".utf8)) && !dfa.matches(Array("a".utf8)))
        #expect(throws: GrammarError.self) { try RegexParser.parse(Self.nested(RegexParser.maxGroupDepth + 1)) }
    }

    /// The same pattern as a JSON Schema `pattern`, and as a request to the engine: a validation error.
    @Test func deeplyNestedSchemaPatternIsAGrammarError() throws {
        let property = #"{"type":"string","pattern":""# + Self.nested(50_000) + #""}"#
        let schema = try JSONValue.parse(Data(property.utf8))
        #expect(throws: GrammarError.self) { try JSONSchemaGrammar.node(schema) }
        let object = try JSONValue.parse(Data((#"{"properties":{"a":"# + property + "}}").utf8))
        for grammar in [Grammar(type: .regex, value: .string(Self.nested(50_000))), Grammar(type: .json, value: object)] {
            #expect {
                _ = try GrammarCompiler.regex(for: grammar)
            } throws: { error in
                "\(error)".contains("nested more than")
            }
        }
    }

    /// Through the engine: TGI's validation error, and the engine still answers afterwards.
    @Test func theEngineAnswersWithAValidationError() async throws {
        let grammar = Grammar(type: .regex, value: .string(Self.nested(50_000)))
        await #expect {
            _ = try await LocalBackendTests.backend.generate(GenerateRequest(inputs: "x", parameters: GenerateParameters(grammar: grammar)))
        } throws: { error in
            (error as? GenerationError)?.errorType == "validation" && "\(error)".contains("nested more than")
        }
    }
}

extension GrammarDepthTests {
    /// Schemas nested as deep as the JSON parser allows (512) compile or are refused, never overflow the stack.
    @Test func deeplyNestedSchemasEndCleanly() throws {
        for (open, close) in [(#"{"type":"array","items":"#, "}"),
                              (#"{"type":"object","properties":{"a":"#, #"},"required":["a"]}"#),
                              (#"{"anyOf":["#, "]}")] {
            let text = String(repeating: open, count: 250) + #"{"type":"string"}"# + String(repeating: close, count: 250)
            let schema = try JSONValue.parse(Data(text.utf8))
            do {
                _ = try ByteDFA.compile(try JSONSchemaGrammar.node(schema))
            } catch {
                #expect(!error.description.isEmpty)
            }
        }
    }
}
