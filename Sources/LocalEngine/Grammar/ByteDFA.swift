/// A deterministic automaton over bytes: what a grammar compiles to, and what the token masks walk.
///
/// Only live states are kept (from each, some accepting state is reachable), so "the transition exists" means
/// "the output can still be completed": a token mask never lets the model into a dead end. States are
/// minimized, so equivalent positions of a grammar share one cached token mask.
public struct ByteDFA: Sendable {
    /// `transitions[state * 256 + byte]`: the next state, or -1 (dead).
    let transitions: [Int32]
    let accepting: [Bool]
    let start: Int32

    /// The most states a grammar may need; beyond it, compiling fails with a clear message instead of using
    /// unbounded memory (the table is 1 KiB per state).
    public static let maxStates = 20_000

    public var stateCount: Int { accepting.count }

    func next(_ state: Int32, _ byte: UInt8) -> Int32 { transitions[Int(state) << 8 | Int(byte)] }

    /// The state after `bytes` from `state`, or nil if they leave the language.
    public func advance(_ state: Int32, _ bytes: [UInt8]) -> Int32? {
        var s = state
        for b in bytes {
            s = next(s, b)
            if s < 0 { return nil }
        }
        return s
    }

    public func isAccepting(_ state: Int32) -> Bool { accepting[Int(state)] }

    /// Whether the whole of `bytes` is in the language.
    public func matches(_ bytes: [UInt8]) -> Bool { advance(start, bytes).map(isAccepting) ?? false }

    /// Whether `bytes` can still be completed into a match (the state the generator keeps between tokens).
    public func isLivePrefix(_ bytes: [UInt8]) -> Bool { advance(start, bytes) != nil }

    /// Compiles a regex AST (see `ByteNFA`): subset construction over byte classes, then pruning and minimizing.
    static func compile(_ node: RegexNode, maxStates: Int = ByteDFA.maxStates) throws(GrammarError) -> ByteDFA {
        let nfa = try ByteNFA(node)
        return try determinize(nfa, maxStates: maxStates)
    }

    private static func tooLarge(_ maxStates: Int) -> GrammarError {
        GrammarError("the grammar is too large: its automaton needs more than \(maxStates) states "
            + "(reduce maxLength/maxItems/repeat counts or the number of alternatives)")
    }

    /// Hopcroft's partition refinement over the live states (plus an explicit sink standing for "dead"), with
    /// classes as the alphabet: O(k n log n), where Moore's rounds would cost one pass per byte of the longest
    /// document. Returns each state's block (-1 for dead states) and the number of blocks, sink excluded.
    static func minimize(table: [Int32], classCount k: Int, accepting: [Bool], live: [Bool]) -> (block: [Int32], count: Int) {
        let n = accepting.count
        let sink = n
        let total = n + 1
        func target(_ s: Int, _ c: Int) -> Int {
            if s == sink || !live[s] { return sink }
            let t = Int(table[s * k + c])
            return t < 0 ? sink : t
        }
        // Inverse transitions per class, as CSR: sources of (c, t) at inverse[starts[c * total + t] ..< ...+1].
        var starts = [Int](repeating: 0, count: k * total + 1)
        for s in 0..<total where s == sink || live[s] { for c in 0..<k { starts[c * total + target(s, c) + 1] += 1 } }
        for i in 0..<(k * total) { starts[i + 1] += starts[i] }
        var fill = starts
        var inverse = [Int32](repeating: 0, count: starts[k * total])
        for s in 0..<total where s == sink || live[s] {
            for c in 0..<k {
                let slot = c * total + target(s, c)
                inverse[fill[slot]] = Int32(s)
                fill[slot] += 1
            }
        }
        // Partition: blocks are contiguous ranges of `elements`.
        let members = (0..<total).filter { $0 == sink || live[$0] }
        var elements = members.filter { $0 != sink && accepting[$0] } + members.filter { $0 == sink || !accepting[$0] }
        var location = [Int](repeating: 0, count: total)
        for (i, s) in elements.enumerated() { location[s] = i }
        var blockOf = [Int](repeating: -1, count: total)
        var first: [Int] = [], past: [Int] = []
        let acceptingCount = members.filter { $0 != sink && accepting[$0] }.count
        for (lo, hi) in [(0, acceptingCount), (acceptingCount, elements.count)] where hi > lo {
            for i in lo..<hi { blockOf[elements[i]] = first.count }
            first.append(lo)
            past.append(hi)
        }
        var marked = [Int](repeating: 0, count: total + 1)
        var inWork = [Bool](repeating: true, count: first.count)
        var work = Array(0..<first.count)
        var touched: [Int] = []
        while let splitter = work.popLast() {
            inWork[splitter] = false
            let snapshot = Array(elements[first[splitter]..<past[splitter]])
            for c in 0..<k {
                for t in snapshot {
                    let slot = c * total + t
                    for j in starts[slot]..<starts[slot + 1] {
                        let s = Int(inverse[j])
                        let b = blockOf[s]
                        let position = first[b] + marked[b]
                        guard location[s] >= position else { continue }  // already marked
                        let other = elements[position]
                        elements[location[s]] = other
                        location[other] = location[s]
                        elements[position] = s
                        location[s] = position
                        if marked[b] == 0 { touched.append(b) }
                        marked[b] += 1
                    }
                }
                for b in touched {
                    let size = past[b] - first[b]
                    if marked[b] < size {
                        let newBlock = first.count
                        first.append(first[b])
                        past.append(first[b] + marked[b])
                        first[b] += marked[b]
                        for i in first[newBlock]..<past[newBlock] { blockOf[elements[i]] = newBlock }
                        inWork.append(false)
                        marked.append(0)
                        if inWork[b] {
                            work.append(newBlock)
                            inWork[newBlock] = true
                        } else {
                            let smaller = marked[b] <= size - marked[b] ? newBlock : b
                            work.append(smaller)
                            inWork[smaller] = true
                        }
                    }
                    marked[b] = 0
                }
                touched.removeAll(keepingCapacity: true)
            }
        }
        // Number the blocks without the sink's.
        let sinkBlock = blockOf[sink]
        var renumber = [Int32](repeating: -1, count: first.count)
        var next: Int32 = 0
        var block = [Int32](repeating: -1, count: n)
        for s in 0..<n where live[s] {
            let b = blockOf[s]
            if b == sinkBlock { continue }
            if renumber[b] < 0 {
                renumber[b] = next
                next += 1
            }
            block[s] = renumber[b]
        }
        return (block, Int(next))
    }

