import Foundation
import LSQMBasics
import LSQMCore
import LSQMHost
import LSQMNotify
import LSQMPluginKit
import LSQMTestSupport
import XCTest

/// The notifier plugins, loaded from their .so files into workers, against fake Slack and GitHub servers.
final class NotifierPluginTests: XCTestCase {
    var scratch: URL!

    override func setUpWithError() throws {
        scratch = try Files.makeTemporaryDirectory(prefix: "lsqm-notify-test")
        try XCTSkipUnless(Files.exists(BuildProducts.plugin("SlackNotifier")), "build the package first (swift build)")
    }

    override func tearDown() { Files.remove(scratch) }

    func manager(http: HostHTTPService, secrets: [String: String] = [:]) -> PluginManager {
        PluginManager(
            directories: [PluginDirectory(url: BuildProducts.directory, origin: .builtIn)], workerExecutable: BuildProducts.lsqm,
            cacheRoot: scratch, callTimeout: .seconds(60), http: http, secretURLs: secrets)
    }

    func summary(regressions: [RunSummary.Regression]) -> RunSummary {
        var counts = RunSummary.Counts()
        counts.total = 10; counts.passed = 8; counts.failed = 2
        return RunSummary(
            runID: "20261122T000000Z-0000abcd", counts: counts, passRate: 0.8, previousPassRate: 0.9,
            newArchitectures: [.init(arch: "ab", name: "new-one", sourceURL: "file:///x")], regressions: regressions,
            reportURL: "https://example.com/report.html")
    }

    let regression = RunSummary.Regression(
        arch: String(repeating: "c", count: 64), name: "sns-to-sqs", sourceURL: "https://github.com/x/y",
        services: ["sns", "sqs"], previousRunID: "20261115T000000Z-00000001", status: "FAILED",
        failedStep: "tests", logExcerpt: "AssertionError: no message")

    func testSlackGetsBlockKitWithFallbackAndTheSecretURLNeverReachesThePlugin() async throws {
        let slack = try FakeSlack(failuresBeforeSuccess: 1)
        defer { slack.server.stop() }
        let http = ForwardingHTTPService(retries: 2)
        let outcomes = await NotifyStage.run(
            .init(
                summary: summary(regressions: [regression]), notifiers: [.init(name: "SlackNotifier")],
                manager: manager(http: http, secrets: ["SLACK_WEBHOOK_URL": slack.webhookURL])))
        XCTAssertEqual(outcomes.map(\.delivered), [true], "\(outcomes)")
        let payload = try XCTUnwrap(slack.payloads.last)
        let text = try XCTUnwrap(payload["text"]?.stringValue)
        XCTAssertTrue(text.contains("80.0%"), text)
        XCTAssertTrue(text.contains("-10.0 pts"), text)
        XCTAssertTrue(text.contains("sns-to-sqs"), text)
        XCTAssertTrue(text.contains("https://example.com/report.html"), text)
        XCTAssertGreaterThanOrEqual(payload["blocks"]?.arrayValue?.count ?? 0, 4)
        // The plugin asked for the secret by name; the URL itself came from the host.
        XCTAssertEqual(http.requestedURLs.first, "secret-resolved")
    }

    /// An open regression the run could not check (an ERROR week) is still announced, marked as such.
    func testSlackListsOpenRegressionsNotCheckedThisWeek() async throws {
        let slack = try FakeSlack()
        defer { slack.server.stop() }
        var unchecked = regression
        unchecked.status = "ERROR"; unchecked.ongoing = true; unchecked.checked = false
        unchecked.signatures = ["test test_app::test_publish: emulator sns:Publish InternalError"]
        let outcomes = await NotifyStage.run(
            .init(
                summary: summary(regressions: [unchecked]), notifiers: [.init(name: "SlackNotifier")],
                manager: manager(http: ForwardingHTTPService(), secrets: ["SLACK_WEBHOOK_URL": slack.webhookURL])))
        XCTAssertEqual(outcomes.map(\.delivered), [true], "\(outcomes)")
        let payload = try XCTUnwrap(slack.payloads.last)
        XCTAssertTrue(payload["text"]?.stringValue?.contains("1 regression: sns-to-sqs") ?? false, "\(payload)")
        let blocks = "\(payload["blocks"] ?? .null)"
        XCTAssertTrue(blocks.contains("not checked this week"), blocks)
    }

    func testAMissingWebhookIsARecordedFailureNotACrash() async throws {
        let outcomes = await NotifyStage.run(
            .init(
                summary: summary(regressions: []), notifiers: [.init(name: "SlackNotifier"), .init(name: "NoSuchNotifier")],
                manager: manager(http: ForwardingHTTPService())))
        XCTAssertEqual(outcomes.count, 2)
        XCTAssertTrue(outcomes[0].error?.contains("SLACK_WEBHOOK_URL") ?? false, "\(outcomes[0])")
        XCTAssertTrue(outcomes[1].error?.contains("no plugin of that name") ?? false, "\(outcomes[1])")
    }

