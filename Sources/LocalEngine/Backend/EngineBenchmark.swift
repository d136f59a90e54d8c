import Foundation

/// `tgplay bench engine`: load time, prompt (prefill) and generation (decode) speed, peak memory.
/// Figures are measured, never asserted; build release to get meaningful numbers.
public enum EngineBenchmark {
    public struct Result: Encodable, Sendable {
        public var loadS: Double
        public var promptTokens: Int
        public var generatedTokens: Int
        public var prefillTokS: Double
        public var decodeTokS: Double
        public var peakRssMb: Double
        public var threads: Int

        enum CodingKeys: String, CodingKey {
            case loadS = "load_s", promptTokens = "prompt_tokens", generatedTokens = "generated_tokens"
            case prefillTokS = "prefill_tok_s", decodeTokS = "decode_tok_s", peakRssMb = "peak_rss_mb", threads
        }
    }

    public static func run(modelPath: String, promptTokens: Int, generateTokens: Int, threads: Int) throws -> Result {
        let start = DispatchTime.now()
        let file = try GGUFFile(path: modelPath)
        let model = try GemmaModel(file: file)
        let tokenizer = try GemmaTokenizer(file: file)
        let loaded = seconds(since: start)

        // A natural-language prompt of exactly `promptTokens` tokens (BOS first), repeated text as needed.
        let passage = "The quick brown fox jumps over the lazy dog while the river runs past the old mill, and the "
            + "villagers gather at the market to trade bread, cheese and stories about the long winter. "
        var ids: [Int32] = []
        while ids.count < promptTokens {
            ids += tokenizer.encode(passage, addSpecial: ids.isEmpty, parseSpecial: false)
        }
        ids = Array(ids.prefix(max(1, promptTokens)))

        let session = GemmaSession(model: model, threads: threads)
        let prefillStart = DispatchTime.now()
        var logits = try session.evaluate(ids, logits: .last).last ?? []
        let prefill = seconds(since: prefillStart)

        let decodeStart = DispatchTime.now()
        for _ in 0..<generateTokens {
            let next = Int32(LogSoftmax.top(logits, 1).first?.id ?? 0)
            logits = try session.evaluate([next], logits: .last).last ?? []
        }
        let decode = seconds(since: decodeStart)
        return Result(loadS: loaded, promptTokens: ids.count, generatedTokens: generateTokens,
                      prefillTokS: Double(ids.count) / prefill, decodeTokS: Double(generateTokens) / max(decode, 1e-9),
                      peakRssMb: peakResidentMegabytes(), threads: threads)
    }

    static func seconds(since start: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }

    /// VmHWM from /proc/self/status: the peak resident set of this process.
    public static func peakResidentMegabytes() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kb / 1024
    }
}
