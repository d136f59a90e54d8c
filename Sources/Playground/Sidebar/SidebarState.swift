import Foundation
import GenerationCore

/// The sidebar: which field is selected, and the text being typed into it.
public struct SidebarState: Sendable {
    public var selected: ParameterField = .maxNewTokens
    /// Non-nil while a field is being edited.
    public var editText: String?
    /// Why the last typed value was refused (not a validation message: those are computed live).
    public var inputProblem: String?
    /// Saved preset names, and the one last saved or loaded.
    public var presets: [String] = []
    public var activePreset: String?
}