    func testOneIssuePerRegressionThenACommentNotADuplicate() async throws {
        let github = try FakeGitHubIssues(existing: [
            .init(number: 1, title: "unrelated", body: "", labels: ["lsqm-regression"], state: "open", comments: []),
            .init(number: 2, title: "also unrelated", body: "", labels: ["lsqm-regression"], state: "open", comments: []),
        ])
        defer { github.server.stop() }
        let http = ForwardingHTTPService(authorization: "token test-token")
        let config: JSONValue = ["repo": "localstack/localstack", "api_url": .string(github.apiURL)]
        let second = RunSummary.Regression(
            arch: String(repeating: "d", count: 64), name: "s3-sqs", sourceURL: "file:///s3", services: ["s3"],
            previousRunID: "p", status: "PARTIAL")
        let first = await NotifyStage.run(
            .init(
                summary: summary(regressions: [regression, second]),
                notifiers: [.init(name: "GitHubIssuesNotifier", config: config)], manager: manager(http: http)))
        XCTAssertEqual(first.map(\.delivered), [true], "\(first)")
        XCTAssertEqual(github.all.count, 4)
        let created = github.all[2]
        XCTAssertEqual(created.title, "LocalStack regression: sns-to-sqs [cccccccccccc]")
        XCTAssertEqual(created.labels, ["lsqm-regression"])
        XCTAssertTrue(created.body.contains("AssertionError: no message"))
        XCTAssertTrue(created.body.contains("20261115T000000Z-00000001"))
        // Mutations are serial and at least one second apart.
        let times = github.mutations
        XCTAssertEqual(times.count, 2)
        XCTAssertGreaterThanOrEqual(times[1].timeIntervalSince(times[0]), 0.99)

        // The next week the same regression is still there: a comment, not a second issue. The list is
        // paginated (two per page), so the notifier must follow Link headers to find it.
        let again = await NotifyStage.run(
            .init(
                summary: summary(regressions: [regression]),
                notifiers: [.init(name: "GitHubIssuesNotifier", config: config)], manager: manager(http: http)))
        XCTAssertEqual(again.map(\.delivered), [true], "\(again)")
        XCTAssertEqual(github.all.count, 4)
        XCTAssertEqual(github.all[2].comments.count, 1)
    }

    /// An architecture whose regressions all passed again: its issue gets a comment naming the checks and is closed;
    /// an issue of an architecture still open is only commented on, and Slack says what passes again.
    func testAResolvedRegressionClosesItsIssue() async throws {
        let github = try FakeGitHubIssues()
        let slack = try FakeSlack()
        defer { github.server.stop(); slack.server.stop() }
        let config: JSONValue = ["repo": "localstack/localstack", "api_url": .string(github.apiURL), "min_interval_ms": 0]
        let other = RunSummary.Regression(
            arch: String(repeating: "d", count: 64), name: "s3-sqs", sourceURL: "file:///s3", services: ["s3"],
            previousRunID: "p", status: "PARTIAL")
        let manager = manager(http: ForwardingHTTPService(authorization: "token test-token"), secrets: ["SLACK_WEBHOOK_URL": slack.webhookURL])
        let notifiers = [PluginSelection(name: "GitHubIssuesNotifier", config: config), PluginSelection(name: "SlackNotifier")]
        _ = await NotifyStage.run(.init(summary: summary(regressions: [regression, other]), notifiers: notifiers, manager: manager))
        XCTAssertEqual(github.all.map(\.state), ["open", "open"])
        var fixed = summary(regressions: [other])
        fixed.resolved = [
            .init(
                arch: regression.arch, name: regression.name,
                signatures: ["test test_app.py::test_publish: emulator sns:Publish InternalError"], openedRunID: "20261115T000000Z-00000001")
        ]
        let outcomes = await NotifyStage.run(.init(summary: fixed, notifiers: notifiers, manager: manager))
        XCTAssertEqual(outcomes.map(\.delivered), [true, true], "\(outcomes)")
        XCTAssertEqual(outcomes.first?.detail, "0 issue(s) opened, 1 comment(s) added, 1 closed in localstack/localstack")
        let closed = try XCTUnwrap(github.all.first { $0.title.contains("sns-to-sqs") })
        XCTAssertEqual(closed.state, "closed")
        XCTAssertEqual(closed.comments.count, 1)
        XCTAssertTrue(closed.comments[0].contains("Passes again in run `20261122T000000Z-0000abcd`"), closed.comments[0])
        XCTAssertTrue(closed.comments[0].contains("sns:Publish InternalError"), closed.comments[0])
        XCTAssertEqual(github.all.first { $0.title.contains("s3-sqs") }?.state, "open", "still regressed: commented, not closed")
        XCTAssertTrue(slack.payloads.last?["text"]?.stringValue?.contains("passing again: sns-to-sqs") ?? false, "\(slack.payloads.last ?? nil)")
    }
}

/// Test HTTP service: sends requests for real with HTTPClient, adds an Authorization header, retries 5xx.
final class ForwardingHTTPService: HostHTTPService, @unchecked Sendable {
    let authorization: String?
    let retries: Int
    private let urls = Locked<[String]>([])
    init(authorization: String? = nil, retries: Int = 0) { self.authorization = authorization; self.retries = retries }
    var requestedURLs: [String] { urls.value }

    func perform(_ request: HTTPRequest, plugin: String) async throws -> HTTPResponse {
        urls.withLock { $0.append(request.url.contains("fakeSecretWebhookToken") ? "secret-resolved" : request.url) }
        guard let url = URL(string: request.url) else { throw LSQMError(.usage, action: "request", cause: "bad URL") }
        var headers = request.headers
        if let authorization { headers["authorization"] = authorization }
        var attempt = 0
        while true {
            let response = try await HTTPClient().send(method: request.method, url: url, headers: headers, body: request.body.map { Data($0.utf8) })
            if response.status >= 500, attempt < retries { attempt += 1; continue }
            return HTTPResponse(status: response.status, headers: response.headers, body: response.body)
        }
    }
}
