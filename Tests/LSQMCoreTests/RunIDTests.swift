import Foundation
import LSQMBasics
import LSQMCore
import XCTest

/// The later run is the later run: by id, to the microsecond, everywhere runs are ordered.
final class RunIDTests: XCTestCase {
    func testTwoRunsInTheSameSecondOrderByTime() throws {
        let second = Date(timeIntervalSince1970: 1_800_000_000)
        // The random part cannot reorder them (it decided the order before, half the time wrongly).
        let earlier = RunID.format(date: second.addingTimeInterval(0.000_100), random: 0xff)
        let later = RunID.format(date: second.addingTimeInterval(0.000_900), random: 0x00)
        XCTAssertLessThan(earlier, later)
        XCTAssertTrue(RunID.isValid(earlier) && RunID.isValid(later), "\(earlier) \(later)")
        XCTAssertEqual(earlier.prefix(16), later.prefix(16), "the same second")
        XCTAssertEqual(earlier, "20270115T080000Z-000100ff")
    }

    func testIdsIssuedBackToBackAreOrderedAndUnique() {
        // Issued back to back, often within one microsecond: each still later than the one before.
        let ids = (0..<1_000).map { _ in RunID.make() }
        XCTAssertEqual(ids, ids.sorted())
        XCTAssertEqual(Set(ids).count, ids.count)
    }

    /// Ids of earlier lsqm versions (a random suffix) still load, and sort among new ones by their second.
    func testOldRunIDsStillLoadAndSortBySecond() throws {
        let store = ArtifactStore(root: try Files.makeTemporaryDirectory(prefix: "lsqm-runid-test"))
        defer { Files.remove(store.root) }
        try store.initializeLayout()
        let old = "20260101T120000Z-ffab12cd"
        let new = RunID.make(date: Date(timeIntervalSince1970: 1_767_269_401))  // 2026-01-01T12:10:01Z
        XCTAssertTrue(RunID.isValid(old))
        for id in [new, old] { try store.saveRun(RunRecord(runID: id, startedAt: Date())) }
        XCTAssertEqual(store.runIDs(), [old, new])
        XCTAssertEqual(try store.loadRun(old).runID, old)
    }

    /// Trends put the run with the later id last, even when its validation started earlier (overlapping
    /// runs): the same order compare and reports/latest use.
    func testTrendsOrderRunsByIdLikeCompare() {
        let first = RunID.make()
        let second = RunID.make()
        let started = Date()
        let tallies = [
            RunTally(runID: second, startedAt: started, results: [(.failed, ["s3"])]),
            RunTally(runID: first, startedAt: started.addingTimeInterval(30), results: [(.passed, ["s3"])]),
        ]
        XCTAssertEqual(TrendRules.trends(tallies).overall.points.map(\.runID), [first, second])
    }
}
