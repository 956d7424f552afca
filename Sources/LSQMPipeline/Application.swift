import Foundation
import LSQMBasics
import LSQMCore
import LSQMHost
import LSQMSync
import LSQMTemplates

/// The application layer: what every command needs, built once from the global options — the effective
/// configuration, the logger, the artifact store, plugins and host services — and one method per command that
/// decides, builds the stage inputs, wires the stages together and returns what the command prints.
///
/// The CLI parses arguments into `Options` and the command's own parameters, calls one method and prints the
/// result; nothing here knows about argument parsing or stdout, so tests drive it in process.
public struct Application: Sendable {
    /// lsqm's version, as `--version` prints it and the report records it.
    public static let version = "0.1.0"

    /// The global options, as plain values.
    public struct Options: Sendable {
        /// A YAML config file (else `LSQM_CONFIG`).
        public var configFile: String?
        public var verbose: Bool
        /// Show what would be done without changing or sending anything.
        public var dryRun: Bool
        public var parallel: Int?
        public var localstackVersion: String?
        /// nil: `LSQM_LOG_FORMAT`, else human on a terminal and JSON otherwise.
        public var logFormat: LogFormat?
        public var pluginDirectories: [String]
        /// The lsqm binary that hosts isolated plugins (`lsqm plugin-worker`) and next to which the built-in
        /// plugins are found; nil is this process's own executable. Tests running in process point it at the
        /// built `lsqm`.
        public var executable: URL?

        public init(
            configFile: String? = nil, verbose: Bool = false, dryRun: Bool = false, parallel: Int? = nil, localstackVersion: String? = nil,
            logFormat: LogFormat? = nil, pluginDirectories: [String] = [], executable: URL? = nil
        ) {
            self.configFile = configFile
            self.verbose = verbose
            self.dryRun = dryRun
            self.parallel = parallel
            self.localstackVersion = localstackVersion
            self.logFormat = logFormat
            self.pluginDirectories = pluginDirectories
            self.executable = executable
        }
    }

    public let options: Options
    public let configuration: Configuration
    public let logger: Logger
    public let environment: [String: String]
    /// Every secret this application knows (the environment's and the config file's): the CLI redacts stdout
    /// and its final error line with it.
    public let redactor: SecretRedactor

    public init(_ options: Options, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        self.options = options
        self.environment = environment
        var configuration = Configuration()
        if let path = options.configFile ?? environment["LSQM_CONFIG"] {
            configuration = try Application.loadConfigFile(path)
        }
        try configuration.applyEnvironment(environment)
        if let parallel = options.parallel { configuration.parallel = parallel }
        if let version = options.localstackVersion { configuration.localstackVersion = version }
        configuration.pluginDirectories += options.pluginDirectories
        try configuration.validate()
        self.configuration = configuration
        let envFormat = environment["LSQM_LOG_FORMAT"].flatMap(LogFormat.init(rawValue:))
        let format = options.logFormat ?? envFormat ?? .automatic
        redactor = SecretRedactor.fromEnvironment(environment).adding(configuration.secretValues)
        // The process's one output (LSQM.main bootstrapped swift-log with it): lines of every logger share its
        // format, level and redactor, which now knows the config file's secrets too.
        LogOutput.process.configure(format: format, minimumLevel: options.verbose ? .debug : .info, redactor: redactor)
        self.logger = Logger(output: .process)
        // Every child this process starts is written down there, for the next run and `lsqm clean` (a dry run
        // writes nothing, not even that).
        if !options.dryRun { ChildProcesses.setRecordDirectory(processRecordDirectory) }
    }

    /// Where lsqm processes list the child process groups they started (`<pid>.json`).
    public var processRecordDirectory: URL { cacheDirectory.appendingPathComponent("processes", isDirectory: true) }

    /// Stops what earlier lsqm processes left running (they were killed before their children) and removes
    /// their scratch folders. Run at the start of every command that starts emulators, and by `clean`.
    /// Returns what was stopped and removed, one line each.
    @discardableResult
    func reclaimLeftovers() -> [String] {
        if options.dryRun { return [] }
        let stopped = ChildProcesses.stopLeftovers(in: processRecordDirectory).map { "stopped \($0)" }
        let removed = ChildProcesses.removeStaleScratch().map { "removed \($0)" }
        for line in stopped + removed { logger.info("clean", "leftover", "\(line) (left by an earlier lsqm run)") }
        return stopped + removed
    }

