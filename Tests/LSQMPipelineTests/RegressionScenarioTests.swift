import Foundation
import LSQMBasics
import LSQMCore
import LSQMHost
import LSQMNotify
import LSQMPipeline
import LSQMPluginKit
import LSQMReport
import LSQMTestSupport
import LSQMValidate
import XCTest

/// Weeks of validate + compare (the real stages, in process) into one artifact repository, against moto behind a
/// fault-injecting proxy (issue 14): random 500s, 503s, resets and transient not-founds in the test phase every
/// week, DynamoDB UpdateItem failing on every call from week 2 and Scan from week 4 (the two true regressions),
/// and week 3 in which the emulator is unreachable. Whatever the seed, the regressions open after each week must be exactly the
/// true ones: zero false, zero missed. Each week then notifies as `lsqm run` does — the real SlackNotifier and
/// GitHubIssuesNotifier plugins in worker processes, against the fake Slack and GitHub servers — and the alerts
/// must match the truth exactly: one Slack post a week naming the open regressions (the outage week's marked not
/// checked), one issue opened the week the first one is confirmed, one comment each later week listing exactly the
/// open checks' signatures. (`lsqm run` itself, binary and all stages, is WholeRunTests; this test drives the
/// stages in process so that it can hold its hand-written four-test app and assert week by week.)
///
/// `LSQM_SCENARIO_SEEDS` ("1 2 3") and `LSQM_SCENARIO_WEEKS` run a longer sweep (scripts/regression-sweep.sh);
/// `LSQM_SCENARIO_HANG` adds hangs past the per-test timeout (each costs a minute).
final class RegressionScenarioTests: XCTestCase {
    var scratch: URL!
    var moto: SpawnedProcess?

    override func setUpWithError() throws {
        try XCTSkipUnless(Subprocess.which("moto_server") != nil && Subprocess.which("terraform") != nil, "needs moto_server and terraform")
        scratch = try Files.makeTemporaryDirectory(prefix: "lsqm-regression-scenario")
    }

    override func tearDown() {
        moto?.killGroup()
        if let scratch { Files.remove(scratch) }
    }

    static let terraform = MotoFixture.dynamoDBTable(resource: "items", name: "lsqm-scenario-items")

    /// Four tests, each on its own operations. The counter test's first call is UpdateItem (an upsert) and the
    /// scan test's is Scan, so a broken operation is always what its test fails on.
    static let tests = """
        import json
        import os

        import boto3


        def _db():
            return boto3.client("dynamodb")


        def _table():
            with open(os.environ["LSQM_TF_OUTPUTS"], encoding="utf-8") as handle:
                return json.load(handle)["table_name"]


        def test_put_then_get():
            _db().put_item(TableName=_table(), Item={"id": {"S": "a"}, "v": {"S": "1"}})
            assert _db().get_item(TableName=_table(), Key={"id": {"S": "a"}}, ConsistentRead=True)["Item"]["v"]["S"] == "1"


        def test_counter_updates():
            answer = _db().update_item(TableName=_table(), Key={"id": {"S": "counter"}}, UpdateExpression="ADD n :one",
                                       ExpressionAttributeValues={":one": {"N": "1"}}, ReturnValues="UPDATED_NEW")
            assert int(answer["Attributes"]["n"]["N"]) >= 1


        def test_scan_lists_items():
            assert "Items" in _db().scan(TableName=_table())
            _db().put_item(TableName=_table(), Item={"id": {"S": "b"}})
            assert any(item["id"]["S"] == "b" for item in _db().scan(TableName=_table())["Items"])


        def test_table_is_active():
            assert _db().describe_table(TableName=_table())["Table"]["TableStatus"] == "ACTIVE"

        """

    /// The true regressions: operation → the week from which every call fails, and the check it breaks. Scan
    /// breaks in the week right after the outage, which a previous-run baseline would never see.
    static let broken = ["UpdateItem": 2, "Scan": 4]
    static let brokenChecks = ["UpdateItem": "test test_app::test_counter_updates", "Scan": "test test_app::test_scan_lists_items"]

    func startMoto() async throws -> URL {
        let (process, url) = try await MotoFixture.start(logDirectory: scratch)
        moto = process
        return url
    }

