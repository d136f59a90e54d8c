import GenerationCore

/// JSON Schema (the subset people use with TGI) compiled to the same regex AST as `regex` grammars, so a schema
/// and a pattern end up as one kind of automaton.
///
/// Output format, fixed so the automaton stays small and the text looks like what models have seen: objects and
/// arrays on one line, one space after `:` and after `,` (`{"a": 1, "b": [true, null]}`), properties in schema
/// order; optional properties may be left out. Strings may contain any character except `"`, `\` and control
/// characters, plus the escapes `\" \\ \/ \b \f \n \r \t`. Integers have at most 16 digits, fractions at most 15,
/// exponents at most 3 (bounds that keep numbers meaningful and the model from running on forever).
///
/// Supported: `type` (one or a list), `properties`, `required`, `additionalProperties` (with `properties`, extra
/// members are never generated, so any value holds; without, it gives the members' schema), `items`, `minItems`, `maxItems`, `enum`, `const`, `pattern` (placed between the
/// quotes as outlines does, restricted to characters that need no escaping), `minLength`, `maxLength`, `anyOf`,
/// and annotations (`title`, `description`, `$schema`, `$id`, `$comment`, `examples`, `default`). Any other keyword
/// is an error naming it: a constraint silently ignored would give outputs that do not validate.
enum JSONSchemaGrammar {
    static let colon = ": "
    static let comma = ", "
    /// How deeply a value with no schema (`{}`, or `items` missing) may nest.
    static let freeValueDepth = 2

    static let supported: Set<String> = [
        "type", "properties", "required", "additionalProperties", "items", "minItems", "maxItems", "enum", "const",
        "pattern", "minLength", "maxLength", "anyOf", "title", "description", "$schema", "$id", "$comment",
        "examples", "default",
    ]

    static func node(_ schema: JSONValue) throws(GrammarError) -> RegexNode {
        try value(schema, path: "")
    }

    // MARK: - Schemas

    private static func value(_ schema: JSONValue, path: String) throws(GrammarError) -> RegexNode {
        switch schema {
        case .bool(true): return free(depth: freeValueDepth)
        case .bool(false): throw GrammarError("the schema\(at(path)) is `false`: nothing can match it")
        case .object(let members):
            for m in members where !supported.contains(m.key) {
                throw GrammarError("unsupported JSON Schema keyword `\(m.key)`\(at(path))")
            }
        default:
            throw GrammarError("a schema must be an object\(at(path))")
        }
        if let constant = schema["const"] { return literal(constant) }
        if let values = schema["enum"] {
            guard case .array(var items) = values, !items.isEmpty else {
                throw GrammarError("`enum` must be a non-empty array\(at(path))")
            }
            // `type` still applies: values of another type are not allowed.
            if let t = schema["type"] {
                var names: [String] = []
                if let name = t.stringValue { names = [name] } else if case .array(let list) = t {
                    names = list.compactMap(\.stringValue)
                }
                items = items.filter { v in names.contains { isInstance(v, of: $0) } }
                if items.isEmpty { throw GrammarError("no `enum` value has the schema's `type`\(at(path))") }
            }
            return .alternation(items.map(literal))
        }
        if let anyOf = schema["anyOf"] {
            guard case .array(let options) = anyOf, !options.isEmpty else {
                throw GrammarError("`anyOf` must be a non-empty array\(at(path))")
            }
            var branches: [RegexNode] = []
            for (i, option) in options.enumerated() { branches.append(try value(option, path: "\(path)/anyOf/\(i)")) }
            if schema["type"] != nil || schema["properties"] != nil {
                throw GrammarError("`anyOf` next to `type` or `properties` is not supported\(at(path)); "
                    + "put each alternative inside `anyOf`")
            }
            return .alternation(branches)
        }
        var types: [String] = []
        switch schema["type"] {
        case .string(let t)?: types = [t]
        case .array(let list)?:
            for t in list {
                guard let name = t.stringValue else { throw GrammarError("`type` must be a string or strings\(at(path))") }
                types.append(name)
            }
        case nil:
            if schema["properties"] != nil { types = ["object"] }
            else if schema["items"] != nil { types = ["array"] }
            else if schema["pattern"] != nil || schema["minLength"] != nil || schema["maxLength"] != nil { types = ["string"] }
            else { return free(depth: freeValueDepth) }
        default: throw GrammarError("`type` must be a string or strings\(at(path))")
        }
        var branches: [RegexNode] = []
        for t in types {
            switch t {
            case "object": branches.append(try object(schema, path: path))
            case "array": branches.append(try array(schema, path: path))
            case "string": branches.append(try string(schema, path: path))
            case "integer": branches.append(integer)
            case "number": branches.append(number)
            case "boolean": branches.append(.alternation([.text("true"), .text("false")]))
            case "null": branches.append(.text("null"))
            default: throw GrammarError("unknown type `\(t)`\(at(path))")
            }
        }
        return branches.count == 1 ? branches[0] : .alternation(branches)
    }

