import Foundation
@testable import LocalEngine

/// The real model, installed by `scripts/setup.sh` (the same path users get), opened once for all tests.
enum TestModel {
    static var path: String { ModelLocation.resolve(environment: ProcessInfo.processInfo.environment) }

    static let file: GGUFFile = {
        do {
            return try GGUFFile(path: path)
        } catch {
            fatalError("the model is missing or unreadable (\(error)); run `make test`, which installs it")
        }
    }()

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func fixture(_ name: String) throws -> Data { try Data(contentsOf: fixtures.appendingPathComponent(name)) }
}
