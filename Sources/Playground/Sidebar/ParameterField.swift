import Foundation
import GenerationCore

/// One row of the sidebar: every TGI generation parameter, the two other servers add (`min_p`,
/// `presence_penalty`: marked ✗ where the backend refuses them, as TGI does), the grammar (kind and text), and the
/// two headers.
/// Each field knows how to show, step, parse and reset its value, so the sidebar view and `update` stay generic.
public enum ParameterField: String, CaseIterable, Sendable {
    case maxNewTokens = "max_new_tokens"
    case temperature
    case topK = "top_k"
    case topP = "top_p"
    case typicalP = "typical_p"
    case minP = "min_p"
    case repetitionPenalty = "repetition_penalty"
    case frequencyPenalty = "frequency_penalty"
    case presencePenalty = "presence_penalty"
    case doSample = "do_sample"
    case seed
    case stop
    case topNTokens = "top_n_tokens"
    case details
    case decoderInputDetails = "decoder_input_details"
    case returnFullText = "return_full_text"
    case truncate
    case bestOf = "best_of"
    case watermark
    case adapterId = "adapter_id"
    case grammarType = "grammar.type"
    case grammarValue = "grammar.value"
    case useCache = "x-use-cache"
    case waitForModel = "x-wait-for-model"
    /// Not a parameter: what the prompt pane holds, `text` or `chat` (F4), kept before `backend` so that
    /// `backend` stays the last field. It lives in `AppState.mode`,
    /// not in the settings, so presets and compare sets never switch it; the sidebar shows and toggles it.
    case mode
    /// Not a TGI parameter: which backend runs get (the default, `local`, or an endpoint URL).
    case backend

    public enum Kind: Sendable { case integer, decimal, boolean, text, list, choice }

    public var kind: Kind {
        switch self {
        case .maxNewTokens, .topK, .seed, .topNTokens, .truncate, .bestOf: return .integer
        case .temperature, .topP, .typicalP, .minP, .repetitionPenalty, .frequencyPenalty, .presencePenalty:
            return .decimal
        case .doSample, .details, .decoderInputDetails, .returnFullText, .watermark, .useCache, .waitForModel:
            return .boolean
        case .adapterId, .grammarValue, .backend: return .text
        case .stop: return .list
        case .grammarType, .mode: return .choice
        }
    }

    /// The label in the sidebar: TGI's own field name.
    public var label: String { rawValue }

    /// Step for Left/Right and the value stepping starts from when the field is unset.
    var step: (delta: Double, start: Double) {
        switch self {
        case .maxNewTokens: return (16, 64)
        case .temperature: return (0.1, 1.0)
        case .topK: return (5, 50)
        case .topP: return (0.05, 0.95)
        case .typicalP: return (0.05, 0.95)
        case .minP: return (0.05, 0.05)
        case .repetitionPenalty: return (0.05, 1.0)
        case .frequencyPenalty: return (0.1, 0)
        case .presencePenalty: return (0.1, 0)
        case .seed: return (1, 0)
        case .topNTokens: return (1, 5)
        case .truncate: return (64, 512)
        case .bestOf: return (1, 1)
        default: return (0, 0)
        }
    }

    /// The value as shown; nil when unset (shown as the server default).
    public func value(in s: ParameterSettings) -> String? {
        let p = s.parameters
        switch self {
        case .maxNewTokens: return p.maxNewTokens.map { "\($0)" }
        case .temperature: return p.temperature.map(Self.format)
        case .topK: return p.topK.map { "\($0)" }
        case .topP: return p.topP.map(Self.format)
        case .typicalP: return p.typicalP.map(Self.format)
        case .minP: return p.minP.map(Self.format)
        case .repetitionPenalty: return p.repetitionPenalty.map(Self.format)
        case .frequencyPenalty: return p.frequencyPenalty.map(Self.format)
        case .presencePenalty: return p.presencePenalty.map(Self.format)
        case .doSample: return p.doSample.map { $0 ? "on" : "off" }
        case .seed: return p.seed.map { "\($0)" }
        case .stop: return p.stop.map(Self.formatList)
        case .topNTokens: return p.topNTokens.map { "\($0)" }
        case .details: return p.details.map { $0 ? "on" : "off" }
        case .decoderInputDetails: return p.decoderInputDetails.map { $0 ? "on" : "off" }
        case .returnFullText: return p.returnFullText.map { $0 ? "on" : "off" }
        case .truncate: return p.truncate.map { "\($0)" }
        case .bestOf: return p.bestOf.map { "\($0)" }
        case .watermark: return p.watermark.map { $0 ? "on" : "off" }
        case .adapterId: return p.adapterId
        case .grammarType: return s.grammarKind?.rawValue
        case .grammarValue: return s.grammarKind == nil && s.grammarText.isEmpty ? nil : Self.escape(s.grammarText)
        case .useCache: return s.useCache ? "on" : "off"
        case .waitForModel: return s.waitForModel ? "on" : "off"
        case .backend: return s.backend?.value
        case .mode: return nil
        }
    }

