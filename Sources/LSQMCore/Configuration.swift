import Foundation
import LSQMBasics

/// One plugin chosen by a deployment, with its own settings.
public struct PluginSelection: Codable, Sendable, Equatable {
    public var name: String
    public var config: JSONValue
    public init(name: String, config: JSONValue = .object([:])) { self.name = name; self.config = config }

    public init(from decoder: any Decoder) throws {
        // Either `- Name` or `- {name: Name, config: {...}}`.
        if let name = try? decoder.singleValueContainer().decode(String.self) {
            self.init(name: name)
            return
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(name: try container.decode(String.self, forKey: .name),
                  config: try container.decodeIfPresent(JSONValue.self, forKey: .config) ?? .object([:]))
    }
}

/// The effective configuration: defaults, then the config file, then the environment, then flags.
///
/// Secrets are held here so that every component asks one place, and `redacted()` is what `config show`
/// prints. They are never written to artifacts.
public struct Configuration: Codable, Sendable, Equatable {
    public var artifactRepo: String = "./lsqm-data"
    public var parallel: Int = 4
    public var timeoutSeconds: Int = 300
    public var tokenBudget: Int = 500_000
    public var localstackVersion: String = Configuration.pinnedLocalStackVersion
    public var issueRepo: String = "localstack/localstack"
    public var model: String = Configuration.defaultModel
    public var emulator: String = "auto"
    /// Emulator targets every validation runs against, the first being the run's primary (`targets:`,
    /// `LSQM_TARGETS=a,b`); empty: the one `emulator`.
    public var targets: [String] = []
    public var terraformMirror: String? = nil
    public var pluginDirectories: [String] = []
    public var pluginIsolation: String = "isolated"
    public var pluginTimeoutSeconds: Int = 600
    public var sources: [PluginSelection] = []
    public var normalizers: [PluginSelection] = [PluginSelection(name: "CloudFormationNormalizer"), PluginSelection(name: "ServerlessNormalizer")]
    public var notifiers: [PluginSelection] = []
    public var cacheDirectory: String? = nil
    // Secrets.
    public var anthropicAPIKey: String? = nil
    public var githubToken: String? = nil
    public var slackWebhookURL: String? = nil
    public var localstackAuthToken: String? = nil

    /// The last LocalStack image that starts without an auth token (see README "Emulators").
    public static let pinnedLocalStackVersion = "4.14.0"
    public static let defaultModel = "claude-sonnet-4-5"

    public init() {}

    enum CodingKeys: String, CodingKey {
        case parallel, sources, normalizers, notifiers, model, emulator, targets
        case artifactRepo = "artifact_repo"
        case timeoutSeconds = "timeout"
        case tokenBudget = "token_budget"
        case localstackVersion = "localstack_version"
        case issueRepo = "issue_repo"
        case terraformMirror = "terraform_mirror"
        case pluginDirectories = "plugin_dirs"
        case pluginIsolation = "plugin_isolation"
        case pluginTimeoutSeconds = "plugin_timeout"
        case cacheDirectory = "cache_dir"
        case anthropicAPIKey = "anthropic_api_key"
        case githubToken = "github_token"
        case slackWebhookURL = "slack_webhook_url"
        case localstackAuthToken = "localstack_auth_token"
    }

    public init(from decoder: any Decoder) throws {
        // Every key is optional: a config file states only what differs from the defaults.
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Configuration()
        artifactRepo = try c.decodeIfPresent(String.self, forKey: .artifactRepo) ?? d.artifactRepo
        parallel = try c.decodeIfPresent(Int.self, forKey: .parallel) ?? d.parallel
        timeoutSeconds = try c.decodeIfPresent(Int.self, forKey: .timeoutSeconds) ?? d.timeoutSeconds
        tokenBudget = try c.decodeIfPresent(Int.self, forKey: .tokenBudget) ?? d.tokenBudget
        localstackVersion = try c.decodeIfPresent(String.self, forKey: .localstackVersion) ?? d.localstackVersion
        issueRepo = try c.decodeIfPresent(String.self, forKey: .issueRepo) ?? d.issueRepo
        model = try c.decodeIfPresent(String.self, forKey: .model) ?? d.model
        emulator = try c.decodeIfPresent(String.self, forKey: .emulator) ?? d.emulator
        targets = try c.decodeIfPresent([String].self, forKey: .targets) ?? d.targets
        terraformMirror = try c.decodeIfPresent(String.self, forKey: .terraformMirror)
        pluginDirectories = try c.decodeIfPresent([String].self, forKey: .pluginDirectories) ?? []
        pluginIsolation = try c.decodeIfPresent(String.self, forKey: .pluginIsolation) ?? d.pluginIsolation
        pluginTimeoutSeconds = try c.decodeIfPresent(Int.self, forKey: .pluginTimeoutSeconds) ?? d.pluginTimeoutSeconds
        sources = try c.decodeIfPresent([PluginSelection].self, forKey: .sources) ?? d.sources
        normalizers = try c.decodeIfPresent([PluginSelection].self, forKey: .normalizers) ?? d.normalizers
        notifiers = try c.decodeIfPresent([PluginSelection].self, forKey: .notifiers) ?? d.notifiers
        cacheDirectory = try c.decodeIfPresent(String.self, forKey: .cacheDirectory)
        anthropicAPIKey = try c.decodeIfPresent(String.self, forKey: .anthropicAPIKey)
        githubToken = try c.decodeIfPresent(String.self, forKey: .githubToken)
        slackWebhookURL = try c.decodeIfPresent(String.self, forKey: .slackWebhookURL)
        localstackAuthToken = try c.decodeIfPresent(String.self, forKey: .localstackAuthToken)
    }