    private static func isInstance(_ v: JSONValue, of type: String) -> Bool {
        switch (v, type) {
        case (.string, "string"), (.bool, "boolean"), (.null, "null"), (.array, "array"), (.object, "object"),
             (.int, "integer"), (.uint, "integer"), (.int, "number"), (.uint, "number"), (.double, "number"):
            return true
        case (.double(let d), "integer"): return d == d.rounded()
        default: return false
        }
    }

    private static func at(_ path: String) -> String { path.isEmpty ? "" : " at `\(path)`" }

    private static func count(_ schema: JSONValue, _ key: String, path: String) throws(GrammarError) -> Int? {
        guard let v = schema[key] else { return nil }
        guard let d = v.doubleValue, d >= 0, d == d.rounded(), d <= 1_000_000 else {
            throw GrammarError("`\(key)` must be a non-negative integer\(at(path))")
        }
        return Int(d)
    }

    private static func object(_ schema: JSONValue, path: String) throws(GrammarError) -> RegexNode {
        var properties: [(key: String, node: RegexNode)] = []
        switch schema["properties"] {
        case .object(let members)?:
            for m in members {
                let member = RegexNode.concat([literal(.string(m.key)), .text(colon),
                                               try value(m.value, path: "\(path)/properties/\(m.key)")])
                properties.append((m.key, member))
            }
        case nil: break
        default: throw GrammarError("`properties` must be an object\(at(path))")
        }
        var required = Set<String>()
        if let list = schema["required"] {
            guard case .array(let names) = list else { throw GrammarError("`required` must be an array\(at(path))") }
            for name in names {
                guard let key = name.stringValue else { throw GrammarError("`required` must list strings\(at(path))") }
                guard properties.contains(where: { $0.key == key }) else {
                    throw GrammarError("required property `\(key)` is not in `properties`\(at(path))")
                }
                required.insert(key)
            }
        }
        if properties.isEmpty {
            // No properties listed: members are what `additionalProperties` allows (any, none, or a schema).
            switch schema["additionalProperties"] {
            case .bool(false)?: return .text("{}")
            case .object?:
                guard let extra = schema["additionalProperties"] else { break }
                let member = RegexNode.concat([.text("\""), .star(character), .text("\""), .text(colon),
                                               try value(extra, path: "\(path)/additionalProperties")])
                return .concat([.text("{"), .optional(.concat([member, .star(.concat([.text(comma), member]))])), .text("}")])
            default: break
            }
            return freeObject(depth: freeValueDepth - 1)
        }
        // After the first member, each later one is `, member`, optional unless required. The first member
        // present is one of the properties up to and including the first required one.
        func rest(after i: Int) -> RegexNode {
            .concat(properties[(i + 1)...].map { p in
                let item = RegexNode.concat([.text(comma), p.node])
                return required.contains(p.key) ? item : .optional(item)
            })
        }
        var firsts: [RegexNode] = []
        var allOptional = true
        for (i, p) in properties.enumerated() {
            firsts.append(.concat([p.node, rest(after: i)]))
            if required.contains(p.key) {
                allOptional = false
                break
            }
        }
        if allOptional { firsts.append(.empty) }
        return .concat([.text("{"), .alternation(firsts), .text("}")])
    }

    private static func array(_ schema: JSONValue, path: String) throws(GrammarError) -> RegexNode {
        let item: RegexNode = try schema["items"].map { s throws(GrammarError) in try value(s, path: "\(path)/items") }
            ?? free(depth: freeValueDepth - 1)
        let low = try count(schema, "minItems", path: path) ?? 0
        let high = try count(schema, "maxItems", path: path)
        if let high, high < low { throw GrammarError("`maxItems` is below `minItems`\(at(path))") }
        if high == 0 { return .text("[]") }
        let more = RegexNode.repetition(.concat([.text(comma), item]), min: max(low - 1, 0), max: high.map { $0 - 1 })
        let items = RegexNode.concat([item, more])
        return .concat([.text("["), low == 0 ? .optional(items) : items, .text("]")])
    }

