import Foundation
import LSQMBasics
import LSQMCore
import LSQMPipeline
import LSQMReport
import XCTest

final class ComparisonRulesTests: XCTestCase {
    func testSameHashPassedThenFailedIsACandidateForEveryJudgedFailure() {
        for status in [ValidationStatus.failed, .partial, .timeout] {
            let diff = ComparisonRules.diff(
                previous: Fixture.run(1, [Fixture.result("a", .passed)]),
                current: Fixture.run(2, [Fixture.result("a", status)]))
            XCTAssertEqual(diff.candidates.map(\.name), ["a"], "\(status)")
            XCTAssertEqual(diff.candidates.first?.previous, .passed)
            XCTAssertEqual(diff.candidates.first?.current, status)
            XCTAssertTrue(diff.excluded.isEmpty)
        }
    }

    func testChangedAppIsNotARegression() {
        let diff = ComparisonRules.diff(
            previous: Fixture.run(1, [Fixture.result("a", .passed, app: "v1")]),
            current: Fixture.run(2, [Fixture.result("a", .failed, app: "v2")]))
        XCTAssertTrue(diff.candidates.isEmpty)
        XCTAssertEqual(diff.excluded.map(\.reason), [.appChanged])
    }

    func testAppAppearingOrDisappearingIsAnAppChange() {
        let gained = ComparisonRules.diff(
            previous: Fixture.run(1, [Fixture.result("a", .passed, app: nil, deployOnly: true)]),
            current: Fixture.run(2, [Fixture.result("a", .failed, app: "v1")]))
        XCTAssertTrue(gained.candidates.isEmpty)
        XCTAssertEqual(gained.excluded.map(\.reason), [.appChanged])
    }

    func testErrorIsNeverARegression() {
        let diff = ComparisonRules.diff(
            previous: Fixture.run(1, [Fixture.result("a", .passed)]),
            current: Fixture.run(2, [Fixture.result("a", .error)]))
        XCTAssertTrue(diff.candidates.isEmpty)
        XCTAssertEqual(diff.excluded.map(\.reason), [.infrastructureError])
    }

    func testNoAppHashCountsAsSameOnlyWhenBothRunsWereDeployOnly() {
        let deployOnly = ComparisonRules.diff(
            previous: Fixture.run(1, [Fixture.result("a", .passed, app: nil, deployOnly: true)]),
            current: Fixture.run(2, [Fixture.result("a", .failed, app: nil, deployOnly: true)]))
        XCTAssertEqual(deployOnly.candidates.map(\.name), ["a"])
        let unknown = ComparisonRules.diff(
            previous: Fixture.run(1, [Fixture.result("a", .passed, app: nil)]),
            current: Fixture.run(2, [Fixture.result("a", .failed, app: nil)]))
        XCTAssertTrue(unknown.candidates.isEmpty)
        XCTAssertEqual(unknown.excluded.map(\.reason), [.appUnknown])
    }

    func testFixesNewAndRemoved() {
        let previous = Fixture.run(
            1,
            [
                Fixture.result("fixed", .failed), Fixture.result("gone", .passed),
                Fixture.result("was-error", .error), Fixture.result("steady", .failed),
            ])
        let current = Fixture.run(
            2,
            [
                Fixture.result("fixed", .passed), Fixture.result("fresh", .failed),
                Fixture.result("was-error", .passed), Fixture.result("steady", .partial),
            ])
        let diff = ComparisonRules.diff(previous: previous, current: current)
        XCTAssertEqual(diff.fixes.map(\.name), ["fixed"], "ERROR → PASSED is not a fix: nothing was known before")
        XCTAssertEqual(diff.new.map(\.name), ["fresh"])
        XCTAssertEqual(diff.removed.map(\.name), ["gone"])
        XCTAssertTrue(diff.candidates.isEmpty)
        XCTAssertEqual(diff.previousRunID, previous.runID)
    }

    func testFirstRunHasOnlyNewArchitectures() {
        let diff = ComparisonRules.diff(previous: nil, current: Fixture.run(1, [Fixture.result("a", .failed)]))
        XCTAssertNil(diff.previousRunID)
        XCTAssertEqual(diff.new.map(\.name), ["a"])
        XCTAssertTrue(diff.candidates.isEmpty)
    }

    func testDuplicateResultsKeepTheWorstVerdict() {
        let diff = ComparisonRules.diff(
            previous: Fixture.run(1, [Fixture.result("a", .passed)]),
            current: Fixture.run(2, [Fixture.result("a", .passed), Fixture.result("a", .failed)]))
        XCTAssertEqual(diff.candidates.map(\.name), ["a"])
    }

    // MARK: Confirmation

    /// Confirms the candidates the check-by-check rules find in `current` with `previous` as the only history.
    private func confirm(
        _ diff: RunDiff, previous: RunRecord, current: RunRecord, attempts: Int,
        revalidate: Revalidation
    ) async throws -> RunComparison {
        let history = [RunHistoryEntry(run: previous, comparison: nil)]
        return try await RunComparison.confirm(
            RegressionRules.candidates(current: current, history: history), diff: diff, current: current,
            previousOpen: [], attempts: attempts, revalidate: revalidate)
    }

