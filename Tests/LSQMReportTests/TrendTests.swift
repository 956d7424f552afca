import Foundation
import LSQMBasics
import LSQMCore
import XCTest

final class TrendTests: XCTestCase {
    /// One run in which `passed` of 10 architectures using `service` passed.
    private func tally(_ index: Int, service: String = "s3", passed: Int, errors: Int = 0) -> RunTally {
        let statuses =
            Array(repeating: ValidationStatus.passed, count: passed)
            + Array(repeating: ValidationStatus.failed, count: 10 - passed - errors)
            + Array(repeating: ValidationStatus.error, count: errors)
        let run = Fixture.run(index, [])
        return RunTally(runID: run.runID, startedAt: run.startedAt, results: statuses.map { ($0, [service]) })
    }

    func testAnArchitectureCountsForEveryServiceItUses() {
        let run = Fixture.run(
            1,
            [
                Fixture.result("a", .passed, services: ["s3", "lambda"]),
                Fixture.result("b", .failed, services: ["lambda", "lambda"]),
                Fixture.result("c", .error, services: ["sqs"]),
            ])
        let trends = TrendRules.trends([RunTally(run)])
        XCTAssertEqual(trends.services.map(\.service), ["lambda", "s3", "sqs"])
        let lambda = trends.services[0].points[0]
        XCTAssertEqual(lambda.counts.total, 2, "a service listed twice counts its architecture once")
        XCTAssertEqual(lambda.passRate, 50)
        XCTAssertEqual(trends.services[1].points[0].passRate, 100)
        XCTAssertNil(trends.services[2].points[0].passRate, "ERROR is not judged: no pass rate")
        XCTAssertEqual(trends.overall.points[0].counts.total, 3)
        XCTAssertEqual(trends.overall.points[0].passRate, 50)
    }

    func testDecliningAtTenPointsBelowTheMeanOfThePreviousFourRuns() {
        // Previous four: 80, 90, 70, 80 → mean 80. Latest 70 is exactly 10 below.
        let history = [tally(1, passed: 10), tally(2, passed: 8), tally(3, passed: 9), tally(4, passed: 7), tally(5, passed: 8)]
        let declining = TrendRules.trends(history + [tally(6, passed: 7)]).services[0]
        XCTAssertTrue(declining.declining)
        XCTAssertEqual(declining.baselinePassRate, 80, "the oldest run (100%) is outside the four-run baseline")
        XCTAssertFalse(TrendRules.trends(history + [tally(6, passed: 8)]).services[0].declining)
    }

    func testNotDecliningJustUnderTheThreshold() {
        // Baseline 77.5; latest 70 is 7.5 below.
        let history = [tally(1, passed: 8), tally(2, passed: 8), tally(3, passed: 7), tally(4, passed: 8), tally(5, passed: 7)]
        let trend = TrendRules.trends(history).services[0]
        XCTAssertEqual(trend.baselinePassRate, 77.5)
        XCTAssertFalse(trend.declining)
    }

    func testNoFlagWithoutFourEarlierRuns() {
        let trend = TrendRules.trends([tally(1, passed: 10), tally(2, passed: 10), tally(3, passed: 10), tally(4, passed: 0)]).services[0]
        XCTAssertFalse(trend.declining)
        XCTAssertNil(trend.baselinePassRate)
    }

    func testAServiceMissingFromTheLatestRunIsNotDeclining() {
        let history = (1...5).map { tally($0, passed: 10) } + [tally(6, passed: 0), tally(7, service: "sqs", passed: 10)]
        let s3 = TrendRules.trends(history).services.first { $0.service == "s3" }
        XCTAssertEqual(s3?.points.count, 6)
        XCTAssertEqual(s3?.declining, false)
    }

    func testTrendFilesAreWrittenAndStaleOnesRemoved() throws {
        let store = try makeStore([])
        let stale = store.trendsDirectory.appendingPathComponent("retired.json")
        try AtomicFile.write("{}", to: stale)
        // compare writes flakiness.json before the report writes trends (lsqm run): it must survive them.
        try store.saveFlakiness(FlakinessFile(runID: "r", window: 12, checks: []))
        let trends = TrendRules.trends((1...5).map { tally($0, passed: 10) } + [tally(6, service: "lambda", passed: 3)])
        try store.saveTrends(trends)
        XCTAssertFalse(Files.exists(stale))
        XCTAssertTrue(Files.exists(store.flakinessFile), "compare's flakiness file is not a stale service trend")
        let overall = try XCTUnwrap(try store.loadTrend("overall"))
        XCTAssertEqual(overall.points.count, 6)
        XCTAssertEqual(try store.loadTrend("s3")?.points.count, 5)
        XCTAssertEqual(try store.loadTrend("lambda")?.points.first?.passRate, 30)
        let text = try String(contentsOf: store.trendsDirectory.appendingPathComponent("s3.json"), encoding: .utf8)
        XCTAssertTrue(text.contains("\"pass_rate\" : 100"), text)
        XCTAssertLessThan(
            try XCTUnwrap(text.range(of: "\"declining\"")).lowerBound, try XCTUnwrap(text.range(of: "\"points\"")).lowerBound,
            "keys are sorted")
    }

    func testServiceFileNamesAreSanitised() {
        XCTAssertEqual(TrendRules.fileName(for: "cognito-idp"), "cognito-idp.json")
        XCTAssertNil(TrendRules.fileName(for: "../../etc/passwd"))
        XCTAssertNil(TrendRules.fileName(for: "overall"), "reserved for the all-services trend")
        XCTAssertNil(TrendRules.fileName(for: "Flakiness"), "reserved for compare's flakiness file")
        XCTAssertNil(TrendRules.fileName(for: ""))
    }
}