    static func determinize(_ nfa: ByteNFA, maxStates: Int) throws(GrammarError) -> ByteDFA {
        // Byte classes: bytes no edge distinguishes behave alike, so the construction iterates over classes.
        var cut = [Bool](repeating: false, count: 257)
        for edges in nfa.edges {
            for e in edges {
                cut[Int(e.lo)] = true
                cut[Int(e.hi) + 1] = true
            }
        }
        var classOf = [Int](repeating: 0, count: 256)
        var classCount = 0
        var representative: [UInt8] = []
        for b in 0..<256 {
            if b == 0 || cut[b] {
                if b > 0 { classCount += 1 }
                representative.append(UInt8(b))
            }
            classOf[b] = classCount
        }
        classCount += 1

        var mark = [Int](repeating: -1, count: nfa.stateCount)
        var generation = 0
        func closure(_ seeds: [Int32]) -> [Int32] {
            generation += 1
            var stack = seeds
            var result: [Int32] = []
            for s in seeds { mark[Int(s)] = generation }
            while let s = stack.popLast() {
                result.append(s)
                for t in nfa.epsilon[Int(s)] where mark[Int(t)] != generation {
                    mark[Int(t)] = generation
                    stack.append(t)
                }
            }
            return result.sorted()
        }

        var ids: [[Int32]: Int32] = [:]
        var sets: [[Int32]] = []
        var table: [Int32] = []  // state * classCount + class
        var accepting: [Bool] = []
        func state(for set: [Int32]) throws(GrammarError) -> Int32 {
            if let id = ids[set] { return id }
            guard sets.count < maxStates * 4 else { throw tooLarge(maxStates) }
            let id = Int32(sets.count)
            ids[set] = id
            sets.append(set)
            accepting.append(set.contains(Int32(nfa.accept)))
            return id
        }
        let start = try state(for: closure([Int32(nfa.start)]))
        var work = 0
        var targets = [[Int32]](repeating: [], count: classCount)
        while work < sets.count {
            for c in 0..<classCount { targets[c].removeAll(keepingCapacity: true) }
            for s in sets[work] {
                for e in nfa.edges[Int(s)] {
                    for c in classOf[Int(e.lo)]...classOf[Int(e.hi)] { targets[c].append(e.to) }
                }
            }
            for c in 0..<classCount {
                if targets[c].isEmpty {
                    table.append(-1)
                } else {
                    table.append(try state(for: closure(targets[c])))
                }
            }
            work += 1
        }
        let count = sets.count

        // Liveness: states that reach an accepting state.
        var reverse = [[Int32]](repeating: [], count: count)
        for s in 0..<count {
            for c in 0..<classCount {
                let t = table[s * classCount + c]
                if t >= 0 { reverse[Int(t)].append(Int32(s)) }
            }
        }
        var live = accepting
        var stack = (0..<count).filter { accepting[$0] }
        while let s = stack.popLast() {
            for p in reverse[s] where !live[Int(p)] {
                live[Int(p)] = true
                stack.append(Int(p))
            }
        }
        guard live[Int(start)] else { throw GrammarError("the grammar matches nothing") }
        for i in table.indices where table[i] >= 0 && !live[Int(table[i])] { table[i] = -1 }

        let liveStates = (0..<count).filter { live[$0] }
        let (block, blockCount) = minimize(table: table, classCount: classCount, accepting: accepting, live: live)
        guard blockCount <= maxStates else { throw tooLarge(maxStates) }

        var transitions = [Int32](repeating: -1, count: blockCount * 256)
        var finalAccepting = [Bool](repeating: false, count: blockCount)
        for s in liveStates {
            let b = Int(block[s])
            finalAccepting[b] = accepting[s]
            for byte in 0..<256 {
                let t = table[s * classCount + classOf[byte]]
                transitions[b << 8 | byte] = t < 0 ? -1 : block[Int(t)]
            }
        }
        return ByteDFA(transitions: transitions, accepting: finalAccepting, start: block[Int(start)])
    }
}
