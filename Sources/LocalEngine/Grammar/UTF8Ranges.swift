/// Code-point ranges as UTF-8 byte-range sequences, so an automaton over bytes can match a class over code
/// points: U+0080-U+07FF becomes `[C2-DF][80-BF]`, and ranges that cross an encoding length or a continuation-byte
/// boundary are split (the construction used by RE2 and Rust's regex-syntax).
enum UTF8Ranges {
    /// Each element is one sequence: byte ranges for consecutive bytes. Assumes no surrogates in `range`.
    static func sequences(_ range: ClosedRange<UInt32>) -> [[ClosedRange<UInt8>]] {
        var result: [[ClosedRange<UInt8>]] = []
        var stack: [(UInt32, UInt32)] = [(range.lowerBound, range.upperBound)]
        outer: while let (s, e) = stack.popLast() {
            for boundary: UInt32 in [0x7F, 0x7FF, 0xFFFF] where s <= boundary && e > boundary {
                stack.append((boundary + 1, e))
                stack.append((s, boundary))
                continue outer
            }
            if e <= 0x7F {
                result.append([UInt8(s)...UInt8(e)])
                continue
            }
            for i: UInt32 in 1..<4 {
                let m: UInt32 = (1 << (6 * i)) - 1
                if s & ~m != e & ~m {
                    if s & m != 0 {
                        stack.append(((s | m) + 1, e))
                        stack.append((s, s | m))
                        continue outer
                    }
                    if e & m != m {
                        stack.append((e & ~m, e))
                        stack.append((s, (e & ~m) - 1))
                        continue outer
                    }
                }
            }
            let a = encode(s), b = encode(e)
            result.append(zip(a, b).map { $0...$1 })
        }
        return result
    }

    static func encode(_ scalar: UInt32) -> [UInt8] {
        switch scalar {
        case 0..<0x80: return [UInt8(scalar)]
        case 0x80..<0x800: return [UInt8(0xC0 | scalar >> 6), UInt8(0x80 | scalar & 0x3F)]
        case 0x800..<0x10000:
            return [UInt8(0xE0 | scalar >> 12), UInt8(0x80 | (scalar >> 6) & 0x3F), UInt8(0x80 | scalar & 0x3F)]
        default:
            return [UInt8(0xF0 | scalar >> 18), UInt8(0x80 | (scalar >> 12) & 0x3F),
                    UInt8(0x80 | (scalar >> 6) & 0x3F), UInt8(0x80 | scalar & 0x3F)]
        }
    }
}
