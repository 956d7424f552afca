import Foundation
import LSQMBasics
import LSQMCore

/// Stage 7: commit everything the run wrote and push it.
///
/// One commit per run holds the index, new architectures and apps, `runs/<run_id>/`, the reports and trends,
/// and the pruning of runs beyond the last 52. A push rejected because another run pushed first is retried:
/// fetch, rebase (each run writes its own paths, so the rebase is clean), push again — up to 3 times.
public enum PushStage {
    public struct Input: Sendable {
        public var workingCopy: URL
        /// The first line of the commit message, and the body.
        public var title: String
        public var body: String
        public var keepRuns: Int
        public var token: String?
        /// The hosts `token` may go to (over HTTPS only).
        public var githubHosts: Set<String> = Git.defaultGitHubHosts
        public var dryRun: Bool
        public var maxPushAttempts: Int
        public var logger: Logger

        public init(
            workingCopy: URL, title: String, body: String = "", keepRuns: Int = ArtifactStore.keptRuns, token: String? = nil,
            dryRun: Bool = false, maxPushAttempts: Int = 3, logger: Logger = .silent
        ) {
            self.workingCopy = workingCopy; self.title = title; self.body = body; self.keepRuns = keepRuns; self.token = token
            self.dryRun = dryRun; self.maxPushAttempts = maxPushAttempts; self.logger = logger
        }
    }

    public struct Output: Codable, Sendable, Equatable {
        public var committed: Bool
        public var commit: String?
        public var pushed: Bool
        public var pushAttempts: Int
        /// Run ids whose folders were pruned in this commit.
        public var pruned: [String]
        /// `git status --porcelain` lines of what was (or, in a dry run, would be) committed.
        public var changes: [String]
        public var message: String
        public var note: String?
        /// Changed JSON files left out of the commit because they do not parse (the commit keeps their last
        /// good version, so `git checkout` can still restore them).
        public var refused: [String] = []

        enum CodingKeys: String, CodingKey {
            case committed, commit, pushed, pruned, changes, message, note, refused
            case pushAttempts = "push_attempts"
        }
    }

