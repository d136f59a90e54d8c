/// Where each pane goes for a screen size: prompt editor top left, output below it, parameter sidebar on the
/// right, status bar on the last row. Shared by `view` and `update` (mouse hits, wrap widths).
public struct Layout: Equatable, Sendable {
    public var prompt: Rect
    public var output: Rect
    public var sidebar: Rect
    public var status: Rect

    public init(width: Int, height: Int) {
        let sidebarWidth = min(42, max(34, width / 3))
        let mainWidth = width - sidebarWidth
        let body = height - 1
        let promptHeight = max(5, min(body / 3 + 1, 14))
        prompt = Rect(x: 0, y: 0, width: mainWidth, height: promptHeight)
        output = Rect(x: 0, y: promptHeight, width: mainWidth, height: body - promptHeight)
        sidebar = Rect(x: mainWidth, y: 0, width: sidebarWidth, height: body)
        status = Rect(x: 0, y: height - 1, width: width, height: 1)
    }

    /// The output text area: inside the border, less the legend row at the bottom.
    public var outputText: Rect {
        let i = output.inner
        return Rect(x: i.x, y: i.y, width: i.width, height: i.height - 1)
    }

    public var promptText: Rect { prompt.inner }
}
