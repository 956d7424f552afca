import Foundation
import LSQMBasics
import LSQMCore
import LSQMTestSupport
import XCTest

@testable import LSQMReport

/// A run whose verdicts carry every cause class, failed tests with their own causes, an ERROR, a verdict recorded
/// without a cause and a not-run architecture, after a run recorded before causes existed.
enum CauseFixture {
    static func failing(_ name: String, _ status: ValidationStatus, _ cause: FailureCause?, tests: [TestCaseResult] = []) -> ValidationResult {
        var result = Fixture.result(name, status, services: [cause?.service ?? "s3"])
        result.cause = cause
        result.tests = tests
        return result
    }

    static func failedTest(_ name: String, _ cause: FailureCause) -> TestCaseResult {
        TestCaseResult(name: name, outcome: .failed, durationMs: 10, message: cause.message, cause: cause)
    }

    static let notRun = NotRun(arch: Fixture.hash("appsync-api"), name: "appsync-api", reason: "moto does not offer appsync")

    static func current() -> RunRecord {
        let putRestApi = { (code: String) in
            FailureCause(.emulator, service: "apigateway", operation: "PutRestApi", step: "apply", code: code, message: "Swagger 2.0 body rejected")
        }
        let publish = FailureCause(.emulator, service: "sns", operation: "Publish", step: "tests", code: "InternalError", message: "500 on Publish")
        let results = [
            Fixture.result("pass-1", .passed), Fixture.result("pass-2", .passed),
            failing("gap-a", .failed, putRestApi("BadRequestException")),
            failing("gap-b", .failed, putRestApi("NotImplemented")),
            // Its own cause is sns:Publish; its tests add PutRestApi once (two tests) and Publish again (counted once).
            failing(
                "gap-c", .partial, publish,
                tests: [
                    failedTest("test_api", putRestApi("BadRequestException")),
                    failedTest("test_api_again", putRestApi("BadRequestException")),
                    failedTest("test_publish", publish),
                ]),
            failing("gap-d", .failed, publish),
            // Not the emulator's fault as a verdict, yet one of its tests met an emulator gap.
            failing(
                "test-cause", .failed, FailureCause(.test, step: "tests", message: "asserts a queue the Terraform never created"),
                tests: [
                    failedTest(
                        "test_receive",
                        FailureCause(
                            .emulator, service: "sqs", operation: "ReceiveMessage", code: "501",
                            message: "not yet implemented"))
                ]),
            failing("no-operation", .timeout, FailureCause(.emulator, service: "stepfunctions", step: "apply", message: "hung on the state machine")),
            failing("lsqm-cause", .failed, FailureCause(.lsqm, step: "init", message: "the normalizer wrote invalid Terraform")),
            failing("env-cause", .failed, FailureCause(.environment, step: "init", code: "provider", message: "provider download failed")),
            failing(
                "arch-cause", .failed,
                FailureCause(
                    .architecture, service: "s3", operation: "CreateBucket", step: "apply",
                    code: "InvalidBucketName", message: "needs var.bucket_name from its author")),
            failing("docker-error", .error, FailureCause(.environment, step: "emulator_start", message: "docker is not running")),
            failing("legacy", .failed, nil),
        ]
        var run = Fixture.run(2, results, emulator: EmulatorInfo(runtime: "host", name: "moto", version: "5.1.0"))
        run.notRun = [notRun]
        return run
    }

    /// The run before: recorded before causes existed.
    static func previous() -> RunRecord {
        Fixture.run(1, [Fixture.result("pass-1", .passed), Fixture.result("gap-a", .failed), Fixture.result("legacy", .failed)])
    }

    /// The expected ranking: architectures blocked, most first, then by name.
    static let gaps: [(api: String, count: Int)] = [
        ("apigateway:PutRestApi", 3), ("sns:Publish", 2), ("sqs:ReceiveMessage", 1), ("stepfunctions", 1),
    ]
}

