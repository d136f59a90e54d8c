@testable import GenerationCore

/// The tests' names for the core's fault-injecting HTTP server (the one `tgplay bench soak` drives too).
typealias TestHTTPServer = FaultServer
typealias Reply = FaultReply
