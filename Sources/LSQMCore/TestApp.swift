import Foundation
import LSQMBasics

/// `apps/<arch hash>/metadata.json`: how a test app was made.
public struct TestAppMetadata: Codable, Sendable, Equatable {
    public var arch: String
    /// Hash of the app's files plus the generator version (`ContentHash.app`).
    public var appHash: String
    /// "claude" or "rules".
    public var generator: String
    public var generatorVersion: String
    public var model: String?
    public var promptVersion: String?
    public var inputTokens: Int
    public var outputTokens: Int
    public var generatedAt: Date
    public var files: [String]
    /// The normalized Terraform the app was generated from (`ArtifactStore.terraformHash`): when a normalizer
    /// change rewrites it, the app is stale. Nil for apps generated before it was recorded.
    public var terraformHash: String?

    public init(
        arch: String, appHash: String, generator: String, generatorVersion: String, model: String? = nil,
        promptVersion: String? = nil, inputTokens: Int = 0, outputTokens: Int = 0, generatedAt: Date = Date(), files: [String],
        terraformHash: String? = nil
    ) {
        self.arch = arch; self.appHash = appHash; self.generator = generator; self.generatorVersion = generatorVersion
        self.model = model; self.promptVersion = promptVersion; self.inputTokens = inputTokens
        self.outputTokens = outputTokens; self.generatedAt = generatedAt; self.files = files; self.terraformHash = terraformHash
    }

    enum CodingKeys: String, CodingKey {
        case arch, generator, model, files
        case appHash = "app_hash"
        case generatorVersion = "generator_version"
        case promptVersion = "prompt_version"
        case inputTokens = "input_tokens"
        case outputTokens = "output_tokens"
        case generatedAt = "generated_at"
        case terraformHash = "terraform_hash"
    }
}
