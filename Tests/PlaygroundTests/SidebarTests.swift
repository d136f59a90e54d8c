import GenerationCore
import Testing
@testable import Playground

@Suite("Parameter sidebar")
struct SidebarTests {
    func select(_ h: inout Harness, _ field: ParameterField) {
        if h.state.focus != .sidebar { h.keys(.tab) }
        h.keys(.home)
        let index = ParameterField.allCases.firstIndex(of: field) ?? 0
        for _ in 0..<index { h.keys(.down) }
        #expect(h.state.sidebar.selected == field)
    }

    @Test func everyTGIParameterIsListed() {
        let names = Set(ParameterField.allCases.map(\.rawValue))
        for name in ["max_new_tokens", "temperature", "top_k", "top_p", "typical_p", "min_p", "repetition_penalty",
                     "frequency_penalty", "presence_penalty", "do_sample", "seed", "stop", "top_n_tokens", "details",
                     "decoder_input_details", "return_full_text", "truncate", "best_of", "watermark", "adapter_id",
                     "grammar.type", "grammar.value", "x-use-cache", "x-wait-for-model"] {
            #expect(names.contains(name))
        }
    }

    @Test func numbersAreTypedAndStepped() {
        var h = Harness()
        select(&h, .temperature)
        h.keys(.right)
        #expect(h.state.settings.parameters.temperature == 1.0)
        h.keys(.right, .right)
        #expect(h.state.settings.parameters.temperature == 1.2)
        h.keys(.character("0"), .character("."), .character("7"), .enter)
        #expect(h.state.settings.parameters.temperature == 0.7)
        select(&h, .maxNewTokens)
        h.keys(.enter, .ctrl("u"), .character("2"), .character("0"), .enter)
        #expect(h.state.settings.parameters.maxNewTokens == 20)
        h.keys(.character("x"), .enter)
        #expect(h.state.sidebar.inputProblem == "max_new_tokens wants a whole number")
        #expect(h.state.settings.parameters.maxNewTokens == 20)
    }

    @Test func liveValidationShowsTGIsMessageNextToTheField() {
        var h = Harness(width: 120, height: 40)
        select(&h, .topP)
        h.keys(.character("1"), .enter)
        #expect(h.state.validationProblem?.message == "Input validation error: `top_p` must be > 0.0 and < 1.0")
        let screen = h.screen
        #expect(screen.contains("!top_p"))
        #expect(screen.contains("`top_p` must"))
        #expect(screen.contains("be > 0.0 and < 1.0"))
        h.keys(.character("d"))
        #expect(h.state.settings.parameters.topP == nil)
        #expect(h.state.validationProblem == nil)
    }

    @Test func topNTokensAboveTheServerMaximumIsFlagged() {
        var h = Harness()
        select(&h, .topNTokens)
        h.keys(.right)
        #expect(h.state.validationProblem?.message == "Input validation error: `top_n_tokens` must be >= 0 and <= 5. Given: 6")
    }

    @Test func booleansToggleAndStopListParses() {
        var h = Harness()
        select(&h, .doSample)
        h.keys(.character(" "))
        #expect(h.state.settings.parameters.doSample == true)
        h.keys(.enter)
        #expect(h.state.settings.parameters.doSample == false)
        select(&h, .stop)
        h.keys(.enter)
        for c in #"\n\n, END\, really"# { h.keys(.character(c)) }
        h.keys(.enter)
        #expect(h.state.settings.parameters.stop == ["\n\n", "END, really"])
        #expect(ParameterField.stop.value(in: h.state.settings) == #"\n\n, END\, really"#)
    }

    @Test func grammarKindAndTextBuildTheRequest() {
        var h = Harness()
        select(&h, .grammarType)
        h.keys(.right)
        #expect(h.state.settings.grammarKind == .json)
        select(&h, .grammarValue)
        h.keys(.enter)
        for c in #"{"properties":{"a":{"type":"string"}}}"# { h.keys(.character(c)) }
        h.keys(.escape)  // the grammar editor applies on Esc
        let request = h.state.settings.request(prompt: "p")
        #expect(request.parameters?.grammar?.type == .json)
        #expect(request.parameters?.grammar?.value["properties"] != nil)
        #expect(h.state.validationProblem == nil)
        h.state.settings.grammarText = "{}"
        #expect(h.state.validationProblem?.message.contains("properties") == true)
    }

