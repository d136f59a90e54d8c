import Foundation
import Testing

/// `tgplay bench soak` (issue 16): a short soak through the real binary, asserting on counts, never on time.
@Suite struct SoakTests {
    @Test func aShortSoakReportsEveryFaultAndLeavesNothingOpen() throws {
        // RSS is not judged here: a debug or sanitizer build's allocator keeps freed memory (the release figures
        // are in the README); everything else is.
        let result = try BinaryRunner.run(["bench", "soak", "--requests", "60", "--seed", "7", "--max-rss-growth", "100000"],
                                          timeout: 120)
        #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
        let line = try #require(result.stdout.split(separator: "\n").last)
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(summary["requests"] as? Int == 60)
        let faults = try #require(summary["faults"] as? [String: Int])
        #expect(faults.values.reduce(0, +) == 60, "every request had a fault (or none) chosen")
        #expect(faults.keys.count >= 5, "seed 7 spreads over the faults: \(faults)")
        let errors = try #require(summary["errors_by_type"] as? [String: Int])
        let completed = try #require(summary["completed"] as? Int)
        #expect(errors.values.reduce(0, +) + completed == 60)
        #expect(completed == faults["none"], "only the clean requests complete")
        #expect(errors["cancelled"] == faults["cancel"])
        #expect(errors["overloaded"] == faults["429"] && errors["model_loading"] == faults["503"])
        #expect(errors["incomplete_generation"] == (faults["cut"] ?? 0) + (faults["stall"] ?? 0))
        #expect(summary["unexpected_outcomes"] as? Int == 0)
        #expect(summary["curl_handles_alive"] as? Int == 0)
        #expect(summary["server_connections_open"] as? Int == 0)
        let fdsStart = try #require(summary["fds_start"] as? Int), fdsEnd = try #require(summary["fds_end"] as? Int)
        #expect(fdsEnd <= fdsStart, "descriptors back to the baseline: \(fdsStart) -> \(fdsEnd)")
        #expect((summary["compare_groups"] as? Int ?? 0) >= 1, "some requests ran as 4 concurrent columns")
    }

    @Test func badOptionsAreUsageErrors() throws {
        for arguments in [["--requests", "0"], ["--requests", "x"], ["--frobnicate", "1"], ["--requests"]] {
            let result = try BinaryRunner.run(["bench", "soak"] + arguments)
            #expect(result.status == 2 && result.stderr.contains("bench soak takes"), "\(arguments): \(result.stderr)")
        }
    }
}
