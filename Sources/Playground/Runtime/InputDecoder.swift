/// Turns terminal input bytes into key, paste and mouse messages: xterm/VT function keys (CSI and SS3),
/// modifiers, UTF-8, bracketed paste (delivered whole, however many reads it spans), SGR mouse, and Esc versus
/// Alt: a lone Esc is only reported when no byte follows it in time (`flushPendingEscape`).
public struct InputDecoder: Sendable {
    var pending: [UInt8] = []
    var paste: [UInt8]?
    static let pasteEnd: [UInt8] = Array("\u{1B}[201~".utf8)

    public init() {}

    /// True when a lone Esc waits to see whether a sequence follows.
    public var hasPendingEscape: Bool { paste == nil && pending == [0x1B] }

    public mutating func feed(_ bytes: [UInt8]) -> [Message] {
        pending.append(contentsOf: bytes)
        var out: [Message] = []
        var i = 0
        let b = pending
        while i < b.count {
            if paste != nil {
                // Look for the end marker; everything before it is pasted text.
                if let end = Self.find(Self.pasteEnd, in: b, from: i) {
                    paste?.append(contentsOf: b[i..<end])
                    out.append(.paste(Self.normalizePaste(paste ?? [])))
                    paste = nil
                    i = end + Self.pasteEnd.count
                    continue
                }
                // Keep a possible partial end marker for the next read.
                let keep = min(Self.pasteEnd.count - 1, b.count - i)
                paste?.append(contentsOf: b[i..<(b.count - keep)])
                i = b.count - keep
                break
            }
            let c = b[i]
            if c == 0x1B {
                guard let (consumed, message) = escape(b, i) else { break }  // incomplete: wait for more
                if let message { out.append(message) }
                i += consumed
                continue
            }
            if c < 0x20 || c == 0x7F {
                out.append(.key(Self.control(c)))
                i += 1
                continue
            }
            // A run of printable UTF-8 becomes one key per grapheme.
            var j = i
            while j < b.count && b[j] >= 0x20 && b[j] != 0x7F && b[j] != 0x1B { j += 1 }
            // Do not split a multi-byte scalar across reads.
            var end = j
            if end == b.count {
                var k = end - 1
                var back = 0
                while k >= i && b[k] & 0xC0 == 0x80 && back < 3 { k -= 1; back += 1 }
                if k >= i && b[k] >= 0xC0 {
                    let need = b[k] >= 0xF0 ? 4 : b[k] >= 0xE0 ? 3 : 2
                    if end - k < need { end = k }
                }
            }
            if end == i { break }
            let text = String(decoding: b[i..<end], as: UTF8.self)
            for ch in text { out.append(.key(.character(ch))) }
            i = end
        }
        pending = Array(b[i...])
        return out
    }

    /// Called when no byte arrived shortly after a lone Esc: it was the Esc key.
    public mutating func flushPendingEscape() -> [Message] {
        guard hasPendingEscape else { return [] }
        pending = []
        return [.key(.escape)]
    }

    static func control(_ c: UInt8) -> Key {
        switch c {
        case 0x0D, 0x0A: return .enter
        case 0x09: return .tab
        case 0x7F, 0x08: return .backspace
        case 0x1F: return .ctrl("_")
        case 0x00: return .ctrl(" ")
        default: return .ctrl(Character(Unicode.Scalar(c + 0x60)))
        }
    }

    static func normalizePaste(_ bytes: [UInt8]) -> String {
        String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
            .replacingOccurrences(of: "\r", with: "\n")
    }

    static func find(_ needle: [UInt8], in hay: [UInt8], from: Int) -> Int? {
        guard hay.count - from >= needle.count else { return nil }
        var i = from
        while i + needle.count <= hay.count {
            if hay[i] == needle[0] && Array(hay[i..<(i + needle.count)]) == needle { return i }
            i += 1
        }
        return nil
    }

