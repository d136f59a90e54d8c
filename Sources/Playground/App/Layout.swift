/// Where everything goes in one frame: the panes (prompt editor top left, output below it, parameter sidebar on
/// the right, status bar on the last row), the overlays' areas, and every scroll offset. `view` draws with it and
/// the mouse handler hit-tests with the same value, so a click always lands on what was drawn under it.
public struct Layout: Equatable, Sendable {
    public var prompt: Rect
    public var output: Rect
    public var sidebar: Rect
    public var status: Rect
    /// The sidebar's field rows (the validation message and the footer are below them).
    public var sidebarFields: Rect
    /// Index into `ParameterField.allCases` of the first field drawn in `sidebarFields`.
    public var sidebarScroll = 0
    /// The first output row drawn in `outputText`.
    public var outputTop = 0
    /// The first row of the prompt-token view (F6) drawn in `promptText`.
    public var promptTokensTop = 0
    /// Chat mode: the first conversation row drawn in `promptText` (see `chatRows`).
    public var chatTop = 0
    /// Compare mode's columns left to right, each with its pieces and scroll; empty when compare is closed.
    public var compareColumns: [CompareColumnLayout] = []
    /// The compare position drawn as the cursor in every column (only while the output or the distributions
    /// have the keys).
    public var compareCursor: Int?

    /// The rectangles that depend on the size alone (wrap widths, page heights); the scroll offsets are those
    /// of a fresh state. A frame's drawing and hit-testing use `init(_:width:height:)`.
    public init(width: Int, height: Int, sidebarHidden: Bool = false) {
        // Below 80 columns the sidebar gives the prompt and output more room (its labels give way to values).
        let sidebarWidth = sidebarHidden ? 0 : width >= 80 ? min(42, max(34, width / 3)) : max(26, width - 46)
        let mainWidth = width - sidebarWidth
        let body = height - 1
        let promptHeight = max(5, min(body / 3 + 1, 14))
        prompt = Rect(x: 0, y: 0, width: mainWidth, height: promptHeight)
        output = Rect(x: 0, y: promptHeight, width: mainWidth, height: body - promptHeight)
        sidebar = Rect(x: mainWidth, y: 0, width: sidebarWidth, height: body)
        status = Rect(x: 0, y: height - 1, width: width, height: 1)
        let list = sidebar.inner
        sidebarFields = Rect(x: list.x, y: list.y, width: list.width, height: max(1, list.height - 1))
    }

    /// The frame for `state` at `width` x `height` (by default the state's own size): the rectangles and every
    /// scroll offset, computed once.
    public init(_ state: AppState, width: Int? = nil, height: Int? = nil) {
        self.init(width: width ?? state.width, height: height ?? state.height, sidebarHidden: state.sidebarHidden)
        let list = sidebar.inner
        let messageRows = sidebarMessage(state) == nil ? 1 : sidebarMessageRows + 1
        sidebarFields = Rect(x: list.x, y: list.y, width: list.width, height: max(1, list.height - messageRows))
        let index = ParameterField.allCases.firstIndex(of: state.sidebar.selected) ?? 0
        sidebarScroll = max(0, index - sidebarFields.height + 1)
        let text = outputText
        if state.transcript.width == text.width || text.width < 1 {
            outputTop = firstVisibleRow(state, height: max(1, text.height))
        } else {
            var s = state
            s.transcript.relayout(width: text.width)
            outputTop = firstVisibleRow(s, height: max(1, text.height))
        }
        let promptArea = promptText
        if let c = state.promptTokenCursor, promptArea.width > 0 {
            var tokens = state.promptTokens
            if tokens.width != promptArea.width { tokens.relayout(width: promptArea.width) }
            if c < tokens.tokenRow.count { promptTokensTop = max(0, Int(tokens.tokenRow[c]) - promptArea.height + 1) }
        }
        if state.mode == .chat {
            chatTop = chatFirstRow(state.chat, width: promptArea.width - chatLabelWidth, height: max(1, promptArea.height))
        }
        if let compare = state.compare {
            let boxes = Playground.compareColumns(self, count: compare.columns.count)
            compareCursor = state.focus == .output || state.distributionsOpen ? compare.position : nil
            let focus = compareCursor ?? compare.divergence
            compareColumns = boxes.indices.map { i in
                CompareColumnLayout(compare, i, boxes[i], focus: focus)
            }
        }
    }

    /// The output text area: inside the border, less the legend row at the bottom.
    public var outputText: Rect {
        let i = output.inner
        return Rect(x: i.x, y: i.y, width: i.width, height: i.height - 1)
    }

    public var promptText: Rect { prompt.inner }

    /// The grammar editor goes over the prompt and output panes.
    public var grammarEditor: Rect { Rect(x: 0, y: 0, width: prompt.width, height: output.maxY) }

    /// The history list and compare's distributions go over everything but the status bar: they need the width.
    public var wideOverlay: Rect { Rect(x: 0, y: 0, width: status.width, height: output.maxY) }

    /// Chat mode: the message drawn at screen row `y` of the prompt pane; nil below the last one.
    public func chatMessage(_ draft: ChatDraft, atRow y: Int) -> Int? {
        let rows = chatRows(draft, width: promptText.width - chatLabelWidth).rows
        let i = chatTop + y - promptText.y
        return y >= promptText.y && y < promptText.maxY && rows.indices.contains(i) ? rows[i].message : nil
    }

    /// The parameter drawn at screen row `y` of the sidebar; nil outside the field rows.
    public func sidebarField(atRow y: Int) -> ParameterField? {
        guard y >= sidebarFields.y, y < sidebarFields.maxY else { return nil }
        let fields = ParameterField.allCases
        let i = sidebarScroll + y - sidebarFields.y
        return fields.indices.contains(i) ? fields[i] : nil
    }
}

/// One compare column in a frame: its box, the differing-parameter lines, the token area, the statistics lines
/// under it, and the first token row shown.
public struct CompareColumnLayout: Equatable, Sendable {
    public var box: Rect
    /// nil when the box is too small for anything but its border.
    public var parts: Parts?

    public struct Parts: Equatable, Sendable {
        public var headers: [String]
        public var tokens: Rect
        public var statistics: [String]
        /// The first row of the column's transcript (laid out at `tokens.width`) drawn in `tokens`.
        public var top: Int
    }

    init(_ compare: CompareState, _ i: Int, _ box: Rect, focus: Int?) {
        self.box = box
        guard let p = columnParts(compare, i, box) else { parts = nil; return }
        var t = compare.columns[i].transcript
        if t.width != p.tokens.width, p.tokens.width > 0 { t.relayout(width: p.tokens.width) }
        parts = Parts(headers: p.headers, tokens: p.tokens, statistics: p.statistics,
                      top: columnTop(t, height: p.tokens.height, focus: focus))
    }
}