    /// Architecture "a" passed in run 1 and has `now` in run 2; re-validation answers `answers`.
    private func confirmA(now: ValidationStatus, answers: [ValidationStatus], attempts: Int) async throws -> (RunComparison, ScriptedRevalidation) {
        let revalidation = ScriptedRevalidation(["a": answers])
        let current = Fixture.run(2, [Fixture.result("a", now)])
        let diff = ComparisonRules.diff(previous: Fixture.run(1, [Fixture.result("a", .passed)]), current: current)
        let comparison = try await confirm(
            diff, previous: Fixture.run(1, [Fixture.result("a", .passed)]), current: current, attempts: attempts,
            revalidate: revalidation.closure)
        return (comparison, revalidation)
    }

    func testFailingAgainOnConfirmIsARegression() async throws {
        let (comparison, _) = try await confirmA(now: .failed, answers: [.failed], attempts: 1)
        XCTAssertEqual(comparison.regressions.map(\.change.name), ["a"])
        XCTAssertEqual(comparison.regressions.first?.reruns, [.failed])
        XCTAssertTrue(comparison.hasConfirmedRegressions)
        XCTAssertTrue(comparison.flaky.isEmpty)
    }

    func testPassingOnConfirmIsFlakyNotARegression() async throws {
        let (comparison, revalidation) = try await confirmA(now: .partial, answers: [.failed, .passed, .failed], attempts: 3)
        XCTAssertFalse(comparison.hasConfirmedRegressions)
        XCTAssertEqual(comparison.flaky.map(\.change.name), ["a"])
        XCTAssertEqual(comparison.flaky.first?.reruns, [.failed, .passed], "re-validation stops at the first pass")
        XCTAssertEqual(revalidation.callCount, 2)
    }

    func testErrorOnConfirmLeavesTheCandidateUnconfirmed() async throws {
        let (comparison, _) = try await confirmA(now: .failed, answers: [.error], attempts: 1)
        XCTAssertEqual(comparison.unconfirmed.map(\.change.name), ["a"])
        XCTAssertFalse(comparison.hasConfirmedRegressions)
    }

    func testConfirmZeroNeverRevalidates() async throws {
        let (comparison, revalidation) = try await confirmA(now: .failed, answers: [], attempts: 0)
        XCTAssertEqual(comparison.unconfirmed.map(\.change.name), ["a"])
        XCTAssertEqual(revalidation.callCount, 0)
    }

    func testOnlyCandidatesAreRevalidated() async throws {
        let revalidation = ScriptedRevalidation(["regressed": [.failed, .timeout]])
        let previous = Fixture.run(
            1,
            [
                Fixture.result("regressed", .passed), Fixture.result("app-changed", .passed, app: "v1"),
                Fixture.result("errored", .passed), Fixture.result("fine", .passed),
            ])
        let current = Fixture.run(
            2,
            [
                Fixture.result("regressed", .failed), Fixture.result("app-changed", .failed, app: "v2"),
                Fixture.result("errored", .error), Fixture.result("fine", .passed),
            ])
        let diff = ComparisonRules.diff(previous: previous, current: current)
        let comparison = try await confirm(diff, previous: previous, current: current, attempts: 2, revalidate: revalidation.closure)
        // Every attempt runs unless one passes: more attempts are more chances to expose flakiness.
        XCTAssertEqual(revalidation.calls, ["regressed", "regressed"])
        XCTAssertEqual(comparison.regressions.map(\.change.name), ["regressed"])
        XCTAssertEqual(comparison.regressions.first?.reruns, [.failed, .timeout])
        XCTAssertEqual(comparison.excluded.map(\.change.name).sorted(), ["app-changed", "errored"])
    }

    func testRevalidationFailureIsAToolFailure() async throws {
        let current = Fixture.run(2, [Fixture.result("a", .failed)])
        let diff = ComparisonRules.diff(previous: Fixture.run(1, [Fixture.result("a", .passed)]), current: current)
        do {
            _ = try await confirm(
                diff, previous: Fixture.run(1, [Fixture.result("a", .passed)]), current: current, attempts: 1,
                revalidate: { _ in throw LSQMError.notImplemented("compare --confirm") })
            XCTFail("expected the re-validation error")
        } catch let error as LSQMError {
            XCTAssertEqual(error.kind, .notImplemented)
        }
    }

    // MARK: Stage

    func testCompareStageSavesTheComparisonForReportAndNotify() async throws {
        let store = try makeStore([
            Fixture.run(1, [Fixture.result("a", .passed), Fixture.result("b", .passed)]),
            Fixture.run(2, [Fixture.result("a", .failed), Fixture.result("b", .timeout)]),
        ])
        let revalidation = ScriptedRevalidation(["a": [.failed], "b": [.passed]])
        let comparison = try await CompareStage.run(CompareInput(store: store, confirmAttempts: 1, revalidate: revalidation.closure))
        let saved = try XCTUnwrap(try store.loadComparison(comparison.currentRunID))
        XCTAssertEqual(saved, comparison)
        XCTAssertEqual(saved.regressions.map(\.change.name), ["a"])
        XCTAssertEqual(saved.flaky.map(\.change.name), ["b"])
        XCTAssertEqual(saved.previousRunID, Fixture.run(1, []).runID)
    }

    func testCompareStageRefusesAnUnknownRun() async throws {
        let store = try makeStore([Fixture.run(1, [Fixture.result("a", .passed)])])
        do {
            _ = try await CompareStage.run(CompareInput(store: store, currentRunID: "nope", confirmAttempts: 0, revalidate: { $0 }))
            XCTFail("expected an error")
        } catch let error as LSQMError {
            XCTAssertEqual(error.kind, .usage)
            XCTAssertTrue(error.message.hasPrefix("failed to find run nope"), error.message)
        }
    }
}
