import Foundation
import GenerationCore

/// Everything the CLI writes: JSON lines on stdout (flushed per line, so a pipe sees each stream event at once)
/// and readable messages on stderr.
enum Output {
    static func line<T: Encodable>(_ value: T) {
        do {
            write(try WireJSON.line(value) + "\n", to: .standardOutput)
        } catch {
            message("cannot encode the answer: \(error)")
        }
    }

    static func message(_ text: String) {
        write("tgplay: \(text)\n", to: .standardError)
    }

    /// Prints the error line and the readable message; returns the exit status for a failed request.
    static func fail(_ error: any Error) -> Int32 {
        let failure = error as? GenerationError
            ?? GenerationError(errorType: "unknown", message: String(describing: error))
        line(failure.response)
        var text = "error (\(failure.errorType)"
        if let status = failure.statusCode { text += ", HTTP \(status)" }
        text += "): \(failure.message)"
        if let eta = failure.estimatedTime { text += String(format: " (model ready in about %.0f s)", eta) }
        if let wait = failure.retryAfter { text += String(format: " (retry after %.0f s)", wait) }
        if !failure.receivedTokens.isEmpty {
            let partial = failure.receivedTokens.filter { !$0.special }.map(\.text).joined()
            text += "\n  received before the failure (\(failure.receivedTokens.count) tokens): \(partial)"
        }
        message(text)
        return 1
    }

    private enum Stream { case standardOutput, standardError }

    private static func write(_ text: String, to stream: Stream) {
        let handle = stream == .standardOutput ? FileHandle.standardOutput : FileHandle.standardError
        handle.write(Data(text.utf8))
    }
}
