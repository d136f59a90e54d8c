import GenerationCore

/// The prompt pane's context meter: the prompt's length in the backend's own tokens against its limit, asked for
/// once typing pauses (`debounce` seconds with no edit), as a `countTokens` effect whose answer comes back as a
/// message, so the UI loop never waits for a tokenizer or a server.
///
/// Driven by the clock (`tick`), not by the keys: every path that edits the prompt bumps the editor's revision,
/// and the tick that first sees a new revision (or another backend) starts the pause.
public struct ContextMeter: Sendable {
    /// What a count is of: the prompt at an editor revision, for a backend (nil: the playground's own).
    struct Subject: Equatable, Sendable {
        var revision: Int
        var backend: BackendIdentity?
    }

    /// The last answer, and what it counted; nil before the first (or when the backend could not count).
    public private(set) var count: TokenCount?
    var counted: Subject?
    /// The change waiting for the pause to end, and when it ends.
    var pending: Subject?
    var dueAt = 0.0
    /// The request in flight (one at a time: an edit made meanwhile is counted when it answers).
    var inFlight: Subject?
    var requestID = 0
    /// Why the backend cannot count (no number is shown then, and the status bar says it once).
    public private(set) var unavailable: String?
    /// The backend that said it cannot count at all: not asked again.
    var refusedBy: BackendIdentity??

    /// Seconds without an edit before the prompt is counted.
    public static let debounce = 0.3

    /// The count to ask for at `now`, if the pause after the last change is over.
    mutating func due(_ subject: Subject, now: Double) -> Int? {
        if subject == counted || subject == inFlight { return nil }
        if let refusedBy, refusedBy == subject.backend { return nil }
        guard subject == pending else {
            pending = subject
            dueAt = now + Self.debounce
            return nil
        }
        guard now >= dueAt, inFlight == nil else { return nil }
        requestID += 1
        inFlight = subject
        return requestID
    }

    /// The answer to request `id`; false when it is an older request's.
    mutating func receive(id: Int, _ answer: TokenCount) -> Bool {
        guard id == requestID, let subject = inFlight else { return false }
        count = answer
        counted = subject
        inFlight = nil
        unavailable = nil
        return true
    }

    /// Request `id` failed: no number is shown (never an old one for another text). Returns the reason when it
    /// is new, for the status bar to say once.
    mutating func fail(id: Int, _ error: GenerationError) -> String? {
        guard id == requestID, let subject = inFlight else { return nil }
        inFlight = nil
        counted = subject
        count = nil
        if error.errorType == .unsupported || error.errorType == .notFound { refusedBy = .some(subject.backend) }
        let reason = error.message
        defer { unavailable = reason }
        return reason == unavailable ? nil : reason
    }

    /// What the prompt pane's title says, longest first: the drawing takes the first that fits, so a number is
    /// never cut. `truncate` is the request's (TGI keeps the last `truncate` tokens of the input); `canTruncate`
    /// is false when the backend refuses the parameter. Empty when there is nothing to show.
    func titles(truncate: Int?, canTruncate: Bool, maxNewTokens: Int) -> (texts: [String], over: Bool) {
        guard let count else { return ([], false) }
        let n = count.count.grouped
        guard let limit = count.limit else { return (["\(n) tok"], false) }
        // The prompt must fit `limit` alone (TGI's input limit) or with the tokens to generate (a context size).
        let room = count.limitKind == .input ? limit : max(0, limit - maxNewTokens)
        let full = "\(n) / \(limit.grouped) tok"
        if let truncate, truncate < count.count, truncate <= room {
            return (["\(full) · truncate keeps the last \(truncate.grouped)", "\(full) · last \(truncate.grouped) kept",
                     full, "\(n)/\(limit.grouped)"], false)
        }
        guard count.count > room else { return ([full, "\(n)/\(limit.grouped)"], false) }
        let over = "\(full) · \((count.count - room).grouped) over"
        let advice = canTruncate && room > 0 ? ["\(over) · truncate would keep the last \(room.grouped)"] : []
        return (advice + [over, full, "\(n)/\(limit.grouped)"], true)
    }
}

extension Int {
    /// The number with thousands separated by commas (`8,192`), as the meter and the status bar show counts.
    var grouped: String {
        let digits = String(magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return self < 0 ? "-" + out : out
    }
}

/// The tick's part for the meter: a count effect when the prompt changed and typing paused. Text mode only
/// (chat mode's text is the templated conversation, which F9 shows; the meter says nothing there).
func contextMeterTick(_ state: inout AppState) -> [Effect] {
    guard state.mode == .text else { return [] }
    let backend = state.runSettings.backend
    let subject = ContextMeter.Subject(revision: state.editor.revision, backend: backend)
    guard let id = state.contextMeter.due(subject, now: state.now) else { return [] }
    return [.countTokens(id: id, text: state.editor.text, useCache: state.settings.useCache,
                         waitForModel: state.settings.waitForModel, backend: backend)]
}
