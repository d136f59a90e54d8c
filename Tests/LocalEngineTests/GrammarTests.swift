import Foundation
import GenerationCore
import Testing
@testable import LocalEngine

/// Regex parsing, byte automata and the JSON-Schema compiler, without the model.
@Suite struct GrammarUnitTests {
    static func dfa(_ pattern: String) throws -> ByteDFA { try ByteDFA.compile(try RegexParser.parse(pattern)) }

    static func schemaDFA(_ schema: String) throws -> ByteDFA {
        try ByteDFA.compile(try JSONSchemaGrammar.node(try JSONValue.parse(Data(schema.utf8))))
    }

    func check(_ d: ByteDFA, accepts: [String], rejects: [String], _ what: String,
                      sourceLocation: SourceLocation = #_sourceLocation) {
        for s in accepts { #expect(d.matches(Array(s.utf8)), "\(what) should match \(s.debugDescription)", sourceLocation: sourceLocation) }
        for s in rejects { #expect(!d.matches(Array(s.utf8)), "\(what) should not match \(s.debugDescription)", sourceLocation: sourceLocation) }
    }

    @Test func regexLiteralsQuantifiersAndGroups() throws {
        let cases: [(String, [String], [String])] = [
            ("abc", ["abc"], ["", "ab", "abcd", "xabc"]),
            ("a|bc|", ["a", "bc", ""], ["b", "abc"]),
            ("ab*c", ["ac", "abc", "abbbbc"], ["abbb", "bc"]),
            ("ab+c", ["abc", "abbc"], ["ac"]),
            ("colou?r", ["color", "colour"], ["colouur"]),
            ("a{3}", ["aaa"], ["aa", "aaaa"]),
            ("a{2,}", ["aa", "aaaaaaa"], ["a"]),
            ("a{1,3}", ["a", "aa", "aaa"], ["", "aaaa"]),
            ("a{,2}", ["", "a", "aa"], ["aaa"]),
            ("x{a}", ["x{a}"], ["x"]),
            ("(ab)+", ["ab", "abab"], ["aba", ""]),
            ("(?:ab|cd)*e", ["e", "abcde", "cdcdabe"], ["abc", "abce "]),
            ("(?P<year>\\d{4})-(?<m>\\d\\d)", ["2024-05"], ["24-05"]),
            ("^a.c$", ["abc", "a-c", "aéc"], ["a\nc", "ac"]),
            ("a+?b*?", ["a", "aab"], ["b"]),
            ("(a*)*b", ["b", "aaab"], ["a"]),
        ]
        for (pattern, yes, no) in cases { self.check(try Self.dfa(pattern), accepts: yes, rejects: no, pattern) }
    }

    @Test func regexEscapesAndClasses() throws {
        let cases: [(String, [String], [String])] = [
            ("\\d+", ["0", "123", "٣"], ["", "12a", "½"]),
            ("\\w+", ["a_Z9", "héllo", "日本"], ["a-b", "", "a b"]),
            ("\\s", ["\u{A0}", "\u{2003}"], ["_"]),
            ("\\s", [" ", "\t", "\n"], ["a"]),
            ("\\D\\W\\S", ["a!x"], ["1!x", "aax", "a! "]),
            ("a\\.b\\*\\(\\)\\[\\]\\{\\}\\\\", ["a.b*()[]{}\\"], ["axb*()[]{}\\"]),
            ("\\x41\\u00e9\\n\\t", ["Aé\n\t"], ["Ae\n\t"]),
            ("[a-z0-9_]+", ["abc_09"], ["ABC", "a-b"]),
            ("[^a-z]", ["A", "-", "é", "😀"], ["a", "z"]),
            ("[]a]", ["]", "a"], ["b"]),
            ("[a-]", ["a", "-"], ["b"]),
            ("[\\d.]+", ["1.5"], ["1,5"]),
            ("[\\w-]+@[\\w-]+\\.[a-z]{2,}", ["john_doe@mail.com", "a-b@c-d.org"], ["a@b.c"]),
        ]
        for (pattern, yes, no) in cases { self.check(try Self.dfa(pattern), accepts: yes, rejects: no, pattern) }
    }

    /// The automaton agrees with Foundation's regex engine on random strings (full-match semantics).
    @Test func agreesWithNSRegularExpression() throws {
        let alphabet = Array("ab.1-é日 ")
        var rng = SeededGenerator(seed: 11)
        for pattern in ["(a|b)*a(a|b){2}", "[a-b]+\\.?\\d{1,2}", "(ab|a)(b|)*", "[^a\\d]{2,3}|é+", "(?:a{2,3}|b?)+-?",
                        ".{0,3}日", "\\w+\\s\\w+", "((a|é)b?){1,3}"] {
            let d = try Self.dfa(pattern)
            let re = try NSRegularExpression(pattern: "^(?:\(pattern))$")
            for _ in 0..<400 {
                let length = Int(rng.unit() * 7)
                let text = String((0..<length).map { _ in alphabet[Int(rng.unit() * Double(alphabet.count)) % alphabet.count] })
                let expected = re.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
                #expect(d.matches(Array(text.utf8)) == expected, "\(pattern) on \(text.debugDescription)")
            }
        }
    }

    @Test func utf8Classes() throws {
        // Code-point classes over every UTF-8 length, including ranges that cross encoding boundaries.
        check(try Self.dfa("[é-ü]"), accepts: ["é", "ñ", "ü"], rejects: ["e", "ý", "\u{E9}\u{301}"], "[é-ü]")
        check(try Self.dfa("[\\u007f-\\u0800]"), accepts: ["\u{7F}", "\u{80}", "\u{7FF}", "\u{800}"],
              rejects: ["\u{7E}", "\u{801}"], "cross 1-2-3 byte")
        check(try Self.dfa("[一-龥]{2}"), accepts: ["中文", "龥一"], rejects: ["中", "中a", "中文字"], "CJK")
        check(try Self.dfa("[😀-😂]"), accepts: ["😀", "😁", "😂"], rejects: ["😃", "☺"], "4-byte")
        check(try Self.dfa("[^a]"), accepts: ["\u{10FFFF}", "\u{FFFF}", "\u{E000}"], rejects: ["a", "ab"], "negated, top of range")
        check(try Self.dfa("naïve|日本"), accepts: ["naïve", "日本"], rejects: ["naive"], "UTF-8 literals")
        // Bytes that are not UTF-8 never match a class.
        let any = try Self.dfa(".*")
        #expect(!any.matches([0xC3]) && any.isLivePrefix([0xC3]) && any.matches([0xC3, 0xA9]))
        #expect(!any.isLivePrefix([0xFF]) && !any.isLivePrefix([0xED, 0xA0, 0x80]), "no surrogates, no invalid bytes")
    }

    @Test func utf8RangeSequencesCoverExactly() {
        // Every scalar in a range decodes through exactly one of its sequences; neighbours through none.
        for (lo, hi) in [(0x00, 0x10FFFF), (0x7F, 0x801), (0x10000, 0x10FFF), (0x3B1, 0x4FF), (0xE000, 0x10000)] as [(UInt32, UInt32)] {
            let seqs = UTF8Ranges.sequences(UInt32(lo)...UInt32(hi))
            func covered(_ s: UInt32) -> Int {
                let bytes = UTF8Ranges.encode(s)
                return seqs.filter { $0.count == bytes.count && zip($0, bytes).allSatisfy { $0.contains($1) } }.count
            }
            for s in stride(from: lo, through: hi, by: 97) where !(0xD800...0xDFFF).contains(s) { #expect(covered(s) == 1) }
            #expect(covered(hi) == 1)
            if lo > 0 { #expect(covered(lo - 1) == 0) }
            if hi < 0x10FFFF && hi + 1 != 0xD800 { #expect(covered(hi + 1) == 0) }
        }
    }

    @Test func unsupportedRegexSyntaxIsAnError() {
        for (pattern, reason) in [("(a)\\1", "backreferences"), ("a(?=b)", "lookahead"), ("(?<!a)b", "lookbehind"),
                                  ("\\bword", "word boundaries"), ("(?i)abc", "inline flags"), ("(ab", "missing `)`"),
                                  ("ab)", "unbalanced"), ("*a", "nothing to repeat"), ("[abc", "unterminated"),
                                  ("a**", "multiple repeat"), ("a{5,2}", "min repeat"), ("a^b", "`^`"), ("\\q", "bad escape"),
                                  ("(?P=name)", "backreferences"), ("[z-a]", "bad character range")] {
            do {
                _ = try Self.dfa(pattern)
                Issue.record("\(pattern) should be refused")
            } catch {
                #expect("\(error)".contains(reason), "\(pattern): \("\(error)")")
            }
        }
    }

    @Test func tooLargeIsSaidClearly() {
        // (a|b)*a(a|b){n}: the classic exponential DFA.
        do {
            _ = try Self.dfa("[ab]*a[ab]{16}")
            Issue.record("should exceed the state cap")
        } catch {
            #expect("\(error)".contains("too large"), "\("\(error)")")
        }
        #expect(throws: GrammarError.self) { try Self.dfa("a{5000}") }
    }

    @Test func minimizedAndLive() throws {
        let d = try Self.dfa("(abc|abd|xbc)")
        #expect(d.stateCount <= 6, "minimized: \(d.stateCount)")
        #expect(!d.isLivePrefix(Array("abe".utf8)) && d.isLivePrefix(Array("ab".utf8)))
        #expect(throws: GrammarError("the grammar matches nothing")) { try Self.dfa("[^\\x00-\\U0010FFFF]") }
    }

    // MARK: - JSON Schema

    @Test func schemaScalars() throws {
        check(try Self.schemaDFA(#"{"type":"integer"}"#), accepts: ["0", "-12", "1234567890123456"],
              rejects: ["01", "1.5", "-", "+1", "12345678901234567", ""], "integer")
        check(try Self.schemaDFA(#"{"type":"number"}"#), accepts: ["0", "-1.25", "3e10", "2.5E-3", "10"],
              rejects: ["1.", ".5", "1e", "--1", "0x1"], "number")
        check(try Self.schemaDFA(#"{"type":"boolean"}"#), accepts: ["true", "false"], rejects: ["True", "1"], "boolean")
        check(try Self.schemaDFA(#"{"type":"null"}"#), accepts: ["null"], rejects: ["nil", ""], "null")
        check(try Self.schemaDFA(#"{"type":["integer","null"]}"#), accepts: ["5", "null"], rejects: ["true"], "type list")
    }

    @Test func schemaStrings() throws {
        check(try Self.schemaDFA(#"{"type":"string"}"#), accepts: [#""""#, #""héllo wörld 😀""#, #""a\"b\\c\n\/""#],
              rejects: ["\"a\nb\"", #""a"b""#, #""\x""#, "\"abc", "abc"], "string")
        check(try Self.schemaDFA(#"{"type":"string","minLength":2,"maxLength":3}"#),
              accepts: [#""ab""#, #""日本語""#, #""a\nb""#], rejects: [#""a""#, #""abcd""#, #""日本語x""#], "lengths")
        check(try Self.schemaDFA(#"{"type":"string","enum":["red","green","say \"hi\""]}"#),
              accepts: [#""red""#, #""green""#, #""say \"hi\"""#], rejects: [#""blue""#, "red", #""re""#], "enum")
        check(try Self.schemaDFA(#"{"const":"fixed"}"#), accepts: [#""fixed""#], rejects: [#""other""#], "const")
        check(try Self.schemaDFA(#"{"type":"string","pattern":"[A-Z]{2}-\\d{3}"}"#),
              accepts: [#""AB-123""#], rejects: [#""ab-123""#, #""AB-1234""#, "AB-123"], "pattern")
        check(try Self.schemaDFA(#"{"type":"string","pattern":".+"}"#),
              accepts: [#""any text""#], rejects: [#""quote"inside""#, #""""#], "pattern keeps JSON valid")
    }

    @Test func schemaObjects() throws {
        let schema = #"""
        {"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"string","maxLength":3},
         "c":{"type":"boolean"}},"required":["b"]}
        """#
        check(try Self.schemaDFA(schema),
              accepts: [#"{"b": "x"}"#, #"{"a": 1, "b": "x"}"#, #"{"a": 1, "b": "x", "c": true}"#, #"{"b": "", "c": false}"#],
              rejects: [#"{"a": 1}"#, #"{}"#, #"{"b": "x", "a": 1}"#, #"{"b":"x"}"#, #"{"b": "x",}"#, #"{"b": "x", "d": 1}"#],
              "object with required and optional")
        let optional = #"{"properties":{"x":{"type":"null"},"y":{"type":"null"}}}"#
        check(try Self.schemaDFA(optional), accepts: ["{}", #"{"x": null}"#, #"{"y": null}"#, #"{"x": null, "y": null}"#],
              rejects: [#"{, "y": null}"#, #"{"y": null, "x": null}"#], "all optional")
        let nested = #"""
        {"type":"object","properties":{"user":{"type":"object","properties":{"name":{"type":"string"},
         "role":{"enum":["admin","guest"]}},"required":["name","role"]}},"required":["user"]}
        """#
        check(try Self.schemaDFA(nested), accepts: [#"{"user": {"name": "Ann", "role": "admin"}}"#],
              rejects: [#"{"user": {"name": "Ann", "role": "root"}}"#, #"{"user": {"name": "Ann"}}"#], "nested")
    }

    @Test func schemaArraysAnyOfAndFreeValues() throws {
        check(try Self.schemaDFA(#"{"type":"array","items":{"type":"integer"},"minItems":1,"maxItems":3}"#),
              accepts: ["[1]", "[1, 2, 3]"], rejects: ["[]", "[1, 2, 3, 4]", "[1,2]", "[1, \"a\"]"], "array bounds")
        check(try Self.schemaDFA(#"{"type":"array","items":{"type":"boolean"}}"#),
              accepts: ["[]", "[true, false, true, true, false]"], rejects: ["[true false]"], "array unbounded")
        check(try Self.schemaDFA(#"{"anyOf":[{"type":"integer"},{"type":"string","maxLength":2}]}"#),
              accepts: ["7", #""ab""#], rejects: ["true", #""abc""#], "anyOf")
        check(try Self.schemaDFA(#"{"enum":[1, "two", null, [3], {"k": true}]}"#),
              accepts: ["1", #""two""#, "null", "[3]", #"{"k": true}"#], rejects: ["2", #"{"k":true}"#], "enum of any JSON")
        check(try Self.schemaDFA(#"{"type":"object","additionalProperties":{"type":"integer"}}"#),
              accepts: ["{}", #"{"a": 1, "b": 2}"#], rejects: [#"{"a": "x"}"#], "additionalProperties schema")
        check(try Self.schemaDFA(#"{"type":"object","additionalProperties":false}"#), accepts: ["{}"], rejects: [#"{"a": 1}"#], "none")
        check(try Self.schemaDFA(#"{"type":"string","enum":["a", 1, null]}"#), accepts: [#""a""#], rejects: ["1", "null"], "enum and type")
        check(try Self.schemaDFA(#"{"type":"object","properties":{"meta":{}}}"#),
              accepts: [#"{"meta": {"x": [1, "y"]}}"#, #"{"meta": 3}"#], rejects: [#"{"meta": }"#], "free value")
    }

    @Test func unsupportedSchemaKeywordsAreNamed() throws {
        for (schema, keyword) in [(#"{"type":"object","patternProperties":{}}"#, "patternProperties"),
                                  (#"{"properties":{"a":{"type":"integer","minimum":3}}}"#, "minimum"),
                                  (##"{"properties":{"a":{"$ref":"#/$defs/x"}}}"##, "$ref"),
                                  (#"{"type":"array","items":{"type":"string","format":"date"}}"#, "format"),
                                  (#"{"oneOf":[]}"#, "oneOf")] {
            #expect(throws: GrammarError.self) { try Self.schemaDFA(schema) }
            do { _ = try Self.schemaDFA(schema) } catch {
                #expect("\(error)".hasPrefix("unsupported JSON Schema keyword `\(keyword)`"), "\("\(error)")")
            }
        }
        let grammar = Grammar(type: .json, value: try JSONValue.parse(Data(#"{"properties":{},"patternProperties":{}}"#.utf8)))
        #expect(throws: GrammarError("unsupported JSON Schema keyword `patternProperties`")) {
            try GrammarCompiler.regex(for: grammar)
        }
    }

    @Test func grammarKinds() throws {
        let schema = #"{"properties":{"ok":{"type":"boolean"}},"required":["ok"]}"#
        let value = try JSONValue.parse(Data(schema.utf8))
        for grammar in [Grammar(type: .json, value: value), Grammar(type: .jsonObject, value: .string(schema)),
                        Grammar(type: .jsonSchema, value: .object([.init("name", .string("x")), .init("schema", value)]))] {
            let d = try ByteDFA.compile(try GrammarCompiler.regex(for: grammar))
            #expect(d.matches(Array(#"{"ok": true}"#.utf8)) && !d.matches(Array("{}".utf8)), "\(grammar.type)")
        }
        #expect(throws: GrammarError.self) { try GrammarCompiler.regex(for: Grammar(type: .jsonObject, value: .string("{"))) }
    }
}

/// Constrained decoding with the real model: masks against brute force, and sampled outputs that always match.
@Suite(.serialized) struct GrammarModelTests {
    static var backend: LocalBackend { LocalBackendTests.backend }

    /// The trie walk gives exactly the tokens whose whole text keeps the automaton alive (brute force over the
    /// vocabulary), EOS only where the grammar can end.
    @Test func masksEqualBruteForce() throws {
        let tokenizer = Self.backend.tokenizer
        let schema = #"{"properties":{"name":{"type":"string","maxLength":5},"n":{"type":"integer"}},"required":["name"]}"#
        let constraint = try Self.backend.grammars.constraint(for: Grammar(type: .json, value: .string(schema)))
        let dfa = constraint.dfa
        var states: [Int32] = [dfa.start]
        for prefix in [#"{"#, #"{"name": "ab"#, #"{"name": "abcde"#, #"{"name": "x", "n": 1"#, #"{"name": "x"}"#] {
            states.append(try #require(dfa.advance(dfa.start, Array(prefix.utf8)), "\(prefix)"))
        }
        for state in states {
            let mask = constraint.mask(state)
            var expected = 0
            for i in 0..<tokenizer.vocabularySize {
                let id = Int32(i)
                let piece = tokenizer.pieceBytes(id)
                let allowed = tokenizer.endOfGeneration.contains(id)
                    ? dfa.isAccepting(state)
                    : !tokenizer.isSpecial(id) && !piece.isEmpty && dfa.advance(state, piece) != nil
                if allowed { expected += 1 }
                if allowed != mask.allows(id) {
                    Issue.record("state \(state) token \(id) \(tokenizer.tokenText(id).debugDescription): expected \(allowed)")
                    return
                }
            }
            #expect(mask.allowedCount == expected)
        }
        let end = try #require(dfa.advance(dfa.start, Array(#"{"name": "x"}"#.utf8)))
        #expect(constraint.mask(end).allowedCount == tokenizer.endOfGeneration.count, "complete: only EOS")
    }

    static func sample(_ prompt: String, _ grammar: Grammar, seed: UInt64, maxNew: UInt32) async throws -> GenerateResponse {
        let parameters = GenerateParameters(details: true, doSample: true, grammar: grammar, maxNewTokens: maxNew,
                                            seed: seed, temperature: 1.0)
        return try await backend.generate(GenerateRequest(inputs: prompt, parameters: parameters))
    }

    /// Runs 20 seeds; every output is a live prefix, every finished one matches; returns the finished outputs.
    static func twentySeeds(_ prompt: String, _ grammar: Grammar, maxNew: UInt32,
                            sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String] {
        let dfa = try backend.grammars.constraint(for: grammar).dfa
        var complete: [String] = []
        for seed in UInt64(1)...20 {
            let response = try await sample(prompt, grammar, seed: seed, maxNew: maxNew)
            let details = try #require(response.details)
            let bytes = Array(response.generatedText.utf8)
            #expect(dfa.isLivePrefix(bytes), "seed \(seed): \(response.generatedText.debugDescription)",
                    sourceLocation: sourceLocation)
            if details.finishReason == .eosToken {
                #expect(dfa.matches(bytes), "seed \(seed): \(response.generatedText.debugDescription)", sourceLocation: sourceLocation)
                complete.append(response.generatedText)
            } else {
                #expect(details.finishReason == .length, sourceLocation: sourceLocation)
            }
            #expect(details.tokens.allSatisfy { ($0.logprob ?? -1) <= 0 }, sourceLocation: sourceLocation)
        }
        return complete
    }

    static func fullMatch(_ pattern: String, _ text: String) -> Bool {
        guard let re = try? NSRegularExpression(pattern: "^(?:\(pattern))$") else { return false }
        return re.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    @Test func regexIPv4TwentySeeds() async throws {
        let octet = #"(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"#
        let pattern = #"(\#(octet)\.){3}\#(octet)"#
        let outputs = try await Self.twentySeeds("The IP address of the server is ", Grammar(type: .regex, value: .string(pattern)),
                                                 maxNew: 24)
        for text in outputs { #expect(Self.fullMatch(pattern, text), "\(text)") }
        #expect(outputs.count >= 10, "most sampled addresses finish within 24 tokens: \(outputs.count)")
    }

    @Test func regexEmailTwentySeeds() async throws {
        let pattern = #"[a-z0-9._]{1,20}@[a-z0-9-]{1,15}\.(com|org|net)"#
        let outputs = try await Self.twentySeeds("Contact email: ", Grammar(type: .regex, value: .string(pattern)), maxNew: 24)
        for text in outputs { #expect(Self.fullMatch(pattern, text), "\(text)") }
    }

    static let nestedSchema = #"""
    {"type": "object", "properties": {
      "name": {"type": "string", "minLength": 1, "maxLength": 16},
      "role": {"type": "string", "enum": ["admin", "editor", "viewer"]},
      "age": {"type": "integer"},
      "tags": {"type": "array", "items": {"type": "string", "maxLength": 8}, "minItems": 1, "maxItems": 3},
      "address": {"type": "object", "properties": {
        "city": {"type": "string", "maxLength": 12},
        "zip": {"type": "string", "pattern": "[0-9]{5}"}}, "required": ["city", "zip"]},
      "active": {"type": "boolean"},
      "score": {"anyOf": [{"type": "number"}, {"type": "null"}]}
    }, "required": ["name", "role", "tags", "address"]}
    """#

    @Test func nestedSchemaTwentySeeds() async throws {
        let schema = try JSONValue.parse(Data(Self.nestedSchema.utf8))
        let outputs = try await Self.twentySeeds("A user record in JSON: ", Grammar(type: .json, value: schema), maxNew: 60)
        for text in outputs {
            #expect((try? JSONSerialization.jsonObject(with: Data(text.utf8))) != nil, "JSONSerialization: \(text)")
            let value = try JSONValue.parse(Data(text.utf8))
            #expect(SchemaCheck.valid(value, schema), "\(text)")
        }
        #expect(outputs.count >= 5, "records finish within 60 tokens (10 of 20 when written): \(outputs.count)")
    }

    @Test func jsonObjectWithSchemaStringTwentySeeds() async throws {
        let schemaText = #"""
        {"properties": {"answer": {"type": "string", "maxLength": 20}, "confidence": {"type": "number"},
         "sources": {"type": "array", "items": {"type": "integer"}, "maxItems": 2}}, "required": ["answer", "confidence"]}
        """#
        let schema = try JSONValue.parse(Data(schemaText.utf8))
        let outputs = try await Self.twentySeeds("Question: what is the capital of France? Answer as JSON: ",
                                                 Grammar(type: .jsonObject, value: .string(schemaText)), maxNew: 40)
        for text in outputs {
            #expect((try? JSONSerialization.jsonObject(with: Data(text.utf8))) != nil, "JSONSerialization: \(text)")
            #expect(SchemaCheck.valid(try JSONValue.parse(Data(text.utf8)), schema), "\(text)")
        }
        #expect(outputs.count >= 5, "answers finish within 40 tokens (12 of 20 when written): \(outputs.count)")
    }

    /// The reported distribution is the masked one: top tokens are all allowed, and a forced end has logprob 0.
    @Test func logprobsComeFromTheMaskedDistribution() async throws {
        let grammar = Grammar(type: .regex, value: .string("(yes|no)"))
        let parameters = GenerateParameters(details: true, grammar: grammar, maxNewTokens: 10, topNTokens: 5)
        let response = try await Self.backend.generate(GenerateRequest(inputs: "Is Paris in France? Answer:", parameters: parameters))
        let details = try #require(response.details)
        #expect(["yes", "no"].contains(response.generatedText))
        #expect(details.finishReason == .eosToken)
        let last = try #require(details.tokens.last)
        // After a complete match only the end-of-generation tokens are allowed: they share all the mass.
        let eos = Self.backend.tokenizer.endOfGeneration
        #expect(eos.contains(Int32(last.id!)))
        let lastStep = try #require(details.topTokens?.last)
        #expect(lastStep.count == eos.count && lastStep.allSatisfy { eos.contains(Int32($0.id!)) })
        #expect(abs(lastStep.reduce(0.0) { $0 + exp($1.logprob ?? -.infinity) } - 1) < 1e-4)
        let dfa = try Self.backend.grammars.constraint(for: grammar).dfa
        var prefix: [UInt8] = []
        for (token, alternatives) in zip(details.tokens, details.topTokens ?? []) {
            for alternative in alternatives where !Self.backend.tokenizer.endOfGeneration.contains(Int32(alternative.id!)) {
                #expect(dfa.isLivePrefix(prefix + Array(alternative.text.utf8)), "\(alternative.text) offered")
            }
            let total = alternatives.reduce(0.0) { $0 + exp($1.logprob ?? -.infinity) }
            #expect(total <= 1.0001)
            prefix += Array(token.text.utf8)
        }
    }

    @Test func streamingEqualsNonStreamingAndSeedsReproduce() async throws {
        let grammar = Grammar(type: .jsonSchema, value: .object([
            .init("name", .string("point")),
            .init("schema", try JSONValue.parse(Data(#"{"properties":{"x":{"type":"integer"},"y":{"type":"integer"}},"required":["x","y"]}"#.utf8))),
        ]))
        let parameters = GenerateParameters(details: true, doSample: true, grammar: grammar, maxNewTokens: 30, seed: 7)
        let request = GenerateRequest(inputs: "A point: ", parameters: parameters)
        let whole = try await Self.backend.generate(request)
        let again = try await Self.backend.generate(request)
        #expect(whole == again)
        var events: [StreamResponse] = []
        for try await event in Self.backend.generateStream(request) { events.append(event.response) }
        #expect(events.map(\.token) == whole.details?.tokens)
        #expect(events.last?.generatedText == whole.generatedText)
    }

    @Test func invalidGrammarsAreValidationErrors() async throws {
        let bad = Grammar(type: .json, value: .string(#"{"properties":{"a":{"type":"string"}},"patternProperties":{}}"#))
        await #expect(throws: GenerationError.validation("grammar is not valid: unsupported JSON Schema keyword `patternProperties`")) {
            _ = try await Self.backend.generate(GenerateRequest(inputs: "x", parameters: GenerateParameters(grammar: bad)))
        }
        let regex = Grammar(type: .regex, value: .string("(a)\\1"))
        await #expect(throws: GenerationError.validation("grammar is not valid: regex: backreferences are not supported at position 5")) {
            _ = try await Self.backend.generate(GenerateRequest(inputs: "x", parameters: GenerateParameters(grammar: regex)))
        }
    }
}

/// A small JSON Schema validator for the subset the compiler supports, independent of the compiler.
enum SchemaCheck {
    static func valid(_ v: JSONValue, _ s: JSONValue) -> Bool {
        if let c = s["const"] { return v == c }
        if case .array(let options)? = s["enum"] { return options.contains(v) }
        if case .array(let options)? = s["anyOf"] { return options.contains { valid(v, $0) } }
        var types: [String] = []
        switch s["type"] {
        case .string(let t)?: types = [t]
        case .array(let list)?: types = list.compactMap(\.stringValue)
        default: types = s["properties"] != nil ? ["object"] : []
        }
        if !types.isEmpty && !types.contains(where: { has(v, type: $0) }) { return false }
        switch v {
        case .string(let text):
            let length = text.unicodeScalars.count
            if let min = s["minLength"]?.doubleValue, Double(length) < min { return false }
            if let max = s["maxLength"]?.doubleValue, Double(length) > max { return false }
            if let pattern = s["pattern"]?.stringValue, !GrammarModelTests.fullMatch(pattern, text) { return false }
        case .array(let items):
            if let min = s["minItems"]?.doubleValue, Double(items.count) < min { return false }
            if let max = s["maxItems"]?.doubleValue, Double(items.count) > max { return false }
            if let itemSchema = s["items"], !items.allSatisfy({ valid($0, itemSchema) }) { return false }
        case .object(let members):
            guard case .object(let properties)? = s["properties"] else { return true }
            for m in members {
                guard let p = properties.first(where: { $0.key == m.key }) else { return false }
                if !valid(m.value, p.value) { return false }
            }
            if case .array(let required)? = s["required"] {
                for key in required.compactMap(\.stringValue) where !members.contains(where: { $0.key == key }) { return false }
            }
        default: break
        }
        return true
    }

    static func has(_ v: JSONValue, type: String) -> Bool {
        switch (v, type) {
        case (.string, "string"), (.bool, "boolean"), (.null, "null"), (.array, "array"), (.object, "object"): return true
        case (.int, "integer"), (.uint, "integer"), (.int, "number"), (.uint, "number"), (.double, "number"): return true
        case (.double(let d), "integer"): return d == d.rounded()
        default: return false
        }
    }
}
