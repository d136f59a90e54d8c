import Foundation
import Testing
@testable import LocalEngine

/// Model files whose structure is sound but whose metadata lies (issue 16, item 1): each is refused by the
/// config with a message naming the key, never an overflow, a division by zero or a wrong answer.
@Suite struct HostileModelTests {
    /// Loads a copy of the real model with `changes` applied; returns the error text, nil when it loaded.
    static func loadError(_ changes: [String: GGUFValue?]) throws -> String? {
        let path = try GGUFWriter.copy(of: TestModel.file, changing: changes)
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try GemmaModel(path: path)
            return nil
        } catch {
            return String(describing: error)
        }
    }

    /// The writer itself is faithful: an unchanged copy loads, with the real config.
    @Test func anUnchangedCopyLoads() throws {
        let path = try GGUFWriter.copy(of: TestModel.file, changing: [:])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let model = try GemmaModel(path: path)
        #expect(model.config == (try GemmaConfig(file: TestModel.file)))
        #expect(model.config.slidingWindow == 512 && model.config.kvHeadCount == 1)
    }

    @Test(arguments: [
        // 2^63-1: `slidingWindow + maxBatch` wrapped and the ring cache never allocated.
        ("gemma3.attention.sliding_window", GGUFValue.uint64(UInt64(Int.max)), "gemma3.attention.sliding_window"),
        ("gemma3.attention.sliding_window", .uint32(40_000), "gemma3.attention.sliding_window"),
        ("gemma3.attention.sliding_window", .int32(-1), "gemma3.attention.sliding_window"),
        // Division by zero in the config (headCount % kvHeadCount, layer % period).
        ("gemma3.attention.head_count_kv", .uint32(0), "gemma3.attention.head_count_kv"),
        ("gemma3.attention.head_count_kv", .uint32(3), "gemma3.attention.head_count_kv"),
        ("gemma3.attention.sliding_window_pattern", .uint32(0), "gemma3.attention.sliding_window_pattern"),
        ("gemma3.attention.sliding_window_pattern", .int64(-6), "gemma3.attention.sliding_window_pattern"),
        ("gemma3.attention.key_length", .uint32(0), "gemma3.attention.key_length"),
        ("gemma3.attention.key_length", .uint64(UInt64(Int.max)), "gemma3.attention.key_length"),
        ("gemma3.attention.key_length", .uint32(255), "gemma3.attention.key_length"),
        ("gemma3.attention.value_length", .uint32(128), "gemma3.attention.value_length"),
        ("gemma3.attention.head_count", .uint64(UInt64(Int.max)), "gemma3.attention.head_count"),
        ("gemma3.embedding_length", .uint64(1 << 62), "gemma3.embedding_length"),
        ("gemma3.feed_forward_length", .uint32(2047), "gemma3.feed_forward_length"),
        ("gemma3.context_length", .uint64(UInt64(Int.max)), "gemma3.context_length"),
        ("gemma3.context_length", .int32(-5), "gemma3.context_length"),
        // Fewer blocks than the file holds would silently run a truncated model.
        ("gemma3.block_count", .uint32(17), "gemma3.block_count"),
        ("gemma3.block_count", .uint32(19), "gemma3.block_count"),
        ("gemma3.attention.layer_norm_rms_epsilon", .float32(.nan), "gemma3.attention.layer_norm_rms_epsilon"),
        ("gemma3.attention.layer_norm_rms_epsilon", .float32(-1), "gemma3.attention.layer_norm_rms_epsilon"),
        ("gemma3.rope.freq_base", .float32(.infinity), "gemma3.rope.freq_base"),
        ("gemma3.rope.freq_base", .float32(0), "gemma3.rope.freq_base"),
        ("gemma3.rope.freq_base_swa", .float64(-10_000), "gemma3.rope.freq_base_swa"),
        ("gemma3.final_logit_softcapping", .float32(.nan), "gemma3.final_logit_softcapping"),
    ] as [(String, GGUFValue, String)])
    func outOfRangeMetadataIsRefused(_ key: String, _ value: GGUFValue, _ named: String) throws {
        let error = try #require(try Self.loadError([key: value]), "\(key) = \(value) loaded")
        #expect(error.contains(named), "\(error)")
        #expect(error.contains("hostile-"), "the message names the file: \(error)")
    }

    /// A non-integer where an integer belongs is named, not taken for "missing".
    @Test func wrongTypesAreNamed() throws {
        let error = try #require(try Self.loadError(["gemma3.attention.sliding_window": .string(Array("512".utf8))]))
        #expect(error.contains("gemma3.attention.sliding_window") && error.contains("integer"), "\(error)")
    }

    /// A sliding-window period of 1 means no global layer, a legal if odd choice: it loads.
    @Test func boundaryValuesStillLoad() throws {
        #expect(try Self.loadError(["gemma3.attention.sliding_window_pattern": .uint32(1)]) == nil)
        #expect(try Self.loadError(["gemma3.attention.sliding_window": .uint32(0)]) == nil)
        #expect(try Self.loadError(["gemma3.attention.sliding_window": .uint64(32768)]) == nil)
    }
}
