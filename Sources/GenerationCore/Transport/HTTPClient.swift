import Foundation
import Synchronization

/// The transport every HTTP adapter shares: one request/answer exchange and one streamed generation, over the
/// libcurl driver, with the configuration's headers and timeouts. It knows nothing of any wire protocol: bodies
/// go out as given, answers come back as bytes or, for streams, through the protocol's `StreamDecoder`.
/// How much tgplay reads from a server before it stops: a server cannot make it hold unbounded memory or relay an
/// endless stream. The limits are far above any real answer (a 5,000-token run with 20 alternatives per token is
/// a few MB).
enum TransportLimits {
    /// A whole non-streamed body.
    static let maxBodyBytes = 64 << 20
    /// One server-sent event (its line and data together).
    static let maxEventBytes = 16 << 20
    /// Tokens a stream may bring beyond `max_new_tokens` (end-of-sequence and other special tokens).
    static let extraTokens = 16

    static func tooLarge(_ url: String, what: String) -> GenerationError {
        GenerationError(errorType: GenerationError.ErrorType.responseTooLarge,
                        message: "\(url) sent \(what); tgplay stopped reading there")
    }
}

struct HTTPClient: Sendable {
    let configuration: HTTPBackendConfiguration
    let driver: CurlDriver

    init(configuration: HTTPBackendConfiguration, driver: CurlDriver = .shared) {
        self.configuration = configuration
        self.driver = driver
    }

    /// One request/answer exchange; returns the body of a 2xx answer, throws the mapped error otherwise
    /// (the server's own message in any of the shapes `HTTPErrorMapping` reads). Cancelling the task aborts it.
    func exchange(method: String, url: String, body: Data?, connectTimeout: Double? = nil,
                  readTimeout: Double? = nil) async throws -> Data {
        let spec = HTTPRequestSpec(
            url: url, method: method, body: body, headers: configuration.headers,
            connectTimeout: connectTimeout ?? configuration.connectTimeout,
            readTimeout: readTimeout ?? configuration.readTimeout,
            maxTime: configuration.maxTime ?? HTTPBackendConfiguration.defaultExchangeMaxTime)
        let collected = Mutex(Data())
        let overflowed = Mutex(false)
        let box = Mutex<CurlTransfer?>(nil)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Data, any Error>) in
                let transfer = CurlTransfer(
                    spec: spec,
                    onBody: { bytes, _, headers in
                        collected.withLock { data in
                            // A declared length over the cap is refused at the first byte, not after 64 MiB.
                            let declared = headers["content-length"].flatMap { Int($0) } ?? 0
                            guard data.count + bytes.count <= TransportLimits.maxBodyBytes,
                                  declared <= TransportLimits.maxBodyBytes else {
                                overflowed.withLock { $0 = true }
                                return false
                            }
                            data.append(contentsOf: bytes)
                            return true
                        }
                    },
                    onComplete: { outcome in
                        let data = collected.withLock { $0 }
                        if overflowed.withLock({ $0 }) {
                            continuation.resume(throwing: TransportLimits.tooLarge(
                                BackendIdentity(url).value, what: "a body of more than 64 MiB"))
                        } else if outcome.succeeded, (200..<300).contains(outcome.status) {
                            continuation.resume(returning: data)
                        } else if outcome.succeeded {
                            continuation.resume(throwing: HTTPErrorMapping.error(
                                status: outcome.status, body: data, headers: outcome.headers))
                        } else {
                            continuation.resume(throwing: HTTPErrorMapping.transportError(outcome, url: url))
                        }
                    })
                box.withLock { $0 = transfer }
                if Task.isCancelled { transfer.cancelRequested.store(true, ordering: .relaxed) }
                driver.start(transfer)
            }
        } onCancel: { [driver] in
            if let transfer = box.withLock({ $0 }) { driver.cancel(transfer) }
        }
    }

    /// A streamed generation: POSTs `body` to `url` asking for `text/event-stream`, and turns the events into
    /// neutral ones with `decoder`. Ending iteration (or cancelling the consumer) aborts the transfer.
    /// `maxNewTokens` bounds the tokens accepted (plus `TransportLimits.extraTokens`); nil leaves it to the server.
    func stream<Decoder: StreamDecoder>(url: String, body: Data, decoder: Decoder, maxNewTokens: UInt32?)
        -> AsyncThrowingStream<GenerationEvent, any Error> {
        let spec = HTTPRequestSpec(
            url: url, method: "POST", body: body,
            headers: configuration.headers + [("Accept", "text/event-stream")],
            connectTimeout: configuration.connectTimeout, readTimeout: configuration.readTimeout,
            maxTime: configuration.maxTime)
        return AsyncThrowingStream { continuation in
            let session = StreamSession(url: BackendIdentity(url).value, decoder: decoder, continuation: continuation,
                                        tokenLimit: maxNewTokens.map { Int($0) + TransportLimits.extraTokens })
            let transfer = CurlTransfer(
                spec: spec,
                onBody: { bytes, status, headers in session.receive(bytes, status: status, headers: headers) },
                onComplete: { outcome in session.complete(outcome) })
            continuation.onTermination = { [driver] termination in
                if case .cancelled = termination { driver.cancel(transfer) }
            }
            driver.start(transfer)
        }
    }

    /// Decodes an answer body, or throws `invalid_response` naming the route and quoting the body's start.
    func decode<T>(_ body: Data, what: String, _ read: (Data) throws -> T) throws -> T {
        do {
            return try read(body)
        } catch {
            throw GenerationError(
                errorType: GenerationError.ErrorType.invalidResponse,
                message: "\(BackendIdentity(endpoint: configuration.endpoint)): unexpected \(what) answer (\(WireJSON.describe(error))): \(BodySnippet.of(body))")
        }
    }
}
