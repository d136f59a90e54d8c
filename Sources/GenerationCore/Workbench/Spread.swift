import Foundation

/// Several measurements of one figure as the benchmarks print them: the least, the median and the largest, so a
/// reader sees both the typical value and how much a shared machine's noise moved it (never a single best run).
public struct Spread: Encodable, Sendable, Equatable {
    public var min: Double
    public var median: Double
    public var max: Double
    /// How many measurements.
    public var runs: Int

    /// From the measurements in any order; an empty list gives zeros with `runs` 0.
    public init(_ values: [Double]) {
        let sorted = values.sorted()
        runs = sorted.count
        guard let first = sorted.first, let last = sorted.last else {
            min = 0
            median = 0
            max = 0
            return
        }
        min = first
        max = last
        let middle = sorted.count / 2
        median = sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
