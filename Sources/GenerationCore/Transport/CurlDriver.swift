import CCurl
import Foundation
import Synchronization

/// Runs every HTTP transfer of the process on one thread around one libcurl multi handle.
///
/// Why a single multi handle: its connection cache gives HTTP keep-alive reuse across requests for free, several
/// streams (compare mode) share one thread, and `curl_multi_wakeup` lets a cancel from any thread interrupt
/// `curl_multi_poll` at once, so cancelling never waits for the next byte or a timeout.
final class CurlDriver: @unchecked Sendable {
    /// The process-wide driver; its thread lives as long as the process.
    static let shared = CurlDriver()

    private struct Inbox {
        var toStart: [CurlTransfer] = []
        var toCancel: [CurlTransfer] = []
    }

    /// nil when libcurl could not make a multi handle (out of memory at start): every transfer then fails with
    /// that reason instead of the process dying.
    private let multi: UnsafeMutableRawPointer?
    private let inbox = Mutex(Inbox())
    /// Transfers in the multi handle, keyed by easy handle. Touched on the driver thread only.
    private var active: [UnsafeMutableRawPointer: CurlTransfer] = [:]

    private init() {
        _ = tg_global_init()
        multi = curl_multi_init()
        guard let multi else { return }
        // Idle connections are cheap; a generous cache keeps several endpoints (compare mode) warm at once.
        _ = tg_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, 64)
        let thread = Thread { [self] in if let multi = self.multi { run(multi) } }
        thread.name = "tgplay.curl"
        thread.start()
    }

    /// Queues `transfer` to start on the driver thread.
    func start(_ transfer: CurlTransfer) {
        guard let multi else {
            transfer.finish(code: Int(CURLE_FAILED_INIT.rawValue), message: "libcurl could not start (curl_multi_init failed)")
            return
        }
        inbox.withLock { $0.toStart.append(transfer) }
        curl_multi_wakeup(multi)
    }

    /// Aborts `transfer` now: its connection is closed and its handle freed on the driver thread.
    func cancel(_ transfer: CurlTransfer) {
        transfer.cancelRequested.store(true, ordering: .relaxed)
        guard let multi else { return }
        inbox.withLock { $0.toCancel.append(transfer) }
        curl_multi_wakeup(multi)
    }

    private func run(_ multi: UnsafeMutableRawPointer) {
        while true {
            let (starting, cancelling) = inbox.withLock { box -> ([CurlTransfer], [CurlTransfer]) in
                defer { box = Inbox() }
                return (box.toStart, box.toCancel)
            }
            for transfer in starting {
                if transfer.cancelRequested.load(ordering: .relaxed) {
                    transfer.finish(code: Int(CURLE_ABORTED_BY_CALLBACK.rawValue), message: "cancelled", cancelled: true)
                    continue
                }
                guard transfer.prepare(), let easy = transfer.easy else { continue }
                active[easy] = transfer
                curl_multi_add_handle(multi, easy)
            }
            for transfer in cancelling {
                remove(transfer)?.finish(
                    code: Int(CURLE_ABORTED_BY_CALLBACK.rawValue), message: "cancelled", cancelled: true)
            }

            var running: Int32 = 0
            curl_multi_perform(multi, &running)

            var easy: UnsafeMutableRawPointer?
            var result = CURLE_OK
            while tg_multi_next_done(multi, &easy, &result) != 0 {
                if let easy, let transfer = active[easy] {
                    remove(transfer)?.finish(code: Int(result.rawValue))
                }
            }

            let now = DispatchTime.now().uptimeNanoseconds
            var waitMs: Int64 = 1000
            for transfer in Array(active.values) {
                let limit = UInt64(max(transfer.spec.readTimeout, 0.001) * 1_000_000_000)
                let idle = now &- transfer.lastActivity
                if let maxTime = transfer.spec.maxTime {
                    let total = UInt64(max(maxTime, 0.001) * 1_000_000_000)
                    let elapsed = now &- transfer.startedAt
                    if elapsed >= total {
                        remove(transfer)?.finish(
                            code: Int(CURLE_OPERATION_TIMEDOUT.rawValue),
                            message: "the answer took longer than \(String(format: "%g", maxTime)) s (--max-time)",
                            timedOut: true)
                        continue
                    }
                    waitMs = min(waitMs, Int64((total - elapsed) / 1_000_000) + 1)
                }
                if idle >= limit {
                    let seconds = String(format: "%g", transfer.spec.readTimeout)
                    remove(transfer)?.finish(
                        code: Int(CURLE_OPERATION_TIMEDOUT.rawValue),
                        message: "no data from the server for \(seconds) s (read timeout)", timedOut: true)
                } else {
                    waitMs = min(waitMs, Int64((limit - idle) / 1_000_000) + 1)
                }
            }
            curl_multi_poll(multi, nil, 0, Int32(waitMs), nil)
        }
    }

    private func remove(_ transfer: CurlTransfer) -> CurlTransfer? {
        guard let easy = transfer.easy, active.removeValue(forKey: easy) != nil else { return nil }
        curl_multi_remove_handle(multi, easy)
        return transfer
    }
}
