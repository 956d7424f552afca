import Foundation
import LSQMBasics
import LSQMCore
import LSQMPipeline
import XCTest

@testable import LSQMReport

/// The check-by-check regression rules of issue 14, week by week through the compare stage and one store.
final class RegressionRulesTests: XCTestCase {
    // MARK: Results

    /// A result of architecture `name` whose tests ran: `failing` maps a test to the operation the emulator
    /// failed with (code InternalError); `passing` tests passed.
    static func tested(
        _ name: String, passing: [String] = [], failing: [String: String] = [:], terraform: String = "tf-1",
        app: String = "app-v1"
    ) -> ValidationResult {
        let tests =
            passing.map { TestCaseResult(name: "test_app.py::\($0)", outcome: .passed, durationMs: 10) }
            + failing.sorted { $0.key < $1.key }.map { test, operation in
                TestCaseResult(
                    name: "test_app.py::\(test)", outcome: .failed, durationMs: 10, message: "\(operation) failed",
                    cause: FailureCause(
                        .emulator, service: "sqs", operation: operation, step: "tests", code: "InternalError",
                        message: "\(operation) answered 500"))
            }
        var result = Fixture.result(name, ValidationResult.verdict(forTests: tests, deployOnly: false), app: app)
        result.tests = tests
        result.terraformHash = Fixture.hash(terraform)
        if result.status != .passed { result.cause = tests.first { $0.cause != nil }?.cause }
        if result.status == .passed { result.failedStep = nil; result.error = nil }
        return result
    }

    /// An infrastructure ERROR of architecture `name` (the emulator was unreachable).
    static func errored(_ name: String) -> ValidationResult {
        var result = Fixture.result(name, .error)
        result.failedStep = "health"
        result.cause = FailureCause(.environment, step: "health", code: "Unreachable", message: "connection refused")
        result.terraformHash = Fixture.hash("tf-1")
        return result
    }

    /// Runs `weeks` into one store, comparing each week as `lsqm run` does, re-validating from `reruns`.
    func compareWeeks(
        _ weeks: [[ValidationResult]], reruns: ScriptedRevalidation = ScriptedRevalidation([:]),
        attempts: Int = 2
    ) async throws -> (store: ArtifactStore, comparisons: [RunComparison]) {
        let store = try makeStore([])
        var comparisons: [RunComparison] = []
        for (index, results) in weeks.enumerated() {
            let run = Fixture.run(index + 1, results)
            try store.saveRun(run)
            comparisons.append(
                try await CompareStage.run(
                    CompareInput(
                        store: store, currentRunID: run.runID, confirmAttempts: attempts,
                        revalidate: reruns.closure)))
        }
        return (store, comparisons)
    }

    static let week1 = Fixture.run(1, []).runID

    // MARK: Signatures

    func testSignaturesNameStepTestAndCauseButNotTheMessage() {
        let result = Self.tested("a", passing: ["test_ok"], failing: ["test_send": "SendMessage"])
        XCTAssertEqual(result.failureSignatures.map(\.description), ["test test_app.py::test_send: emulator sqs:SendMessage InternalError"])
        var sameButWorded = result
        sameButWorded.tests[1].cause?.message = "request id 1234 failed"
        XCTAssertEqual(sameButWorded.failureSignatures, result.failureSignatures)
        XCTAssertNil(Self.errored("a").checkOutcomes, "an ERROR says nothing about any check")
        var notTheEmulator = result
        notTheEmulator.tests[1].cause?.kind = .test
        XCTAssertEqual(notTheEmulator.failureSignatures, [], "a test app's own failure is no verdict on the emulator")
    }

    // MARK: Baselines

    func testBaselineSkipsErrorWeeks() async throws {
        let reruns = ScriptedRevalidation(["a": [.failed, .failed]])
        let (_, comparisons) = try await compareWeeks(
            [
                [Self.tested("a", passing: ["test_send", "test_read"])],
                [Self.errored("a")],
                [Self.tested("a", passing: ["test_read"], failing: ["test_send": "SendMessage"])],
            ], reruns: reruns)
        XCTAssertTrue(comparisons[1].regressions.isEmpty && comparisons[1].unconfirmed.isEmpty, "an ERROR week opens nothing")
        let regression = try XCTUnwrap(comparisons[2].regressions.first, "ERROR → PARTIAL after an outage is judged against week 1")
        XCTAssertEqual(regression.baselineRunID, Self.week1)
        XCTAssertEqual(regression.checks.map(\.signature.check), ["test test_app.py::test_send"])
        XCTAssertEqual(regression.checks.first?.baselineRunID, Self.week1)
        XCTAssertEqual(regression.checks.first?.reruns.map(\.outcome), [.reproduced, .reproduced])
    }