    /// Decodes an escape sequence at `i`: (bytes consumed, message) or nil when more bytes are needed.
    mutating func escape(_ b: [UInt8], _ i: Int) -> (Int, Message?)? {
        guard i + 1 < b.count else { return nil }
        let next = b[i + 1]
        if next == UInt8(ascii: "[") {
            // CSI: parameters 0x30-0x3F, intermediates 0x20-0x2F, final 0x40-0x7E.
            var j = i + 2
            while j < b.count && (0x20...0x3F).contains(b[j]) { j += 1 }
            guard j < b.count else { return nil }
            let params = String(decoding: b[(i + 2)..<j], as: UTF8.self)
            let final = Character(Unicode.Scalar(b[j]))
            return (j - i + 1, csi(params, final))
        }
        if next == UInt8(ascii: "O") {
            guard i + 2 < b.count else { return nil }
            let key: Key?
            switch Character(Unicode.Scalar(b[i + 2])) {
            case "A": key = .up
            case "B": key = .down
            case "C": key = .right
            case "D": key = .left
            case "H": key = .home
            case "F": key = .end
            case "P": key = .function(1)
            case "Q": key = .function(2)
            case "R": key = .function(3)
            case "S": key = .function(4)
            default: key = nil
            }
            return (3, key.map { .key($0) })
        }
        if next == 0x1B { return (1, .key(.escape)) }
        if next < 0x20 { return (1, .key(.escape)) }
        if next == 0x7F { return (2, .key(.alt("\u{7F}"))) }
        // Alt + a UTF-8 character.
        let len = next >= 0xF0 ? 4 : next >= 0xE0 ? 3 : next >= 0xC0 ? 2 : 1
        guard i + 1 + len <= b.count else { return nil }
        let text = String(decoding: b[(i + 1)..<(i + 1 + len)], as: UTF8.self)
        return (1 + len, text.first.map { .key(.alt($0)) })
    }

    mutating func csi(_ params: String, _ final: Character) -> Message? {
        if params.hasPrefix("<") && (final == "M" || final == "m") {
            // SGR mouse: <button;x;y, M press / m release (1-based cells).
            let parts = params.dropFirst().split(separator: ";").compactMap { Int($0) }
            guard parts.count == 3, final == "M" else { return nil }
            let button: MouseEvent.Button
            switch parts[0] & ~(4 | 8 | 16) {
            case 0: button = .left
            case 1: button = .middle
            case 2: button = .right
            case 64: button = .wheelUp
            case 65: button = .wheelDown
            default: return nil
            }
            if parts[0] & 32 != 0 { return nil }  // motion
            return .mouse(MouseEvent(button: button, x: parts[1] - 1, y: parts[2] - 1))
        }
        let numbers = params.split(separator: ";").map { Int($0) ?? 0 }
        let modifier = numbers.count > 1 ? numbers[1] : 1
        let ctrl = modifier >= 5 && modifier <= 8
        switch final {
        case "A": return .key(.up)
        case "B": return .key(.down)
        case "C": return .key(ctrl ? .ctrlRight : .right)
        case "D": return .key(ctrl ? .ctrlLeft : .left)
        case "H": return .key(ctrl ? .ctrlHome : .home)
        case "F": return .key(ctrl ? .ctrlEnd : .end)
        case "Z": return .key(.backTab)
        case "P": return .key(.function(1))
        case "Q": return .key(.function(2))
        case "R": return .key(.function(3))
        case "S": return .key(.function(4))
        case "~":
            switch numbers.first ?? 0 {
            case 1, 7: return .key(.home)
            case 4, 8: return .key(.end)
            case 2: return .key(.insert)
            case 3: return .key(.delete)
            case 5: return .key(.pageUp)
            case 6: return .key(.pageDown)
            case 11...15: return .key(.function((numbers.first ?? 11) - 10))
            case 17...21: return .key(.function((numbers.first ?? 17) - 11))
            case 23, 24: return .key(.function((numbers.first ?? 23) - 12))
            case 200:
                paste = []
                return nil
            default: return nil
            }
        default:
            return nil
        }
    }
}
