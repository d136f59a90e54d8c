import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Messages from background tasks (stream events, `/info`) to the main loop. A pipe wakes the loop's poll(2)
/// so events are handled as soon as they arrive, without busy waiting.
final class MessageQueue: Sendable {
    private let items = Mutex<[Message]>([])
    let readFD: Int32
    private let writeFD: Int32

    init() {
        var fds: [Int32] = [-1, -1]
        _ = pipe(&fds)
        readFD = fds[0]
        writeFD = fds[1]
        _ = fcntl(readFD, F_SETFL, fcntl(readFD, F_GETFL) | O_NONBLOCK)
        _ = fcntl(writeFD, F_SETFL, fcntl(writeFD, F_GETFL) | O_NONBLOCK)
    }

    deinit {
        close(readFD)
        close(writeFD)
    }

    func push(_ message: Message) {
        let wasEmpty = items.withLock { list -> Bool in
            list.append(message)
            return list.count == 1
        }
        if wasEmpty {
            var byte: UInt8 = 1
            _ = write(writeFD, &byte, 1)
        }
    }

    func drain() -> [Message] {
        var sink = [UInt8](repeating: 0, count: 64)
        while read(readFD, &sink, sink.count) > 0 {}
        return items.withLock { list in
            let out = list
            list.removeAll(keepingCapacity: true)
            return out
        }
    }
}

/// Seconds on a monotonic clock.
func monotonicSeconds() -> Double {
    Double(DispatchTime.now().uptimeNanoseconds) / 1e9
}