    func testChangedTerraformOrAppStartsANewBaseline() async throws {
        let (_, comparisons) = try await compareWeeks([
            [Self.tested("a", passing: ["test_send"]), Self.tested("b", passing: ["test_send"])],
            // A normalizer change rewrote a's Terraform; b's app was regenerated.
            [
                Self.tested("a", failing: ["test_send": "SendMessage"], terraform: "tf-2"),
                Self.tested("b", failing: ["test_send": "SendMessage"], app: "app-v2"),
            ],
        ])
        XCTAssertTrue(comparisons[1].regressions.isEmpty)
        XCTAssertTrue(comparisons[1].unconfirmed.isEmpty && comparisons[1].flaky.isEmpty, "nothing to confirm: no baseline of the same identity")
    }

    func testBaselineIsTheLastResultOfTheSameTerraformNotThePreviousRun() async throws {
        let reruns = ScriptedRevalidation(["a": [.failed]])
        let (_, comparisons) = try await compareWeeks(
            [
                [Self.tested("a", passing: ["test_send"])],
                [Self.tested("a", failing: ["test_send": "SendMessage"], terraform: "tf-2")],
                [Self.tested("a", failing: ["test_send": "SendMessage"])],
            ], reruns: reruns, attempts: 1)
        XCTAssertEqual(comparisons[2].regressions.first?.baselineRunID, Self.week1, "week 2 deployed other Terraform")
    }

    /// The first week after an upgrade: results recorded before `terraform_hash` stand as baselines for the same
    /// architecture and app, and the decision says the baseline's Terraform was assumed.
    func testResultsFromBeforeTerraformHashAreBaselinesAndTheReasonSaysSo() async throws {
        var legacy = Self.tested("a", passing: ["test_send", "test_read"])
        legacy.terraformHash = nil
        let reruns = ScriptedRevalidation(["a": [.failed, .failed]])
        let (_, comparisons) = try await compareWeeks(
            [
                [legacy],
                [Self.tested("a", passing: ["test_read"], failing: ["test_send": "SendMessage"])],
            ], reruns: reruns)
        let decision = try XCTUnwrap(comparisons[1].regressions.first?.checks.first, "no silent week of blindness after an upgrade")
        XCTAssertEqual(decision.baselineRunID, Self.week1)
        XCTAssertEqual(decision.baselineTerraformUnrecorded, true)
        XCTAssertTrue(decision.reason.hasPrefix("the same failure reproduced 2/2 times"), decision.reason)
        XCTAssertTrue(decision.reason.contains("predates terraform_hash"), decision.reason)
        XCTAssertEqual(comparisons[1].open.map(\.check), ["test test_app.py::test_send"])
    }

    /// An unrecorded Terraform is assumed to be today's only while no newer result recorded another one, and never
    /// for another app.
    func testAnUnrecordedTerraformIsNoBaselineOnceANewerOneDiffersOrTheAppChanged() async throws {
        var legacy = Self.tested("a", passing: ["test_send"])
        legacy.terraformHash = nil
        var legacyB = Self.tested("b", passing: ["test_send"])
        legacyB.terraformHash = nil
        let (_, comparisons) = try await compareWeeks([
            [legacy, legacyB],
            // a: a normalizer change since (tf-2), then back to tf-1 — week 1's Terraform is unknown, so no baseline.
            [Self.tested("a", passing: ["test_send"], terraform: "tf-2"), Self.errored("b")],
            [Self.tested("a", failing: ["test_send": "SendMessage"]), Self.tested("b", failing: ["test_send": "SendMessage"], app: "app-v2")],
        ])
        XCTAssertTrue(
            comparisons[2].regressions.isEmpty && comparisons[2].unconfirmed.isEmpty && comparisons[2].flaky.isEmpty,
            "nothing to confirm: \(comparisons[2])")
        // Unit level: the same architecture and app with an unrecorded Terraform match, marked as such.
        let now = Self.tested("a", passing: ["test_send"])
        XCTAssertEqual(RegressionRules.identityMatch(legacy, now, newerTerraformDiffers: false), .terraformUnrecorded)
        XCTAssertNil(RegressionRules.identityMatch(legacy, now, newerTerraformDiffers: true))
        XCTAssertEqual(RegressionRules.identityMatch(now, now, newerTerraformDiffers: true), .same)
        XCTAssertNil(RegressionRules.identityMatch(now, legacy, newerTerraformDiffers: false), "a recorded hash never stands for an unknown one")
    }

