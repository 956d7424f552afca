import Foundation
import LSQMBasics
import LSQMCore
import LSQMPush
import LSQMSync
import XCTest

/// Push against a real bare repository on disk, including a race with another clone's push.
final class PushStageTests: XCTestCase {
    var scratch: URL!

    override func setUpWithError() throws { scratch = try Files.makeTemporaryDirectory(prefix: "lsqm-push-test") }
    override func tearDown() { Files.remove(scratch) }

    /// A bare "remote" with the initial layout, and `count` clones of it synced by lsqm.
    func makeRemote(clones count: Int) async throws -> (remote: URL, clones: [URL]) {
        let seed = scratch.appendingPathComponent("seed")
        _ = try await SyncStage.run(.init(repository: seed.path, workingCopy: seed))
        let remote = scratch.appendingPathComponent("remote.git")
        try await Git(directory: scratch).run(["clone", "--quiet", "--bare", seed.path, remote.path])
        var clones: [URL] = []
        for i in 0..<count {
            let clone = scratch.appendingPathComponent("clone\(i)")
            let output = try await SyncStage.run(.init(repository: "file://\(remote.path)", workingCopy: clone))
            XCTAssertEqual(output.action, "cloned")
            clones.append(clone)
        }
        return (remote, clones)
    }

    func writeRun(_ clone: URL, _ runID: String) throws {
        try ArtifactStore(root: clone).saveRun(RunRecord(runID: runID, startedAt: Date(timeIntervalSince1970: 0)))
    }

    func remoteLog(_ remote: URL) async throws -> [String] {
        try await Git(directory: remote).run(["log", "--format=%s", "main"]).stdout.split(separator: "\n").map(String.init)
    }

    func testPushCommitsTheRunAndRetriesAfterARacingPush() async throws {
        let (remote, clones) = try await makeRemote(clones: 2)
        let runA = RunID.make(date: Date(timeIntervalSince1970: 1_800_000_000))
        let runB = RunID.make(date: Date(timeIntervalSince1970: 1_800_000_100))
        try writeRun(clones[0], runA)
        try writeRun(clones[1], runB)
        // Clone 0 pushes first; clone 1's push is then rejected and must fetch, rebase and retry.
        let first = try await PushStage.run(.init(workingCopy: clones[0], title: "lsqm run \(runA)"))
        XCTAssertTrue(first.pushed)
        XCTAssertEqual(first.pushAttempts, 1)
        let second = try await PushStage.run(.init(workingCopy: clones[1], title: "lsqm run \(runB)"))
        XCTAssertTrue(second.pushed)
        XCTAssertEqual(second.pushAttempts, 2)
        let log = try await remoteLog(remote)
        XCTAssertEqual(Array(log.prefix(2)), ["lsqm run \(runB)", "lsqm run \(runA)"])
        // Both runs are in the remote's tree: nothing was clobbered.
        let tree = try await Git(directory: remote).run(["ls-tree", "-r", "--name-only", "main"]).stdout
        XCTAssertTrue(tree.contains("runs/\(runA)/results.json"))
        XCTAssertTrue(tree.contains("runs/\(runB)/results.json"))
    }

    func testOldRunsArePrunedInTheSameCommit() async throws {
        let (remote, clones) = try await makeRemote(clones: 1)
        let ids = (0..<5).map { RunID.make(date: Date(timeIntervalSince1970: Double(1_800_000_000 + $0))) }
        for id in ids { try writeRun(clones[0], id) }
        _ = try await PushStage.run(.init(workingCopy: clones[0], title: "five runs"))
        let output = try await PushStage.run(.init(workingCopy: clones[0], title: "prune", keepRuns: 3))
        XCTAssertEqual(output.pruned, Array(ids.prefix(2)))
        let tree = try await Git(directory: remote).run(["ls-tree", "-r", "--name-only", "main"]).stdout
        XCTAssertFalse(tree.contains(ids[0]))
        XCTAssertTrue(tree.contains(ids[4]))
        let log = try await remoteLog(remote)
        XCTAssertEqual(log.first, "prune")
    }

    func testDryRunWritesNothing() async throws {
        let (remote, clones) = try await makeRemote(clones: 1)
        try writeRun(clones[0], RunID.make())
        let before = try await remoteLog(remote)
        let output = try await PushStage.run(.init(workingCopy: clones[0], title: "dry", dryRun: true))
        XCTAssertFalse(output.committed)
        XCTAssertFalse(output.changes.isEmpty)
        let after = try await remoteLog(remote)
        XCTAssertEqual(after, before)
        let status = try await Git(directory: clones[0]).run(["status", "--porcelain"]).stdout
        XCTAssertFalse(status.isEmpty, "the run's files are still uncommitted")
    }

    func testSyncRefusesAFolderThatIsNotARepository() async throws {
        let folder = scratch.appendingPathComponent("plain")
        try AtomicFile.write("x", to: folder.appendingPathComponent("file.txt"))
        do {
            _ = try await SyncStage.run(.init(repository: folder.path, workingCopy: folder))
            XCTFail("expected an error")
        } catch let error as LSQMError {
            XCTAssertTrue(error.message.contains("not a git repository"), error.message)
        }
    }
}
