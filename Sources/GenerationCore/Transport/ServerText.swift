import Foundation

/// Text from a server made safe to show: control characters (ESC, BEL, CR, C1 controls, DEL...) become visible
/// escapes like `\u{1B}`, so an error message cannot retitle, clear or recolour the person's terminal (stderr, the
/// status bar). Newlines and tabs stay (messages are multi-line; the UI wraps them). Applied where server words
/// enter a `GenerationError`, once, so every place that shows them is safe.
///
/// Capped too: a server may send a 50 MB error body, and its words are shown (and echoed on stderr and in the JSON
/// error line); past `maxBytes` the text is cut at a character and says how long it was.
enum ServerText {
    /// The most of a server's text kept in a message, in UTF-8 bytes.
    static let maxBytes = 4096

    static func visible(_ text: String) -> String {
        if text.utf8.count > maxBytes {
            var kept = Substring(text).utf8.prefix(maxBytes)
            while !kept.isEmpty, String(kept) == nil { kept = kept.dropLast() }
            return visible(String(kept) ?? "") + "... (\(text.utf8.count) bytes in all)"
        }
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if isControl(scalar) {
                out.append(contentsOf: "\\u{\(String(scalar.value, radix: 16, uppercase: true))}".unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0A, 0x09: return false
        case 0x00...0x1F, 0x7F...0x9F: return true
        default: return false
        }
    }
}
