import Foundation

/// git, run as a child process with an explicit environment.
///
/// Credentials never go on the command line (visible in `ps`) or into the repository config: an HTTPS token
/// is handed to this one git process through `GIT_CONFIG_COUNT`/`GIT_CONFIG_KEY_n`/`GIT_CONFIG_VALUE_n`
/// environment variables as an `http.extraHeader`, and only to a git that talks to an HTTPS remote on a
/// GitHub host (`authenticated(for:)`): never over plain HTTP, never to another host, never for a local
/// repository.
public struct Git: Sendable {
    public let directory: URL
    public let token: String?
    public let logger: Logger

    /// A git without credentials. `authenticated(for:token:githubHosts:)` adds a token where it may go.
    public init(directory: URL, logger: Logger = .silent) {
        self.init(directory: directory, token: nil, logger: logger)
    }

    private init(directory: URL, token: String?, logger: Logger) {
        self.directory = directory
        self.token = token
        self.logger = logger
    }

    /// The hosts a GitHub token is for when nothing else is configured.
    public static let defaultGitHubHosts: Set<String> = ["github.com"]

    /// This git, carrying `token` when `remote` is an HTTPS URL on one of `githubHosts`; else without one.
    public func authenticated(for remote: String?, token: String?, githubHosts: Set<String>) -> Git {
        guard let token, !token.isEmpty, let remote, Git.mayAuthenticate(remote, githubHosts: githubHosts) else {
            return Git(directory: directory, token: nil, logger: logger)
        }
        return Git(directory: directory, token: token, logger: logger)
    }

    /// Whether a GitHub token may be sent to `remote`: HTTPS, on a GitHub host.
    public static func mayAuthenticate(_ remote: String, githubHosts: Set<String>) -> Bool {
        guard let url = URL(string: remote), url.scheme?.lowercased() == "https", let host = url.host?.lowercased() else { return false }
        return githubHosts.contains(host)
    }

    /// Runs `git ARGS` in the repository; throws `failed to git <args>: <stderr>` on a non-zero exit.
    @discardableResult
    public func run(
        _ arguments: [String], in workingDirectory: URL? = nil, allowFailure: Bool = false, timeout: Duration = .seconds(600)
    ) async throws -> Subprocess.Result {
        var environment = SecretEnvironment.scrubbed()
        // Commits need an identity; CI runners often have none configured.
        environment["GIT_AUTHOR_NAME"] = environment["GIT_AUTHOR_NAME"] ?? "lsqm"
        environment["GIT_AUTHOR_EMAIL"] = environment["GIT_AUTHOR_EMAIL"] ?? "lsqm@users.noreply.github.com"
        environment["GIT_COMMITTER_NAME"] = environment["GIT_COMMITTER_NAME"] ?? "lsqm"
        environment["GIT_COMMITTER_EMAIL"] = environment["GIT_COMMITTER_EMAIL"] ?? "lsqm@users.noreply.github.com"
        environment["GIT_TERMINAL_PROMPT"] = "0"
        if let token, !token.isEmpty {
            let basic = Data("x-access-token:\(token)".utf8).base64EncodedString()
            environment["GIT_CONFIG_COUNT"] = "1"
            environment["GIT_CONFIG_KEY_0"] = "http.extraHeader"
            environment["GIT_CONFIG_VALUE_0"] = "AUTHORIZATION: basic \(basic)"
        }
        let result = try await Subprocess.run(
            ["git"] + arguments, environment: environment,
            workingDirectory: workingDirectory ?? directory, timeout: timeout)
        if !result.succeeded && !allowFailure {
            let output = result.timedOut ? "timed out" : result.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
            throw LSQMError(
                .environment, action: "git \(arguments.prefix(2).joined(separator: " "))",
                cause: output.isEmpty ? "exit code \(result.exitCode)" : output)
        }
        return result
    }

    public var isRepository: Bool { Files.exists(directory.appendingPathComponent(".git")) }

    /// The URL of `origin`, if the repository has one.
    public func originURL() async -> String? {
        guard let result = try? await run(["remote", "get-url", "origin"], allowFailure: true), result.succeeded else { return nil }
        let url = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        return url.isEmpty ? nil : url
    }

    public func currentBranch() async -> String? {
        guard let result = try? await run(["rev-parse", "--abbrev-ref", "HEAD"], allowFailure: true), result.succeeded else { return nil }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public func hasCommits() async -> Bool {
        (try? await run(["rev-parse", "--verify", "HEAD"], allowFailure: true))?.succeeded ?? false
    }
}