    /// Applies the environment (which overrides the file). Invalid numbers are errors, not silently ignored.
    public mutating func applyEnvironment(_ env: [String: String]) throws {
        func int(_ name: String) throws -> Int? {
            guard let raw = env[name], !raw.isEmpty else { return nil }
            guard let value = Int(raw), value > 0 else {
                throw LSQMError(.usage, action: "read \(name)", cause: "'\(raw)' is not a positive integer")
            }
            return value
        }
        if let v = env["ARTIFACT_REPO"], !v.isEmpty { artifactRepo = v }
        if let v = try int("LSQM_PARALLEL") { parallel = v }
        if let v = try int("LSQM_TIMEOUT") { timeoutSeconds = v }
        if let v = try int("ANTHROPIC_TOKEN_BUDGET") { tokenBudget = v }
        if let v = env["LOCALSTACK_VERSION"], !v.isEmpty { localstackVersion = v }
        if let v = env["ISSUE_REPO"], !v.isEmpty { issueRepo = v }
        if let v = env["LSQM_MODEL"], !v.isEmpty { model = v }
        if let v = env["LSQM_TARGETS"], !v.isEmpty {
            targets = v.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        if let v = env["LSQM_TF_PLUGIN_MIRROR"], !v.isEmpty { terraformMirror = v }
        if let v = env["LSQM_CACHE_DIR"], !v.isEmpty { cacheDirectory = v }
        if let v = env["LSQM_PLUGIN_ISOLATION"], !v.isEmpty { pluginIsolation = v }
        if let v = env["ANTHROPIC_API_KEY"], !v.isEmpty { anthropicAPIKey = v }
        if let v = env["GITHUB_TOKEN"], !v.isEmpty { githubToken = v }
        if let v = env["SLACK_WEBHOOK_URL"], !v.isEmpty { slackWebhookURL = v }
        if let v = env["LOCALSTACK_AUTH_TOKEN"], !v.isEmpty { localstackAuthToken = v }
    }

    /// Checks values that decode but make no sense.
    public func validate() throws {
        guard parallel >= 1 else { throw LSQMError(.usage, action: "configure", cause: "parallel must be at least 1 (got \(parallel))") }
        guard timeoutSeconds >= 1 else { throw LSQMError(.usage, action: "configure", cause: "timeout must be at least 1 second") }
        guard ["isolated", "in-process"].contains(pluginIsolation) else {
            throw LSQMError(.usage, action: "configure", cause: "plugin_isolation must be 'isolated' or 'in-process' (got '\(pluginIsolation)')")
        }
    }

    /// What to validate against: targets named on the command line, else one `--emulator`, else the
    /// configured targets, else the configured emulator.
    public func targets(flags: [String], emulator flag: String?) -> [String] {
        if !flags.isEmpty { return flags }
        if let flag { return [flag] }
        return targets.isEmpty ? [emulator] : targets
    }

    /// The secret values held, for the log redactor.
    public var secretValues: [String] {
        [anthropicAPIKey, githubToken, slackWebhookURL, localstackAuthToken].compactMap { $0 }
    }

    /// A copy safe to print: every secret replaced by a marker that says whether it is set.
    public func redacted() -> Configuration {
        var copy = self
        func mark(_ value: String?) -> String? { value == nil ? nil : "[REDACTED]" }
        copy.anthropicAPIKey = mark(anthropicAPIKey)
        copy.githubToken = mark(githubToken)
        copy.slackWebhookURL = mark(slackWebhookURL)
        copy.localstackAuthToken = mark(localstackAuthToken)
        return copy
    }
}
