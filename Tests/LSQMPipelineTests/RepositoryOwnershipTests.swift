import Foundation
import LSQMBasics
import LSQMCore
import LSQMPush
import LSQMSync
import LSQMTestSupport
import XCTest

/// The artifact repository may be the user's own: lsqm touches only its folders, and the token goes only to
/// GitHub over HTTPS. Real git throughout.
extension PushStageTests {
    private func git(_ directory: URL, _ arguments: [String]) async throws -> String {
        try await Git(directory: directory).run(arguments).stdout
    }

    func testANonLsqmRepositoryIsRefusedAndOnlyLsqmPathsAreEverCommitted() async throws {
        let repo = scratch.appendingPathComponent("mine")
        try AtomicFile.write("# my project\n", to: repo.appendingPathComponent("README.md"))
        _ = try await git(repo, ["init", "--quiet", "--initial-branch=main"])
        _ = try await git(repo, ["add", "README.md"])
        _ = try await git(repo, ["commit", "--quiet", "-m", "mine"])
        try AtomicFile.write("API_KEY=do-not-commit\n", to: repo.appendingPathComponent(".env.local"))  // untracked
        try AtomicFile.write("draft\n", to: repo.appendingPathComponent("notes.txt"))
        _ = try await git(repo, ["add", "notes.txt"])  // staged by the user, not for lsqm to commit

        do {
            _ = try await SyncStage.run(.init(repository: repo.path, workingCopy: repo))
            XCTFail("a repository that is not lsqm's must be refused")
        } catch let error as LSQMError {
            XCTAssertEqual(error.kind, .usage)
            XCTAssertTrue(error.description.contains("--init-existing"), error.description)
        }
        XCTAssertFalse(Files.exists(repo.appendingPathComponent("architectures")), "a refused sync writes nothing")

        _ = try await SyncStage.run(.init(repository: repo.path, workingCopy: repo, initExisting: true))
        try ArtifactStore(root: repo).saveRun(RunRecord(runID: RunID.make(), startedAt: Date(timeIntervalSince1970: 0)))
        // A hook of the user's sees git's environment: the token must not be in it for a local repository.
        let seen = scratch.appendingPathComponent("hook-env")
        try AtomicFile.write("#!/bin/sh\nenv > '\(seen.path)'\n", to: repo.appendingPathComponent(".git/hooks/pre-commit"))
        chmod(repo.appendingPathComponent(".git/hooks/pre-commit").path, 0o755)
        let token = "ghp_lifecycleTestToken123"
        let output = try await PushStage.run(.init(workingCopy: repo, title: "lsqm: run", token: token))
        XCTAssertTrue(output.committed)

        let committed = try await git(repo, ["log", "--name-only", "--format=", "main"]).split(separator: "\n").map(String.init)
        XCTAssertFalse(committed.contains(".env.local"), "an untracked file of the user's was committed")
        XCTAssertFalse(committed.contains("notes.txt"), "a file the user staged was committed by lsqm")
        XCTAssertTrue(committed.contains { $0.hasPrefix("runs/") }, "\(committed)")
        let status = try await git(repo, ["status", "--porcelain"])
        XCTAssertTrue(status.contains("A  notes.txt"), "the user's staged file stays staged: \(status)")
        XCTAssertTrue(status.contains("?? .env.local"), status)
        let environment = try String(contentsOf: seen, encoding: .utf8)
        XCTAssertFalse(environment.contains(token), "the token reached git for a local repository")
        XCTAssertFalse(environment.contains(Data("x-access-token:\(token)".utf8).base64EncodedString()))
        XCTAssertFalse(environment.contains("GIT_CONFIG_VALUE_0"), environment)
    }

    /// `/srv/git/artifacts.git`: a plain path to a bare repository is cloned like a URL, not refused as "not a
    /// git repository".
    func testALocalBareRepositoryPathIsClonedLikeAURL() async throws {
        let (remote, _) = try await makeRemote(clones: 0)
        XCTAssertTrue(SyncStage.isRemote(remote.path))
        let output = try await SyncStage.run(.init(repository: remote.path, workingCopy: scratch.appendingPathComponent("clone")))
        XCTAssertEqual(output.action, "cloned")
        XCTAssertTrue(ArtifactStore(root: scratch.appendingPathComponent("clone")).isInitialized)
    }

    /// The token is for GitHub over HTTPS: a plain-HTTP remote (even on a host named as GitHub's) never sees it.
    func testTheTokenGoesOnlyToGitHubOverHTTPS() async throws {
        let server = try HTTPTestServer { _ in .text("not here", status: 404) }
        defer { server.stop() }
        let remote = server.baseURL.appendingPathComponent("org/artifacts.git").absoluteString
        do {
            _ = try await SyncStage.run(
                .init(
                    repository: remote, workingCopy: scratch.appendingPathComponent("clone"), token: "ghp_secret",
                    githubHosts: ["127.0.0.1", "github.com"]))
            XCTFail("the clone of a missing repository should fail")
        } catch is LSQMError {}
        XCTAssertFalse(server.requests.isEmpty, "git asked the server")
        XCTAssertEqual(server.requests.compactMap { $0.headers["authorization"] }, [], "the token went over plain HTTP")

        let hosts = Git.defaultGitHubHosts
        XCTAssertTrue(Git.mayAuthenticate("https://github.com/org/artifacts.git", githubHosts: hosts))
        XCTAssertFalse(Git.mayAuthenticate("http://github.com/org/artifacts.git", githubHosts: hosts))
        XCTAssertFalse(Git.mayAuthenticate("https://gitlab.example.com/org/artifacts.git", githubHosts: hosts))
        XCTAssertFalse(Git.mayAuthenticate("https://github.com.evil.example/org/artifacts.git", githubHosts: hosts))
        XCTAssertFalse(Git.mayAuthenticate("/srv/git/artifacts.git", githubHosts: hosts))
        XCTAssertFalse(Git.mayAuthenticate("git@github.com:org/artifacts.git", githubHosts: hosts), "ssh uses its own keys")
    }
}
