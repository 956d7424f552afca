import Foundation
import LSQMBasics
import LSQMCore
import LSQMPipeline
import LSQMTestSupport
import XCTest

@testable import LSQMReport

/// Runs of several emulator targets (issue 17): per-target baselines week by week through the compare stage,
/// the on-disk shape (old runs are one target), and the difference view with its pre-release gate.
final class TargetTests: XCTestCase {
    static let release = EmulatorInfo(runtime: "docker", name: "localstack", version: "4.14.0", edition: "community")
    static let candidate = EmulatorInfo(runtime: "docker", name: "localstack", version: "4.15.0rc1", edition: "community")
    static let (releaseName, candidateName) = ("docker:localstack/localstack:4.14.0", "docker:localstack/localstack:4.15.0rc1")

    /// A week's run: the release's results as the primary target, the candidate's as the second.
    static func week(_ index: Int, release: [ValidationResult], candidate: [ValidationResult]) -> RunRecord {
        let shell = Fixture.run(index, [])
        return RunRecord(
            runID: shell.runID, startedAt: shell.startedAt, finishedAt: shell.finishedAt,
            targets: [
                TargetResults(target: releaseName, emulator: Self.release, results: release),
                TargetResults(target: candidateName, emulator: Self.candidate, results: candidate),
            ], shard: nil)
    }

    private func compare(_ store: ArtifactStore, _ run: RunRecord, target: String?, reruns: ScriptedRevalidation) async throws -> RunComparison {
        try await CompareStage.run(
            CompareInput(store: store, currentRunID: run.runID, confirmAttempts: 1, revalidate: reruns.closure, target: target))
    }

    /// Two weeks. Week 1: `queue` passes on the release and fails on the candidate; `topic` passes on both.
    /// Week 2: `topic` fails on the candidate. Per-target baselines: the candidate's week-2 `topic` failure is a
    /// regression of the candidate (its own week-1 pass is the baseline); its `queue` failure, failing since
    /// week 1 on the candidate, is no regression — though the release passed it both weeks, which a baseline
    /// shared by the targets would have taken for one. The release has nothing to regress.
    func testEachTargetIsJudgedAgainstItsOwnBaselinesOverTwoWeeks() async throws {
        let queuePass = RegressionRulesTests.tested("queue", passing: ["test_send"])
        let queueFail = RegressionRulesTests.tested("queue", failing: ["test_send": "SendMessage"])
        let topicPass = RegressionRulesTests.tested("topic", passing: ["test_publish"])
        let topicFail = RegressionRulesTests.tested("topic", failing: ["test_publish": "Publish"])
        let week1 = Self.week(1, release: [queuePass, topicPass], candidate: [queueFail, topicPass])
        let week2 = Self.week(2, release: [queuePass, topicPass], candidate: [queueFail, topicFail])
        let store = try makeStore([week1])
        let reruns = ScriptedRevalidation(["topic": [.failed], "queue": [.failed]])
        for name in [Self.releaseName, Self.candidateName] { _ = try await compare(store, week1, target: name, reruns: reruns) }
        try store.saveRun(week2)
        let releaseWeek2 = try await compare(store, week2, target: Self.releaseName, reruns: reruns)
        let candidateWeek2 = try await compare(store, week2, target: Self.candidateName, reruns: reruns)

        XCTAssertTrue(releaseWeek2.regressions.isEmpty && releaseWeek2.open.isEmpty)
        XCTAssertEqual(candidateWeek2.regressions.map(\.change.name), ["topic"])
        XCTAssertEqual(candidateWeek2.regressions.first?.baselineRunID, week1.runID, "the candidate's own week-1 pass")
        XCTAssertEqual(candidateWeek2.open.map(\.name), ["topic"])
        XCTAssertEqual(reruns.calls, ["topic"], "only the candidate's topic was a candidate for confirmation")
        // The primary's verdict is comparison.json as before targets; the candidate's has a file of its own.
        XCTAssertEqual(try store.loadComparison(week2.runID), releaseWeek2)
        XCTAssertEqual(try store.loadComparison(week2.runID, targetSlug: week2.slug(of: Self.candidateName)), candidateWeek2)
        XCTAssertNotEqual(week2.slug(of: Self.candidateName), week2.slug(of: Self.releaseName))

        // Week 3 checks the candidate's open regression against its own history: it passes again and closes.
        let week3 = Self.week(3, release: [queuePass, topicPass], candidate: [queueFail, topicPass])
        try store.saveRun(week3)
        let candidateWeek3 = try await compare(store, week3, target: Self.candidateName, reruns: reruns)
        XCTAssertTrue(candidateWeek3.open.isEmpty)
    }

