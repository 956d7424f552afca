import Foundation
import LSQMBasics
import LSQMCore

/// Stage 1: bring the artifact repository's working copy up to date.
///
/// - A local path that does not exist (or is an empty folder) is created, initialised as a git repository with
///   every index file and folder, and committed.
/// - A local path that exists is used as is (pulled first if it has an `origin`).
/// - A remote URL, or a local bare repository (`/srv/git/artifacts.git`), is cloned into the cache on first use
///   and pulled after that.
///
/// The repository is the user's: one that holds anything and is not yet an lsqm repository is refused unless
/// `initExisting` says to add lsqm's folders to it, and only lsqm's own paths are ever staged and committed.
public enum SyncStage {
    public struct Input: Sendable {
        /// ARTIFACT_REPO: a local path or a git URL.
        public var repository: String
        /// Where the working copy lives (the path itself for a local repository).
        public var workingCopy: URL
        public var token: String?
        /// The hosts `token` may go to (over HTTPS only).
        public var githubHosts: Set<String>
        /// Add lsqm's layout to an existing repository that holds other things (`--init-existing`).
        public var initExisting: Bool
        public var dryRun: Bool
        public var logger: Logger

        public init(
            repository: String, workingCopy: URL, token: String? = nil, githubHosts: Set<String> = Git.defaultGitHubHosts,
            initExisting: Bool = false, dryRun: Bool = false, logger: Logger = .silent
        ) {
            self.repository = repository; self.workingCopy = workingCopy; self.token = token; self.githubHosts = githubHosts
            self.initExisting = initExisting; self.dryRun = dryRun; self.logger = logger
        }
    }

    public struct Output: Codable, Sendable, Equatable {
        /// created, cloned, pulled, local (no remote to pull from), or planned (dry run).
        public var action: String
        public var path: String
        public var head: String?
    }

    public static func run(_ input: Input) async throws -> Output {
        let plain = Git(directory: input.workingCopy, logger: input.logger)
        let store = ArtifactStore(root: input.workingCopy)
        let remote = isRemote(input.repository)
        // The token goes only where it may: the configured remote, or a local repository's origin.
        let git = plain.authenticated(for: remote ? input.repository : await plain.originURL(), token: input.token, githubHosts: input.githubHosts)

        if input.dryRun {
            let action = remote ? (git.isRepository ? "would pull" : "would clone") : (Files.exists(input.workingCopy) ? "would use" : "would create")
            input.logger.info("sync", "dry_run", "\(action) \(input.workingCopy.path)")
            return Output(action: "planned", path: input.workingCopy.path, head: nil)
        }

        var action: String
        if remote {
            if git.isRepository {
                try await pull(git)
                action = "pulled"
            } else {
                try Files.createDirectory(input.workingCopy.deletingLastPathComponent())
                try await git.run(["clone", "--quiet", input.repository, input.workingCopy.path], in: input.workingCopy.deletingLastPathComponent())
                action = "cloned"
            }
        } else if !Files.exists(input.workingCopy) || isEmptyDirectory(input.workingCopy) {
            try Files.createDirectory(input.workingCopy)
            try await git.run(["init", "--quiet", "--initial-branch=main"])
            action = "created"
        } else {
            if !git.isRepository {
                throw LSQMError(
                    .usage, action: "sync \(input.workingCopy.path)", cause: "the folder exists but is not a git repository",
                    hint: "point ARTIFACT_REPO at an empty or new path, or run 'git init' there")
            }
            if await git.originURL() != nil, await git.hasCommits() {
                try await pull(git)
                action = "pulled"
            } else {
                action = "local"
            }
        }

        // Every index file and folder exists after a sync, whatever the repository held before.
        let wasInitialized = store.isInitialized
        if !wasInitialized, !input.initExisting, let content = await foreignContent(git) {
            throw LSQMError(
                .usage, action: "sync \(input.repository)", cause: "it is a git repository that lsqm did not create and it holds \(content)",
                hint: "point ARTIFACT_REPO at a new path or an lsqm artifact repository, or pass --init-existing to add lsqm's folders "
                    + "(architectures/, apps/, runs/, reports/, trends/) to this one; lsqm only ever commits those")
        }
        try store.initializeLayout()
        let hasCommits = await git.hasCommits()
        if !wasInitialized || !hasCommits {
            try await git.run(["add", "-A", "--"] + ArtifactStore.ownedPaths)
            try await git.run(
                ["commit", "--quiet", "--allow-empty", "-m", "lsqm: initialise artifact repository layout", "--"] + ArtifactStore.ownedPaths)
        }
        let head = try? await git.run(["rev-parse", "HEAD"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        input.logger.info("sync", "synced", "\(action) \(input.workingCopy.path)", fields: ["action": .string(action)])
        return Output(action: action, path: input.workingCopy.path, head: head)
    }

    /// True for a git URL (`https://…`, `ssh://…`, `file://…`, `git@host:…`) and for a local bare repository:
    /// both are cloned into the cache rather than written to in place.
    public static func isRemote(_ repository: String) -> Bool {
        if repository.contains("://") || repository.hasPrefix("git@") { return true }
        return isBareRepository(URL(fileURLWithPath: repository, isDirectory: true))
    }

    /// A bare repository: `HEAD`, `objects/` and `refs/` at its top, no working tree.
    static func isBareRepository(_ url: URL) -> Bool {
        Files.exists(url.appendingPathComponent("HEAD")) && Files.isDirectory(url.appendingPathComponent("objects"))
            && Files.isDirectory(url.appendingPathComponent("refs")) && !Files.exists(url.appendingPathComponent(".git"))
    }

    /// What a repository that is not yet lsqm's holds (commits, or files besides `.git`), or nil when it is empty.
    private static func foreignContent(_ git: Git) async -> String? {
        if await git.hasCommits() { return "commits" }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: git.directory.path)) ?? []).filter { $0 != ".git" }
        return names.isEmpty ? nil : "files (\(names.sorted().prefix(3).joined(separator: ", "))\(names.count > 3 ? ", …" : ""))"
    }

    private static func isEmptyDirectory(_ url: URL) -> Bool {
        Files.isDirectory(url) && ((try? FileManager.default.contentsOfDirectory(atPath: url.path))?.isEmpty ?? false)
    }

    private static func pull(_ git: Git) async throws {
        // Rebase keeps history linear; every run writes its own paths, so conflicts are not expected.
        try await git.run(["pull", "--quiet", "--rebase", "--autostash"])
    }
}
