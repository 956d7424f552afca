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
        self.init(
            name: try container.decode(String.self, forKey: .name),
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
    /// Whether the config file has a `sources` key at all. Without one (and without `--local`), mine uses
    /// `defaultSources`; an explicit `sources: []` means none.
    public var sourcesConfigured = false
    public var normalizers: [PluginSelection] = [PluginSelection(name: "CloudFormationNormalizer")]
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
    /// The remote sources lsqm mines when none are configured, each with its own default settings: the Terraform
    /// Registry, the GitHub orgs aws-quickstart/aws-solutions/aws-samples, serverless/examples, aws-cdk-examples.
    public static let defaultSources = ["TerraformRegistrySource", "GitHubOrgSource", "ServerlessExamplesSource", "CDKExamplesSource"]
        .map { PluginSelection(name: $0) }

    public init() {}

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// The known key nearest to `word` by edit distance, when it is near enough to be a typo.
    static func closest(to word: String, among candidates: [String]) -> String? {
        var best: (key: String, distance: Int)?
        for candidate in candidates.sorted() {
            let distance = editDistance(word.lowercased(), candidate)
            if distance < (best?.distance ?? Int.max) { best = (candidate, distance) }
        }
        guard let best, best.distance <= max(2, best.key.count / 3) else { return nil }
        return best.key
    }

    /// Levenshtein distance: insertions, deletions and substitutions each cost one.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1]
            for (j, y) in b.enumerated() {
                current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1)))
            }
            previous = current
        }
        return previous[b.count]
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
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

    /// Every key a config file may hold.
    public static var knownKeys: [String] { CodingKeys.allCases.map(\.stringValue) }

    /// Bounds of the numeric settings: below them nothing works, above them a typo (an extra zero) would
    /// start a thousand emulators or wait a month for a hung plugin.
    public static let parallelRange = 1...64
    public static let timeoutRange = 1...86_400
    public static let pluginTimeoutRange = 1...86_400
    public static let tokenBudgetRange = 1...100_000_000

    public init(from decoder: any Decoder) throws {
        // Every key is optional: a config file states only what differs from the defaults. An unknown key is
        // an error: a misspelt `paralel: 8` silently running with the default is worse than refusing.
        let all = try decoder.container(keyedBy: AnyKey.self)
        for key in all.allKeys where CodingKeys(stringValue: key.stringValue) == nil {
            let suggestion = Configuration.closest(to: key.stringValue, among: Configuration.knownKeys)
            throw LSQMError(
                .usage, action: "read the config", cause: "unknown key '\(key.stringValue)'",
                hint: suggestion.map { "did you mean '\($0)'?" } ?? "the keys are: \(Configuration.knownKeys.sorted().joined(separator: ", "))")
        }
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
        sourcesConfigured = c.contains(.sources)
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
        // Values pasted from a file or a secret store often end in a newline; no setting is meant to.
        let env = env.mapValues { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
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
        func check(_ name: String, _ value: Int, _ range: ClosedRange<Int>, unit: String = "") throws {
            guard range.contains(value) else {
                throw LSQMError(
                    .usage, action: "configure", cause: "\(name) must be between \(range.lowerBound) and \(range.upperBound)\(unit) (got \(value))")
            }
        }
        try check("parallel", parallel, Configuration.parallelRange)
        try check("timeout", timeoutSeconds, Configuration.timeoutRange, unit: " seconds")
        try check("plugin_timeout", pluginTimeoutSeconds, Configuration.pluginTimeoutRange, unit: " seconds")
        try check("token_budget", tokenBudget, Configuration.tokenBudgetRange)
        // Pinned versions only: `latest` (or any moving tag) changes the emulator under a week's comparison.
        let movingTags: Set<String> = ["latest", "stable", "nightly", "edge", "main", "master", ""]
        guard !movingTags.contains(localstackVersion.lowercased()), localstackVersion.first?.isNumber == true else {
            throw LSQMError(
                .usage, action: "configure",
                cause: "localstack_version must be a pinned version such as \(Configuration.pinnedLocalStackVersion) (got '\(localstackVersion)')",
                hint: "a moving tag changes the emulator between runs, so their results cannot be compared")
        }
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
        [anthropicAPIKey, githubToken, slackWebhookURL, localstackAuthToken].compactMap { $0 } + SecretRedactor.credentials(in: artifactRepo)
    }

    /// A copy safe to print: every secret replaced by a marker that says whether it is set.
    public func redacted() -> Configuration {
        var copy = self
        func mark(_ value: String?) -> String? { value == nil ? nil : "[REDACTED]" }
        copy.anthropicAPIKey = mark(anthropicAPIKey)
        copy.githubToken = mark(githubToken)
        copy.slackWebhookURL = mark(slackWebhookURL)
        copy.localstackAuthToken = mark(localstackAuthToken)
        copy.artifactRepo = SecretRedactor.withoutCredentials(artifactRepo)
        return copy
    }
}
