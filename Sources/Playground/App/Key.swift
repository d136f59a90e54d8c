/// A decoded key press. The runtime's decoder turns terminal bytes into these; tests build them directly.
public enum Key: Equatable, Hashable, Sendable {
    case character(Character)
    /// Ctrl plus a letter (lower case), e.g. `.ctrl("r")`.
    case ctrl(Character)
    /// Alt (Esc prefix) plus a character.
    case alt(Character)
    case up, down, left, right, home, end, pageUp, pageDown, insert, delete
    case ctrlLeft, ctrlRight, ctrlHome, ctrlEnd
    case backspace, enter, tab, backTab, escape
    case function(Int)
}

/// A mouse press at a screen cell (0-based).
public struct MouseEvent: Equatable, Sendable {
    public enum Button: Equatable, Sendable { case left, middle, right, wheelUp, wheelDown }
    public var button: Button
    public var x: Int
    public var y: Int
    public init(button: Button, x: Int, y: Int) {
        self.button = button
        self.x = x
        self.y = y
    }
}