    struct Tally {
        var falseRegressions = 0
        var missedRegressions = 0
        var flaky = 0
        var reruns = 0
        /// Weeks whose Slack post or GitHub issue activity differed from the truth.
        var wrongAlerts = 0
        /// "false/missed" per week, for the sweep's table.
        var weeks: [String] = []
    }

    /// The notifier plugins as `lsqm run` configures them, each seed against its own fake Slack and GitHub.
    struct Notifiers {
        let slack: FakeSlack
        let github: FakeGitHubIssues
        let manager: PluginManager
        let selections: [PluginSelection]

        init(cacheRoot: URL) throws {
            slack = try FakeSlack()
            github = try FakeGitHubIssues()
            manager = PluginManager(
                directories: [PluginDirectory(url: BuildProducts.directory, origin: .builtIn)], workerExecutable: BuildProducts.lsqm,
                cacheRoot: cacheRoot, callTimeout: .seconds(60), http: ForwardingHTTPService(authorization: "token scenario-token"),
                secretURLs: ["SLACK_WEBHOOK_URL": slack.webhookURL])
            // No pause between GitHub mutations: the fake has no secondary rate limit, and the weeks are long enough.
            selections = [
                PluginSelection(name: "SlackNotifier"),
                PluginSelection(
                    name: "GitHubIssuesNotifier",
                    config: [
                        "repo": "localstack/localstack", "api_url": .string(github.apiURL),
                        "min_interval_ms": 0,
                    ]),
            ]
        }

        func stop() { slack.server.stop(); github.server.stop() }
    }

    /// The check a signature's description names ("test test_app::x" of "test test_app::x: emulator …").
    static func check<S: StringProtocol>(of signature: S) -> String? {
        signature.range(of: ": ").map { String(signature[..<$0.lowerBound]) }
    }

    /// The checks a GitHub issue body or comment lists ("- `test test_app::x: emulator …`" lines).
    static func listedChecks(_ text: String) -> Set<String> {
        Set(text.split(separator: "\n").filter { $0.hasPrefix("- `") }.compactMap { check(of: $0.dropFirst(3)) })
    }

    func testWeeksOfFlakyEmulatorGiveExactlyTheTrueRegressions() async throws {
        let environment = ProcessInfo.processInfo.environment
        let seeds = (environment["LSQM_SCENARIO_SEEDS"] ?? "7").split(separator: " ").compactMap { UInt64($0) }
        let weeks = Int(environment["LSQM_SCENARIO_WEEKS"] ?? "") ?? 4
        let hang = environment["LSQM_SCENARIO_HANG"].flatMap(Double.init) ?? 0
        // Now and then: the 5xx and resets are mostly retried away by botocore (4 retries), a not-found is not.
        let faults = FaultInjectingProxy.Faults(internalError: 0.15, unavailable: 0.1, reset: 0.05, hang: hang, transientNotFound: 0.06)
        let upstream = try await startMoto()
        var total = Tally()
        for seed in seeds {
            let tally = try await runWeeks(seed: seed, weeks: weeks, faults: faults, upstream: upstream)
            print(
                "regression scenario: seed \(seed), \(weeks) weeks: false \(tally.falseRegressions), missed \(tally.missedRegressions), "
                    + "wrong alerts \(tally.wrongAlerts), flaky \(tally.flaky), re-runs \(tally.reruns)")
            // One line per seed, one false/missed cell per week: scripts/regression-sweep.sh tabulates these.
            print("regression scenario table: seed \(seed): " + tally.weeks.joined(separator: " "))
            total.falseRegressions += tally.falseRegressions
            total.missedRegressions += tally.missedRegressions
            total.wrongAlerts += tally.wrongAlerts
        }
        XCTAssertEqual(total.falseRegressions, 0, "false regressions")
        XCTAssertEqual(total.missedRegressions, 0, "missed regressions")
        XCTAssertEqual(total.wrongAlerts, 0, "weeks whose Slack post or GitHub issue activity differed from the truth")
    }

