import Foundation
import GenerationCore
import LocalEngine
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// `tgplay bench soak [--requests N] [--seed S] [--max-rss-growth MB]`: N streamed requests (2,000 by default) from the real libcurl
/// client to the core's fault server on 127.0.0.1, with a random fault for each: a stream cut mid-event, a stall
/// (the idle timeout must fire), an error event after some tokens, a 429 or a 503, a cancellation by the client
/// after the first token, or none. Part of them run as 4 concurrent columns, the way the playground's compare
/// runs its streams. One JSON line: requests, faults injected, errors reported by type, how many outcomes were
/// not the one the fault calls for, RSS, open descriptors and live curl handles at the start (after a warm-up)
/// and at the end. Exit status 1 when a fault went unreported, a handle or descriptor stayed open, or RSS grew
/// by `--max-rss-growth` MB (10) or more (a sanitizer build's allocator keeps freed memory: pass more there).
enum SoakCommand {
    /// What the server does to one request, chosen by the client and named in the request's URL path.
    enum Fault: String, CaseIterable, Sendable {
        case none, cut, stall, errorEvent = "error_event", overloaded = "429", loading = "503", cancel

        /// The outcome the client must report for it: "ok", an error type, or "cancelled".
        var expected: String {
            switch self {
            case .none: return "ok"
            case .cut, .stall: return GenerationError.ErrorType.incompleteGeneration.rawValue
            case .errorEvent: return GenerationError.ErrorType.generation.rawValue
            case .overloaded: return GenerationError.ErrorType.overloaded.rawValue
            case .loading: return GenerationError.ErrorType.modelLoading.rawValue  // what HTTPErrorMapping makes of a 503 with estimated_time
            case .cancel: return GenerationError.ErrorType.cancelled.rawValue
            }
        }

        /// Weights out of 100: half the requests are clean, the rest spread over the faults.
        var weight: UInt64 {
            switch self {
            case .none: return 40
            case .cut, .errorEvent: return 12
            case .overloaded, .loading, .cancel: return 10
            case .stall: return 6
            }
        }
    }

    /// Idle timeout for the soak's requests: a stall must end as an error this long after the last byte.
    static let readTimeout = 0.25
    static let tokensPerStream = 8
    static let columns = 4
    static let defaultMaxRSSGrowthMB = 10.0

    static func run(_ rest: [String]) -> Int32 {
        var requests = 2000
        var seed: UInt64 = 1
        var maxGrowth = defaultMaxRSSGrowthMB
        var index = 0
        while index < rest.count {
            guard index + 1 < rest.count, let n = UInt64(rest[index + 1]) else {
                Output.message("bench soak takes --requests N (N >= 1), --seed S and --max-rss-growth MB")
                return 2
            }
            switch rest[index] {
            case "--requests" where n >= 1 && n <= 1_000_000: requests = Int(n)
            case "--seed": seed = n
            case "--max-rss-growth": maxGrowth = Double(n)
            default:
                Output.message("bench soak takes --requests N (1...1000000), --seed S and --max-rss-growth MB")
                return 2
            }
            index += 2
        }
        let finished = DispatchSemaphore(value: 0)
        let outcome = Mutex<Int32>(1)
        Task {
            let status = await soak(requests: requests, seed: seed, maxRSSGrowthMB: maxGrowth)
            outcome.withLock { $0 = status }
            finished.signal()
        }
        finished.wait()
        return outcome.withLock { $0 }
    }

    /// What one request ended as.
    struct Outcome: Sendable {
        var fault: Fault
        var reported: String
        var tokens: Int
    }

