import Foundation
import LSQMBasics
import LSQMCore
import XCTest

@testable import LSQMReport

final class RunHistoryTests: XCTestCase {
    func testTalliesAreCachedAndRecountedWhenARunIsRewritten() throws {
        let runs = (1...4).map { Fixture.run($0, [Fixture.result("a", .passed), Fixture.result("b", .failed)]) }
        let store = try makeStore(runs)
        let first = try RunHistory.load(store)
        XCTAssertEqual(first.tallies.map(\.runID), runs.map(\.runID))
        for run in runs { XCTAssertTrue(Files.exists(RunHistory.tallyFile(store, run.runID)), run.runID) }

        // A shard merge rewrites run 1 with more results: its cached counts no longer apply.
        var merged = runs[0]
        merged.results.append(Fixture.result("c", .passed))
        try store.saveRun(merged)
        let second = try RunHistory.load(store)
        XCTAssertEqual(second.tallies.first?.overall.total, 3)
        XCTAssertEqual(second.tallies.first?.overall.passed, 2)
        XCTAssertEqual(RunHistory.cachedTally(store, runs[0].runID)?.overall.total, 3, "the recount was cached")
    }

    func testOnlyTheKeptWindowIsCounted() throws {
        let runs = (1...(ArtifactStore.keptRuns + 3)).map { Fixture.run($0, [Fixture.result("a", .passed)]) }
        let store = try makeStore(runs)
        let history = try RunHistory.load(store)
        XCTAssertEqual(history.tallies.count, ArtifactStore.keptRuns)
        XCTAssertEqual(history.tallies.last?.runID, runs.last?.runID)
        XCTAssertEqual(history.previous?.runID, runs[runs.count - 2].runID)
    }

    /// One corrupt old run no longer blocks every report after it: it is left out with a warning naming its file.
    func testACorruptOlderRunIsSkippedWithAWarning() throws {
        let runs = (1...3).map { Fixture.run($0, [Fixture.result("a", .passed)]) }
        let store = try makeStore(runs)
        try AtomicFile.write("{ not json", to: RunHistory.resultsFile(store, runs[0].runID))
        let lines = Locked<[String]>([])
        let logger = Logger(format: .json, minimumLevel: .info, redactor: SecretRedactor(), sink: { line in lines.withLock { $0.append(line) } })
        let history = try RunHistory.load(store, logger: logger)
        XCTAssertEqual(history.tallies.map(\.runID), [runs[1].runID, runs[2].runID])
        let warnings = lines.withLock { $0 }.joined()
        XCTAssertTrue(warnings.contains("skipping 1 unreadable run(s): \(runs[0].runID)"), warnings)
        XCTAssertTrue(warnings.contains("runs/\(runs[0].runID)/results.json"), warnings)
        XCTAssertThrowsError(try RunHistory.load(store, runID: runs[0].runID)) { error in
            XCTAssertTrue(
                (error as? LSQMError)?.message.hasPrefix("failed to load run \(runs[0].runID): runs/\(runs[0].runID)/results.json is unreadable")
                    ?? false, "\(error)")
        }
    }
}