    /// Week 1 clean, UpdateItem broken from week 2, week 3 unreachable, Scan broken from week 4, random test-phase
    /// faults from week 2.
    func runWeeks(seed: UInt64, weeks: Int, faults: FaultInjectingProxy.Faults, upstream: URL) async throws -> Tally {
        let proxy = try FaultInjectingProxy(upstream: upstream, seed: seed, brokenOperations: Self.broken, unreachableWeeks: [3])
        defer { proxy.stop() }
        let notifiers = try Notifiers(cacheRoot: scratch.appendingPathComponent("plugins-\(seed)"))
        defer { notifiers.stop() }
        let store = ArtifactStore(root: scratch.appendingPathComponent("repo-\(seed)"))
        try store.initializeLayout()
        let architecture = try addArchitecture(to: store)
        let runtime = try URLRuntime(url: proxy.url)
        let cache = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("lsqm-validate-test-cache", isDirectory: true)
        let start = Date(timeIntervalSince1970: 1_767_225_600 + Double(seed) * 86_400)
        var tally = Tally()
        for week in 1...weeks {
            proxy.startWeek(week, faults: week == 1 ? .none : faults)
            let options = ValidateOptions(
                runID: RunID.make(date: start.addingTimeInterval(Double(week) * 7 * 86_400)), parallel: 1,
                timeout: .seconds(300), healthTimeout: .seconds(5), cleanupTimeout: .seconds(120),
                terraform: TerraformSettings(
                    mirror: TerraformSettings.defaultMirror(configured: nil),
                    pluginCache: cache.appendingPathComponent("terraform-plugins")),
                venvDirectory: cache.appendingPathComponent("venvs"))
            let run = try await ValidateStage.run(architectures: [architecture], store: store, runtime: runtime, options: options, logger: .silent)
            let result = try XCTUnwrap(run.results.first)
            XCTAssertEqual(result.terraformHash, store.terraformHash(architecture.id), "the deployed Terraform is recorded")
            if week == 3 { XCTAssertEqual(result.status, .error, "week 3: the emulator is unreachable") }
            let comparison = try await CompareStage.run(
                CompareInput(
                    store: store, currentRunID: run.runID, confirmAttempts: 2,
                    revalidate: { candidate in
                        try await ValidateStage.revalidate(arch: candidate.arch, store: store, runtime: runtime, options: options, logger: .silent)
                    }))
            // The truth: each broken operation's test is regressed from its week on, and stays open (not checked
            // in week 3).
            let expected = Set(Self.broken.filter { week >= $0.value }.compactMap { Self.brokenChecks[$0.key] })
            let open = Set(comparison.open.map(\.check))
            let wrong = open.subtracting(expected)
            let missing = expected.subtracting(open)
            tally.falseRegressions += wrong.count
            tally.missedRegressions += missing.count
            tally.weeks.append("\(wrong.count)/\(missing.count)")
            tally.flaky += (comparison.regressions + comparison.flaky).flatMap(\.checks).filter { $0.state == .flaky }.count
            tally.reruns += (comparison.regressions + comparison.flaky + comparison.unconfirmed).map(\.reruns.count).reduce(0, +)
            let detail =
                "seed \(seed) week \(week): \(result.status.rawValue) \(result.failureSignatures.map(\.description)); "
                + "open \(open.sorted()); decisions \((comparison.regressions + comparison.flaky + comparison.unconfirmed).flatMap(\.checks).map { "\($0.signature): \($0.state.rawValue), \($0.reason)" })"
            print("regression scenario: " + detail)
            XCTAssertTrue(wrong.isEmpty && missing.isEmpty, detail)
            // Each true regression is confirmed in its first week, by both re-runs reproducing its signature, and
            // never again while it stays open.
            let confirmed = comparison.regressions.flatMap(\.checks).filter { $0.state == .confirmed }
            let breaking = Self.broken.filter { $0.value == week }.map(\.key).sorted()
            XCTAssertEqual(confirmed.compactMap(\.signature.operation).sorted(), breaking, detail)
            for decision in confirmed {
                XCTAssertEqual(decision.reruns.map(\.outcome), [.reproduced, .reproduced], "both re-runs reset moto and reproduced it")
            }
            if week == 3 { XCTAssertEqual(comparison.open.map(\.checked), [false], "carried through the outage, not checked") }
            if try await !notify(notifiers, store: store, runID: run.runID, week: week, expected: expected, detail: detail) { tally.wrongAlerts += 1 }
        }
        let overview = try RunOverview.load(store: store)
        XCTAssertEqual(overview.regressions.count, 1, "the summary for notifiers names the architecture with open regressions")
        XCTAssertEqual(overview.regressions.first?.signatures.count, weeks >= 4 ? 2 : 1)
        return tally
    }

