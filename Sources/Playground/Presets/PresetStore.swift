import Foundation

/// Named parameter presets: one JSON file per preset under `<config dir>/presets/`, written atomically, so a
/// person can keep "creative", "strict JSON", "greedy" sets and switch between them in the sidebar.
public struct PresetStore: Sendable {
    public let directory: String

    public init(paths: StatePaths) { directory = paths.configDirectory + "/presets" }

    /// Letters, digits, space, `-`, `_`, `.`; 1 to 40 characters; not starting with a dot.
    public static func isValidName(_ name: String) -> Bool {
        guard (1...40).contains(name.count), !name.hasPrefix(".") else { return false }
        return name.unicodeScalars.allSatisfy {
            CharacterSet.alphanumerics.contains($0) || " -_.".unicodeScalars.contains($0)
        }
    }

    /// Saved presets, sorted by name; an unreadable directory is no presets.
    public func names() -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return files.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
    }

    public func save(_ settings: ParameterSettings, as name: String) throws {
        guard Self.isValidName(name) else { throw PresetError("\"\(name)\" is not a preset name (letters, digits, space, - _ .)") }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(settings).write(to: URL(fileURLWithPath: path(name)), options: .atomic)
    }

    public func load(_ name: String) throws -> ParameterSettings {
        guard let data = FileManager.default.contents(atPath: path(name)) else {
            throw PresetError("preset \"\(name)\" not found in \(directory)")
        }
        do {
            return try JSONDecoder().decode(ParameterSettings.self, from: data)
        } catch {
            throw PresetError("preset \"\(name)\" (\(path(name))) cannot be read: \(error)")
        }
    }

    private func path(_ name: String) -> String { directory + "/" + name + ".json" }
}

/// A preset that cannot be saved or read, in words for the status line.
public struct PresetError: Error, CustomStringConvertible, Equatable {
    public var description: String
    init(_ description: String) { self.description = description }
}
