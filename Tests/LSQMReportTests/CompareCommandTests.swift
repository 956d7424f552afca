import Foundation
import LSQMBasics
import LSQMCore
import XCTest

/// Runs the built `lsqm` binary (from `swift build --build-tests`) against constructed repositories.
final class CompareCommandTests: XCTestCase {
    private func lsqm(_ arguments: [String], repo: ArtifactStore) async throws -> Subprocess.Result {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let binary = root.appendingPathComponent(".build/debug/lsqm")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else { throw XCTSkip("build lsqm first (swift build --build-tests)") }
        var environment = SecretEnvironment.scrubbed()
        environment["ARTIFACT_REPO"] = repo.root.path
        return try await Subprocess.run([binary.path] + arguments + ["--log-format", "json"], environment: environment, timeout: .seconds(60))
    }

    private func regressedStore() throws -> ArtifactStore {
        try makeStore([Fixture.run(1, [Fixture.result("a", .passed), Fixture.result("b", .failed)]),
                           Fixture.run(2, [Fixture.result("a", .failed), Fixture.result("b", .passed)])])
    }

    func testConfirmZeroReportsCandidatesAsUnconfirmedAndExitsZero() async throws {
        let store = try regressedStore()
        let result = try await lsqm(["compare", "--confirm", "0"], repo: store)
        XCTAssertEqual(result.exitCode, 0, result.combinedOutput)
        XCTAssertTrue(result.stdout.contains("unconfirmed regression candidates: 1"), result.stdout)
        XCTAssertTrue(result.stdout.contains("fixes: 1"), result.stdout)
        let saved = try XCTUnwrap(try store.loadComparison(Fixture.run(2, []).runID))
        XCTAssertEqual(saved.unconfirmed.map(\.change.name), ["a"])
    }

    func testConfirmingWithoutTheValidateStageIsAToolFailure() async throws {
        let result = try await lsqm(["compare"], repo: try regressedStore())
        XCTAssertEqual(result.exitCode, 2)
        XCTAssertTrue(result.stderr.contains("failed to run 'compare --confirm': not implemented yet"), result.stderr)
    }

    func testNothingToConfirmExitsZeroAndPrintsJSON() async throws {
        let store = try makeStore([Fixture.run(1, [Fixture.result("a", .passed)]), Fixture.run(2, [Fixture.result("a", .error)])])
        let result = try await lsqm(["compare", "--json"], repo: store)
        XCTAssertEqual(result.exitCode, 0, result.combinedOutput)
        let comparison = try JSONCoding.decode(RunComparison.self, from: Data(result.stdout.utf8))
        XCTAssertEqual(comparison.excluded.map(\.reason), [.infrastructureError])
        XCTAssertFalse(comparison.hasConfirmedRegressions)
    }

    func testNamedRunsAndBadArguments() async throws {
        let store = try regressedStore()
        let ids = store.runIDs()
        let named = try await lsqm(["compare", ids[1], ids[0], "--confirm", "0", "--json"], repo: store)
        XCTAssertEqual(named.exitCode, 0, named.combinedOutput)
        let reversed = try JSONCoding.decode(RunComparison.self, from: Data(named.stdout.utf8))
        XCTAssertEqual(reversed.currentRunID, ids[0])
        XCTAssertEqual(reversed.unconfirmed.map(\.change.name), ["b"], "b passed in run 2 and failed in run 1")
        let unknown = try await lsqm(["compare", "nope", ids[1], "--confirm", "0"], repo: store)
        XCTAssertEqual(unknown.exitCode, 2)
        XCTAssertTrue(unknown.stderr.contains("failed to find run nope"), unknown.stderr)
        let negative = try await lsqm(["compare", "--confirm", "-1"], repo: store)
        XCTAssertNotEqual(negative.exitCode, 0)
    }

    func testReportCommandWritesTheDashboard() async throws {
        let store = try regressedStore()
        let out = store.root.appendingPathComponent("dash.html")
        let result = try await lsqm(["report", "--out", out.path], repo: store)
        XCTAssertEqual(result.exitCode, 0, result.combinedOutput)
        XCTAssertTrue(result.stdout.contains("report for run"), result.stdout)
        XCTAssertTrue(try String(contentsOf: out, encoding: .utf8).contains("1 unconfirmed regression candidate(s)"))
        XCTAssertTrue(Files.exists(store.trendsDirectory.appendingPathComponent("overall.json")))
    }
}
