import Foundation

/// The XDG base directories tgplay uses, read one way everywhere: the variable when it holds an absolute path,
/// else the default under `HOME`. A relative value is ignored, as the XDG spec says (one relative path in the
/// environment must not scatter session or config files into whatever the working directory is).
public enum XDGDirectory: Sendable {
    case config, state, cache

    var variable: String {
        switch self {
        case .config: return "XDG_CONFIG_HOME"
        case .state: return "XDG_STATE_HOME"
        case .cache: return "XDG_CACHE_HOME"
        }
    }

    var fallback: String {
        switch self {
        case .config: return "/.config"
        case .state: return "/.local/state"
        case .cache: return "/.cache"
        }
    }

    /// The base directory (without `tgplay`).
    public func path(environment: [String: String]) -> String {
        if let value = environment[variable], value.hasPrefix("/") { return value }
        return (environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()) + fallback
    }
}
