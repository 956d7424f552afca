import Foundation
import LSQMBasics
import LSQMCore
import XCTest

final class ArtifactStoreTests: XCTestCase {
    var root: URL!

    override func setUpWithError() throws { root = try Files.makeTemporaryDirectory(prefix: "lsqm-store-test") }
    override func tearDown() { Files.remove(root) }

    func testInitializeCreatesLayoutAndEmptyIndex() throws {
        let store = ArtifactStore(root: root)
        XCTAssertFalse(store.isInitialized)
        try store.initializeLayout()
        XCTAssertTrue(store.isInitialized)
        for dir in ["architectures", "apps", "runs", "reports/latest", "trends"] {
            XCTAssertTrue(Files.isDirectory(root.appendingPathComponent(dir)), dir)
        }
        XCTAssertEqual(try store.loadIndex(), ArchitectureIndex())
    }

    func testIndexRoundTripsWithSortedKeys() throws {
        let store = ArtifactStore(root: root)
        var index = ArchitectureIndex()
        let arch = Architecture(id: String(repeating: "a", count: 64), name: "x", kind: .sam, sourceURL: "file:///x", source: "LocalDirectorySource",
                                services: ["lambda", "s3"], resourceCount: 2, files: ["template.yaml"], discoveredAt: Date(timeIntervalSince1970: 0))
        index.architectures[arch.id] = arch
        index.skipped["file:///bad"] = "invalid YAML"
        try store.saveIndex(index)
        XCTAssertEqual(try store.loadIndex(), index)
        let text = try String(contentsOf: store.indexFile, encoding: .utf8)
        XCTAssertLessThan(text.range(of: "\"architectures\"")!.lowerBound, text.range(of: "\"skipped\"")!.lowerBound)
    }

    func testCorruptIndexIsAClearError() throws {
        let store = ArtifactStore(root: root)
        try AtomicFile.write("{\"architectures\": [", to: store.indexFile)
        XCTAssertThrowsError(try store.loadIndex()) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("failed to load"), message)
            XCTAssertTrue(message.contains("index.json"), message)
        }
    }

    func testSafeJoinRefusesEscapes() {
        for bad in ["../x", "/etc/passwd", "a/../../b", "", "a/./b"] {
            XCTAssertThrowsError(try ArtifactStore.safeJoin(root, bad), bad)
        }
        XCTAssertEqual(try ArtifactStore.safeJoin(root, "a/b.tf").path, root.appendingPathComponent("a/b.tf").path)
    }

    func testPruneKeepsNewestRuns() throws {
        let store = ArtifactStore(root: root)
        var ids: [String] = []
        for i in 0..<5 {
            let run = RunRecord(runID: RunID.make(date: Date(timeIntervalSince1970: Double(1_800_000_000 + i))), startedAt: Date())
            try store.saveRun(run)
            ids.append(run.runID)
        }
        XCTAssertEqual(store.pruneRuns(keep: 3), Array(ids.prefix(2)))
        XCTAssertEqual(store.runIDs(), Array(ids.suffix(3)))
    }

    func testVerdictRules() {
        let pass = TestCaseResult(name: "a", outcome: .passed, durationMs: 1)
        let fail = TestCaseResult(name: "b", outcome: .failed, durationMs: 1)
        XCTAssertEqual(ValidationResult.verdict(forTests: [pass, pass], deployOnly: false), .passed)
        XCTAssertEqual(ValidationResult.verdict(forTests: [pass, fail], deployOnly: false), .partial)
        XCTAssertEqual(ValidationResult.verdict(forTests: [fail], deployOnly: false), .failed)
        XCTAssertEqual(ValidationResult.verdict(forTests: [], deployOnly: false), .failed)
        XCTAssertEqual(ValidationResult.verdict(forTests: [], deployOnly: true), .passed)
        var counts = StatusCounts([.passed, .failed, .error])
        XCTAssertEqual(counts.passRate, 0.5)
        counts.add(.passed)
        XCTAssertEqual(counts.total, 4)
    }
}