    /// A run written before targets existed loads as one target named after its emulator, and stays written
    /// the old way; a run of two targets reads back whole.
    func testOldRunsAreOneTargetAndTwoTargetRunsRoundTrip() throws {
        let old =
            #"{"run_id":"20250101T000000Z-old","started_at":"2025-01-01T00:00:00Z","emulator":{"runtime":"host","name":"moto","version":"5.1.0"},"results":[]}"#
        let decoded = try JSONCoding.decode(RunRecord.self, from: Data(old.utf8))
        XCTAssertEqual(decoded.targetNames, ["host:moto"])
        XCTAssertNotNil(decoded.only(target: "host:moto"))
        XCTAssertNil(decoded.only(target: "host:localstack"))
        let reencoded = try JSONCoding.decode(JSONValue.self, from: JSONCoding.encode(decoded))
        XCTAssertNil(reencoded["targets"], "a one-target run is written as before")

        let two = Self.week(1, release: [RegressionRulesTests.tested("a", passing: ["t"])], candidate: [])
        XCTAssertEqual(try JSONCoding.decode(RunRecord.self, from: JSONCoding.encode(two)), two)
        XCTAssertEqual(two.only(target: Self.candidateName)?.emulator, Self.candidate)
        XCTAssertEqual(two.only(target: Self.candidateName)?.target, Self.candidateName)
    }

    /// Shards of a two-target run (a CI matrix) merge target by target, logs included; shards that validated
    /// other targets do not merge.
    func testShardsOfTwoTargetsMergeTargetByTarget() throws {
        let store = try makeStore([])
        let shardsRoot = try Files.makeTemporaryDirectory(prefix: "lsqm-shards")
        defer { Files.remove(shardsRoot) }
        var folders: [URL] = []
        for (index, name) in ["a", "b"].enumerated() {
            var shard = Self.week(
                index + 1, release: [RegressionRulesTests.tested(name, passing: ["t"])],
                candidate: [RegressionRulesTests.tested(name, failing: ["t": "SendMessage"])])
            shard.shard = "\(index + 1)/2"
            let folder = shardsRoot.appendingPathComponent(shard.runID)
            try AtomicFile.writeJSON(shard, to: folder.appendingPathComponent("results.json"))
            let arch = Fixture.hash(name)
            try AtomicFile.write(Data("release log \(name)".utf8), to: folder.appendingPathComponent("logs/\(arch).log"))
            let slug = try XCTUnwrap(shard.slug(of: Self.candidateName))
            try AtomicFile.write(Data("candidate log \(name)".utf8), to: folder.appendingPathComponent("logs/\(slug)/\(arch).log"))
            folders.append(folder)
        }
        let merged = try RunMerge.merge(folders, into: store)
        XCTAssertEqual(merged.targetNames, [Self.releaseName, Self.candidateName])
        XCTAssertEqual(
            merged.allTargets.map { $0.results.map(\.name) },
            [
                ["b", "a"].sorted { Fixture.hash($0) < Fixture.hash($1) },
                ["b", "a"].sorted { Fixture.hash($0) < Fixture.hash($1) },
            ])
        XCTAssertEqual(merged.only(target: Self.candidateName)?.results.map(\.status), [.failed, .failed])
        XCTAssertEqual(merged.only(target: Self.candidateName)?.emulator, Self.candidate)
        let logs = store.runDirectory(merged.runID).appendingPathComponent("logs")
        let slug = try XCTUnwrap(merged.slug(of: Self.candidateName))
        XCTAssertEqual(try String(contentsOf: logs.appendingPathComponent("\(slug)/\(Fixture.hash("a")).log"), encoding: .utf8), "candidate log a")
        XCTAssertEqual(try String(contentsOf: logs.appendingPathComponent("\(Fixture.hash("b")).log"), encoding: .utf8), "release log b")

        // A shard of another target list is refused with both lists named.
        let other = Fixture.run(3, [RegressionRulesTests.tested("c", passing: ["t"])], emulator: Self.release)
        let otherFolder = shardsRoot.appendingPathComponent(other.runID)
        try AtomicFile.writeJSON(other, to: otherFolder.appendingPathComponent("results.json"))
        XCTAssertThrowsError(try RunMerge.merge([folders[0], otherFolder], into: store)) { error in
            XCTAssertTrue(
                "\(error)".contains("it validated the targets docker, the first shard \(Self.releaseName), \(Self.candidateName)"), "\(error)")
        }
    }