    // MARK: Confirmation

    func testDifferentSignatureOnReRunIsFlakyWithBothSignatures() async throws {
        let differently = Self.tested("a", failing: ["test_send": "ReceiveMessage"])
        let reruns = ScriptedRevalidation(results: ["a": [.result(differently)]])
        let (_, comparisons) = try await compareWeeks(
            [
                [Self.tested("a", passing: ["test_send"])],
                [Self.tested("a", failing: ["test_send": "SendMessage"])],
            ], reruns: reruns)
        XCTAssertTrue(comparisons[1].regressions.isEmpty)
        let decision = try XCTUnwrap(comparisons[1].flaky.first?.checks.first)
        XCTAssertEqual(decision.state, .flaky)
        XCTAssertEqual(decision.signature.operation, "SendMessage")
        XCTAssertEqual(decision.reruns.first?.outcome, .different)
        XCTAssertEqual(decision.reruns.first?.signature?.operation, "ReceiveMessage")
        XCTAssertTrue(decision.reason.contains("ReceiveMessage") && decision.reason.contains("SendMessage"), decision.reason)
        XCTAssertEqual(reruns.callCount, 1, "a settled check needs no more re-runs")
        XCTAssertTrue(comparisons[1].open.isEmpty)
    }

    func testAnotherTestFailingOnReRunDoesNotConfirm() async throws {
        let other = Self.tested("a", passing: ["test_send"], failing: ["test_read": "ReceiveMessage"])
        let reruns = ScriptedRevalidation(results: ["a": [.result(other)]])
        let (_, comparisons) = try await compareWeeks(
            [
                [Self.tested("a", passing: ["test_send", "test_read"])],
                [Self.tested("a", passing: ["test_read"], failing: ["test_send": "SendMessage"])],
            ], reruns: reruns)
        XCTAssertTrue(comparisons[1].regressions.isEmpty)
        XCTAssertEqual(comparisons[1].flaky.first?.checks.first?.reruns.map(\.outcome), [.passed])
    }

    func testConfirmationRefusedLeavesTheCandidateUnconfirmedWithTheReason() async throws {
        let store = try makeStore([
            Fixture.run(1, [Self.tested("a", passing: ["test_send"])]),
            Fixture.run(2, [Self.tested("a", failing: ["test_send": "SendMessage"])]),
        ])
        let comparison = try await CompareStage.run(
            CompareInput(
                store: store, confirmAttempts: 2,
                revalidate: { _ in
                    throw ConfirmationRefused(reason: "the emulator at http://x could not be reset")
                }))
        XCTAssertTrue(comparison.regressions.isEmpty)
        XCTAssertEqual(comparison.unconfirmed.first?.checks.first?.reason, "not re-validated: the emulator at http://x could not be reset")
    }

    // MARK: Per-test regressions and flakiness

    func testPartialToPartialWithANewFailingTestIsARegression() async throws {
        let reruns = ScriptedRevalidation(["a": [.partial, .partial]])
        let (_, comparisons) = try await compareWeeks(
            [
                [Self.tested("a", passing: ["test_send", "test_list"], failing: ["test_read": "ReceiveMessage"])],
                [Self.tested("a", passing: ["test_list"], failing: ["test_read": "ReceiveMessage", "test_send": "SendMessage"])],
            ], reruns: reruns)
        let regression = try XCTUnwrap(comparisons[1].regressions.first)
        XCTAssertEqual(regression.change.previous, .partial)
        XCTAssertEqual(regression.change.current, .partial)
        XCTAssertEqual(regression.checks.map(\.signature.check), ["test test_app.py::test_send"], "the old failure is no candidate")
    }

    func testAFlakyFailureDoesNotMaskARealRegressionTheWeekAfter() async throws {
        let reruns = ScriptedRevalidation(["a": [.passed, .failed, .failed]])
        let (_, comparisons) = try await compareWeeks(
            [
                [Self.tested("a", passing: ["test_send"])],
                [Self.tested("a", failing: ["test_send": "SendMessage"])],
                [Self.tested("a", failing: ["test_send": "SendMessage"])],
            ], reruns: reruns)
        XCTAssertEqual(comparisons[1].flaky.count, 1)
        let regression = try XCTUnwrap(comparisons[2].regressions.first, "week 2's unconfirmed failure is no baseline")
        XCTAssertEqual(regression.baselineRunID, Self.week1)
    }

