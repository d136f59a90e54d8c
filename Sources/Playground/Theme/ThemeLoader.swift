import Foundation

/// Finds theme files by name and loads them; a missing or broken file is a readable message plus the
/// built-in default, never a crash.
public struct ThemeLoader: Sendable {
    /// Directories searched in order: `$TGPLAY_THEMES`, `$XDG_CONFIG_HOME/tgplay/themes`, the repository's
    /// `themes/` next to the build directory, and `/usr/local/share/tgplay/themes`.
    public var directories: [String]

    public init(directories: [String]) { self.directories = directories }

    public static func standard(environment: [String: String], executablePath: String) -> ThemeLoader {
        var dirs: [String] = []
        if let d = environment["TGPLAY_THEMES"], !d.isEmpty { dirs.append(d) }
        dirs.append(StatePaths(environment: environment).configDirectory + "/themes")
        // .build/<config>/tgplay -> repository root/themes; also a plain <prefix>/bin/tgplay -> <prefix>/share.
        var url = URL(fileURLWithPath: executablePath).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            dirs.append(url.appendingPathComponent("themes").path)
            dirs.append(url.appendingPathComponent("share/tgplay/themes").path)
            url = url.deletingLastPathComponent()
        }
        return ThemeLoader(directories: dirs)
    }

    /// Names of the themes found, sorted, the built-in default always included.
    public func available() -> [String] {
        var names: Set<String> = [Theme.builtinDefault.name]
        for dir in directories {
            guard let files = try? FileManager.default.contentsOfDirectory(atPath: dir) else { continue }
            for f in files where f.hasSuffix(".theme") { names.insert(String(f.dropLast(6))) }
        }
        return names.sorted()
    }

    /// The theme called `name`, or the default with a message saying why not.
    public func load(_ name: String) -> (theme: Theme, problem: String?) {
        for dir in directories {
            let path = dir + "/" + name + ".theme"
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            guard let text = String(data: data, encoding: .utf8) else {
                return (.builtinDefault, "theme \(path) is not UTF-8 text; using the default theme")
            }
            do {
                var theme = try Theme.parse(text, name: name)
                theme.name = name
                return (theme, nil)
            } catch {
                return (.builtinDefault, "theme \(path): \(error); using the default theme")
            }
        }
        if name == Theme.builtinDefault.name { return (.builtinDefault, nil) }
        return (.builtinDefault, "no theme named \"\(name)\" (available: \(available().joined(separator: ", "))); using the default theme")
    }
}
