import CCurl
import Foundation
import Synchronization

/// What one HTTP exchange needs: everything is decided before it starts, so it can cross to the driver thread.
struct HTTPRequestSpec: Sendable {
    var url: String
    var method: String
    var body: Data?
    var headers: [(name: String, value: String)]
    /// Seconds to establish the connection.
    var connectTimeout: Double
    /// Seconds without a single byte (headers, body or keep-alive comment) before the transfer is abandoned.
    var readTimeout: Double
    /// Seconds the whole exchange may take, however the bytes trickle in (nil: no limit).
    var maxTime: Double? = nil
}

/// How a transfer ended, as seen by libcurl and the driver.
struct TransferOutcome: Sendable {
    var curlCode: Int
    /// libcurl's own words for a failure (its error buffer), empty on success.
    var curlMessage: String
    var status: Int
    var headers: [String: String]
    var cancelled: Bool
    var timedOut: Bool
    /// True when the response body started arriving (so a failure is mid-transfer, not a connect failure).
    var receivedBody: Bool

    var succeeded: Bool { curlCode == Int(CURLE_OK.rawValue) && !cancelled && !timedOut }
}

/// One libcurl easy handle and its callbacks. Everything except `requestCancel` runs on the driver thread.
final class CurlTransfer: @unchecked Sendable {
    /// Live easy handles per request URL: lets tests prove a cancelled transfer released its handle without
    /// counting the transfers of other tests running at the same time.
    static let liveByURL = Mutex<[String: Int]>([:])

    /// How many easy handles are open for URLs starting with `prefix`.
    static func liveHandles(prefix: String) -> Int {
        liveByURL.withLock { $0.filter { $0.key.hasPrefix(prefix) }.values.reduce(0, +) }
    }

    let spec: HTTPRequestSpec
    /// Called with each body chunk, the HTTP status and the response headers; return false to abort.
    private let onBody: (UnsafeRawBufferPointer, Int, [String: String]) -> Bool
    private let onComplete: (TransferOutcome) -> Void

    private(set) var easy: UnsafeMutableRawPointer?
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private var headers: [String: String] = [:]
    private var status = 0
    private var receivedBody = false
    private var completed = false
    /// Monotonic nanoseconds of the last byte received (or of the start).
    private(set) var lastActivity: UInt64 = 0
    /// Monotonic nanoseconds at which the transfer started.
    private(set) var startedAt: UInt64 = 0
    let cancelRequested = Atomic<Bool>(false)

    init(spec: HTTPRequestSpec, onBody: @escaping (UnsafeRawBufferPointer, Int, [String: String]) -> Bool,
         onComplete: @escaping (TransferOutcome) -> Void) {
        self.spec = spec
        self.onBody = onBody
        self.onComplete = onComplete
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    }

    deinit {
        releaseHandle()
        errorBuffer.deallocate()
    }