    func testARecentlyFlakyTestNeedsEveryConfirmation() async throws {
        let history: [[ValidationResult]] = [
            [Self.tested("a", passing: ["test_send"])],
            [Self.tested("a", failing: ["test_send": "SendMessage"])],  // flaky: passes on re-run
            [Self.tested("a", passing: ["test_send"])],
            [Self.tested("a", failing: ["test_send": "SendMessage"])],
        ]
        // --confirm 1, but the check flaked in week 2: two re-runs, and an ERROR in one leaves it unconfirmed.
        let partly = ScriptedRevalidation(["a": [.passed, .failed, .error]])
        let unconfirmed = try await compareWeeks(history, reruns: partly, attempts: 1).comparisons[3]
        XCTAssertEqual(partly.callCount, 3)
        let decision = try XCTUnwrap(unconfirmed.unconfirmed.first?.checks.first)
        XCTAssertTrue(decision.recentlyFlaky)
        XCTAssertEqual(decision.flakeScore ?? 0, 1.0 / 3, accuracy: 1e-9, "one flake in three conclusive outcomes")
        XCTAssertTrue(decision.reason.contains("needs every one"), decision.reason)
        // A check that never flaked is confirmed by the one re-run that reached a verdict.
        let steady = ScriptedRevalidation(["a": [.failed, .error]])
        let confirmed = try await compareWeeks([history[0], history[3]], reruns: steady, attempts: 2).comparisons[1]
        XCTAssertEqual(confirmed.regressions.first?.checks.first?.recentlyFlaky, false)
        XCTAssertEqual(confirmed.regressions.count, 1)
        // Both re-runs reproduce: confirmed, and the flakiness file names the check.
        let both = ScriptedRevalidation(["a": [.passed, .failed, .failed]])
        let (store, comparisons) = try await compareWeeks(history, reruns: both, attempts: 1)
        XCTAssertEqual(comparisons[3].regressions.count, 1)
        let flakiness = try JSONCoding.decode(FlakinessFile.self, from: try Files.read(store.flakinessFile))
        XCTAssertEqual(flakiness.checks.map(\.outcomes), ["PFPF"])
    }

    // MARK: Open regressions

    func testErrorWeekCarriesOpenRegressionsForwardUntilTheTestPasses() async throws {
        let reruns = ScriptedRevalidation(["a": [.failed, .failed]])
        let failing = Self.tested("a", passing: ["test_read"], failing: ["test_send": "SendMessage"])
        let (store, comparisons) = try await compareWeeks(
            [
                [Self.tested("a", passing: ["test_send", "test_read"])],
                [failing],
                [Self.errored("a")],
                [failing],
                [Self.tested("a", passing: ["test_send", "test_read"])],
            ], reruns: reruns)
        XCTAssertEqual(comparisons[1].open.map(\.check), ["test test_app.py::test_send"])
        XCTAssertEqual(comparisons[2].open.map(\.checked), [false], "an outage carries it, not checked")
        let outage = try RunOverview.load(store: store, runID: comparisons[2].currentRunID)
        XCTAssertEqual(outage.regressions.map(\.checked), [false])
        XCTAssertEqual(outage.regressions.map(\.ongoing), [true])
        XCTAssertTrue(outage.commitMessage.body.contains("not checked this week"), outage.commitMessage.body)
        XCTAssertEqual(comparisons[3].open.map(\.checked), [true])
        XCTAssertTrue(comparisons[3].regressions.isEmpty, "still open, not confirmed a second time")
        XCTAssertEqual(reruns.callCount, 2, "only week 2 re-validated")
        XCTAssertTrue(comparisons[4].open.isEmpty, "closed once the test passes again")
        XCTAssertTrue(comparisons[1...3].allSatisfy(\.closed.isEmpty), "nothing closes while the check fails or is not checked")
        XCTAssertEqual(comparisons[4].closed.map(\.check), ["test test_app.py::test_send"])
        let fixed = try RunOverview.load(store: store, runID: comparisons[4].currentRunID)
        XCTAssertTrue(fixed.regressions.isEmpty)
        XCTAssertEqual(fixed.resolved.map(\.name), ["a"], "the notifiers learn which issue to close")
        XCTAssertEqual(fixed.resolved.first?.openedRunID, comparisons[1].currentRunID)
        XCTAssertTrue(fixed.commitMessage.body.contains("regression closed (passes again): a"), fixed.commitMessage.body)
    }
}

