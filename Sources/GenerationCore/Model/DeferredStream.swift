import Foundation

/// A stream whose source is only known after some asynchronous work (detecting the API, asking `/v1/models` for
/// the model, rendering a chat template): it relays that source's events and failure, and cancelling the
/// consumer cancels the work and the source with it.
enum DeferredStream {
    static func make(_ source: @escaping @Sendable () async throws -> AsyncThrowingStream<GenerationEvent, any Error>)
        -> AsyncThrowingStream<GenerationEvent, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    for try await event in try await source() { continuation.yield(event) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
