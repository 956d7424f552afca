import Foundation
import LSQMBasics
import LSQMCore
import LSQMPipeline
import XCTest

@testable import LSQMReport

/// A history with a confirmed regression, a flaky architecture, hostile text in names and logs, and trends.
enum ReportFixture {
    static let hostileLog = "line 1\n</script><script>alert(1)</script>\n<!-- <img src=x onerror=alert(2)> & \u{2028} done"
    static let hostileName = "<img src=x onerror=alert(3)>"

    static func history() -> [RunRecord] {
        let emulator = EmulatorInfo(
            runtime: "docker", name: "LocalStack", version: "4.14.0",
            imageDigest: "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
        var runs: [RunRecord] = []
        for index in 1...6 {
            var results = (0..<30).map { i in
                Fixture.result("steady-\(i)", i < 24 ? .passed : .failed, services: i % 2 == 0 ? ["s3"] : ["lambda", "sqs"])
            }
            results.append(Fixture.result("regressed", index < 6 ? .passed : .failed, services: ["s3"]))
            results.append(Fixture.result("flaky", index < 6 ? .passed : .timeout, services: ["sqs"]))
            var hostile = Fixture.result(hostileName, .failed, services: ["s3"], kind: .cloudformation)
            hostile.terraformOutput = hostileLog
            hostile.sourceURL = "javascript:alert(4)"
            if index == 6 {
                // The newest run records causes: two emulator gaps (one with a hostile message) and a test's fault.
                hostile.cause = FailureCause(.emulator, service: "s3", operation: "PutObject", code: "InternalError", message: hostileName)
                results[24].cause = FailureCause(
                    .emulator, service: "s3", operation: "PutBucketPolicy", step: "apply", code: "MalformedPolicy",
                    message: "policy rejected")
                results[25].cause = FailureCause(.test, step: "tests", message: "asserts a topic the Terraform never created")
                // A pass on a partial translation: AppSync was dropped whole, so the verdict says nothing about it.
                results[2].untestedServices = ["appsync"]
            }
            results.append(hostile)
            runs.append(Fixture.run(index, results, emulator: emulator))
        }
        return runs
    }

    /// The repository with `history()` compared (regressed confirmed, flaky passing on re-run) and reported.
    static func reported(in test: XCTestCase, output: URL? = nil) async throws -> (ArtifactStore, ReportOutput) {
        let store = try test.makeStore(history())
        let revalidation = ScriptedRevalidation(["regressed": [.failed], "flaky": [.passed]])
        _ = try await CompareStage.run(CompareInput(store: store, confirmAttempts: 1, revalidate: revalidation.closure))
        let report = try ReportStage.run(ReportInput(store: store, output: output, generatedAt: Fixture.epoch, version: "test"))
        return (store, report)
    }
}

final class ReportRenderingTests: XCTestCase {
    func testReportShowsRegressionsTrendsEmulatorAndFlaky() async throws {
        let (store, report) = try await ReportFixture.reported(in: self)
        XCTAssertEqual(report.path, ReportStage.defaultOutput(store))
        XCTAssertEqual(report.confirmedRegressions, 1)
        XCTAssertTrue(report.compared)
        let html = try String(contentsOf: report.path, encoding: .utf8)
        XCTAssertTrue(html.contains(#"id="regressions" class="banner danger""#))
        XCTAssertTrue(html.contains("1 confirmed regression(s)"))
        XCTAssertTrue(html.contains("<strong>regressed</strong>"))
        XCTAssertTrue(html.contains("LocalStack 4.14.0"))
        XCTAssertTrue(html.contains("sha256:0123456789abcdef"))
        XCTAssertTrue(html.contains(#"id="chart-pass-rate""#))
        XCTAssertTrue(html.contains(#"id="chart-status""#))
        XCTAssertTrue(html.contains(#"<table id="flaky">"#))
        XCTAssertTrue(html.contains("<td>flaky</td>"))
        XCTAssertTrue(html.contains(#"data-service="lambda""#), "service matrix row")
        XCTAssertTrue(Files.exists(store.trendsDirectory.appendingPathComponent("overall.json")))
        XCTAssertTrue(Files.exists(store.trendsDirectory.appendingPathComponent("s3.json")))
        XCTAssertFalse(
            Files.exists(store.trendsDirectory.appendingPathComponent("appsync.json")), "an untested service is never credited with a pass")
    }

    func testEverythingFromTheDataIsEscaped() async throws {
        let (_, report) = try await ReportFixture.reported(in: self)
        let html = try String(contentsOf: report.path, encoding: .utf8)
        XCTAssertFalse(html.contains("<script>alert(1)"), "a log line must not open a script")
        XCTAssertFalse(html.contains("<img src=x"), "a name must not become markup")
        XCTAssertFalse(html.contains("javascript:alert"), "a javascript: source URL must never become a link")
        XCTAssertEqual(html.components(separatedBy: "</script>").count - 1, 3, "only the page's own three script blocks end")
        // The details block still carries the exact log text once parsed as JSON.
        let details = try XCTUnwrap(Self.scriptBlock(html, id: "lsqm-details"))
        let parsed = try JSONSerialization.jsonObject(with: Data(details.utf8)) as? [[String: Any]]
        XCTAssertEqual(parsed?.compactMap { $0["tf"] as? String }.first, ReportFixture.hostileLog)
        let data = try XCTUnwrap(Self.scriptBlock(html, id: "lsqm-data"))
        let table = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any])
        let rows = try XCTUnwrap(table["rows"] as? [[Any]])
        XCTAssertEqual(rows.count, 33)
        XCTAssertTrue(rows.contains { ($0[0] as? String) == ReportFixture.hostileName })
    }

    func testPageLoadsNothingFromTheNetwork() async throws {
        let (_, report) = try await ReportFixture.reported(in: self)
        var html = try String(contentsOf: report.path, encoding: .utf8)
        // The JSON blocks are inert text (checked above); the markup around them is what could fetch.
        for id in ["lsqm-data", "lsqm-details"] {
            let block = try XCTUnwrap(Self.scriptBlock(html, id: id))
            html = html.replacingOccurrences(of: block, with: "")
        }
        for forbidden in ["<link", "<img", "<iframe", "@import", "url(", "fetch(", "XMLHttpRequest"] {
            XCTAssertFalse(html.contains(forbidden), forbidden)
        }
        // A src attribute in any tag; the hostile names' escaped text (`&lt;img src=x`) is text, not a tag.
        XCTAssertNil(html.range(of: #"<[a-zA-Z][^<>]*\ssrc="#, options: .regularExpression), "a src attribute")
        // The policy sits in an attribute, so its quotes are HTML-escaped (&#39;), which the browser reads back.
        XCTAssertTrue(html.contains("default-src &#39;none&#39;"), "the CSP forbids every fetch")
        XCTAssertTrue(html.contains("script-src &#39;sha256-"), "only the page's own script may run")
    }

    func testUncomparedRunShowsCandidatesAsUnconfirmed() throws {
        let store = try makeStore(ReportFixture.history())
        let report = try ReportStage.run(ReportInput(store: store, output: store.root.appendingPathComponent("out.html")))
        XCTAssertFalse(report.compared)
        let html = try String(contentsOf: report.path, encoding: .utf8)
        XCTAssertFalse(html.contains(#"id="regressions""#), "nothing is a confirmed regression before compare")
        XCTAssertTrue(html.contains("2 unconfirmed regression candidate(s)"))
        XCTAssertTrue(html.contains("Not known yet: this run has not been compared"), "no comparison, so no claim that nothing is open")
    }

    func testFirstRunReportHasNoPreviousRun() throws {
        let store = try makeStore([Fixture.run(1, [Fixture.result("a", .passed)])])
        let html = try String(contentsOf: try ReportStage.run(ReportInput(store: store)).path, encoding: .utf8)
        XCTAssertTrue(html.contains("nothing (first run)"))
        XCTAssertTrue(html.contains(#"id="no-regressions""#))
    }

    func testDecliningServiceIsFlaggedAndLogsAreLinked() throws {
        let runs = (1...6).map { index in
            Fixture.run(
                index,
                (0..<10).map { Fixture.result("arch-\($0)", index < 6 || $0 < 5 ? .passed : .failed, services: ["s3"]) }
                    + [Fixture.result("steady", .passed, services: ["sqs"])])
        }
        let store = try makeStore(runs)
        try Files.createDirectory(store.runDirectory(runs[5].runID).appendingPathComponent("logs"))
        let report = try ReportStage.run(ReportInput(store: store))
        XCTAssertEqual(report.trends.services.filter(\.declining).map(\.service), ["s3"])
        let html = try String(contentsOf: report.path, encoding: .utf8)
        XCTAssertTrue(html.contains(#"id="declining""#))
        XCTAssertTrue(html.contains(#"<span class="tag" title="baseline 100.0%">declining</span>"#))
        let data = try XCTUnwrap(Self.scriptBlock(html, id: "lsqm-data"))
        let table = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any])
        XCTAssertEqual(table["logBase"] as? String, "../../runs/\(runs[5].runID)/logs/", "relative to reports/latest/")
    }

    func testNoRunsIsAClearError() throws {
        let store = try makeStore([])
        XCTAssertThrowsError(try ReportStage.run(ReportInput(store: store))) { error in
            XCTAssertEqual((error as? LSQMError)?.message, "failed to find runs in \(store.runsDirectory.path): there are no runs yet")
        }
    }

    func testScriptSafeJSONKeepsTheTextAndNeverClosesTheBlock() throws {
        let text = "</script><!--<script>&\u{2028}\u{2029}"
        let json = try ReportText.scriptSafeJSON([text])
        XCTAssertFalse(json.contains("<"))
        XCTAssertFalse(json.contains(">"))
        XCTAssertEqual(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String], [text])
    }

    /// The text of `<script type="application/json" id="ID">…</script>`.
    static func scriptBlock(_ html: String, id: String) -> String? {
        guard let start = html.range(of: #"<script type="application/json" id="\#(id)">"#),
            let end = html.range(of: "</script>", range: start.upperBound..<html.endIndex)
        else { return nil }
        return String(html[start.upperBound..<end.lowerBound])
    }
}
