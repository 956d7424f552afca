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
        let arch = Architecture(
            id: String(repeating: "a", count: 64), name: "x", kind: .sam, sourceURL: "file:///x", source: "LocalDirectorySource",
            services: ["lambda", "s3"], resourceCount: 2, files: ["template.yaml"], discoveredAt: Date(timeIntervalSince1970: 0))
        index.architectures[arch.id] = arch
        index.skipped["file:///bad"] = "invalid YAML"
        try store.saveIndex(index)
        XCTAssertEqual(try store.loadIndex(), index)
        let text = try String(contentsOf: store.indexFile, encoding: .utf8)
        XCTAssertLessThan(text.range(of: "\"architectures\"")!.lowerBound, text.range(of: "\"skipped\"")!.lowerBound)
    }

    /// The resource counts are an optional key: written sorted with the rest, and an index from before them loads.
    func testIndexWithResourceCountsRoundTripsAndAnOldIndexStillLoads() throws {
        let store = ArtifactStore(root: root)
        let resources = [
            ResourceInstances(address: "aws_s3_bucket.b", type: "aws_s3_bucket", count: 0),
            ResourceInstances(address: "aws_sqs_queue.q", type: "aws_sqs_queue", count: nil, unknownReason: "count: var.n has no default"),
        ]
        let arch = Architecture(
            id: String(repeating: "b", count: 64), name: "x", kind: .terraform, sourceURL: "file:///x", source: "test",
            services: ["s3", "sqs"], resourceCount: 2, files: ["main.tf"], discoveredAt: Date(timeIntervalSince1970: 0),
            terraformResources: resources)
        try store.saveIndex(ArchitectureIndex(architectures: [arch.id: arch]))
        XCTAssertEqual(try store.loadIndex().architectures[arch.id]?.terraformResources, resources)
        let text = try String(contentsOf: store.indexFile, encoding: .utf8)
        XCTAssertTrue(text.contains(#""count" : 0,"#) && text.contains(#""unknown_reason" : "count: var.n has no default""#), text)
        XCTAssertLessThan(text.range(of: "\"source_url\"")!.lowerBound, text.range(of: "\"terraform_resources\"")!.lowerBound)

        // An index written before the key existed.
        var old = try JSONCoding.decode(JSONValue.self, from: Data(text.utf8))
        guard case .object(var top) = old, case .object(var architectures)? = top["architectures"], case .object(var entry)? = architectures[arch.id]
        else {
            return XCTFail("unexpected index shape")
        }
        entry["terraform_resources"] = nil
        architectures[arch.id] = .object(entry)
        top["architectures"] = .object(architectures)
        old = .object(top)
        try AtomicFile.writeJSON(old, to: store.indexFile)
        let loaded = try XCTUnwrap(try store.loadIndex().architectures[arch.id])
        XCTAssertNil(loaded.terraformResources)
        XCTAssertEqual(loaded.name, "x")
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
