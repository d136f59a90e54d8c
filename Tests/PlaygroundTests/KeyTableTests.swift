import Foundation
import Testing
@testable import Playground

/// The README's "Keys" table and the help overlay are one list: `keyTable`.
@Suite("Key table")
struct KeyTableTests {
    struct Row: Equatable, CustomStringConvertible {
        var place: String
        var keys: String
        var does: String
        var description: String { "| \(place) | \(keys) | \(does) |" }
    }

    /// The rows of the README's "### Keys" table, an empty "Where" cell meaning the row above's.
    static func readmeRows() throws -> [Row] {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let start = try #require(lines.firstIndex(of: "### Keys"), "README.md has no ### Keys section")
        var rows: [Row] = []
        var place = ""
        var inTable = false
        for line in lines[(start + 1)...] {
            guard line.hasPrefix("|") else {
                if inTable { break }
                continue
            }
            inTable = true
            let cells = line.dropFirst().dropLast(line.hasSuffix("|") ? 1 : 0)
                .split(separator: "|", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            #expect(cells.count == 3, "not three cells: \(line)")
            guard cells.count == 3 else { continue }
            if cells == ["Where", "Key", "Does"] || cells.allSatisfy({ $0.allSatisfy { $0 == "-" } }) { continue }
            if !cells[0].isEmpty { place = cells[0] }
            rows.append(Row(place: place, keys: cells[1], does: cells[2]))
        }
        return rows
    }

    static var codeRows: [Row] {
        keyTable.flatMap { section in section.bindings.map { Row(place: section.place, keys: $0.keys, does: $0.does) } }
    }

    @Test func readmeTableIsTheCodesTable() throws {
        let readme = try Self.readmeRows()
        let code = Self.codeRows
        #expect(readme.count > 40, "the README's table was not found whole: \(readme.count) rows")
        for (i, (r, c)) in zip(readme, code).enumerated() where r != c {
            Issue.record("row \(i + 1) differs:\nREADME: \(r)\ncode:   \(c)")
            break
        }
        #expect(readme.count == code.count, "README has \(readme.count) rows, keyTable \(code.count)")
        if readme.count > code.count { Issue.record("only in README: \(readme[code.count...].map(\.description))") }
        if code.count > readme.count { Issue.record("only in keyTable: \(code[readme.count...].map(\.description))") }
    }

    /// The table's places are the sections: each appears once, in one run of rows.
    @Test func everyPlaceIsOneSection() {
        let places = keyTable.map(\.place)
        #expect(Set(places).count == places.count)
        #expect(keyTable.allSatisfy { !$0.bindings.isEmpty })
    }

    /// The help overlay at 80x24 shows every binding of the table, each within its column.
    @Test func helpAt80x24ShowsEveryKey() {
        var h = Harness(width: 80, height: 24)
        h.keys(.function(1))
        let screen = h.screen
        for section in keyTable {
            #expect(screen.contains(section.title), "heading \(section.title)")
            for b in section.bindings {
                #expect(DisplayWidth.of(b.shortKeys) <= 10 && DisplayWidth.of(b.shortDoes) <= 13,
                        "too wide for the help: \(b.shortKeys) \(b.shortDoes)")
                #expect(screen.contains(" " + b.shortKeys), "key \(b.shortKeys)")
                #expect(screen.contains(b.shortDoes), "\(b.shortKeys): \(b.shortDoes)")
            }
        }
        #expect(!screen.rowText(23).contains("Keys"), "the status bar stays visible")
    }

    /// At 60x16 the help's columns do not fit side by side: it has pages (PgDn, PgUp), and across them every
    /// binding's description is whole, none cut at a column's edge.
    @Test func helpAt60x16KeepsEveryDescriptionOverItsPages() {
        var h = Harness(width: 60, height: 16)
        h.keys(.function(1))
        let pages = helpPageCount(width: 60, height: 16)
        #expect(pages > 1)
        #expect(h.screen.contains("1/\(pages) PgDn PgUp"))
        var screens = [h.screen]
        for _ in 1..<pages {
            h.keys(.pageDown)
            screens.append(h.screen)
        }
        #expect(screens.last?.contains("\(pages)/\(pages) PgDn PgUp") == true)
        h.keys(.pageDown)
        #expect(h.screen.contains("\(pages)/\(pages) PgDn PgUp"), "the last page stays")
        for section in keyTable {
            for b in section.bindings {
                #expect(screens.contains { $0.contains(" " + b.shortKeys) && $0.contains(b.shortDoes) },
                        "\(b.shortKeys): \(b.shortDoes)")
            }
        }
        Snapshot.check(screens[0], named: "help-60x16")
        h.keys(.pageUp)
        #expect(h.screen.contains("\(pages - 1)/\(pages) PgDn PgUp"))
        h.keys(.escape)
        h.keys(.function(1))
        #expect(h.screen.contains("1/\(pages) PgDn PgUp"), "reopened on the first page")
    }

    @Test func headingsNeverEndAColumn() {
        for rows in [4, 8, 12, 13, 20, 21, 37] {
            for column in helpColumns(rows: rows) {
                #expect(column.count <= rows)
                if case .title? = column.last { Issue.record("a heading ends a column of \(rows)") }
            }
        }
    }
}