    /// What the server does when the field is unset, shown dimmed.
    public var serverDefault: String {
        switch self {
        case .maxNewTokens: return "server"
        case .doSample, .decoderInputDetails, .returnFullText, .watermark, .details: return "off"
        case .grammarType: return "none"
        case .backend: return "default"
        case .mode: return "text"
        default: return "unset"
        }
    }

    public func isDefault(in s: ParameterSettings) -> Bool {
        value(in: s) == value(in: .defaults)
    }

    static func format(_ v: Double) -> String {
        var text = String(format: "%.3f", v)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.append("0") }
        return text
    }

    /// Stop sequences shown as `a, b` with `\n`, `\t`, `\,` and `\\` escaped so every sequence is visible.
    /// Shown for a space at either end of a list item (a stop sequence " END" is not "END"), and typed for one:
    /// plain spaces after a comma only separate the items.
    static let visibleSpace: Character = "␣"

    static func formatList(_ items: [String]) -> String {
        items.map { item in
            let text = escape(item).replacingOccurrences(of: String(visibleSpace), with: "\\" + String(visibleSpace))
                .replacingOccurrences(of: ",", with: "\\,")
            let lead = text.prefix { $0 == " " }.count
            let trail = lead == text.count ? 0 : text.reversed().prefix { $0 == " " }.count
            let middle = text.dropFirst(lead).dropLast(trail)
            let mark = String(visibleSpace)
            return String(repeating: mark, count: lead) + middle + String(repeating: mark, count: trail)
        }.joined(separator: ", ")
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
            .replacingOccurrences(of: "\t", with: "\\t")
    }

    /// Undoes `escape` (and `\,` inside lists).
    static func unescape(_ s: String) -> String {
        var out = ""
        var escaping = false
        for c in s {
            if escaping {
                switch c {
                case "n": out.append("\n")
                case "t": out.append("\t")
                default: out.append(c)
                }
                escaping = false
            } else if c == "\\" {
                escaping = true
            } else {
                out.append(c)
            }
        }
        if escaping { out.append("\\") }
        return out
    }

    static func parseList(_ text: String) -> [String] {
        var items: [String] = []
        var current = ""
        var escaping = false
        for c in text {
            if escaping {
                current.append("\\")
                current.append(c)
                escaping = false
            } else if c == "\\" {
                escaping = true
            } else if c == "," {
                items.append(current)
                current = ""
            } else if c == visibleSpace {
                current.append(hardSpace)
            } else {
                current.append(c)
            }
        }
        if escaping { current.append("\\") }
        items.append(current)
        // Plain spaces around items are padding; a typed ␣ (held as `hardSpace` meanwhile) is a space.
        return items.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            .map { unescape($0).replacingOccurrences(of: String(hardSpace), with: " ") }
    }

    /// Stands for a typed ␣ while the list is split and trimmed (a private-use character, never in a stop text).
    private static let hardSpace: Character = "\u{E000}"

    /// The text an edit starts from.
    public func editText(in s: ParameterSettings) -> String {
        switch self {
        case .grammarValue: return Self.escape(s.grammarText)
        default: return value(in: s) ?? ""
        }
    }

    /// Applies typed text; returns a message when it cannot be read (the value is left unchanged then).
    /// Empty text unsets the field.
    public func set(_ raw: String, in s: inout ParameterSettings) -> String? {
        let text = raw.trimmingCharacters(in: .whitespaces)
        if text.isEmpty && kind != .text {
            reset(in: &s, toUnset: true)
            return nil
        }
        switch kind {
        case .integer:
            guard let v = Int64(text) else { return "\(label) wants a whole number" }
            switch self {
            case .maxNewTokens:
                guard let n = UInt32(exactly: v) else { return "\(label) wants 0 to \(UInt32.max)" }
                s.parameters.maxNewTokens = n
            case .topK:
                guard let n = Int32(exactly: v) else { return "\(label) is out of range" }
                s.parameters.topK = n
            case .seed:
                guard let n = UInt64(exactly: v) else { return "\(label) wants a non-negative number" }
                s.parameters.seed = n
            case .topNTokens:
                guard let n = UInt32(exactly: v) else { return "\(label) wants a non-negative number" }
                s.parameters.topNTokens = n
            case .truncate:
                guard let n = UInt(exactly: v) else { return "\(label) wants a non-negative number" }
                s.parameters.truncate = n
            case .bestOf:
                guard let n = UInt(exactly: v) else { return "\(label) wants a non-negative number" }
                s.parameters.bestOf = n
            default: break
            }
        case .decimal:
            guard let v = Double(text), v.isFinite else { return "\(label) wants a number" }
            setDecimal(v, in: &s)
        case .boolean:
            switch text.lowercased() {
            case "on", "true", "yes", "1": setBool(true, in: &s)
            case "off", "false", "no", "0": setBool(false, in: &s)
            default: return "\(label) wants on or off"
            }
        case .text:
            if self == .adapterId { s.parameters.adapterId = text.isEmpty ? nil : text }
            if self == .backend {
                guard Self.setBackend(text, in: &s) else {
                    return "backend is default, local, or an http:// or https:// URL"
                }
            }
            if self == .grammarValue {
                s.grammarText = Self.unescape(raw)
                if s.grammarKind == nil && !raw.isEmpty { s.grammarKind = .regex }
            }
        case .list:
            let items = Self.parseList(raw)
            s.parameters.stop = items.isEmpty ? nil : items
        case .choice:
            guard self == .grammarType else { return nil }
            guard let kind = Grammar.Kind(rawValue: text) else {
                return "grammar.type is one of none, " + Grammar.Kind.allCases.map(\.rawValue).joined(separator: ", ")
            }
            s.grammarKind = kind
        }
        return nil
    }

    func setDecimal(_ v: Double, in s: inout ParameterSettings) {
        switch self {
        case .temperature: s.parameters.temperature = v
        case .topP: s.parameters.topP = v
        case .typicalP: s.parameters.typicalP = v
        case .minP: s.parameters.minP = v
        case .repetitionPenalty: s.parameters.repetitionPenalty = v
        case .frequencyPenalty: s.parameters.frequencyPenalty = v
        case .presencePenalty: s.parameters.presencePenalty = v
        default: break
        }
    }

    func setBool(_ v: Bool, in s: inout ParameterSettings) {
        switch self {
        case .doSample: s.parameters.doSample = v
        case .details: s.parameters.details = v
        case .decoderInputDetails: s.parameters.decoderInputDetails = v
        case .returnFullText: s.parameters.returnFullText = v
        case .watermark: s.parameters.watermark = v
        case .useCache: s.useCache = v
        case .waitForModel: s.waitForModel = v
        default: break
        }
    }

    /// Left/Right: numbers step (from a sensible start when unset), booleans toggle, the grammar kind cycles.
    public func stepped(_ direction: Int, in s: inout ParameterSettings) {
        switch kind {
        case .integer, .decimal:
            let current = value(in: s).flatMap(Double.init)
            let (delta, start) = step
            var next = current.map { $0 + Double(direction) * delta } ?? start
            if kind == .decimal { next = (next * 1000).rounded() / 1000 }
            if kind == .integer { next = max(0, next.rounded()) }
            if self == .topK && next < 1 { next = 1 }
            _ = set(kind == .integer ? String(Int64(next)) : Self.format(next), in: &s)
        case .boolean:
            let on = value(in: s) == "on"
            setBool(!on, in: &s)
        case .choice:
            guard self == .grammarType else { return }
            let all: [Grammar.Kind?] = [nil] + Grammar.Kind.allCases
            let i = all.firstIndex(of: s.grammarKind) ?? 0
            s.grammarKind = all[(i + direction + all.count) % all.count]
        case .text, .list:
            break
        }
    }

    /// Puts the field back to the playground's default.
    public func reset(in s: inout ParameterSettings, toUnset: Bool = false) {
        let d = ParameterSettings.defaults
        switch self {
        case .maxNewTokens: s.parameters.maxNewTokens = toUnset ? nil : d.parameters.maxNewTokens
        case .temperature: s.parameters.temperature = toUnset ? nil : d.parameters.temperature
        case .topK: s.parameters.topK = toUnset ? nil : d.parameters.topK
        case .topP: s.parameters.topP = toUnset ? nil : d.parameters.topP
        case .typicalP: s.parameters.typicalP = toUnset ? nil : d.parameters.typicalP
        case .minP: s.parameters.minP = toUnset ? nil : d.parameters.minP
        case .repetitionPenalty: s.parameters.repetitionPenalty = toUnset ? nil : d.parameters.repetitionPenalty
        case .frequencyPenalty: s.parameters.frequencyPenalty = toUnset ? nil : d.parameters.frequencyPenalty
        case .presencePenalty: s.parameters.presencePenalty = toUnset ? nil : d.parameters.presencePenalty
        case .doSample: s.parameters.doSample = toUnset ? nil : d.parameters.doSample
        case .seed: s.parameters.seed = toUnset ? nil : d.parameters.seed
        case .stop: s.parameters.stop = toUnset ? nil : d.parameters.stop
        case .topNTokens: s.parameters.topNTokens = toUnset ? nil : d.parameters.topNTokens
        case .details: s.parameters.details = toUnset ? nil : d.parameters.details
        case .decoderInputDetails: s.parameters.decoderInputDetails = toUnset ? nil : d.parameters.decoderInputDetails
        case .returnFullText: s.parameters.returnFullText = toUnset ? nil : d.parameters.returnFullText
        case .truncate: s.parameters.truncate = toUnset ? nil : d.parameters.truncate
        case .bestOf: s.parameters.bestOf = toUnset ? nil : d.parameters.bestOf
        case .watermark: s.parameters.watermark = toUnset ? nil : d.parameters.watermark
        case .adapterId: s.parameters.adapterId = toUnset ? nil : d.parameters.adapterId
        case .grammarType: s.grammarKind = d.grammarKind
        case .grammarValue: s.grammarText = d.grammarText
        case .useCache: s.useCache = d.useCache
        case .waitForModel: s.waitForModel = d.waitForModel
        case .backend: s.backend = nil
        case .mode: break
        }
    }

    /// Reads typed backend text into `s`: empty or `default` (the playground's own backend), `local` /
    /// `built-in`, or an http(s) URL. False (and `s` unchanged) for anything else.
    static func setBackend(_ text: String, in s: inout ParameterSettings) -> Bool {
        let t = text.trimmingCharacters(in: .whitespaces)
        let lower = t.lowercased()
        if t.isEmpty || lower == "default" {
            s.backend = nil
        } else if lower == "local" || lower == "built-in" {
            s.backend = .local
        } else if (lower.hasPrefix("http://") || lower.hasPrefix("https://")) && URL(string: t)?.host != nil {
            s.backend = BackendIdentity(t)
        } else {
            return false
        }
        return true
    }

    /// The field a TGI validation message is about: the first backticked name in it (grammar messages name
    /// no field, so they go to the grammar value).
    public static func field(for message: String) -> ParameterField? {
        if message.contains("grammar") { return .grammarValue }
        let parts = message.split(separator: "`", omittingEmptySubsequences: false)
        var i = 1
        while i < parts.count {
            if let f = ParameterField(rawValue: String(parts[i])) { return f }
            i += 2
        }
        return nil
    }
}