    static func soak(requests: Int, seed: UInt64, maxRSSGrowthMB: Double) async -> Int32 {
        let server: FaultServer
        do {
            server = try FaultServer(recordRequests: false) { request in script(for: request) }
        } catch {
            return Output.fail(GenerationError(errorType: GenerationError.ErrorType.connection,
                                               message: "the fault server could not listen on 127.0.0.1: \(error)"))
        }
        defer { server.stop() }
        let clock = ContinuousClock()
        let started = clock.now
        var random = SeededGenerator(seed: seed)

        // Warm-up: libcurl's and the TLS library's one-time allocations, the cooperative pool's threads.
        for _ in 0..<20 { _ = await stream(server: server, fault: .none) }
        await settle(server)
        let rssStart = residentMegabytes()
        let fdsStart = openDescriptors()

        var faults: [String: Int] = [:]
        var reported: [String: Int] = [:]
        var unexpected: [String] = []
        var groups = 0
        var done = 0
        while done < requests {
            let concurrent = requests - done >= columns && random.next() % 5 < 2
            let count = concurrent ? columns : 1
            let chosen = (0..<count).map { _ in pick(&random) }
            let outcomes = await withTaskGroup(of: Outcome.self) { group in
                for fault in chosen { group.addTask { await stream(server: server, fault: fault) } }
                var all: [Outcome] = []
                for await outcome in group { all.append(outcome) }
                return all
            }
            if concurrent { groups += 1 }
            for outcome in outcomes {
                faults[outcome.fault.rawValue, default: 0] += 1
                reported[outcome.reported, default: 0] += 1
                if outcome.reported != outcome.fault.expected, unexpected.count < 10 {
                    unexpected.append("\(outcome.fault.rawValue) -> \(outcome.reported)")
                } else if outcome.reported != outcome.fault.expected {
                    unexpected.append("")
                }
            }
            done += count
        }
        await settle(server)
        let rssEnd = residentMegabytes()
        let fdsEnd = openDescriptors()
        let handles = TransportDiagnostics.liveCurlHandles(prefix: server.url)
        let growth = rssEnd - rssStart
        let clean = unexpected.isEmpty && handles == 0 && fdsEnd <= fdsStart && growth < maxRSSGrowthMB
        let summary = Summary(
            requests: requests, compareGroups: groups, columns: columns,
            faultsInjected: faults.filter { $0.key != Fault.none.rawValue }.values.reduce(0, +),
            faults: faults, errorsByType: reported.filter { $0.key != "ok" }, completed: reported["ok"] ?? 0,
            unexpectedOutcomes: unexpected.count, unexpectedExamples: unexpected.filter { !$0.isEmpty },
            rssMBStart: rssStart, rssMBEnd: rssEnd, rssGrowthMB: growth, rssGrowthLimitMB: maxRSSGrowthMB,
            fdsStart: fdsStart, fdsEnd: fdsEnd, curlHandlesAlive: handles,
            serverConnectionsOpen: server.openConnections,
            seconds: RunTiming.seconds(clock.now, since: started), seed: seed, ok: clean)
        Output.line(summary)
        if !clean {
            Output.message("soak: \(unexpected.count) outcome(s) not the one their fault calls for, \(handles) curl handle(s) alive, descriptors \(fdsStart) -> \(fdsEnd), RSS +\(String(format: "%.1f", growth)) MB")
        }
        return clean ? 0 : 1
    }

    struct Summary: Encodable {
        var requests, compareGroups, columns, faultsInjected: Int
        var faults, errorsByType: [String: Int]
        var completed, unexpectedOutcomes: Int
        var unexpectedExamples: [String]
        var rssMBStart, rssMBEnd, rssGrowthMB, rssGrowthLimitMB: Double
        var fdsStart, fdsEnd, curlHandlesAlive, serverConnectionsOpen: Int
        var seconds: Double
        var seed: UInt64
        var ok: Bool

        enum CodingKeys: String, CodingKey {
            case requests, compareGroups = "compare_groups", columns, faultsInjected = "faults_injected", faults
            case errorsByType = "errors_by_type", completed, unexpectedOutcomes = "unexpected_outcomes"
            case unexpectedExamples = "unexpected_examples", rssMBStart = "rss_mb_start", rssMBEnd = "rss_mb_end"
            case rssGrowthMB = "rss_growth_mb", rssGrowthLimitMB = "rss_growth_limit_mb", fdsStart = "fds_start"
            case fdsEnd = "fds_end", curlHandlesAlive = "curl_handles_alive"
            case serverConnectionsOpen = "server_connections_open", seconds, seed, ok
        }
    }

    static func pick(_ random: inout SeededGenerator) -> Fault {
        var roll = random.next() % Fault.allCases.reduce(0) { $0 + $1.weight }
        for fault in Fault.allCases {
            if roll < fault.weight { return fault }
            roll -= fault.weight
        }
        return .none
    }

