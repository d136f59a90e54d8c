import Foundation
import GenerationCore

/// The playground's own part of a session: settings that are not TGI parameters, the drafts and where the view
/// stood. The core keeps it as an opaque JSON object (`Session.frontEnd`); this is its shape.
public struct SessionPlayground: Codable, Sendable, Equatable {
    /// The branch-tree node shown.
    public var node: Int?
    /// The loom entry shown (version 3).
    public var tree: Int?
    /// The `x-use-cache` and `x-wait-for-model` headers.
    public var useCache: Bool
    public var waitForModel: Bool
    /// The base parameters' backend (nil: the one the playground is opened with).
    public var backend: BackendIdentity?
    /// The grammar as typed (a draft that is not valid JSON yet is kept as is).
    public var grammarText: String?
    /// `chat` when the prompt pane holds messages (absent: text, as in files from before chat mode).
    public var mode: String?
    /// The chat messages being written, kept in text mode too so switching back finds them.
    public var messages: [ChatMessage]?

    public init(node: Int? = nil, tree: Int? = nil, useCache: Bool = true, waitForModel: Bool = false, backend: BackendIdentity? = nil,
                grammarText: String? = nil, mode: String? = nil, messages: [ChatMessage]? = nil) {
        self.node = node
        self.tree = tree
        self.useCache = useCache
        self.waitForModel = waitForModel
        self.backend = backend
        self.grammarText = grammarText
        self.mode = mode
        self.messages = messages
    }

    enum CodingKeys: String, CodingKey {
        case node, tree
        case useCache = "use_cache"
        case waitForModel = "wait_for_model"
        case backend
        case grammarText = "grammar_text"
        case mode, messages
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        node = try c.decodeIfPresent(Int.self, forKey: .node)
        tree = try c.decodeIfPresent(Int.self, forKey: .tree)
        useCache = try c.decodeIfPresent(Bool.self, forKey: .useCache) ?? true
        waitForModel = try c.decodeIfPresent(Bool.self, forKey: .waitForModel) ?? false
        backend = try c.decodeIfPresent(BackendIdentity.self, forKey: .backend)
        grammarText = try c.decodeIfPresent(String.self, forKey: .grammarText)
        mode = try c.decodeIfPresent(String.self, forKey: .mode)
        messages = try c.decodeIfPresent([ChatMessage].self, forKey: .messages)
    }
}

extension Session {
    /// The playground's state in the session's front-end object. A part this build cannot read (written by hand,
    /// or by another front end) reads as none, so the runs and the prompt still open; setting it replaces it.
    public var playground: SessionPlayground? {
        get {
            guard let frontEnd, let data = try? WireJSON.encode(frontEnd) else { return nil }
            return try? WireJSON.decode(SessionPlayground.self, from: data)
        }
        set {
            frontEnd = newValue.flatMap { state in (try? WireJSON.encode(state)).flatMap { try? JSONValue.parse($0) } }
        }
    }
}
