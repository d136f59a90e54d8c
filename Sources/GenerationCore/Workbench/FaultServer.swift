import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A real HTTP/1.1 server on 127.0.0.1 that misbehaves on purpose: it accepts TCP connections, parses requests
/// (keep-alive included), records them, and plays a script of byte-level steps per request, so faults (slow
/// tokens, cut streams, silence, plain-text errors, lying headers) are exactly what a client sees from a bad server.
///
/// Why in the core and public: the tests and `tgplay bench soak` drive the real libcurl client against the same
/// server, so a fault means the same bytes in both. It binds 127.0.0.1 only and never serves files.
public final class FaultServer: @unchecked Sendable {
    public struct Request: Sendable {
        public var method: String
        public var path: String
        public var headers: [String: String]
        public var body: Data
        public var connection: Int

        public var bodyJSON: [String: Any]? { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] }
    }

    public enum Step: Sendable {
        /// Raw bytes, written as they are.
        case raw(Data)
        /// A chunk of a chunked body.
        case chunk(Data)
        /// The terminating zero-length chunk.
        case endChunks
        case sleep(milliseconds: Int)
        /// Close the connection now.
        case close
        /// Say nothing more and keep the connection open until the server stops.
        case hang
        /// Sleep, but return early (and stop the script) if the client closed the connection.
        case sleepUnlessClosed(milliseconds: Int)
    }

    public typealias Handler = @Sendable (Request) -> [Step]

    public let port: UInt16
    private let listener: Int32
    private let handler: Handler
    private let state = Mutex(State())
    private let stopped = Atomic<Bool>(false)

    private struct State {
        var requests: [Request] = []
        var connections: [Int32] = []
        var accepted = 0
        /// Monotonic nanoseconds at which the server saw each connection closed by the client.
        var clientClosedAt: [Int: UInt64] = [:]
    }

    public var url: String { "http://127.0.0.1:\(port)" }
    /// Every request so far (kept only when `recordRequests`, so a long soak does not grow).
    public var requests: [Request] { state.withLock { $0.requests } }
    public var acceptedConnections: Int { state.withLock { $0.accepted } }
    /// Connections still open (their threads still running).
    public var openConnections: Int { state.withLock { $0.connections.count } }
    public func clientClosedAt(connection: Int) -> UInt64? { state.withLock { $0.clientClosedAt[connection] } }
    private let recordRequests: Bool

    public init(recordRequests: Bool = true, handler: @escaping Handler) throws {
        self.recordRequests = recordRequests
        self.handler = handler
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(fd, $0, &length) }
        }
        port = UInt16(bigEndian: address.sin_port)
        listener = fd
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    deinit { stop() }

    /// Stops accepting and wakes every connection thread. File descriptors are closed only by the threads that
    /// own them, so a number reused by another server in the same process is never touched here.
    public func stop() {
        guard !stopped.exchange(true, ordering: .relaxed) else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        state.withLock { s in for fd in s.connections { shutdown(fd, Int32(SHUT_RDWR)) } }
    }

    private func acceptLoop() {
        defer { close(listener) }
        while !stopped.load(ordering: .relaxed) {
            let fd = accept(listener, nil, nil)
            if fd < 0 {
                if stopped.load(ordering: .relaxed) { return }
                continue
            }
            var yes: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &yes, socklen_t(MemoryLayout<Int32>.size))
            let number = state.withLock { s -> Int in
                s.accepted += 1
                s.connections.append(fd)
                return s.accepted
            }
            let thread = Thread { [self] in serve(fd, connection: number) }
            thread.start()
        }
    }

    private func serve(_ fd: Int32, connection: Int) {
        defer {
            state.withLock { s in
                s.connections.removeAll { $0 == fd }
                close(fd)
            }
        }
        var buffer = [UInt8]()
        while !stopped.load(ordering: .relaxed) {
            guard let request = readRequest(fd, buffer: &buffer, connection: connection) else {
                markClosed(connection)
                return
            }
            if recordRequests { state.withLock { $0.requests.append(request) } }
            var keepOpen = true
            for step in handler(request) {
                switch step {
                case .raw(let data):
                    if !write(fd, data) { markClosed(connection); return }
                case .chunk(let data):
                    var framed = Data(String(data.count, radix: 16).utf8)
                    framed.append(contentsOf: Array("\r\n".utf8))
                    framed.append(data)
                    framed.append(contentsOf: Array("\r\n".utf8))
                    if !write(fd, framed) { markClosed(connection); return }
                case .endChunks:
                    if !write(fd, Data("0\r\n\r\n".utf8)) { markClosed(connection); return }
                case .sleep(let ms):
                    usleep(UInt32(ms) * 1000)
                case .sleepUnlessClosed(let ms):
                    if waitForClose(fd, milliseconds: ms) { markClosed(connection); return }
                case .close:
                    keepOpen = false
                case .hang:
                    while !stopped.load(ordering: .relaxed) {
                        if waitForClose(fd, milliseconds: 50) { markClosed(connection); return }
                    }
                    return
                }
                if !keepOpen { break }
            }
            if !keepOpen { return }
        }
    }

    private func markClosed(_ connection: Int) {
        let now = DispatchTime.now().uptimeNanoseconds
        guard recordRequests else { return }
        state.withLock { s in if s.clientClosedAt[connection] == nil { s.clientClosedAt[connection] = now } }
    }

    /// True when the peer closed (or reset) the connection within `milliseconds`.
    private func waitForClose(_ fd: Int32, milliseconds: Int) -> Bool {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, Int32(milliseconds))
        guard ready > 0 else { return false }
        var byte: UInt8 = 0
        let n = recv(fd, &byte, 1, Int32(MSG_PEEK) | Int32(MSG_DONTWAIT))
        return n <= 0
    }

    private func write(_ fd: Int32, _ data: Data) -> Bool {
        data.withUnsafeBytes { raw -> Bool in
            var offset = 0
            while offset < raw.count {
                guard let base = raw.baseAddress else { return true }
                let n = send(fd, base + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if n <= 0 { return false }
                offset += n
            }
            return true
        }
    }

    private func readRequest(_ fd: Int32, buffer: inout [UInt8], connection: Int) -> Request? {
        let terminator: [UInt8] = Array("\r\n\r\n".utf8)
        var headerEnd: Int?
        while headerEnd == nil {
            if let range = find(terminator, in: buffer) {
                headerEnd = range
                break
            }
            guard receive(fd, into: &buffer) else { return nil }
        }
        guard let end = headerEnd else { return nil }
        let head = String(decoding: buffer[..<end], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let requestLine = lines.removeFirst().split(separator: " ")
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        let bodyStart = end + terminator.count
        while buffer.count < bodyStart + length {
            guard receive(fd, into: &buffer) else { return nil }
        }
        let body = Data(buffer[bodyStart..<(bodyStart + length)])
        buffer.removeFirst(bodyStart + length)
        return Request(method: requestLine.first.map(String.init) ?? "", path: requestLine.count > 1 ? String(requestLine[1]) : "",
                       headers: headers, body: body, connection: connection)
    }

    private func receive(_ fd: Int32, into buffer: inout [UInt8]) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = recv(fd, &chunk, chunk.count, 0)
        guard n > 0 else { return false }
        buffer.append(contentsOf: chunk[..<n])
        return true
    }

    private func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for i in 0...(haystack.count - needle.count) where haystack[i] == needle[0] {
            if Array(haystack[i..<(i + needle.count)]) == needle { return i }
        }
        return nil
    }
}