    /// One streamed request to `/soak/<fault>/generate_stream`, consumed as the playground consumes a run.
    static func stream(server: FaultServer, fault: Fault) async -> Outcome {
        let endpoint: Endpoint
        do { endpoint = try Endpoint("\(server.url)/soak/\(fault.rawValue)") } catch {
            return Outcome(fault: fault, reported: "bad_endpoint", tokens: 0)
        }
        let backend = TGIBackend(configuration: HTTPBackendConfiguration(endpoint: endpoint, connectTimeout: 5,
                                                                          readTimeout: readTimeout))
        let request = GenerateRequest(inputs: "soak", parameters: GenerateParameters(maxNewTokens: UInt32(tokensPerStream)))
        let task = Task { () -> Outcome in
            var tokens = 0
            do {
                for try await _ in backend.generateStream(request) {
                    tokens += 1
                    if fault == .cancel { withUnsafeCurrentTask { $0?.cancel() } }
                }
                return Outcome(fault: fault, reported: Task.isCancelled ? GenerationError.ErrorType.cancelled.rawValue : "ok",
                               tokens: tokens)
            } catch {
                return Outcome(fault: fault, reported: GenerationError.from(error).errorType.rawValue, tokens: tokens)
            }
        }
        return await task.value
    }

    /// The server's side: what each fault sends (every answer says `Connection: close`, so no idle connection
    /// stays in libcurl's cache and the descriptor count can come back to its baseline).
    static func script(for request: FaultServer.Request) -> [FaultServer.Step] {
        let parts = request.path.split(separator: "/")
        let fault = parts.count >= 2 ? Fault(rawValue: String(parts[1])) ?? .none : .none
        let close = ["Connection": "close"]
        let head = FaultReply.head(status: 200, contentType: "text/event-stream", chunked: true, extra: close)
        let tokens = (1...tokensPerStream).map { event($0) }
        switch fault {
        case .none:
            return [head] + tokens.map { .chunk(Data($0.utf8)) } + [.endChunks, .close]
        case .cut:
            return [head, .chunk(Data(tokens[0].utf8)), .chunk(Data(tokens[1].prefix(25).utf8)), .close]
        case .stall:
            return [head, .chunk(Data(tokens[0].utf8)), .sleepUnlessClosed(milliseconds: 5_000), .close]
        case .errorEvent:
            let error = #"data: {"error":"Request failed during generation: injected by the soak","error_type":"generation"}"#
            return [head, .chunk(Data(tokens[0].utf8)), .chunk(Data(tokens[1].utf8)), .chunk(Data((error + "\n\n").utf8)),
                    .endChunks, .close]
        case .overloaded:
            return FaultReply.body(status: 429, #"{"error":"Model is overloaded","error_type":"overloaded"}"#,
                                   extra: close) + [.close]
        case .loading:
            return FaultReply.body(status: 503, #"{"error":"Model soak is currently loading","estimated_time":1.0}"#,
                                   extra: close) + [.close]
        case .cancel:
            var steps = [head]
            for token in tokens { steps += [.chunk(Data(token.utf8)), .sleepUnlessClosed(milliseconds: 20)] }
            return steps + [.endChunks, .close]
        }
    }

    /// The `index`th token event (the last one final), as TGI writes them.
    static func event(_ index: Int) -> String {
        let token = Token(id: UInt32(100 + index), text: " t\(index)", logprob: -0.5, special: false)
        let last = index == tokensPerStream
        let response = StreamResponse(
            index: UInt32(index), token: token, generatedText: last ? "soak" : nil,
            details: last ? StreamDetails(finishReason: .length, generatedTokens: UInt32(index), seed: nil) : nil)
        return "data: " + ((try? WireJSON.line(response)) ?? "{}") + "\n\n"
    }

    /// Waits (up to 2 s) until the server's connection threads have seen every client close.
    static func settle(_ server: FaultServer) async {
        for _ in 0..<200 where server.openConnections > 0 || TransportDiagnostics.liveCurlHandles(prefix: server.url) > 0 {
            try? await Task.sleep(nanoseconds: 10_000_000)
        }
    }

    /// This process's resident set, from /proc/self/statm (pages), in MB.
    static func residentMegabytes() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return -1 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Double(fields[1]) else { return -1 }
        return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
    }

    /// Open file descriptors of this process (entries of /proc/self/fd, less the one listing them).
    static func openDescriptors() -> Int {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") else { return -1 }
        return entries.count - 1
    }
}
