import Foundation
import LSQMBasics
import LSQMCore

/// Stage 1: bring the artifact repository's working copy up to date.
///
/// - A local path that does not exist (or is an empty folder) is created, initialised as a git repository with
///   every index file and folder, and committed.
/// - A local path that exists is used as is (pulled first if it has an `origin`).
/// - A remote URL is cloned into the cache on first use and pulled after that.
public enum SyncStage {
    public struct Input: Sendable {
        /// ARTIFACT_REPO: a local path or a git URL.
        public var repository: String
        /// Where the working copy lives (the path itself for a local repository).
        public var workingCopy: URL
        public var token: String?
        public var dryRun: Bool
        public var logger: Logger

        public init(repository: String, workingCopy: URL, token: String? = nil, dryRun: Bool = false, logger: Logger = .silent) {
            self.repository = repository; self.workingCopy = workingCopy; self.token = token; self.dryRun = dryRun; self.logger = logger
        }
    }

    public struct Output: Codable, Sendable, Equatable {
        /// created, cloned, pulled, local (no remote to pull from), or planned (dry run).
        public var action: String
        public var path: String
        public var head: String?
    }

    public static func run(_ input: Input) async throws -> Output {
        let git = Git(directory: input.workingCopy, token: input.token, logger: input.logger)
        let store = ArtifactStore(root: input.workingCopy)
        let remote = input.repository.contains("://") || input.repository.hasPrefix("git@")

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
                throw LSQMError(.usage, action: "sync \(input.workingCopy.path)", cause: "the folder exists but is not a git repository",
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
        try store.initializeLayout()
        let hasCommits = await git.hasCommits()
        if !wasInitialized || !hasCommits {
            try await git.run(["add", "-A"])
            try await git.run(["commit", "--quiet", "--allow-empty", "-m", "lsqm: initialise artifact repository layout"])
        }
        let head = try? await git.run(["rev-parse", "HEAD"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        input.logger.info("sync", "synced", "\(action) \(input.workingCopy.path)", fields: ["action": .string(action)])
        return Output(action: action, path: input.workingCopy.path, head: head)
    }

    private static func isEmptyDirectory(_ url: URL) -> Bool {
        Files.isDirectory(url) && ((try? FileManager.default.contentsOfDirectory(atPath: url.path))?.isEmpty ?? false)
    }

    private static func pull(_ git: Git) async throws {
        // Rebase keeps history linear; every run writes its own paths, so conflicts are not expected.
        try await git.run(["pull", "--quiet", "--rebase", "--autostash"])
    }
}