    /// `lsqm compare --targets A B` on a stored run: the text view and `--json`, exit 0 when nothing is
    /// confirmed (here: --confirm 0), a usage error for a target the run lacks or a lone target.
    func testCompareTargetsCommand() async throws {
        guard FileManager.default.isExecutableFile(atPath: BuildProducts.lsqm.path) else {
            throw XCTSkip("build lsqm first (swift build --build-tests)")
        }
        let run = Self.week(
            1, release: [RegressionRulesTests.tested("a", passing: ["t"]), RegressionRulesTests.tested("b", passing: ["t"])],
            candidate: [RegressionRulesTests.tested("a", failing: ["t": "SendMessage"]), RegressionRulesTests.tested("b", passing: ["t"])])
        let store = try makeStore([run])
        func lsqm(_ arguments: [String]) async throws -> Subprocess.Result {
            try await LSQMProcess.run(arguments + ["--log-format", "json"], environment: ["ARTIFACT_REPO": store.root.path], timeout: .seconds(60))
        }
        let text = try await lsqm(["compare", "--targets", Self.releaseName, Self.candidateName, "--confirm", "0"])
        XCTAssertEqual(text.exitCode, 0, text.combinedOutput)
        XCTAssertTrue(
            text.stdout.contains("agree on 1 of 2 (1 pass on both, 0 fail on both); 0 judged on neither (an error or not run); 1 differ"), text.stdout
        )
        XCTAssertTrue(
            text.stdout.contains("passes on A only — A: PASSED; B: FAILED emulator sqs:SendMessage (InternalError) — 1 architecture(s)"), text.stdout)
        XCTAssertTrue(text.stdout.contains("gate: pass"), text.stdout)
        XCTAssertTrue(text.stdout.contains("localstack 4.15.0rc1 community"), text.stdout)

        let json = try await lsqm(["compare", run.runID, "--targets", Self.releaseName, Self.candidateName, "--confirm", "0", "--json"])
        XCTAssertEqual(json.exitCode, 0, json.combinedOutput)
        let view = try JSONCoding.decode(TargetComparison.self, from: Data(json.stdout.utf8))
        XCTAssertEqual(view.architectures.map(\.name), ["a"])
        XCTAssertEqual(view.architectures.first?.gate?.state, .unconfirmed)
        XCTAssertEqual(try store.loadTargetComparison(run.runID), view, "saved for the dashboard")

        let missing = try await lsqm(["compare", "--targets", Self.releaseName, "host:moto"])
        XCTAssertEqual(missing.exitCode, 2)
        XCTAssertTrue(missing.stderr.contains("lsqm: failed to compare target host:moto of run \(run.runID): the run validated only"), missing.stderr)
        let lone = try await lsqm(["compare", "--targets", Self.releaseName])
        XCTAssertNotEqual(lone.exitCode, 0)
        XCTAssertTrue(lone.stderr.contains("--targets takes two targets"), lone.stderr)
        let both = try await lsqm(["validate", "--emulator", "host:moto", "--target", "host:localstack", "--dry-run"])
        XCTAssertNotEqual(both.exitCode, 0)
        XCTAssertTrue(both.stderr.contains("not both"), both.stderr)
    }

