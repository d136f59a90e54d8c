/// A backend that can say how far a prompt's prefill has got before the first token: the built-in engine
/// evaluates a long prompt in batches for seconds on a small CPU, and "waiting" says nothing of how long is left.
/// Servers do not report it; they are never asked.
public protocol PrefillReporting: TextGenerationBackend {
    /// `generateStream`, with `prefill` told after each batch how many of the prompt's tokens to evaluate (those
    /// past a reused cached prefix) are done.
    func generateStream(_ request: GenerateRequest,
                        prefill: @escaping @Sendable (_ done: Int, _ total: Int) -> Void)
        -> AsyncThrowingStream<GenerationEvent, any Error>
}
