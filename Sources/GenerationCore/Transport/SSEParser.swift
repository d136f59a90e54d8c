import Foundation

/// One dispatched server-sent event.
public struct SSEEvent: Sendable, Equatable {
    /// The `event:` field, when the server named one (TGI never does).
    public var name: String?
    /// The `data:` lines joined with "\n", as raw bytes (decoded by whoever knows the payload type).
    public var data: [UInt8]

    public init(name: String? = nil, data: [UInt8]) {
        self.name = name
        self.data = data
    }

    public var text: String { String(decoding: data, as: UTF8.self) }
}

/// An incremental `text/event-stream` parser, fed whatever byte chunks the transport delivers.
///
/// Chunks may split anywhere, even inside a UTF-8 character or between `\r` and `\n`, so the parser works on
/// bytes and only completes a line at its terminator. It follows the SSE rules TGI's framing needs: `data:` with
/// or without one space, `:` comment lines (TGI's keep-alives) ignored, `\n` or `\r\n` line ends, an event
/// dispatched at a blank line. Memory is bounded by the longest line, not the stream length.
public struct SSEParser: Sendable {
    private var line: [UInt8] = []
    private var data: [UInt8] = []
    private var hasData = false
    private var eventName: String?
    /// Number of comment lines seen (keep-alives), so a caller can tell a live but idle server.
    public private(set) var commentCount = 0

    public init() {}

    /// Bytes held for the event being read (its unfinished line and its data so far), so a caller can refuse a
    /// server that never ends a line.
    public var bufferedBytes: Int { line.count + data.count }

    /// Feeds one chunk; returns the events it completed, in order.
    public mutating func feed<Bytes: Sequence>(_ bytes: Bytes) -> [SSEEvent] where Bytes.Element == UInt8 {
        var events: [SSEEvent] = []
        for byte in bytes {
            if byte == UInt8(ascii: "\n") {
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                if let event = processLine() { events.append(event) }
                line.removeAll(keepingCapacity: true)
            } else {
                line.append(byte)
            }
        }
        return events
    }

    /// Ends the stream. Complete `data:` lines not yet followed by a blank line are dispatched (a server that
    /// closes right after its last line still delivered it); a partial last line is reported, not guessed at.
    public mutating func finish() -> (events: [SSEEvent], truncatedLine: [UInt8]?) {
        let truncated = line.isEmpty ? nil : line
        line.removeAll()
        var events: [SSEEvent] = []
        if hasData { events.append(SSEEvent(name: eventName, data: data)) }
        data.removeAll()
        hasData = false
        eventName = nil
        return (events, truncated)
    }

    private mutating func processLine() -> SSEEvent? {
        if line.isEmpty {
            guard hasData else {
                eventName = nil
                return nil
            }
            let event = SSEEvent(name: eventName, data: data)
            data.removeAll(keepingCapacity: true)
            hasData = false
            eventName = nil
            return event
        }
        if line[0] == UInt8(ascii: ":") {
            commentCount += 1
            return nil
        }
        let colon = line.firstIndex(of: UInt8(ascii: ":"))
        let field = colon.map { Array(line[..<$0]) } ?? line
        var valueStart = colon.map { $0 + 1 } ?? line.count
        if valueStart < line.count && line[valueStart] == UInt8(ascii: " ") { valueStart += 1 }
        let value = line[valueStart...]
        switch String(decoding: field, as: UTF8.self) {
        case "data":
            if hasData { data.append(UInt8(ascii: "\n")) }
            data.append(contentsOf: value)
            hasData = true
        case "event":
            eventName = String(decoding: value, as: UTF8.self)
        default:
            break  // `id:`, `retry:` and unknown fields carry nothing TGI uses.
        }
        return nil
    }
}