    public static func run(_ input: Input) async throws -> Output {
        let plain = Git(directory: input.workingCopy, logger: input.logger)
        guard plain.isRepository else {
            throw LSQMError(.usage, action: "push \(input.workingCopy.path)", cause: "it is not a git repository", hint: "run 'lsqm sync' first")
        }
        let store = ArtifactStore(root: input.workingCopy)
        let message = input.body.isEmpty ? input.title : "\(input.title)\n\n\(input.body)"
        let origin = await plain.originURL()
        let git = plain.authenticated(for: origin, token: input.token, githubHosts: input.githubHosts)
        // Only lsqm's own paths are staged, listed and committed: anything else in the repository is the user's.
        let owned = ArtifactStore.ownedPaths.filter { Files.exists(input.workingCopy.appendingPathComponent($0)) }
        guard !owned.isEmpty else {
            throw LSQMError(
                .usage, action: "push \(input.workingCopy.path)",
                cause: "it holds none of lsqm's folders (\(ArtifactStore.ownedPaths.joined(separator: ", ")))",
                hint: "run 'lsqm sync' first")
        }

        if input.dryRun {
            let wouldPrune = Array(store.runIDs().dropLast(input.keepRuns))
            let status = try await git.run(["status", "--porcelain", "--untracked-files=all", "--"] + owned)
            let changes = status.stdout.split(separator: "\n").map(String.init)
            input.logger.info("push", "dry_run", "would commit \(changes.count) changed paths and prune \(wouldPrune.count) runs: \(input.title)")
            return Output(
                committed: false, commit: nil, pushed: false, pushAttempts: 0, pruned: wouldPrune, changes: changes, message: message, note: "dry run"
            )
        }

        let pruned = store.pruneRuns(keep: input.keepRuns)
        try await git.run(["add", "-A", "--"] + owned)
        let refused = try await unstageUnreadableJSON(git: git, workingCopy: input.workingCopy, logger: input.logger)
        // With paths, git commits only those, even when the user has other changes staged. It also takes their
        // content from the working tree, not the index, so the refused files are excluded by name as well.
        let paths = owned + refused.map { ":(exclude)\($0)" }
        let status = try await git.run(["status", "--porcelain", "--"] + paths)
        let changes = status.stdout.split(separator: "\n").map(String.init)
        var committed = false
        if !changes.isEmpty {
            try await git.run(["commit", "--quiet", "-m", message, "--"] + paths)
            committed = true
        }
        let head = try? await git.run(["rev-parse", "HEAD"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)

        guard origin != nil else {
            input.logger.info("push", "local_only", "committed locally; the repository has no remote to push to")
            return Output(
                committed: committed, commit: head, pushed: false, pushAttempts: 0, pruned: pruned, changes: changes, message: message,
                note: "no remote: committed locally", refused: refused)
        }
        let branch = await git.currentBranch() ?? "main"
        var attempt = 0
        var lastError: LSQMError?
        while attempt < input.maxPushAttempts {
            attempt += 1
            let result = try await git.run(["push", "--quiet", "origin", "HEAD:refs/heads/\(branch)"], allowFailure: true)
            if result.succeeded {
                let pushedHead = try? await git.run(["rev-parse", "HEAD"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                input.logger.info("push", "pushed", "pushed \(branch) after \(attempt) attempt(s)", fields: ["attempts": .number(Double(attempt))])
                return Output(
                    committed: committed, commit: pushedHead, pushed: true, pushAttempts: attempt, pruned: pruned, changes: changes, message: message,
                    note: nil, refused: refused)
            }
            lastError = LSQMError(.remote, action: "push to origin", cause: result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))
            let rejected = result.stderr.contains("rejected") || result.stderr.contains("fetch first") || result.stderr.contains("non-fast-forward")
            guard rejected, attempt < input.maxPushAttempts else { break }
            input.logger.warning(
                "push", "push_rejected", "another run pushed first; rebasing and retrying (attempt \(attempt + 1) of \(input.maxPushAttempts))")
            try await git.run(["fetch", "--quiet", "origin", branch])
            let rebase = try await git.run(["rebase", "--quiet", "origin/\(branch)"], allowFailure: true)
            if !rebase.succeeded {
                _ = try? await git.run(["rebase", "--abort"], allowFailure: true)
                throw LSQMError(
                    .remote, action: "rebase onto origin/\(branch)", cause: rebase.stderr.trimmingCharacters(in: .whitespacesAndNewlines),
                    hint: "the local commit is kept; resolve by hand in \(input.workingCopy.path) and run 'lsqm push' again")
            }
        }
        throw lastError
            ?? LSQMError(
                .remote, action: "push to origin", cause: "gave up after \(attempt) attempts",
                hint: "the commit is kept locally; run 'lsqm push' again")
    }

    /// Takes staged JSON files that do not parse out of the commit: a stage that failed on a corrupt index
    /// leaves it corrupt on disk, and committing it would replace the last good version the hint "restore it
    /// from git" points at. Returns their paths.
    static func unstageUnreadableJSON(git: Git, workingCopy: URL, logger: Logger) async throws -> [String] {
        let staged = try await git.run(["diff", "--cached", "--name-only", "-z", "--diff-filter=AM", "--", "*.json"]).stdout
        var refused: [String] = []
        for path in staged.split(separator: "\0").map(String.init) where !path.isEmpty {
            guard let data = try? Files.read(workingCopy.appendingPathComponent(path)),
                (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) == nil
            else { continue }
            try await git.run(["reset", "--quiet", "--", path])
            refused.append(path)
        }
        if !refused.isEmpty {
            logger.error(
                "push", "refused_unreadable_json",
                "not committing \(refused.count) JSON file(s) that do not parse: \(refused.joined(separator: ", ")); the rest is committed",
                error: LSQMError(
                    .invalidInput, action: "commit \(refused.joined(separator: ", "))", cause: "not valid JSON",
                    hint: "restore with git -C \(workingCopy.path) checkout -- \(refused.joined(separator: " "))"))
        }
        return refused
    }
}
