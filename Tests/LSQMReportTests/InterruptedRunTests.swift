import Foundation
import LSQMBasics
import LSQMCore
import LSQMPipeline
import LSQMReport
import XCTest

/// A stopped validate records its unfinished architectures as not run: no verdict, so no regression and no
/// trend point — where recording them FAILED made a Ctrl-C look like a regression and a 0% week.
final class InterruptedRunTests: XCTestCase {
    func testAnInterruptedArchitectureIsNoRegressionAndNoTrendPoint() async throws {
        var stopped = Fixture.run(2, [Fixture.result("b", .passed)])
        stopped.notRun = [
            NotRun(arch: Fixture.hash("a"), name: "a", reason: "interrupted: lsqm was stopped (SIGINT/SIGTERM) before this validation finished")
        ]
        let store = try makeStore([Fixture.run(1, [Fixture.result("a", .passed), Fixture.result("b", .passed)]), stopped])
        let comparison = try await CompareStage.run(
            CompareInput(
                store: store, confirmAttempts: 1,
                revalidate: { result in
                    XCTFail("nothing to confirm, yet \(result.name) was re-validated")
                    return result
                }))
        XCTAssertEqual(comparison.regressions.count + comparison.unconfirmed.count + comparison.open.count, 0)

        let trends = TrendRules.trends([
            RunTally(Fixture.run(1, [Fixture.result("a", .passed)])),
            RunTally(Fixture.run(2, [], emulator: nil)),
        ])
        XCTAssertEqual(trends.overall.points.map(\.passRate), [100, nil], "the stopped run has no pass rate, not 0%")
        XCTAssertEqual(trends.services.first { $0.service == "s3" }?.points.count, 1, "no s3 point from a run that judged nothing")
    }
}
