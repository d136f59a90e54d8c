import Foundation

/// TGI's `GET /info`. Only `model_id` is common to every version; the rest is optional so that TGI 1.x/2.x
/// (`max_input_length`, `model_dtype`, batch settings) and 3.x (`max_input_tokens`, `max_client_batch_size`)
/// both decode. Fields are written back only when present.
public struct Info: Codable, Sendable, Equatable {
    public var modelId: String
    public var modelSha: String?
    public var modelDtype: String?
    public var modelDeviceType: String?
    public var modelPipelineTag: String?
    public var maxConcurrentRequests: Int?
    public var maxBestOf: Int?
    public var maxStopSequences: Int?
    public var maxInputTokens: Int?
    public var maxInputLength: Int?
    public var maxTotalTokens: Int?
    public var waitingServedRatio: Double?
    public var maxBatchTotalTokens: Int?
    public var maxWaitingTokens: Int?
    public var maxBatchSize: Int?
    public var validationWorkers: Int?
    public var maxClientBatchSize: Int?
    public var router: String?
    public var version: String?
    public var sha: String?
    public var dockerLabel: String?

    public init(modelId: String) { self.modelId = modelId }

    enum CodingKeys: String, CodingKey {
        case modelId = "model_id"
        case modelSha = "model_sha"
        case modelDtype = "model_dtype"
        case modelDeviceType = "model_device_type"
        case modelPipelineTag = "model_pipeline_tag"
        case maxConcurrentRequests = "max_concurrent_requests"
        case maxBestOf = "max_best_of"
        case maxStopSequences = "max_stop_sequences"
        case maxInputTokens = "max_input_tokens"
        case maxInputLength = "max_input_length"
        case maxTotalTokens = "max_total_tokens"
        case waitingServedRatio = "waiting_served_ratio"
        case maxBatchTotalTokens = "max_batch_total_tokens"
        case maxWaitingTokens = "max_waiting_tokens"
        case maxBatchSize = "max_batch_size"
        case validationWorkers = "validation_workers"
        case maxClientBatchSize = "max_client_batch_size"
        case router, version, sha
        case dockerLabel = "docker_label"
    }

    /// The prompt limit under either name (`max_input_tokens` since 2.1, `max_input_length` before).
    public var inputTokenLimit: Int? { maxInputTokens ?? maxInputLength }

    /// The validation limits this server announces; unknown ones stay nil and are left to the server.
    public var validationLimits: ValidationLimits {
        ValidationLimits(
            maxBestOf: maxBestOf, maxStopSequences: maxStopSequences, maxTopNTokens: nil,
            maxInputTokens: inputTokenLimit, maxTotalTokens: maxTotalTokens)
    }
}

/// One token of a `/tokenize` answer; `start`/`stop` are byte offsets into the UTF-8 `inputs`.
public struct SimpleToken: Codable, Sendable, Equatable {
    public var id: UInt32
    public var text: String
    public var start: Int
    public var stop: Int

    public init(id: UInt32, text: String, start: Int, stop: Int) {
        self.id = id
        self.text = text
        self.start = start
        self.stop = stop
    }
}

/// TGI's error body `{"error": ..., "error_type": ...}`. The serverless API adds `estimated_time` while a model
/// loads, and some proxies send `error` without a type; both decode.
public struct ErrorResponse: Codable, Sendable, Equatable {
    public var error: String
    public var errorType: GenerationError.ErrorType?
    public var estimatedTime: Double?
    /// The serverless API's extra detail for non-TGI models (`"warnings": ["There was an inference error: ..."]`).
    public var warnings: [String]?

    public init(error: String, errorType: GenerationError.ErrorType?, estimatedTime: Double? = nil, warnings: [String]? = nil) {
        self.error = error
        self.errorType = errorType
        self.estimatedTime = estimatedTime
        self.warnings = warnings
    }

    enum CodingKeys: String, CodingKey {
        case error
        case errorType = "error_type"
        case estimatedTime = "estimated_time"
        case warnings
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        // huggingface_hub accepts `"error": ["a", "b"]` as well; join those.
        if let text = try? c.decode(String.self, forKey: .error) {
            error = text
        } else {
            error = try c.decode([String].self, forKey: .error).joined(separator: "; ")
        }
        errorType = try c.decodeIfPresent(GenerationError.ErrorType.self, forKey: .errorType)
        estimatedTime = try c.decodeIfPresent(Double.self, forKey: .estimatedTime)
        warnings = try c.decodeIfPresent([String].self, forKey: .warnings)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(error, forKey: .error)
        try c.encode(errorType, forKey: .errorType)
        try c.encodeIfPresent(estimatedTime, forKey: .estimatedTime)
        try c.encodeIfPresent(warnings, forKey: .warnings)
    }
}