final class CauseReportTests: XCTestCase {
    func testDiagnosisRanksGapsAndListsOtherCauses() {
        let diagnosis = RunDiagnosis(CauseFixture.current())
        XCTAssertEqual(diagnosis.gaps.map(\.api), CauseFixture.gaps.map(\.api))
        XCTAssertEqual(diagnosis.gaps.map(\.count), CauseFixture.gaps.map(\.count))
        XCTAssertEqual(diagnosis.gaps[0].architectures.map(\.name), ["gap-a", "gap-b", "gap-c"])
        XCTAssertEqual(diagnosis.gaps[0].codes, ["BadRequestException", "NotImplemented"])
        XCTAssertEqual(diagnosis.gaps[0].headline, "apigateway:PutRestApi (BadRequestException, NotImplemented) — 3 architectures")
        XCTAssertEqual(diagnosis.gaps[1].architectures.map(\.name), ["gap-c", "gap-d"])
        XCTAssertEqual(diagnosis.gaps[2].architectures.map(\.name), ["test-cause"], "a failed test's emulator cause counts")
        XCTAssertEqual(diagnosis.gaps[3].operation, nil)
        XCTAssertEqual(diagnosis.gaps[3].headline, "stepfunctions — 1 architecture")
        XCTAssertEqual(diagnosis.unattributed, 1, "the verdict without a cause")
        XCTAssertEqual(diagnosis.notEmulator.map(\.name), ["arch-cause", "test-cause", "env-cause", "lsqm-cause"], "by class, ERROR left out")
        XCTAssertEqual(diagnosis.notRun, [CauseFixture.notRun])
    }

