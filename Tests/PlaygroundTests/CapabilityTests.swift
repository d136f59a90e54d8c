import GenerationCore
import Testing
@testable import Playground

/// What the playground shows about a backend's capabilities: refused parameters marked and refused before a run,
/// the server named in the status bar, the kind of probabilities in the popup.
@Suite("Backend capabilities in the playground")
struct CapabilityTests {
    /// llama-cpp-python's capabilities as its adapter declares them.
    static let llamaCppPython = OpenAIServer.llamaCppPython.capabilities

    static func harness() -> Harness {
        var h = Harness()
        h.send(.backendInfo(model: "gemma", limits: .unknown, capabilities: Self.llamaCppPython))
        return h
    }

    static func row(_ screen: String, _ label: String) -> String {
        screen.split(separator: "\n").first { $0.contains(label + " ") }.map(String.init) ?? ""
    }

    @Test func refusedFieldsAreMarkedAndExplained() {
        var h = Self.harness()
        let screen = Snapshot.render(h.screen)
        #expect(Self.row(screen, "watermark").contains("✗watermark"))
        #expect(Self.row(screen, "typical_p").contains("✗typical_p"))
        #expect(!Self.row(screen, "temperature").contains("✗"), "a parameter the server takes is not marked")
        SidebarTests().select(&h, .watermark)
        #expect(Snapshot.render(h.screen).contains("✗ watermark: the OpenAI"))
    }

    /// TGI has neither min_p nor presence_penalty: both are marked and explained, and a run with one is refused
    /// naming TGI; llama-cpp-python takes both; Ollama takes presence_penalty only.
    @Test func minPAndPresencePenaltyAreMarkedWhereRefused() {
        var h = Harness()
        h.send(.backendInfo(model: "m", limits: .tgiDefaults, capabilities: .tgi))
        let screen = Snapshot.render(h.screen)
        #expect(Self.row(screen, "min_p").contains("✗min_p"))
        #expect(Self.row(screen, "presence_penalty").contains("✗presence_penalty"))
        #expect(!Self.row(screen, "typical_p").contains("✗"))
        SidebarTests().select(&h, .minP)
        #expect(Snapshot.render(h.screen).contains("✗ min_p: TGI has no min_p"))
        h.keys(.right)
        #expect(h.state.validationProblem?.message.contains("`min_p` is not supported by TGI") == true)

        let python = Snapshot.render(Self.harness().screen)
        #expect(!Self.row(python, "min_p").contains("✗") && !Self.row(python, "presence_penalty").contains("✗"))
        var ollama = Harness()
        ollama.send(.backendInfo(model: "m", limits: .unknown, capabilities: OpenAIServer.ollama.capabilities))
        let screen2 = Snapshot.render(ollama.screen)
        #expect(Self.row(screen2, "min_p").contains("✗min_p"))
        #expect(!Self.row(screen2, "presence_penalty").contains("✗"))
    }

    @Test func aRefusedParameterIsAValidationErrorNamingTheServer() {
        var h = Self.harness()
        #expect(h.state.validationProblem == nil)
        h.type("The capital of France is")
        h.keys(.ctrl("r"))
        #expect(h.effects.contains { if case .startRun = $0 { return true } else { return false } }, "a valid run starts")
        h.keys(.escape)
        h.effects.removeAll()
        h.state.settings.parameters.watermark = true
        let problem = h.state.validationProblem
        #expect(problem?.errorType == "validation")
        #expect(problem?.message.contains("`watermark` is not supported by llama-cpp-python") == true, "\(problem?.message ?? "none")")
        h.keys(.ctrl("r"))
        #expect(!h.effects.contains { if case .startRun = $0 { return true } else { return false } }, "nothing is sent")
    }

    @Test func statusBarNamesTheServerAndPopupTheKindOfNumbers() {
        var h = Self.harness()
        h.type("The capital of France is")  // a run is sent only with a prompt (its events are the run's)
        h.stream([" Paris", "."])
        #expect(Snapshot.render(h.screen).contains("(llama-cpp-python) · gemma"))
        #expect(probabilityKindLabel(h.state) == "raw (before sampling) · llama-cpp-python")
        var local = Harness()
        local.send(.backendInfo(model: "m", limits: .unknown,
                                capabilities: BackendCapabilities(api: .local, server: "built-in engine")))
        #expect(probabilityKindLabel(local.state) == "after the processors · built-in engine")
    }
}
