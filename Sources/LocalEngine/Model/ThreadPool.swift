import Dispatch

/// Splits row ranges of a matrix product over the worker threads.
///
/// Results do not depend on the thread count: every output row is computed whole by one call, in the same
/// order, whichever thread runs it.
public struct RowSplitter: Sendable {
    public let threads: Int

    public init(threads: Int) { self.threads = max(1, threads) }

    /// Runs `body(part, parts)` for part in 0..<parts on the threads (parts = 1 runs on the caller): one hand-off
    /// for several products that share an input, each split with `RowSplitter.range`.
    func run(parts: Int, _ body: (Int) -> Void) {
        let parts = max(1, min(threads, parts))
        if parts == 1 {
            body(0)
            return
        }
        withoutActuallyEscaping(body) { body in
            let box = UncheckedBox(body)
            DispatchQueue.concurrentPerform(iterations: parts) { part in box.value(part) }
        }
    }

    /// The rows of part `part` of `parts` in a split of `0..<rows`: the same contiguous chunks `run(rows:)` uses.
    static func range(part: Int, of parts: Int, rows: Int) -> Range<Int> {
        let chunk = (rows + parts - 1) / parts
        return min(rows, part * chunk)..<min(rows, (part + 1) * chunk)
    }

    /// How many parts `run(rows:)` splits `rows` rows into.
    func parts(rows: Int, minimumRowsPerThread: Int = 64) -> Int {
        min(threads, max(1, rows / minimumRowsPerThread))
    }

    /// Runs `body` on disjoint, contiguous sub-ranges covering `0..<rows`.
    func run(rows: Int, minimumRowsPerThread: Int = 64, _ body: (Range<Int>) -> Void) {
        let parts = min(threads, max(1, rows / minimumRowsPerThread))
        if parts == 1 {
            body(0..<rows)
            return
        }
        // Aligned chunks keep each part's rows on separate cache lines.
        let chunk = (rows + parts - 1) / parts
        withoutActuallyEscaping(body) { body in
            let box = UncheckedBox(body)
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                let start = part * chunk
                let end = min(rows, start + chunk)
                if start < end { box.value(start..<end) }
            }
        }
    }
}

/// Carries a non-Sendable closure into `concurrentPerform`; safe because the callers write disjoint rows.
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
