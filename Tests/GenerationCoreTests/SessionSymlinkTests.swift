import Foundation
import Testing
@testable import GenerationCore

/// Issue 16, item 10: saving to a symlink (`--session link.json`) updates the file it points to; the link stays.
@Suite struct SessionSymlinkTests {
    @Test func savingThroughASymlinkUpdatesTheTarget() throws {
        let dir = try SessionTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let target = dir.appendingPathComponent("real").appendingPathComponent("work.json").path
        try FileManager.default.createDirectory(atPath: dir.appendingPathComponent("real").path, withIntermediateDirectories: true)
        let link = dir.appendingPathComponent("link.json").path
        let chained = dir.appendingPathComponent("chained.json").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "real/work.json")  // relative
        try FileManager.default.createSymbolicLink(atPath: chained, withDestinationPath: link)
        var session = Session(prompt: "first")
        try SessionFile.save(session, to: link)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == "real/work.json", "the link is kept")
        #expect(try SessionFile.load(from: target).prompt == "first")
        session.prompt = "second"
        try SessionFile.save(session, to: chained)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: chained) == link)
        #expect(try SessionFile.load(from: target).prompt == "second")
        let attributes = try FileManager.default.attributesOfItem(atPath: target)
        #expect((attributes[.posixPermissions] as? Int).map { $0 & 0o077 } == 0)
    }
}