    private static func string(_ schema: JSONValue, path: String) throws(GrammarError) -> RegexNode {
        let low = try count(schema, "minLength", path: path)
        let high = try count(schema, "maxLength", path: path)
        if let low, let high, high < low { throw GrammarError("`maxLength` is below `minLength`\(at(path))") }
        if let pattern = schema["pattern"] {
            guard let text = pattern.stringValue else { throw GrammarError("`pattern` must be a string\(at(path))") }
            if low != nil || high != nil {
                throw GrammarError("`pattern` together with `minLength`/`maxLength` is not supported\(at(path))")
            }
            let inner = try RegexParser.parse(text)
            return .concat([.text("\""), restrictToUnescaped(inner), .text("\"")])
        }
        return .concat([.text("\""), .repetition(character, min: low ?? 0, max: high), .text("\"")])
    }

    /// One JSON string character: a plain one or an escape (each counts as one character for the lengths).
    static let character: RegexNode = .alternation([
        .set(CodePointSet.all.subtracting(CodePointSet([0x00...0x1F, 0x22...0x22, 0x5C...0x5C]))),
        .concat([.text("\\"), .set(CodePointSet([0x22...0x22, 0x2F...0x2F, 0x5C...0x5C, 0x62...0x62, 0x66...0x66,
                                                 0x6E...0x6E, 0x72...0x72, 0x74...0x74]))]),
    ])

    /// A `pattern` goes between quotes as written; characters that would need escaping there are left out so the
    /// result is always a valid JSON string whose content matches the pattern.
    private static func restrictToUnescaped(_ node: RegexNode) -> RegexNode {
        let forbidden = CodePointSet([0x00...0x1F, 0x22...0x22, 0x5C...0x5C])
        switch node {
        case .empty: return .empty
        case .set(let s): return .set(s.subtracting(forbidden))
        case .literal(let bytes):
            return bytes.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) ? .set(CodePointSet()) : node
        case .concat(let items): return .concat(items.map(restrictToUnescaped))
        case .alternation(let items): return .alternation(items.map(restrictToUnescaped))
        case .repetition(let inner, let min, let max): return .repetition(restrictToUnescaped(inner), min: min, max: max)
        }
    }

    static let digits = CodePointSet.asciiDigits
    private static let sign = RegexNode.optional(.text("-"))
    private static let integerPart = RegexNode.alternation([
        .text("0"), .concat([.set(CodePointSet([0x31...0x39])), .repetition(.set(digits), min: 0, max: 15)]),
    ])
    static let integer = RegexNode.concat([sign, integerPart])
    static let number = RegexNode.concat([
        sign, integerPart,
        .optional(.concat([.text("."), .repetition(.set(digits), min: 1, max: 15)])),
        .optional(.concat([.set(CodePointSet([0x45...0x45, 0x65...0x65])), .optional(.set(CodePointSet([0x2B...0x2B, 0x2D...0x2D]))),
                           .repetition(.set(digits), min: 1, max: 3)])),
    ])

    /// Any JSON value, nesting at most `depth` containers deep.
    static func free(depth: Int) -> RegexNode {
        var branches: [RegexNode] = [
            .concat([.text("\""), .star(character), .text("\"")]), number, .text("true"), .text("false"), .text("null"),
        ]
        if depth > 0 {
            let inner = free(depth: depth - 1)
            branches.append(.concat([.text("["), .optional(.concat([inner, .star(.concat([.text(comma), inner]))])), .text("]")]))
            branches.append(freeObject(depth: depth - 1))
        }
        return .alternation(branches)
    }

    private static func freeObject(depth: Int) -> RegexNode {
        let member = RegexNode.concat([.text("\""), .star(character), .text("\""), .text(colon), free(depth: depth)])
        return .concat([.text("{"), .optional(.concat([member, .star(.concat([.text(comma), member]))])), .text("}")])
    }

    // MARK: - Literals (enum, const)

    /// A JSON value written in the output format, as the only text allowed.
    static func literal(_ value: JSONValue) -> RegexNode { .text(encode(value)) }

    static func encode(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .uint(let u): return String(u)
        case .double(let d):
            if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
            return "\(d)"
        case .string(let s): return JSONText.quoted(s)
        case .array(let items): return "[" + items.map(encode).joined(separator: comma) + "]"
        case .object(let members):
            return "{" + members.map { encode(.string($0.key)) + colon + encode($0.value) }.joined(separator: comma) + "}"
        }
    }
}