/// The dashboard shows the decisions in words (issue 14, item 5) and the flaky tests with their rates (item 3).
final class RegressionDashboardTests: XCTestCase {
    typealias Rules = RegressionRulesTests

    func testDashboardShowsDecisionsOpenRegressionsAndFlakyTestsInWords() async throws {
        let both = ["test_send", "test_read"]
        let otherwise = Rules.tested("b", passing: ["test_send"], failing: ["test_read": "ReceiveMessageBatch"])
        let reruns = ScriptedRevalidation(results: ["a": [.status(.partial), .status(.partial)], "b": [.result(otherwise)]])
        let weeks: [[ValidationResult]] = [
            [Rules.tested("a", passing: both), Rules.tested("b", passing: both)],
            // a: test_send broken for real; b: test_read fails once, and its re-run fails another way.
            [
                Rules.tested("a", passing: ["test_read"], failing: ["test_send": "SendMessage"]),
                Rules.tested("b", passing: ["test_send"], failing: ["test_read": "ReceiveMessage"]),
            ],
            // The emulator is unreachable for a; b passes again.
            [Rules.errored("a"), Rules.tested("b", passing: both)],
        ]
        let store = try makeStore([])
        for (index, results) in weeks.enumerated() {
            let run = Fixture.run(index + 1, results)
            try store.saveRun(run)
            _ = try await CompareStage.run(CompareInput(store: store, currentRunID: run.runID, confirmAttempts: 2, revalidate: reruns.closure))
        }
        let ids = store.runIDs()

        // Week 2: each candidate with its baseline, signatures, each re-run and the decision with its reason.
        let week2 = try String(
            contentsOf: try ReportStage.run(
                ReportInput(
                    store: store, runID: ids[1], output: store.root.appendingPathComponent("w2.html"),
                    writeTrends: false)
            ).path, encoding: .utf8)
        let send = "test test_app.py::test_send: emulator sqs:SendMessage InternalError"
        XCTAssertTrue(week2.contains(#"id="decision-list""#))
        XCTAssertTrue(week2.contains("<code>\(send)</code> <span class=\"muted\">passed in run \(ids[0])</span>"), week2)
        XCTAssertTrue(week2.contains("re-run 1: the same failure (\(send))"))
        XCTAssertTrue(week2.contains("re-run 2: the same failure (\(send))"))
        XCTAssertTrue(week2.contains("confirmed: the same failure reproduced 2/2 times in a fresh emulator state"))
        XCTAssertTrue(week2.contains("re-run 1: failed differently: test test_app.py::test_read: emulator sqs:ReceiveMessageBatch InternalError"))
        XCTAssertTrue(
            week2.contains(
                "flaky: re-run 1 failed differently: test test_app.py::test_read: emulator sqs:ReceiveMessageBatch InternalError "
                    + "instead of test test_app.py::test_read: emulator sqs:ReceiveMessage InternalError"))
        XCTAssertTrue(week2.contains("test test_app.py::test_send: <code>\(send)</code> — confirmed in this run"))
        XCTAssertFalse(week2.contains(#"id="still-open""#), "nothing carried from earlier runs yet")

        // Week 3: the outage carries the regression, said so in words; the page never says "No regressions".
        let week3 = try String(contentsOf: try ReportStage.run(ReportInput(store: store)).path, encoding: .utf8)
        XCTAssertTrue(week3.contains(#"id="still-open""#))
        XCTAssertFalse(week3.contains(#"id="no-regressions""#), "an open regression is not 'no regressions'")
        XCTAssertTrue(
            week3.contains("not checked this week (ERROR: environment Unreachable, connection refused), still open since run \(ids[1])"), week3)
        XCTAssertTrue(week3.contains("No check failed that passed at its baseline."))
        // b flaked once in three conclusive runs: listed with its rate, outcomes and the signature it failed with.
        XCTAssertTrue(week3.contains(#"<table id="flaky-tests">"#), "the report keeps compare's trends/flakiness.json")
        XCTAssertTrue(
            week3.contains("<td>test test_app.py::test_read</td><td class=\"num\">33.3%</td><td class=\"num\">1 / 3</td><td><code>PFP</code></td>"),
            week3)
        XCTAssertTrue(week3.contains("<code>test test_app.py::test_read: emulator sqs:ReceiveMessage InternalError</code>"))
        XCTAssertFalse(week3.contains("<td>test test_app.py::test_send</td>"), "a confirmed regression is no flake")
    }
}
