import Foundation
import GenerationCore

/// The read-only prompt-token view (F6): the scored prompt coloured by each token's logprob.
func drawPromptTokens(_ buffer: inout CellBuffer, _ state: AppState, _ layout: Layout) {
    let rect = layout.prompt
    let focused = state.focus == .prompt
    let right = (state.promptScore?.perplexity.map { String(format: "ppl %.2f", $0) } ?? "no scored token") + " · Esc"
    drawBox(&buffer, rect, title: "Prompt tokens", focused: focused, right: right)
    let area = rect.inner
    guard area.width > 0, area.height > 0 else { return }
    var tokens = state.promptTokens
    if tokens.width != area.width { tokens.relayout(width: area.width) }
    let top = layout.promptTokensTop
    let cursor = focused || state.popup?.onPrompt == true ? state.promptTokenCursor : nil
    drawTokens(&buffer, tokens, area: area, top: top, cursor: cursor)
}
