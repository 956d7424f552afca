import Foundation
import LSQMBasics
import LSQMCore
import LSQMPipeline
import LSQMReport
import LSQMTestSupport
import XCTest

/// Runs the built `lsqm` binary (from `swift build --build-tests`) against constructed repositories.
final class CompareCommandTests: XCTestCase {
    private func lsqm(_ arguments: [String], repo: ArtifactStore) async throws -> Subprocess.Result {
        guard FileManager.default.isExecutableFile(atPath: BuildProducts.lsqm.path) else {
            throw XCTSkip("build lsqm first (swift build --build-tests)")
        }
        return try await LSQMProcess.run(arguments + ["--log-format", "json"], environment: ["ARTIFACT_REPO": repo.root.path], timeout: .seconds(60))
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

    /// `--json` shows per candidate the baseline run, the signatures, each re-run's and the decision with its reason.
    func testJSONShowsBaselineSignaturesAndTheDecisionWithItsReason() async throws {
        let store = try regressedStore()
        let result = try await lsqm(["compare", "--confirm", "0", "--json"], repo: store)
        XCTAssertEqual(result.exitCode, 0, result.combinedOutput)
        let json = try JSONCoding.decode(JSONValue.self, from: Data(result.stdout.utf8))
        let candidate = try XCTUnwrap(json["unconfirmed"]?.arrayValue?.first)
        XCTAssertEqual(candidate["baseline_run_id"]?.stringValue, Fixture.run(1, []).runID)
        XCTAssertEqual(candidate["rerun_signatures"]?.arrayValue?.count, 0)
        let check = try XCTUnwrap(candidate["checks"]?.arrayValue?.first)
        XCTAssertEqual(check["signature"]?["step"]?.stringValue, "tests")
        XCTAssertEqual(check["baseline_run_id"]?.stringValue, Fixture.run(1, []).runID)
        XCTAssertEqual(check["state"]?.stringValue, "unconfirmed")
        XCTAssertEqual(check["reason"]?.stringValue, "not re-validated (--confirm 0)")
        XCTAssertEqual(json["open"]?.arrayValue?.count, 0)
    }

    /// Confirmation re-validates through the validate stage; a candidate it cannot re-validate (here: not in
    /// the index any more) is a tool failure, exit 2, never a silent "no regression". (The whole confirmation
    /// path, re-run included, is exercised by LSQMPipelineTests.WholeRunTests.)
    func testConfirmingACandidateThatCannotBeRevalidatedIsAToolFailure() async throws {
        let result = try await lsqm(["compare", "--emulator", "http://127.0.0.1:9"], repo: try regressedStore())
        XCTAssertEqual(result.exitCode, 2, result.combinedOutput)
        XCTAssertTrue(result.stderr.contains("it is no longer in the index"), result.stderr)
    }

    /// The exit status follows open regressions, not only new ones: an outage week (ERROR) that confirms nothing
    /// still exits 1 while a regression confirmed the week before is open, and says it was not checked.
    func testAnOpenRegressionCarriedThroughAnOutageStillExitsOne() async throws {
        let store = try await makeStoreWithARegressionCarriedThroughAnOutage()
        let result = try await lsqm(["compare", "--confirm", "0"], repo: store)
        XCTAssertEqual(result.exitCode, 1, result.combinedOutput)
        XCTAssertTrue(result.stdout.contains("open regressions: 1 (1 not checked this run)"), result.stdout)
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

extension XCTestCase {
    /// Two runs, not yet compared: "a" passes in run 1 and fails in run 2 (a candidate), "b" the other way (a fix).
    func regressedStore() throws -> ArtifactStore {
        try makeStore([
            Fixture.run(1, [Fixture.result("a", .passed), Fixture.result("b", .failed)]),
            Fixture.run(2, [Fixture.result("a", .failed), Fixture.result("b", .passed)]),
        ])
    }

    /// A regression of "a" confirmed in run 2, then run 3 an outage (ERROR, the environment's fault) not yet compared.
    func makeStoreWithARegressionCarriedThroughAnOutage() async throws -> ArtifactStore {
        let store = try makeStore([])
        let reruns = ScriptedRevalidation(["a": [.failed]])
        for (index, status) in [ValidationStatus.passed, .failed].enumerated() {
            let run = Fixture.run(index + 1, [Fixture.result("a", status)])
            try store.saveRun(run)
            _ = try await CompareStage.run(CompareInput(store: store, currentRunID: run.runID, confirmAttempts: 1, revalidate: reruns.closure))
        }
        var outage = Fixture.result("a", .error)
        outage.cause = FailureCause(.environment, step: "health", code: "Unreachable", message: "connection refused")
        try store.saveRun(Fixture.run(3, [outage]))
        return store
    }
}

/// compare's decision path through the application layer, in process: the run judged, the verdict saved, the
/// text and the exit status the outcome calls for, and a confirmation that cannot run as a tool failure.
final class CompareApplicationTests: XCTestCase {
    private func application(_ store: ArtifactStore) throws -> Application {
        let cache = try Files.makeTemporaryDirectory(prefix: "lsqm-compare-cache")
        addTeardownBlock {
            ChildProcesses.setRecordDirectory(nil)
            Files.remove(cache)
        }
        return try Application(Application.Options(logFormat: .json), environment: ["ARTIFACT_REPO": store.root.path, "LSQM_CACHE_DIR": cache.path])
    }

    func testAnUnconfirmedCandidateIsSavedAndExitsZero() async throws {
        let store = try regressedStore()
        let result = try await application(store).compare(previous: nil, current: nil, confirm: 0, emulator: nil)
        XCTAssertEqual(result.comparison.currentRunID, Fixture.run(2, []).runID, "the newest run is judged")
        XCTAssertEqual(result.comparison.previousRunID, Fixture.run(1, []).runID)
        XCTAssertEqual(result.comparison.unconfirmed.map(\.change.name), ["a"])
        XCTAssertEqual(result.comparison.fixes.count, 1)
        XCTAssertEqual(result.exitStatus, ExitStatus.success)
        XCTAssertTrue(result.text.contains("unconfirmed regression candidates: 1\n  a "), result.text)
        XCTAssertEqual(try store.loadComparison(result.comparison.currentRunID), result.comparison, "saved for report and notify")
        let json = try JSONCoding.decode(RunComparison.self, from: Data(try result.json().utf8))
        XCTAssertEqual(json, result.comparison)
    }

    func testAnOpenRegressionCarriedThroughAnOutageExitsOne() async throws {
        let store = try await makeStoreWithARegressionCarriedThroughAnOutage()
        let result = try await application(store).compare(previous: nil, current: nil, confirm: 0, emulator: nil)
        XCTAssertEqual(result.comparison.regressions.count, 0, "an outage confirms nothing")
        XCTAssertEqual(result.comparison.open.map(\.name), ["a"])
        XCTAssertEqual(result.exitStatus, ExitStatus.regressions)
        XCTAssertTrue(result.text.contains("open regressions: 1 (1 not checked this run)"), result.text)
    }

    func testACandidateThatCannotBeRevalidatedIsAToolFailure() async throws {
        let store = try regressedStore()
        do {
            _ = try await application(store).compare(previous: nil, current: nil, confirm: 1, emulator: "http://127.0.0.1:9")
            XCTFail("a candidate that cannot be re-validated must not pass as no regression")
        } catch {
            XCTAssertTrue(LSQMError.describe(error).contains("it is no longer in the index"), LSQMError.describe(error))
        }
    }
}
