import Foundation
import GenerationCore

/// XDG locations: settings (parameters, theme) under the config dir, the prompt under the state dir.
public struct StatePaths: Sendable {
    public var configDirectory: String
    public var stateDirectory: String

    public init(environment: [String: String]) {
        configDirectory = XDGDirectory.config.path(environment: environment) + "/tgplay"
        stateDirectory = XDGDirectory.state.path(environment: environment) + "/tgplay"
    }

    public var settingsFile: String { configDirectory + "/playground.json" }
    public var promptFile: String { stateDirectory + "/prompt.txt" }
}

/// What survives a restart.
public struct SavedSession: Codable, Equatable, Sendable {
    public var settings: ParameterSettings
    public var theme: String?
    public var prompt: String

    public init(settings: ParameterSettings, theme: String?, prompt: String) {
        self.settings = settings
        self.theme = theme
        self.prompt = prompt
    }

    private struct SettingsFile: Codable {
        var settings: ParameterSettings
        var theme: String?
    }

    /// Writes both files atomically (temporary file + rename), so a crash mid-write never leaves half a file.
    public func save(to paths: StatePaths) throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: paths.configDirectory, withIntermediateDirectories: true)
        try fm.createDirectory(atPath: paths.stateDirectory, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(SettingsFile(settings: settings, theme: theme))
        try data.write(to: URL(fileURLWithPath: paths.settingsFile), options: .atomic)
        // Owner-only and atomic, like the session: a prompt can be private.
        try SessionFile.writeAtomically(Data(prompt.utf8), to: paths.promptFile)
    }

    /// The saved session; missing files give defaults, an unreadable settings file gives defaults and a message.
    public static func load(from paths: StatePaths) -> (SavedSession, problem: String?) {
        var session = SavedSession(settings: .defaults, theme: nil, prompt: "")
        var problem: String?
        if let data = FileManager.default.contents(atPath: paths.settingsFile) {
            do {
                let file = try JSONDecoder().decode(SettingsFile.self, from: data)
                session.settings = file.settings
                session.theme = file.theme
            } catch {
                problem = "could not read \(paths.settingsFile); using default parameters"
            }
        }
        if let data = FileManager.default.contents(atPath: paths.promptFile) {
            session.prompt = String(decoding: data, as: UTF8.self)
        }
        return (session, problem)
    }
}
