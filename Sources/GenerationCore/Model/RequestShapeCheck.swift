import Foundation

/// Checks a request body's field types before decoding, to say exactly which field is wrong and why, in the
/// words of TGI's own deserializer (`parameters.best_of: invalid value: integer `-1`, expected usize`).
/// Foundation's decoder on Linux only reports "The given data was not valid JSON." for such cases.
enum RequestShapeCheck {
    private enum Expect {
        case string, bool, float, unsigned(String, UInt64), signed32, stringList, grammar
    }

    private static let parameterTypes: [String: Expect] = [
        "adapter_id": .string, "best_of": .unsigned("usize", UInt64(UInt.max)), "decoder_input_details": .bool,
        "details": .bool, "do_sample": .bool, "frequency_penalty": .float, "grammar": .grammar,
        "max_new_tokens": .unsigned("u32", UInt64(UInt32.max)), "min_p": .float, "presence_penalty": .float,
        "repetition_penalty": .float,
        "return_full_text": .bool, "seed": .unsigned("u64", UInt64.max), "stop": .stringList,
        "temperature": .float, "top_k": .signed32, "top_n_tokens": .unsigned("u32", UInt64(UInt32.max)),
        "top_p": .float, "truncate": .unsigned("usize", UInt64(UInt.max)), "typical_p": .float, "watermark": .bool,
    ]

    /// The first problem found, or nil. Unknown fields are ignored, as TGI ignores them.
    static func problem(in body: JSONValue) -> String? {
        guard case .object = body else { return "invalid type: expected a JSON object with `inputs`" }
        guard let inputs = body["inputs"] else { return "missing field `inputs`" }
        guard case .string = inputs else { return "inputs: invalid type: \(describe(inputs)), expected a string" }
        if let stream = body["stream"], stream != .null {
            if case .bool = stream {} else { return "stream: invalid type: \(describe(stream)), expected a boolean" }
        }
        guard let parameters = body["parameters"], parameters != .null else { return nil }
        guard case .object(let members) = parameters else {
            return "parameters: invalid type: \(describe(parameters)), expected struct GenerateParameters"
        }
        for member in members {
            guard let expect = parameterTypes[member.key], member.value != .null else { continue }
            if let problem = check(member.value, expect) { return "parameters.\(member.key): \(problem)" }
        }
        return nil
    }

    private static func check(_ value: JSONValue, _ expect: Expect) -> String? {
        switch (expect, value) {
        case (.string, .string), (.bool, .bool), (.float, .int), (.float, .uint), (.float, .double):
            return nil
        case (.unsigned(let name, let max), .int(let v)):
            return v >= 0 && UInt64(v) <= max ? nil : "invalid value: integer `\(v)`, expected \(name)"
        case (.unsigned(let name, let max), .uint(let v)):
            return v <= max ? nil : "invalid value: integer `\(v)`, expected \(name)"
        case (.signed32, .int(let v)):
            return Int64(Int32.min)...Int64(Int32.max) ~= v ? nil : "invalid value: integer `\(v)`, expected i32"
        case (.stringList, .array(let items)):
            return items.allSatisfy({ $0.stringValue != nil }) ? nil : "invalid type: expected a sequence of strings"
        case (.grammar, .object):
            guard let type = value["type"]?.stringValue else { return "missing field `type`" }
            guard Grammar.Kind(rawValue: type) != nil else {
                return "unknown variant `\(type)`, expected one of `json`, `json_object`, `json_schema`, `regex`"
            }
            return value["value"] == nil ? "missing field `value`" : nil
        case (.unsigned(let name, _), _): return "invalid type: \(describe(value)), expected \(name)"
        case (.signed32, _): return "invalid type: \(describe(value)), expected i32"
        case (.string, _): return "invalid type: \(describe(value)), expected a string"
        case (.bool, _): return "invalid type: \(describe(value)), expected a boolean"
        case (.float, _): return "invalid type: \(describe(value)), expected f32"
        case (.stringList, _): return "invalid type: \(describe(value)), expected a sequence"
        case (.grammar, _): return "invalid type: \(describe(value)), expected a grammar object"
        }
    }

    private static func describe(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let b): return "boolean `\(b)`"
        case .int(let v): return "integer `\(v)`"
        case .uint(let v): return "integer `\(v)`"
        case .double(let v): return "floating point `\(v)`"
        case .string(let s): return "string \"\(s.prefix(40))\""
        case .array: return "sequence"
        case .object: return "map"
        }
    }
}
