/// The cells a terminal must write to turn the frame on screen into the next one: the one diff the curses
/// screen blits and `bench ui` counts, so the benchmark measures what the screen does.
public enum CellDiff {
    /// Indices into `frame.cells` to write, in screen order. Every cell when there is no previous frame or
    /// its size differs; otherwise the cells that changed, plus a wide grapheme whose right half changed (the
    /// terminal draws both halves from the wide cell). Continuation cells are never listed: writing the wide
    /// cell covers them.
    public static func writes(from previous: CellBuffer?, to frame: CellBuffer) -> [Int] {
        let cells = frame.cells
        guard let previous, previous.width == frame.width, previous.height == frame.height else {
            return cells.indices.filter { cells[$0].width != 0 }
        }
        let old = previous.cells
        var out: [Int] = []
        for i in cells.indices {
            let cell = cells[i]
            if cell.width == 0 { continue }
            let x = i % frame.width
            let rightHalfSame = cell.width == 1 || (x + 1 < frame.width && old[i + 1] == cells[i + 1])
            if old[i] == cell && rightHalfSame { continue }
            out.append(i)
        }
        return out
    }
}
