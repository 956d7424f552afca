import Foundation
import LSQMBasics
import LSQMCore
import LSQMSync
import LSQMTestSupport
import LSQMValidate
import XCTest

/// `lsqm run`, offline and for real: a local directory source → the rule generator → terraform + the AWS
/// provider + moto → compare with confirmation → report → push to a bare repository → Slack and GitHub issue
/// notifiers against fake servers, through a fault-injecting proxy in front of moto. Run 1 passes; from run 2
/// the emulator answers every DynamoDB PutItem with a 500, the architecture and app unchanged: exactly one
/// confirmed regression (the confirming re-runs reset moto and reproduce the same signature), one issue, one
/// Slack alert. Run 3: a comment on that issue, no second issue.
final class WholeRunTests: XCTestCase {
    var scratch: URL!
    var moto: SpawnedProcess?

    override func setUpWithError() throws {
        scratch = try Files.makeTemporaryDirectory(prefix: "lsqm-whole-run")
        try XCTSkipUnless(Files.exists(BuildProducts.lsqm), "build the package first (swift build)")
        try XCTSkipUnless(Subprocess.which("moto_server") != nil && Subprocess.which("terraform") != nil, "needs moto_server and terraform")
    }

    override func tearDown() {
        moto?.killGroup()
        Files.remove(scratch)
    }

    static let tableName = "lsqm-pipeline-orders"

    func startMoto() async throws -> URL {
        let (process, url) = try await MotoFixture.start(logDirectory: scratch)
        moto = process
        return url
    }

    func testThreeWeeklyRunsOneRegressionOneIssueThenAComment() async throws {
        let architectures = scratch.appendingPathComponent("architectures")
        try AtomicFile.write(
            MotoFixture.dynamoDBTable(resource: "orders", name: Self.tableName), to: architectures.appendingPathComponent("orders/main.tf"))
        // The remote artifact repository: a bare repo seeded with the layout.
        let seed = scratch.appendingPathComponent("seed")
        _ = try await SyncStage.run(.init(repository: seed.path, workingCopy: seed))
        let remote = scratch.appendingPathComponent("artifacts.git")
        try await Git(directory: scratch).run(["clone", "--quiet", "--bare", seed.path, remote.path])

        let slack = try FakeSlack()
        let github = try FakeGitHubIssues()
        defer { slack.server.stop(); github.server.stop() }
        let summaryFile = scratch.appendingPathComponent("summary.json")
        let config = scratch.appendingPathComponent("lsqm.yml")
        try AtomicFile.write(
            """
            parallel: 2
            notifiers:
              - SlackNotifier
              - name: GitHubIssuesNotifier
                config: {min_interval_ms: 1000}
              - name: FileNotifier
                config: {path: "\(summaryFile.path)"}
            """, to: config)
        let proxy = try FaultInjectingProxy(upstream: try await startMoto(), seed: 1, brokenOperations: ["PutItem": 2])
        defer { proxy.stop() }
        let endpoint = proxy.url
        let env = [
            "ARTIFACT_REPO": "file://" + remote.path, "LSQM_CACHE_DIR": scratch.appendingPathComponent("cache").path,
            "SLACK_WEBHOOK_URL": slack.webhookURL, "GITHUB_TOKEN": "ghp_pipelineTestToken123", "LSQM_GITHUB_API_URL": github.apiURL,
            "ISSUE_REPO": "localstack/localstack", "LSQM_TIMEOUT": "240",
        ]
        let arguments = [
            "run", "--config", config.path, "--local", architectures.path, "--emulator", endpoint.absoluteString,
            "--generator", "rules", "--json",
        ]

        // Week 1: everything passes.
        let first = try await LSQMProcess.run(arguments, environment: env)
        XCTAssertEqual(first.exitCode, 0, String(first.stderr.suffix(4000)))
        let outcome1 = try JSONCoding.decode(JSONValue.self, from: Data(first.stdout.utf8))
        XCTAssertEqual(outcome1["counts"]?["passed"]?.intValue, 1, first.stdout)
        XCTAssertEqual(outcome1["new_architectures"]?.intValue, 1)
        XCTAssertEqual(slack.payloads.count, 1)
        XCTAssertTrue(github.all.isEmpty)
        XCTAssertTrue(Files.exists(summaryFile))
        XCTAssertFalse(first.stderr.contains("ghp_pipelineTestToken123"), "the token never reaches a log")

        // Week 2: the emulator now fails PutItem; architecture and app are unchanged.
        proxy.startWeek(2, faults: .none)
        let second = try await LSQMProcess.run(arguments, environment: env)
        XCTAssertEqual(second.exitCode, 1, String(second.stderr.suffix(4000)))
        let outcome2 = try JSONCoding.decode(JSONValue.self, from: Data(second.stdout.utf8))
        XCTAssertEqual(outcome2["regressions"]?.arrayValue?.count, 1, second.stdout)
        XCTAssertEqual(outcome2["new_architectures"]?.intValue, 0)
        XCTAssertEqual(github.all.count, 1)
        XCTAssertTrue(github.all.first?.title.contains("orders") ?? false)
        XCTAssertEqual(github.all.first?.labels, ["lsqm-regression"])
        XCTAssertEqual(slack.payloads.count, 2)
        XCTAssertTrue(slack.payloads.last?["text"]?.stringValue?.contains("1 regression") ?? false, "\(slack.payloads.last ?? nil)")

        XCTAssertTrue(proxy.injections.contains { $0.operation == "PutItem" && $0.fault == .broken })
        // Week 3: still broken → a comment on the same issue, not a second issue.
        proxy.startWeek(3, faults: .none)
        let third = try await LSQMProcess.run(arguments, environment: env)
        XCTAssertEqual(third.exitCode, 1, String(third.stderr.suffix(4000)))
        XCTAssertEqual(github.all.count, 1)
        XCTAssertEqual(github.all.first?.comments.count, 1)
        XCTAssertEqual(slack.payloads.count, 3)

        // The remote holds every run, report and trend, one commit per run after the layout.
        let log = try await Git(directory: remote).run(["log", "--format=%s", "main"]).stdout.split(separator: "\n")
        XCTAssertEqual(log.count, 4, "\(log)")
        XCTAssertTrue(log[0].contains("1 regression"), "\(log)")
        let tree = try await Git(directory: remote).run(["ls-tree", "-r", "--name-only", "main"]).stdout
        XCTAssertEqual(tree.split(separator: "\n").filter { $0.hasPrefix("runs/") && $0.hasSuffix("/results.json") }.count, 3)
        XCTAssertTrue(tree.contains("reports/latest/index.html"))
        XCTAssertTrue(tree.contains("trends/overall.json"))
        XCTAssertTrue(tree.contains("architectures/index.json"))
        XCTAssertTrue(tree.split(separator: "\n").contains { $0.hasPrefix("apps/") && $0.hasSuffix("/test_app.py") })
        // Every stage's timing is in the JSON log, and a summary ends the run.
        let logs = LSQMProcess.logLines(third)
        for stage in ["sync", "mine", "generate", "validate", "compare", "report", "push", "notify"] {
            XCTAssertTrue(logs.contains { $0["stage"]?.stringValue == stage }, "stage \(stage) logged")
        }
        XCTAssertEqual(logs.last?["event"]?.stringValue, "summary")
    }
}