    /// The grammar value gets a multi-line editor: a pasted, indented JSON schema stays as typed.
    @Test func grammarValueOpensAMultiLineEditor() throws {
        var h = Harness(width: 80, height: 24)
        select(&h, .grammarType)
        h.keys(.right)  // json
        select(&h, .grammarValue)
        h.keys(.enter)
        #expect(h.state.grammarEditor != nil)
        h.send(.paste("{\n  \"properties\": {\n    \"name\": {\"type\": \"string\"}"))
        #expect(h.screen.contains("not valid JSON yet"))
        h.keys(.enter)
        h.type("  }")
        h.keys(.enter)
        h.type("}")
        let screen = h.screen
        #expect(screen.contains("Grammar value (json)"))
        #expect(screen.contains("    \"name\": {\"type\": \"string\"}"))
        #expect(!screen.contains("not valid JSON yet"))
        Snapshot.check(screen, named: "grammar-editor-80x24")
        // Ctrl-R does not run from inside the editor; Esc applies the text with its line breaks.
        h.effects = []
        h.keys(.ctrl("r"))
        #expect(h.effects.isEmpty)
        h.keys(.escape)
        #expect(h.state.grammarEditor == nil)
        #expect(h.state.settings.grammarText == "{\n  \"properties\": {\n    \"name\": {\"type\": \"string\"}\n  }\n}")
        #expect(h.state.settings.request(prompt: "p").parameters?.grammar?.value["properties"]?["name"] != nil)
        // Ctrl-G leaves the value as it was.
        h.keys(.enter)
        h.type("garbage")
        h.keys(.ctrl("g"))
        #expect(h.state.settings.grammarText.hasSuffix("}\n}"))
        // Editing set B's grammar leaves the base alone.
        h.keys(.function(8), .function(8))
        select(&h, .grammarValue)
        h.keys(.enter, .ctrl("u"), .up, .ctrl("k"))
        var grammar = try #require(h.state.grammarEditor)
        grammar.editor.setText("[0-9]+")
        h.state.overlay = .grammarEditor(grammar)
        h.keys(.escape)
        #expect(h.state.sets[1].parameters.grammar?.value == .string("[0-9]+"))
        #expect(h.state.settings.grammarText.hasSuffix("}\n}"))
    }

    /// min_p and presence_penalty step, type, validate and reset like the other decimals, and the run sends them.
    @Test func minPAndPresencePenaltyAreEditedLikeTheOtherDecimals() {
        var h = Harness(width: 120, height: 40)
        select(&h, .minP)
        #expect(h.screen.contains("min_p"))
        h.keys(.right)
        #expect(h.state.settings.parameters.minP == 0.05)
        h.keys(.right)
        #expect(h.state.settings.parameters.minP == 0.1)
        h.keys(.character("0"), .character("."), .character("2"), .enter)
        #expect(h.state.settings.parameters.minP == 0.2)
        #expect(ParameterField.minP.value(in: h.state.settings) == "0.2")
        h.keys(.character("1"), .enter)
        #expect(h.state.validationProblem?.message == "Input validation error: `min_p` must be > 0.0 and < 1.0")
        #expect(h.screen.contains("!min_p"))
        h.keys(.character("d"))
        #expect(h.state.settings.parameters.minP == nil)
        #expect(h.state.validationProblem == nil)

        select(&h, .presencePenalty)
        h.keys(.right, .right, .right)
        #expect(h.state.settings.parameters.presencePenalty == 0.2)
        h.keys(.left, .left, .left, .left)
        #expect(h.state.settings.parameters.presencePenalty == -0.2)
        h.keys(.character("x"), .enter)
        #expect(h.state.sidebar.inputProblem == "presence_penalty wants a number")
        #expect(h.state.settings.parameters.presencePenalty == -0.2)
        h.keys(.character("2"), .character("."), .character("5"), .enter)
        #expect(h.state.validationProblem?.message == "Input validation error: `presence_penalty` must be >= -2.0 and <= 2.0")
        #expect(h.screen.contains("!presence_penalty"))
        h.keys(.character("1"), .character("."), .character("5"), .enter)
        #expect(h.state.validationProblem == nil)

        select(&h, .minP)
        h.keys(.character("0"), .character("."), .character("1"), .enter)
        h.keys(.tab, .tab)  // back to the prompt
        h.type("x")
        h.keys(.ctrl("r"))
        let sent = h.effects.compactMap { effect -> GenerateParameters? in
            if case .startRun(_, let request, _, _, _) = effect { return request.parameters }
            return nil
        }.last
        #expect(sent?.minP == 0.1)
        #expect(sent?.presencePenalty == 1.5)
        h.keys(.escape)
        h.keys(.tab)
        h.keys(.character("D"))
        #expect(h.state.settings == .defaults, "D resets them with the rest")
    }