    /// The difference view groups disagreements by the outcome on each side, the group affecting most
    /// architectures first, with per-service counts and one agreement line; only a failure that is the
    /// candidate's own doing, reproduced by a re-run with the same signature, closes the gate.
    func testDifferenceViewAndTheGate() async throws {
        let sqsFail = { (name: String) in RegressionRulesTests.tested(name, failing: ["test_send": "SendMessage"]) }
        let unreachable = RegressionRulesTests.errored("machine")
        let release =
            ["q1", "q2", "flaky", "machine", "both", "gone"].map { RegressionRulesTests.tested($0, passing: ["test_send"]) }
            + [sqsFail("fixed"), sqsFail("broken")]
        let candidate = [
            sqsFail("q1"), sqsFail("q2"), sqsFail("flaky"), unreachable, RegressionRulesTests.tested("both", passing: ["test_send"]),
            RegressionRulesTests.tested("fixed", passing: ["test_send"]), sqsFail("broken"),
        ]
        var run = Self.week(1, release: release, candidate: candidate)
        run.otherTargets[0].notRun = [NotRun(arch: Fixture.hash("gone"), name: "gone", reason: "uses cognito-idp, which LocalStack community lacks")]

        var view = try TargetComparison.compare(run, a: Self.releaseName, b: Self.candidateName)
        XCTAssertEqual(view.agreement.bothPassed, 1)
        XCTAssertEqual(view.agreement.bothFailed, 1)
        XCTAssertEqual(view.agreement.differ, 6)
        XCTAssertEqual(view.agreement.line, "agree on 2 of 8 (1 pass on both, 1 fail on both); 0 judged on neither (an error or not run); 6 differ")
        XCTAssertEqual(view.differences.map(\.count), [3, 1, 1, 1], "the difference affecting most architectures first")
        XCTAssertEqual(view.differences.first?.b, "FAILED emulator sqs:SendMessage (InternalError)")
        XCTAssertEqual(Set(view.differences.first?.architectures ?? []), Set(["q1", "q2", "flaky"].map(Fixture.hash)))
        XCTAssertEqual(view.architectures.map(\.name).prefix(3), ["flaky", "q1", "q2"])
        XCTAssertEqual(Set(view.architectures.map(\.name)), ["q1", "q2", "flaky", "machine", "gone", "fixed"])
        XCTAssertEqual(view.architectures.first { $0.name == "gone" }?.b.status, "NOT_RUN")
        XCTAssertEqual(view.architectures.first { $0.name == "machine" }?.b.cause?.kind, .environment)
        XCTAssertEqual(view.architectures.first { $0.name == "fixed" }?.passesOnlyOnA, false)
        XCTAssertEqual(view.services, [ServiceDifference(service: "s3", passesOnlyOnA: 5, passesOnlyOnB: 1)])

        // Re-runs on the candidate: q1 and q2 fail again the same way, flaky passes. ERROR, not run and the
        // candidate's fix are no gate candidates and are never re-run.
        let reruns = ScriptedRevalidation(["q1": [.failed], "q2": [.failed], "flaky": [.passed]])
        try await view.confirm(attempts: 1, on: run, revalidate: reruns.closure)
        XCTAssertEqual(Set(reruns.calls), ["q1", "q2", "flaky"])
        XCTAssertEqual(Set(view.confirmedRegressions.map(\.name)), ["q1", "q2"])
        XCTAssertEqual(view.architectures.first { $0.name == "flaky" }?.gate?.state, .flaky)

        // Nothing reproduced: the gate stays open.
        var calm = try TargetComparison.compare(run, a: Self.releaseName, b: Self.candidateName)
        try await calm.confirm(attempts: 1, on: run, revalidate: ScriptedRevalidation(["q1": [.passed], "q2": [.error], "flaky": [.passed]]).closure)
        XCTAssertTrue(calm.confirmedRegressions.isEmpty)

        // The dashboard shows the saved view: the agreement line, the services, the largest difference first
        // with its architectures, and the gate's verdict; names are escaped like everything else on the page.
        let store = try makeStore([run])
        try store.saveTargetComparison(view)
        let report = try ReportStage.run(ReportInput(store: store, generatedAt: Fixture.epoch, version: "test"))
        let html = try String(contentsOf: report.path, encoding: .utf8)
        let section = try XCTUnwrap(html.range(of: #"<section id="targets""#).map { String(html[$0.lowerBound...].prefix(6_000)) })
        XCTAssertTrue(section.contains("Emulator targets: \(Self.releaseName) and \(Self.candidateName)"))
        XCTAssertTrue(section.contains(view.agreement.line))
        XCTAssertTrue(section.contains("<tr><td>s3</td><td class=\"num\">5</td><td class=\"num\">1</td></tr>"), section)
        let first = try XCTUnwrap(section.range(of: "Passes on A only — A: PASSED; B: FAILED emulator sqs:SendMessage (InternalError): 3"))
        let machine = try XCTUnwrap(section.range(of: "B: ERROR environment"))
        XCTAssertLessThan(first.lowerBound, machine.lowerBound, "the difference affecting most architectures first")
        XCTAssertTrue(section.contains("Gate: 2 architecture(s) pass on A and fail on B"), section)
        XCTAssertTrue(section.contains("[gate: flaky]"))
        // A run of one target has no such section.
        let single = try makeStore([Fixture.run(1, release)])
        let plain = try String(
            contentsOf: try ReportStage.run(ReportInput(store: single, generatedAt: Fixture.epoch, version: "test")).path, encoding: .utf8)
        XCTAssertFalse(plain.contains(#"id="targets""#))

        XCTAssertThrowsError(try TargetComparison.compare(run, a: Self.releaseName, b: "host:moto")) { error in
            XCTAssertTrue("\(error)".contains("the run validated only \(Self.releaseName), \(Self.candidateName)"), "\(error)")
        }
    }
}
