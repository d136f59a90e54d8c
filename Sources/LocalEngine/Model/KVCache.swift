/// Keys and values of one layer (one KV head per layer in this model, head_dim floats per position).
///
/// Sliding layers keep a ring of `window + maxBatch` positions: a whole batch is written before attention runs,
/// so its earliest query still finds the `window - 1` keys before it. Global layers keep every position.
struct LayerCache {
    let width: Int
    let ringCapacity: Int?
    private(set) var keys: [Float] = []
    private(set) var values: [Float] = []
    private var capacity = 0

    init(width: Int, ringCapacity: Int?) {
        self.width = width
        self.ringCapacity = ringCapacity
    }

    /// The storage slot of absolute position `pos`.
    @inline(__always)
    func slot(_ pos: Int) -> Int { ringCapacity.map { pos % $0 } ?? pos }

    /// Makes room for positions below `count`.
    mutating func reserve(positions count: Int) {
        let needed = ringCapacity.map { min($0, count) } ?? count
        guard needed > capacity else { return }
        var grown = max(needed, capacity * 2, 64)
        if let ring = ringCapacity { grown = min(grown, ring) }
        keys.append(contentsOf: repeatElement(0, count: (grown - capacity) * width))
        values.append(contentsOf: repeatElement(0, count: (grown - capacity) * width))
        capacity = grown
    }

    mutating func store(pos: Int, key: UnsafePointer<Float>, value: UnsafePointer<Float>) {
        let base = slot(pos) * width
        keys.withUnsafeMutableBufferPointer { k in
            guard let p = k.baseAddress else { return }
            (p + base).update(from: key, count: width)
        }
        values.withUnsafeMutableBufferPointer { v in
            guard let p = v.baseAddress else { return }
            (p + base).update(from: value, count: width)
        }
    }

    /// Memory held, in bytes.
    var bytes: Int { (keys.capacity + values.capacity) * MemoryLayout<Float>.size }
}