    /// A compare set overrides min_p and presence_penalty like any parameter; the base is untouched, the columns
    /// show the difference, and `d` puts the set back on the base's value.
    @Test func compareSetsOverrideMinPAndPresencePenalty() {
        var h = Harness(width: 120, height: 40)
        select(&h, .presencePenalty)
        h.keys(.character("0"), .character("."), .character("5"), .enter)
        h.keys(.function(8), .function(8))  // set B
        #expect(h.state.editTarget == 1)
        select(&h, .minP)
        h.keys(.right)
        select(&h, .presencePenalty)
        h.keys(.right)
        #expect(h.state.sets[1].parameters.minP == 0.05)
        #expect(h.state.sets[1].parameters.presencePenalty == 0.6)
        #expect(h.state.settings.parameters.minP == nil)
        #expect(h.state.settings.parameters.presencePenalty == 0.5)
        #expect(h.screen.contains("Bmin_p"), "the override is marked with the set's letter")
        let differences = ParameterDifference.between(h.state.sets, base: h.state.settings.parameters).map(\.field)
        #expect(differences.contains("min_p") && differences.contains("presence_penalty"))
        h.keys(.character("d"))
        #expect(h.state.sets[1].parameters.presencePenalty == nil, "back to the base's value")
        #expect(h.state.runSettings.parameters.presencePenalty == 0.5)
    }

    @Test func resetOneAndAll() {
        var h = Harness()
        select(&h, .seed)
        h.keys(.character("4"), .character("2"), .enter)
        #expect(h.state.settings.parameters.seed == 42)
        select(&h, .topNTokens)
        h.keys(.left)
        #expect(h.state.settings.parameters.topNTokens == 4)
        h.keys(.character("d"))
        #expect(h.state.settings.parameters.topNTokens == 5)
        #expect(h.state.settings.parameters.seed == 42)
        h.keys(.character("D"))
        #expect(h.state.settings == .defaults)
    }

    @Test func headersAreSettings() {
        var h = Harness()
        select(&h, .useCache)
        h.keys(.enter)
        select(&h, .waitForModel)
        h.keys(.enter)
        h.keys(.tab, .tab)  // back to the prompt
        h.type("x")
        h.keys(.ctrl("r"))
        #expect(h.effects.contains { if case .startRun(_, _, false, true, _) = $0 { return true } else { return false } })
    }

    /// The field a click lands on, read from the frame drawn before the click (the label after the marker).
    func fieldDrawn(_ screen: CellBuffer, row y: Int, in sidebar: Rect) -> ParameterField? {
        let row = screen.rowText(y)
        let cells = Array(row)
        guard sidebar.inner.x + 1 < cells.count else { return nil }
        let text = String(cells[(sidebar.inner.x + 1)...]).trimmingCharacters(in: .whitespaces)
        let label = text.split(separator: " ").first.map(String.init) ?? ""
        // A label too long for a narrow sidebar is cut with an ellipsis.
        return ParameterField.allCases.first {
            $0.label == label || (label.hasSuffix("…") && $0.label.hasPrefix(label.dropLast()))
        }
    }

    /// On a terminal too short for every field the list scrolls with the selection; a click selects the field
    /// drawn under the mouse, whatever the scroll, and clicks below the field rows select nothing.
    @Test func clickOnAScrolledSidebarSelectsTheFieldUnderTheMouse() throws {
        var h = Harness(width: 60, height: 16)
        h.keys(.tab, .end)
        let last = try #require(ParameterField.allCases.last)
        #expect(h.state.sidebar.selected == last)
        let sidebar = Layout(width: 60, height: 16).sidebar
        let before = h.screen
        // The first row shows a field further down the list than the first one: the list is scrolled.
        let first = try #require(fieldDrawn(before, row: sidebar.inner.y, in: sidebar))
        #expect(first != ParameterField.allCases[0])
        for y in [sidebar.inner.y, sidebar.inner.y + 2] {
            let frame = h.screen
            let drawn = try #require(fieldDrawn(frame, row: y, in: sidebar))
            h.send(.mouse(MouseEvent(button: .left, x: sidebar.inner.x + 3, y: y)))
            #expect(h.state.focus == .sidebar)
            #expect(h.state.sidebar.selected == drawn, "row \(y) shows \(drawn.label)")
        }
        // The footer is no field.
        let selected = h.state.sidebar.selected
        h.send(.mouse(MouseEvent(button: .left, x: sidebar.inner.x + 3, y: sidebar.inner.maxY - 1)))
        #expect(h.state.sidebar.selected == selected)
    }
}
