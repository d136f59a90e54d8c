import Foundation
import GenerationCore

/// The history list (F3): every run of the session, newest first, to show again, re-run, diff or export.
public struct HistoryView: Sendable, Equatable {
    /// Index into `AppState.history` of the selected run.
    public var selection: Int
    /// The run (id) marked with Space as the other side of a diff.
    public var marked: Int?
    /// Two run ids being diffed (older, newer); nil shows the list.
    public var diff: [Int]?
}
