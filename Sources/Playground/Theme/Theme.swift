import Foundation

/// Maps every `Role` to a `Style`. Loaded from `themes/NAME.theme` data files; the built-in default is compiled
/// in so a missing or broken file never leaves the screen unpainted.
///
/// File format, one role a line, `#` comments:
/// ```
/// name = default-dark
/// title = fg=15 bg=default bold  mono=bold
/// prob.5 = fg=46
/// ```
/// Colours are `default`, `0`-`255`, `red`, `bright-red`; attributes bold dim underline reverse italic;
/// `mono=a,b` gives the attributes used when colour is off. Roles left out inherit the built-in default.
public struct Theme: Equatable, Sendable {
    public var name: String
    var styles: [Style]

    public func style(_ role: Role) -> Style { styles[Int(role.rawValue)] }

    public init(name: String, styles: [Role: Style], base: Theme? = nil) {
        self.name = name
        var all = base?.styles ?? Array(repeating: Style(), count: Role.allCases.count)
        for (role, style) in styles { all[Int(role.rawValue)] = style }
        self.styles = all
    }

    /// A problem in a theme file, with the line it is on.
    public struct ParseError: Error, CustomStringConvertible, Equatable {
        public var line: Int
        public var message: String
        public var description: String { "line \(line): \(message)" }
    }

    /// Parses theme text; roles not mentioned keep the built-in default's style.
    public static func parse(_ text: String, name defaultName: String) throws -> Theme {
        var name = defaultName
        var styles: [Role: Style] = [:]
        let byName = Dictionary(uniqueKeysWithValues: Role.allCases.map { ($0.name, $0) })
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first
                .map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            if line.isEmpty { continue }
            guard let eq = line.firstIndex(of: "=") else {
                throw ParseError(line: number + 1, message: "expected `role = fg=... bg=... attributes`, got \"\(line)\"")
            }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            if key == "name" { name = value; continue }
            guard let role = byName[key] else {
                throw ParseError(line: number + 1, message: "unknown role \"\(key)\"")
            }
            styles[role] = try parseStyle(value, line: number + 1)
        }
        return Theme(name: name, styles: styles, base: .builtinDefault)
    }

    static func parseStyle(_ text: String, line: Int) throws -> Style {
        var style = Style()
        var mono: TextAttributes?
        func attributes(_ word: String) throws -> TextAttributes {
            guard let a = TextAttributes.names.first(where: { $0.0 == word })?.1 else {
                throw ParseError(line: line, message: "unknown attribute \"\(word)\"")
            }
            return a
        }
        for word in text.split(separator: " ").map(String.init) where !word.isEmpty {
            if word.hasPrefix("fg=") || word.hasPrefix("bg=") {
                guard let c = TermColor(parsing: String(word.dropFirst(3))) else {
                    throw ParseError(line: line, message: "unknown colour \"\(word.dropFirst(3))\" (use default, 0-255 or a name like bright-red)")
                }
                if word.hasPrefix("fg=") { style.fg = c } else { style.bg = c }
            } else if word.hasPrefix("mono=") {
                var m: TextAttributes = []
                for part in word.dropFirst(5).split(separator: ",") where part != "none" { m.insert(try attributes(String(part))) }
                mono = m
            } else {
                style.attributes.insert(try attributes(word))
            }
        }
        style.monoAttributes = mono ?? style.attributes
        return style
    }

    /// The theme used when nothing else is asked for or a file is broken. `themes/default-dark.theme` is
    /// the same theme as a file, to copy and edit.
    public static let builtinDefault: Theme = {
        func s(_ fg: Int?, _ bg: Int? = nil, _ a: TextAttributes = [], mono: TextAttributes? = nil) -> Style {
            Style(fg: fg.map { .indexed(UInt8($0)) } ?? .standard, bg: bg.map { .indexed(UInt8($0)) } ?? .standard,
                  attributes: a, mono: mono)
        }
        let styles: [Role: Style] = [
            .normal: s(252), .dim: s(244, nil, [], mono: .dim), .border: s(240), .borderFocus: s(75, nil, .bold),
            .title: s(250, nil, .bold), .titleFocus: s(75, nil, .bold),
            .editorText: s(254), .editorCursor: s(16, 252, [], mono: .reverse), .placeholder: s(242, nil, [], mono: .dim),
            .sidebarLabel: s(250), .sidebarValue: s(230, nil, .bold), .sidebarDefault: s(244, nil, [], mono: .dim),
            .sidebarSelected: s(255, 238, [], mono: .reverse), .sidebarEditing: s(16, 229, [], mono: [.reverse, .underline]),
            .sidebarError: s(203, nil, .bold),
            .prob0: s(196, nil, [], mono: [.underline, .bold]), .prob1: s(208, nil, [], mono: .underline),
            .prob2: s(220, nil, [], mono: .bold), .prob3: s(190), .prob4: s(118), .prob5: s(46, nil, [], mono: .dim),
            .special: s(201, nil, .italic, mono: [.italic, .dim]), .whitespace: s(239, 235, [], mono: .dim),
            .tokenCursor: s(16, 81, [], mono: .reverse), .partial: s(244, nil, .italic, mono: .dim),
            .statusBar: s(252, 236), .statusIdle: s(252, 236, .bold), .statusBusy: s(16, 214, .bold, mono: .reverse),
            .statusError: s(231, 160, .bold, mono: [.reverse, .bold]), .statusOK: s(16, 78, .bold, mono: .bold),
            .popup: s(252, 237), .popupTitle: s(81, 237, .bold), .popupBar: s(81, 237), .popupSelected: s(16, 81, [], mono: .reverse),
            .help: s(252, 236), .helpKey: s(229, 236, .bold), .error: s(203, nil, .bold), .notice: s(229, nil, .bold),
            .divergence: s(16, 213, .bold, mono: [.reverse, .underline]),
        ]
        return Theme(name: "default-dark", styles: styles, base: nil)
    }()
}