    static func loadConfigFile(_ path: String) throws -> Configuration {
        let url = URL(fileURLWithPath: path)
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw LSQMError(.usage, action: "read config \(path)", cause: LSQMError.describe(error), hint: "check the --config path")
        }
        do {
            let value = try TemplateYAML.load(data)
            if value == .null { return Configuration() }
            return try JSONCoding.decode(Configuration.self, from: JSONCoding.encode(value, pretty: false))
        } catch let error as LSQMError where error.kind == .usage && error.hint != nil {
            // The configuration's own refusal (an unknown key) knows the better hint ("did you mean …").
            throw LSQMError(.usage, action: "load config \(path)", cause: error.cause, hint: error.hint)
        } catch {
            throw LSQMError.wrap(error, action: "load config \(path)", kind: .usage, hint: "see README \"Configuration\" for the keys")
        }
    }

    /// The artifact repository's local working copy. A URL repo is cloned by `sync` into the cache.
    public var store: ArtifactStore { ArtifactStore(root: localRepositoryPath) }

    var localRepositoryPath: URL {
        let repo = configuration.artifactRepo
        if SyncStage.isRemote(repo) {
            return cacheDirectory.appendingPathComponent("artifact-repo", isDirectory: true)
        }
        return URL(fileURLWithPath: repo, isDirectory: true).standardizedFileURL
    }

    /// The artifact store, or a clear error when the repository has not been set up yet.
    func initializedStore(for command: String) throws -> ArtifactStore {
        let store = self.store
        guard store.isInitialized else {
            throw LSQMError(
                .usage, action: "\(command) \(store.root.path)", cause: "it is not an lsqm artifact repository yet",
                hint: "run 'lsqm sync' and 'lsqm mine' first")
        }
        return store
    }

    /// The hosts a GitHub token may go to over git: github.com, and the host of a configured GitHub API
    /// (`https://ghe.example.com/api/v3` → ghe.example.com; `api.X` → X).
    func gitHubHosts() -> Set<String> {
        var hosts = Git.defaultGitHubHosts
        if let host = (try? discoveryEndpoints())?.githubAPI.host?.lowercased() {
            hosts.insert(host.hasPrefix("api.") ? String(host.dropFirst(4)) : host)
        }
        return hosts
    }

    /// lsqm's local cache: venvs, terraform plugin cache, HTTP ETag cache, clones.
    public var cacheDirectory: URL {
        if let dir = configuration.cacheDirectory { return URL(fileURLWithPath: dir, isDirectory: true) }
        if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty {
            return URL(fileURLWithPath: xdg).appendingPathComponent("lsqm", isDirectory: true)
        }
        let home = environment["HOME"] ?? NSTemporaryDirectory()
        return URL(fileURLWithPath: home).appendingPathComponent(".cache/lsqm", isDirectory: true)
    }
}

extension Application {
    /// The plugin manager for this command: standard directories, the configured isolation.
    func pluginManager(http: HostHTTPService? = nil) -> PluginManager {
        let executable = options.executable ?? PluginManager.currentExecutable
        return PluginManager(
            directories: PluginDirectory.standard(executable: executable, environment: environment, extra: configuration.pluginDirectories),
            isolation: PluginIsolation(rawValue: configuration.pluginIsolation) ?? .isolated,
            workerExecutable: executable, cacheRoot: cacheDirectory,
            callTimeout: .seconds(configuration.pluginTimeoutSeconds), logger: logger, http: http,
            secretURLs: configuration.slackWebhookURL.map { ["SLACK_WEBHOOK_URL": $0] } ?? [:])
    }

    /// Where discovery sources' remote services live (`LSQM_GITHUB_API_URL`, `LSQM_GITHUB_RAW_URL`,
    /// `LSQM_TERRAFORM_REGISTRY_URL`, else the public services).
    func discoveryEndpoints() throws -> DiscoveryEndpoints { try DiscoveryEndpoints.fromEnvironment(environment) }

    /// The host HTTP service plugins use: GITHUB_TOKEN to the GitHub API host only, rate limits, backoff, the
    /// ETag cache under the cache directory, and dry-run (requests listed, not sent).
    /// Budgets per source come from each source's config (`request_budget`, `rate_limit_wait_seconds`).
    func httpService(sources: [PluginSelection] = []) throws -> HTTPService {
        var http = HTTPService.Options(
            endpoints: try discoveryEndpoints(), githubToken: configuration.githubToken,
            cacheDirectory: cacheDirectory.appendingPathComponent("http", isDirectory: true), dryRun: options.dryRun)
        http.sourceLimits = SourceLimits.from(configs: sources.map { ($0.name, $0.config) })
        return HTTPService(options: http, logger: logger)
    }

    /// Plugin selections with the host's defaults under each one's own config (its own keys win): the service
    /// endpoints (`github_api_url`, `github_raw_url`, `terraform_registry_url`) and `issue_repo`. Never secrets.
    func withPluginDefaults(_ selections: [PluginSelection]) throws -> [PluginSelection] {
        let endpoints = try discoveryEndpoints()
        return selections.map { selection in
            var config = endpoints.pluginConfig(merging: selection.config).objectValue ?? [:]
            if config["issue_repo"] == nil { config["issue_repo"] = .string(configuration.issueRepo) }
            return PluginSelection(name: selection.name, config: .object(config))
        }
    }

    /// The artifact repository lock: stages that write shared files (the index, reports, git) hold it, so
    /// overlapping runs take turns instead of clobbering each other.
    /// Nil in a dry run, which writes nothing (not even the lock file).
    func lockRepository(stage: String) async throws -> FileLock? {
        if options.dryRun { return nil }
        return try await FileLock.acquire(repositoryLockFile, logger: logger, stage: stage)
    }

    /// The lock file: in the cache, where lsqm can always write (never beside the repository, where it would
    /// show up in someone's `git status`), one per working copy, named by a hash of its real path so every
    /// spelling of the path takes the same lock.
    var repositoryLockFile: URL {
        // The parent exists more often than the repository (a first sync creates it): resolve that.
        let path = localRepositoryPath.deletingLastPathComponent().resolvingSymlinksInPath().appendingPathComponent(
            localRepositoryPath.lastPathComponent
        ).path
        let key = SHA256.hex(Data(path.utf8)).prefix(16)
        return cacheDirectory.appendingPathComponent("locks", isDirectory: true).appendingPathComponent(
            "\(localRepositoryPath.lastPathComponent)-\(key).lock")
    }
}
