import Foundation
import Testing
@testable import Playground

/// Snapshot files: the plain-text rendering, then a role map (one code per cell, see `Role.code`).
/// Set TGPLAY_RECORD_SNAPSHOTS=1 to (re)write them; a missing file is a failure otherwise.
enum Snapshot {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Snapshots")

    static func render(_ buffer: CellBuffer) -> String {
        let legend = Role.allCases.map { "\($0.code)=\($0.name)" }.joined(separator: " ")
        return "\(buffer.width)x\(buffer.height)\n" + buffer.plainText + "\n--- roles (\(legend)) ---\n"
            + buffer.roleMap + "\n"
    }

    static func check(_ buffer: CellBuffer, named name: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let url = directory.appendingPathComponent(name + ".txt")
        let actual = render(buffer)
        if ProcessInfo.processInfo.environment["TGPLAY_RECORD_SNAPSHOTS"] == "1" {
            try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try? actual.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
            Issue.record("missing snapshot \(name).txt (run with TGPLAY_RECORD_SNAPSHOTS=1)", sourceLocation: sourceLocation)
            return
        }
        if expected != actual {
            let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
            let line = zip(e, a).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(e.count, a.count)
            Issue.record("snapshot \(name) differs at line \(line + 1):\nexpected: \(line < e.count ? String(e[line]) : "<end>")\nactual:   \(line < a.count ? String(a[line]) : "<end>")",
                         sourceLocation: sourceLocation)
        }
    }
}