    /// Creates and configures the easy handle. Returns false (after completing with an error) if libcurl refuses.
    func prepare() -> Bool {
        guard let handle = curl_easy_init() else {
            finish(code: Int(CURLE_FAILED_INIT.rawValue), message: "libcurl could not create a handle")
            return false
        }
        easy = handle
        let url = spec.url
        CurlTransfer.liveByURL.withLock { $0[url, default: 0] += 1 }
        lastActivity = DispatchTime.now().uptimeNanoseconds
        startedAt = lastActivity

        _ = tg_easy_setopt_string(handle, CURLOPT_URL, spec.url)
        _ = tg_easy_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        _ = tg_easy_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, max(1, Int(spec.connectTimeout * 1000)))
        _ = tg_easy_setopt_long(handle, CURLOPT_TCP_KEEPALIVE, 1)
        _ = tg_easy_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 1)
        _ = tg_easy_setopt_long(handle, CURLOPT_MAXREDIRS, 5)
        _ = tg_easy_setopt_pointer(handle, CURLOPT_ERRORBUFFER, UnsafeMutableRawPointer(errorBuffer))
        _ = tg_easy_setopt_string(handle, CURLOPT_USERAGENT, "tgplay/\(TGPlayVersion.current)")

        var list: UnsafeMutablePointer<curl_slist>?
        // libcurl would send `Expect: 100-continue` for larger bodies and wait for an answer some servers never give.
        for line in spec.headers.map({ "\($0.name): \($0.value)" }) + ["Expect:"] {
            list = curl_slist_append(list, line)
        }
        headerList = list
        _ = tg_easy_setopt_slist(handle, CURLOPT_HTTPHEADER, list)

        if spec.method == "POST" {
            _ = tg_easy_setopt_long(handle, CURLOPT_POST, 1)
            let body = spec.body ?? Data()
            _ = tg_easy_setopt_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
            body.withUnsafeBytes { raw in
                // COPYPOSTFIELDS copies exactly POSTFIELDSIZE bytes, so the body need not outlive this call.
                _ = tg_easy_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: raw.baseAddress ?? UnsafeRawPointer(errorBuffer)))
            }
        } else {
            _ = tg_easy_setopt_long(handle, CURLOPT_HTTPGET, 1)
        }

        let me = Unmanaged.passUnretained(self).toOpaque()
        _ = tg_easy_setopt_pointer(handle, CURLOPT_WRITEDATA, me)
        _ = tg_easy_setopt_write_callback(handle, CURLOPT_WRITEFUNCTION) { data, size, count, user in
            guard let user else { return 0 }
            let transfer = Unmanaged<CurlTransfer>.fromOpaque(user).takeUnretainedValue()
            return transfer.receiveBody(UnsafeRawBufferPointer(start: data, count: size * count)) ? size * count : 0
        }
        _ = tg_easy_setopt_pointer(handle, CURLOPT_HEADERDATA, me)
        _ = tg_easy_setopt_write_callback(handle, CURLOPT_HEADERFUNCTION) { data, size, count, user in
            guard let user else { return 0 }
            let transfer = Unmanaged<CurlTransfer>.fromOpaque(user).takeUnretainedValue()
            transfer.receiveHeader(UnsafeRawBufferPointer(start: data, count: size * count))
            return size * count
        }
        return true
    }

    private func receiveHeader(_ bytes: UnsafeRawBufferPointer) {
        lastActivity = DispatchTime.now().uptimeNanoseconds
        let line = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if line.hasPrefix("HTTP/") {
            // A new status line (after a redirect or a 100 Continue) starts a new header set.
            headers.removeAll()
            let parts = line.split(separator: " ", maxSplits: 2)
            if parts.count >= 2, let code = Int(parts[1]) { status = code }
        } else if let colon = line.firstIndex(of: ":") {
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers[name] = value
        }
    }

    private func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        lastActivity = DispatchTime.now().uptimeNanoseconds
        if cancelRequested.load(ordering: .relaxed) { return false }
        receivedBody = true
        return onBody(bytes, status, headers)
    }

    /// Called by the driver when libcurl reports the transfer done (or the driver abandons it).
    func finish(code: Int, message: String? = nil, cancelled: Bool = false, timedOut: Bool = false) {
        guard !completed else { return }
        completed = true
        if let handle = easy {
            var code = 0
            if tg_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &code) == CURLE_OK, code != 0 { status = code }
        }
        let curlText = message ?? String(cString: errorBuffer)
        let fallback = code == Int(CURLE_OK.rawValue) ? "" : String(cString: curl_easy_strerror(CURLcode(UInt32(code))))
        releaseHandle()
        onComplete(TransferOutcome(
            curlCode: code, curlMessage: curlText.isEmpty ? fallback : curlText, status: status, headers: headers,
            cancelled: cancelled || cancelRequested.load(ordering: .relaxed), timedOut: timedOut,
            receivedBody: receivedBody))
    }

    private func releaseHandle() {
        if let handle = easy {
            curl_easy_cleanup(handle)
            easy = nil
            let url = spec.url
            CurlTransfer.liveByURL.withLock { live in
                live[url, default: 0] -= 1
                if live[url] == 0 { live[url] = nil }
            }
        }
        if let list = headerList {
            curl_slist_free_all(list)
            headerList = nil
        }
    }
}
