/// What a cell means, not how it looks: views paint roles, a `Theme` turns roles into colours and attributes.
/// Keeping colour out of `view` makes snapshots theme-independent and lets one theme switch repaint everything.
public enum Role: UInt8, CaseIterable, Sendable, Hashable {
    case normal, dim, border, borderFocus, title, titleFocus
    case editorText, editorCursor, placeholder
    case sidebarLabel, sidebarValue, sidebarDefault, sidebarSelected, sidebarEditing, sidebarError
    case prob0, prob1, prob2, prob3, prob4, prob5
    case special, whitespace, tokenCursor, partial
    case statusBar, statusIdle, statusBusy, statusError, statusOK
    case popup, popupTitle, popupBar, popupSelected
    case help, helpKey, error, notice
    /// The first token where compare columns differ.
    case divergence

    /// The probability scale, lowest bucket first.
    public static let probabilityScale: [Role] = [.prob0, .prob1, .prob2, .prob3, .prob4, .prob5]

    /// The scale bucket of a probability (nil -> unknown, painted as the lowest).
    public static func probabilityRole(_ p: Double?) -> Role {
        probabilityScale[probabilityBucket(p)]
    }

    /// Buckets: <10%, <30%, <50%, <70%, <90%, >=90%: the cut points of the legend.
    public static func probabilityBucket(_ p: Double?) -> Int {
        guard let p, p.isFinite else { return 0 }
        switch p {
        case ..<0.1: return 0
        case ..<0.3: return 1
        case ..<0.5: return 2
        case ..<0.7: return 3
        case ..<0.9: return 4
        default: return 5
        }
    }

    /// The legend labels of the probability scale, same order as `probabilityScale`.
    public static let probabilityLabels = ["<10", "<30", "<50", "<70", "<90", "90+"]

    /// The name used in theme files and snapshot role maps.
    public var name: String {
        switch self {
        case .prob0: return "prob.0"
        case .prob1: return "prob.1"
        case .prob2: return "prob.2"
        case .prob3: return "prob.3"
        case .prob4: return "prob.4"
        case .prob5: return "prob.5"
        default: return String(describing: self)
        }
    }

    /// One character per role for snapshot role maps.
    public var code: Character {
        let codes = Array(".d|#TtecpLvDSIX012345sw^~BiyrKPOb@HkENV")
        let i = Int(rawValue)
        return i < codes.count ? codes[i] : "?"
    }
}