    func testDashboardShowsGapsCausesAndNotRun() throws {
        let store = try makeStore([CauseFixture.previous(), CauseFixture.current()])
        let report = try ReportStage.run(ReportInput(store: store, generatedAt: Fixture.epoch, version: "test"))
        let html = try String(contentsOf: report.path, encoding: .utf8)

        // The headline and the summary card.
        XCTAssertTrue(html.contains("Not the emulator's fault: <strong>4</strong>"), "headline")
        XCTAssertTrue(
            html.contains(
                #"<li class="card card-not-emulator"><span class="label">Not the emulator&#39;s fault</span><span class="value">4</span><span class="delta bad""#
            ),
            "card, 4 more than the run before causes")
        XCTAssertTrue(
            html.contains(#"<li class="card card-rate"><span class="label">Pass rate</span><span class="value">25.0%</span>"#),
            "2 passed of 8 judged (13 less 1 ERROR less 4 not the emulator's)")

        // The API gap list: in order, with counts, codes and links to each blocked architecture.
        let gapList = try XCTUnwrap(Self.between(html, #"<ol class="gaps" id="gap-list">"#, "</ol>"))
        XCTAssertEqual(Self.matches(#"<code class="api">([^<]*)</code>"#, in: gapList), CauseFixture.gaps.map(\.api))
        XCTAssertEqual(Self.matches(#"<strong class="gap-count">([0-9]+)</strong>"#, in: gapList), CauseFixture.gaps.map { "\($0.count)" })
        let first = try XCTUnwrap(Self.between(gapList, #"<li id="gap-1">"#, "</details></li>"))
        XCTAssertTrue(first.contains("(BadRequestException, NotImplemented)"), first)
        XCTAssertTrue(first.contains("3</strong> architectures"), first)
        XCTAssertEqual(Self.matches(##"href="#arch-([0-9a-f]+)""##, in: first), ["gap-a", "gap-b", "gap-c"].map(Fixture.hash))
        XCTAssertTrue(html.contains(#"id="gaps-unattributed">1 of the emulator"#))
        XCTAssertLessThan(
            try XCTUnwrap(html.range(of: #"id="api-gaps""#)).lowerBound, try XCTUnwrap(html.range(of: #"id="trends-title""#)).lowerBound,
            "the gap list sits near the top")

        // Not the emulator's fault: grouped by class, each with step, API, code, message and a link.
        let section = try XCTUnwrap(Self.between(html, #"<section id="not-emulator""#, "</section>"))
        XCTAssertEqual(Self.matches(#"<details id="cause-([a-z]+)""#, in: section), ["architecture", "test", "environment", "lsqm"])
        XCTAssertTrue(
            section.contains(
                ##"<a href="#arch-\##(Fixture.hash("arch-cause"))">arch-cause</a> <span class="badge s-FAILED">FAILED</span> at apply <code>s3:CreateBucket</code> <code>InvalidBucketName</code>: needs var.bucket_name from its author"##
            ), section)
        XCTAssertTrue(section.contains("the normalizer wrote invalid Terraform"))
        XCTAssertFalse(section.contains("docker-error"), "ERROR is counted as ERROR, not here")
        XCTAssertFalse(section.contains("gap-a"))

        // Not run: listed with its reason.
        let notRun = try XCTUnwrap(Self.between(html, #"<section id="not-run""#, "</section>"))
        XCTAssertTrue(notRun.contains("<td>appsync-api</td>") && notRun.contains("<td>moto does not offer appsync</td>"), notRun)

        // The service matrix counts them apart per service: s3 holds the passes, arch-, lsqm-, env- and test-cause,
        // docker-error and legacy.
        let s3Row = try XCTUnwrap(Self.between(html, #"data-service="s3""#, "</tr>"))
        XCTAssertEqual(
            Self.matches(#"<td class="num">([0-9]+)</td>"#, in: s3Row), ["8", "2", "0", "1", "0", "1", "4"],
            "archs, passed, partial, failed, timeout, error, not emulator")

        // Each row carries its cause for the table.
        let data = try XCTUnwrap(ReportRenderingTests.scriptBlock(html, id: "lsqm-data"))
        let table = try JSONCoding.decode(JSONValue.self, from: Data(data.utf8))
        let causes = try XCTUnwrap(table["causes"]?.arrayValue)
        let rows = try XCTUnwrap(table["rows"]?.arrayValue)
        let envRow = try XCTUnwrap(rows.first { $0.arrayValue?.first?.stringValue == "env-cause" })
        let envCause = try XCTUnwrap(causes[try XCTUnwrap(envRow.arrayValue?[10].intValue)].arrayValue)
        XCTAssertEqual(envCause.map { $0.stringValue ?? $0.intValue.map(String.init) }, ["3", "", "provider", "provider download failed", "init"])
        XCTAssertEqual(table["classes"]?.arrayValue?.compactMap(\.stringValue), ["emulator", "architecture", "test", "environment", "lsqm"])
        XCTAssertEqual(rows.first { $0.arrayValue?.first?.stringValue == "legacy" }?.arrayValue?[10].intValue, -1)

        // The JSON document has the same figures.
        let summary = try JSONCoding.decode(JSONValue.self, from: try JSONCoding.encode(report.summary))
        Self.assertSummary(summary, report: report.path.path)
    }

    /// The same repository renders to the same page in two processes (each hashes with its own random seed, so
    /// an order taken from a dictionary would show): only the generation time differs.
    func testRenderingIsDeterministic() async throws {
        guard FileManager.default.isExecutableFile(atPath: BuildProducts.lsqm.path) else {
            throw XCTSkip("build lsqm first (swift build --build-tests)")
        }
        let store = try makeStore([CauseFixture.previous(), CauseFixture.current()])
        var pages: [String] = []
        for name in ["one.html", "two.html"] {
            let output = store.root.appendingPathComponent(name)
            let result = try await LSQMProcess.run(
                ["report", "--out", output.path], environment: ["ARTIFACT_REPO": store.root.path], timeout: .seconds(60))
            XCTAssertEqual(result.exitCode, 0, result.combinedOutput)
            let html = try String(contentsOf: output, encoding: .utf8)
            pages.append(html.replacingOccurrences(of: #"Generated [^ ]+ by"#, with: "Generated … by", options: .regularExpression))
        }
        XCTAssertEqual(pages[0], pages[1])
        XCTAssertTrue(pages[0].contains("Generated … by"))
    }

    func testRunsBeforeCausesStillRender() throws {
        let store = try makeStore([CauseFixture.previous(), CauseFixture.current()])
        let old = CauseFixture.previous()
        let report = try ReportStage.run(ReportInput(store: store, runID: old.runID, output: store.root.appendingPathComponent("old.html")))
        let html = try String(contentsOf: report.path, encoding: .utf8)
        XCTAssertTrue(html.contains("Not the emulator's fault: <strong>0</strong>"))
        XCTAssertTrue(html.contains(#"id="gaps-none""#))
        XCTAssertTrue(html.contains(#"id="gaps-unattributed">2 of the emulator"#), "both failures count as the emulator's")
        XCTAssertTrue(html.contains(#"id="not-emulator-none""#))
        XCTAssertFalse(html.contains(#"id="not-run""#))
        XCTAssertEqual(report.summary.counts.failed, 2)
        XCTAssertEqual(report.summary.passRate, 33.3)
    }

    /// `lsqm report --json` prints the document, keys sorted; with `--dry-run` the same figures and no file.
    func testReportCommandPrintsJSON() async throws {
        guard FileManager.default.isExecutableFile(atPath: BuildProducts.lsqm.path) else {
            throw XCTSkip("build lsqm first (swift build --build-tests)")
        }
        let store = try makeStore([CauseFixture.previous(), CauseFixture.current()])
        let out = store.root.appendingPathComponent("dash.html")
        let environment = ["ARTIFACT_REPO": store.root.path]
        let result = try await LSQMProcess.run(
            ["report", "--json", "--out", out.path, "--log-format", "json"], environment: environment, timeout: .seconds(60))
        XCTAssertEqual(result.exitCode, 0, result.combinedOutput)
        XCTAssertTrue(Files.exists(out))
        Self.assertSummary(try JSONCoding.decode(JSONValue.self, from: Data(result.stdout.utf8)), report: out.path)
        let keys = Self.matches(#"(?m)^  "([a-z_]+)" ?:"#, in: result.stdout)
        XCTAssertEqual(
            keys,
            [
                "api_gaps", "api_gaps_unattributed", "counts", "emulator", "not_emulator", "not_run", "pass_rate", "previous_run_id",
                "report", "run_id",
            ], "every key, sorted")

        let dry = store.root.appendingPathComponent("dry.html")
        let dryRun = try await LSQMProcess.run(["report", "--json", "--dry-run", "--out", dry.path], environment: environment, timeout: .seconds(60))
        XCTAssertEqual(dryRun.exitCode, 0, dryRun.combinedOutput)
        XCTAssertFalse(Files.exists(dry))
        let document = try JSONCoding.decode(JSONValue.self, from: Data(dryRun.stdout.utf8))
        XCTAssertEqual(document["api_gaps"], try JSONCoding.decode(JSONValue.self, from: Data(result.stdout.utf8))["api_gaps"])
        XCTAssertEqual(document["report"], .null)

        let human = try await LSQMProcess.run(["report", "--out", out.path], environment: environment, timeout: .seconds(60))
        XCTAssertTrue(human.stdout.contains("not the emulator's fault: 4 of 13; not run: 1"), human.stdout)
        XCTAssertTrue(human.stdout.contains("api gap: apigateway:PutRestApi (BadRequestException, NotImplemented) — 3 architectures"), human.stdout)
    }

    static func assertSummary(_ summary: JSONValue, report: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(summary["run_id"]?.stringValue, CauseFixture.current().runID, file: file, line: line)
        XCTAssertEqual(summary["previous_run_id"]?.stringValue, CauseFixture.previous().runID, file: file, line: line)
        XCTAssertEqual(summary["report"]?.stringValue, report, file: file, line: line)
        XCTAssertEqual(summary["counts"]?["not_emulator"]?.intValue, 4, file: file, line: line)
        XCTAssertEqual(summary["counts"]?["error"]?.intValue, 1, file: file, line: line)
        XCTAssertEqual(summary["counts"]?["failed"]?.intValue, 4, file: file, line: line)
        XCTAssertEqual(summary["pass_rate"]?.doubleValue, 25.0, file: file, line: line)
        let gaps = summary["api_gaps"]?.arrayValue ?? []
        XCTAssertEqual(gaps.compactMap { $0["api"]?.stringValue }, CauseFixture.gaps.map(\.api), file: file, line: line)
        XCTAssertEqual(gaps.compactMap { $0["count"]?.intValue }, CauseFixture.gaps.map(\.count), file: file, line: line)
        XCTAssertEqual(
            gaps.first?["architectures"]?.arrayValue?.compactMap { $0["arch"]?.stringValue }, ["gap-a", "gap-b", "gap-c"].map(Fixture.hash),
            file: file, line: line)
        XCTAssertEqual(
            gaps.first?["architectures"]?.arrayValue?.compactMap { $0["name"]?.stringValue }, ["gap-a", "gap-b", "gap-c"], file: file, line: line)
        XCTAssertEqual(gaps.last?["operation"], .null, "always there, null when unknown", file: file, line: line)
        XCTAssertEqual(summary["api_gaps_unattributed"]?.intValue, 1, file: file, line: line)
        let notEmulator = summary["not_emulator"]?.arrayValue ?? []
        XCTAssertEqual(
            notEmulator.compactMap { $0["name"]?.stringValue }, ["arch-cause", "test-cause", "env-cause", "lsqm-cause"], file: file, line: line)
        XCTAssertEqual(notEmulator.first?["cause"]?["class"]?.stringValue, "architecture", file: file, line: line)
        XCTAssertEqual(notEmulator.first?["cause"]?["operation"]?.stringValue, "CreateBucket", file: file, line: line)
        XCTAssertEqual(summary["not_run"]?.arrayValue?.compactMap { $0["reason"]?.stringValue }, [CauseFixture.notRun.reason], file: file, line: line)
    }

    /// The text between the first `start` and the next `end`.
    static func between(_ text: String, _ start: String, _ end: String) -> String? {
        guard let from = text.range(of: start), let to = text.range(of: end, range: from.upperBound..<text.endIndex) else { return nil }
        return String(text[from.upperBound..<to.lowerBound])
    }

    /// The first capture group of every match, in order.
    static func matches(_ pattern: String, in text: String) -> [String] {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return [] }
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap {
            Range($0.range(at: 1), in: text).map { String(text[$0]) }
        }
    }
}
