/// A terminal colour: the terminal's default, or an index into the 256-colour palette (0-15 are the ANSI 16).
public enum TermColor: Equatable, Hashable, Sendable {
    case standard
    case indexed(UInt8)

    static let names = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"]

    /// Parses `default`, `0`...`255`, `red`, `bright-red`.
    init?(parsing text: String) {
        let t = text.lowercased()
        if t == "default" || t == "none" { self = .standard; return }
        if let n = Int(t), (0...255).contains(n) { self = .indexed(UInt8(n)); return }
        if let i = Self.names.firstIndex(of: t) { self = .indexed(UInt8(i)); return }
        if t.hasPrefix("bright-"), let i = Self.names.firstIndex(of: String(t.dropFirst(7))) {
            self = .indexed(UInt8(i + 8))
            return
        }
        return nil
    }

    /// The nearest of the 16 ANSI colours (for terminals without 256 colours).
    var to16: TermColor {
        guard case .indexed(let n) = self, n >= 16 else { return self }
        let (r, g, b) = Self.rgb(n)
        var best = 0, bestDistance = Int.max
        for i in 0..<16 {
            let (r2, g2, b2) = Self.rgb(UInt8(i))
            let d = (r - r2) * (r - r2) + (g - g2) * (g - g2) + (b - b2) * (b - b2)
            if d < bestDistance { bestDistance = d; best = i }
        }
        return .indexed(UInt8(best))
    }

    /// The 8-colour equivalent; bright colours lose their brightness (the caller may add bold).
    var to8: TermColor {
        guard case .indexed = self, case .indexed(let n) = to16 else { return self }
        return .indexed(n % 8)
    }

    var isBright: Bool {
        if case .indexed(let n) = to16 { return n >= 8 }
        return false
    }

    /// xterm's palette as RGB, for nearest-colour fallback.
    static func rgb(_ n: UInt8) -> (Int, Int, Int) {
        let ansi: [(Int, Int, Int)] = [
            (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205),
            (229, 229, 229), (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255),
            (255, 0, 255), (0, 255, 255), (255, 255, 255),
        ]
        if n < 16 { return ansi[Int(n)] }
        if n >= 232 {
            let v = 8 + Int(n - 232) * 10
            return (v, v, v)
        }
        let i = Int(n) - 16
        let steps = [0, 95, 135, 175, 215, 255]
        return (steps[i / 36], steps[(i / 6) % 6], steps[i % 6])
    }
}

/// Attributes a terminal can draw without colour.
public struct TextAttributes: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let bold = TextAttributes(rawValue: 1)
    public static let dim = TextAttributes(rawValue: 2)
    public static let underline = TextAttributes(rawValue: 4)
    public static let reverse = TextAttributes(rawValue: 8)
    public static let italic = TextAttributes(rawValue: 16)

    static let names: [(String, TextAttributes)] = [
        ("bold", .bold), ("dim", .dim), ("underline", .underline), ("reverse", .reverse), ("italic", .italic),
    ]
}

/// How one role looks: colours plus attributes, and attributes to use instead when colour is unavailable
/// (so the monochrome fallback still tells a cursor from text and a low probability from a high one).
public struct Style: Equatable, Hashable, Sendable {
    public var fg: TermColor
    public var bg: TermColor
    public var attributes: TextAttributes
    public var monoAttributes: TextAttributes

    public init(fg: TermColor = .standard, bg: TermColor = .standard, attributes: TextAttributes = [],
                mono: TextAttributes? = nil) {
        self.fg = fg
        self.bg = bg
        self.attributes = attributes
        monoAttributes = mono ?? attributes
    }
}

/// How many colours the terminal can show; themes are written for 256 and degrade from there.
public enum ColorDepth: Int, Sendable, Comparable {
    case monochrome = 0, eight = 8, sixteen = 16, full = 256

    public static func < (a: ColorDepth, b: ColorDepth) -> Bool { a.rawValue < b.rawValue }

    /// From the terminal's colour count (`COLORS`) and `NO_COLOR`, per no-color.org (present and non-empty).
    public static func detect(colors: Int, environment: [String: String]) -> ColorDepth {
        if let v = environment["NO_COLOR"], !v.isEmpty { return .monochrome }
        if colors >= 256 { return .full }
        if colors >= 16 { return .sixteen }
        if colors >= 8 { return .eight }
        return .monochrome
    }
}

extension Style {
    /// This style as a terminal of `depth` can draw it.
    public func adapted(to depth: ColorDepth) -> Style {
        switch depth {
        case .full: return self
        case .sixteen: return Style(fg: fg.to16, bg: bg.to16, attributes: attributes, mono: monoAttributes)
        case .eight:
            var attrs = attributes
            if fg.isBright { attrs.insert(.bold) }
            return Style(fg: fg.to8, bg: bg.to8, attributes: attrs, mono: monoAttributes)
        case .monochrome:
            return Style(fg: .standard, bg: .standard, attributes: monoAttributes, mono: monoAttributes)
        }
    }
}