    /// Notifies week `week` as `lsqm run` does and checks what Slack and GitHub received against `expected` (the
    /// checks truly regressed): true when everything matched.
    func notify(_ notifiers: Notifiers, store: ArtifactStore, runID: String, week: Int, expected: Set<String>, detail: String) async throws -> Bool {
        let overview = try RunOverview.load(store: store, runID: runID)
        // What the exit code of `lsqm run` and the Slack summary follow: every open regression, not only new ones.
        let summarized = Set(overview.regressions.flatMap(\.signatures).compactMap(Self.check(of:)))
        let outcomes = await NotifyStage.run(
            .init(
                summary: RunSummary(overview, dryRun: false, reportURL: nil), notifiers: notifiers.selections,
                manager: notifiers.manager))
        var problems: [String] = []
        func expect(_ condition: Bool, _ problem: @autoclosure () -> String) { if !condition { problems.append(problem()) } }
        expect(summarized == expected, "the run summary lists \(summarized.sorted()), the truth is \(expected.sorted())")
        expect(outcomes.map(\.delivered) == [true, true], "notifiers: \(outcomes)")
        // Slack: one post a week; it names the architecture exactly while a regression is open.
        let posts = notifiers.slack.payloads
        let text = posts.last?["text"]?.stringValue ?? ""
        let blocks = "\(posts.last?["blocks"] ?? .null)"
        expect(posts.count == week, "\(posts.count) Slack posts after \(week) weeks")
        expect(text.contains("1 regression: scenario-items") == !expected.isEmpty, "Slack said: \(text)")
        expect(blocks.contains("not checked this week") == (week == 3 && !expected.isEmpty), "Slack's regressions block: \(blocks)")
        // GitHub: one issue from the week the first regression is confirmed, then one comment a week while open,
        // each listing exactly the open checks.
        let firstBroken = Self.broken.values.min() ?? Int.max
        let issues = notifiers.github.all
        expect(issues.count == (week >= firstBroken ? 1 : 0), "\(issues.count) issues after week \(week)")
        expect((issues.first?.comments.count ?? 0) == max(0, week - firstBroken), "\(issues.first?.comments.count ?? 0) comments after week \(week)")
        expect(issues.allSatisfy { $0.state == "open" }, "an issue was closed while its regression is open")
        if let issue = issues.first {
            let latest = issue.comments.last ?? issue.body
            expect(Self.listedChecks(latest) == expected, "the issue's latest text lists \(Self.listedChecks(latest).sorted()): \(latest)")
            expect(latest.contains("Not checked in run") == (week == 3), "week \(week)'s issue text: \(latest)")
        }
        XCTAssertTrue(problems.isEmpty, "week \(week) alerts: " + problems.joined(separator: "; ") + " — " + detail)
        return problems.isEmpty
    }

    func addArchitecture(to store: ArtifactStore) throws -> Architecture {
        let terraform = [(path: "main.tf", content: Data(Self.terraform.utf8))]
        let architecture = Architecture(
            id: ContentHash.architecture(files: terraform), name: "scenario-items", kind: .terraform,
            sourceURL: "file://scenario/items", source: "test", services: ["dynamodb"], resourceCount: 1,
            files: ["main.tf"], discoveredAt: Date())
        try store.saveArchitecture(architecture, originalFiles: terraform, terraformFiles: terraform)
        for (path, content) in [("test_app.py", Self.tests), ("requirements.txt", "boto3\npytest\n"), ("conftest.py", "")] {
            try AtomicFile.write(Data(content.utf8), to: store.appDirectory(architecture.id).appendingPathComponent(path))
        }
        var index = try store.loadIndex()
        index.architectures[architecture.id] = architecture
        try store.saveIndex(index)
        return architecture
    }
}