/// Building blocks for the fault server's scripted answers.
public enum FaultReply {
    public static func head(status: Int, contentType: String?, contentLength: Int? = nil, chunked: Bool = false,
                     extra: [String: String] = [:]) -> FaultServer.Step {
        var text = "HTTP/1.1 \(status) \(reason(status))\r\n"
        if let contentType { text += "Content-Type: \(contentType)\r\n" }
        if let contentLength { text += "Content-Length: \(contentLength)\r\n" }
        if chunked { text += "Transfer-Encoding: chunked\r\n" }
        for (name, value) in extra.sorted(by: { $0.key < $1.key }) { text += "\(name): \(value)\r\n" }
        text += "\r\n"
        return .raw(Data(text.utf8))
    }

    /// A complete answer with a Content-Length body (the connection stays open for the next request).
    public static func body(status: Int = 200, contentType: String? = "application/json", _ body: String,
                     extra: [String: String] = [:]) -> [FaultServer.Step] {
        let bytes = Data(body.utf8)
        return [head(status: status, contentType: contentType, contentLength: bytes.count, extra: extra), .raw(bytes)]
    }

    /// An event stream: headers, then one chunk per event, then the end of the body.
    public static func stream(_ events: [String], delayMilliseconds: Int = 0) -> [FaultServer.Step] {
        var steps: [FaultServer.Step] = [head(status: 200, contentType: "text/event-stream", chunked: true)]
        for event in events {
            steps.append(.chunk(Data(event.utf8)))
            if delayMilliseconds > 0 { steps.append(.sleep(milliseconds: delayMilliseconds)) }
        }
        steps.append(.endChunks)
        return steps
    }

    public static func reason(_ status: Int) -> String {
        [200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 413: "Payload Too Large",
         415: "Unsupported Media Type", 422: "Unprocessable Entity", 424: "Failed Dependency",
         429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"][status] ?? "Status"
    }
}
