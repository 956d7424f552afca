import Foundation
import LSQMBasics
import LSQMCore
import LSQMHost
import LSQMMine
import LSQMPluginKit
import LSQMTestSupport
import XCTest

/// The four remote sources through the mine stage (plugins found by name in the build folder, isolated
/// workers, the indexer and the normalizers), against the fakes: a first `lsqm mine`, a second one over
/// unchanged upstreams, and one with the registry down.
final class MineStageDiscoveryTests: DiscoveryTestCase {
    func mine(_ store: ArtifactStore, fakes: Fakes, http: HTTPService, dryRun: Bool = false) async throws -> MineStage.Output {
        let manager = PluginManager(
            directories: [PluginDirectory(url: BuildProducts.directory, origin: .builtIn)], isolation: .isolated,
            workerExecutable: BuildProducts.lsqm, cacheRoot: scratch.appendingPathComponent("plugin-cache"),
            callTimeout: .seconds(600), http: http)
        let sources = Self.sourceNames.map { PluginSelection(name: $0, config: fakes.endpoints.pluginConfig(merging: sourceConfig($0))) }
        let normalizers = [PluginSelection(name: "CloudFormationNormalizer")]
        return try await MineStage.run(.init(store: store, sources: sources, normalizers: normalizers, manager: manager, dryRun: dryRun))
    }

    func printOutcome(_ label: String, _ output: MineStage.Output, _ http: HTTPService) {
        for outcome in output.sources {
            print(
                "\(label) \(outcome.source): discovered=\(outcome.discovered) skipped=\(outcome.skipped) pages=\(outcome.pages) error=\(outcome.error ?? "none")"
            )
        }
        print(
            "\(label) index: added=\(output.summary.added.count) already_known=\(output.summary.alreadyKnown) duplicates=\(output.summary.duplicates.count) "
                + "skipped=\(output.summary.skipped.count) per_kind=\(output.summary.perKind)")
        report(label, http, [:])
    }

    func testMineFirstRunAddsFiftySecondRunAddsNothingMostly304sAndADownSourceLeavesOthers() async throws {
        guard let corpus = BuildProducts.corpus else { throw XCTSkip("../shared/corpus is absent: the fakes serve repositories rebuilt from it") }
        for name in ["CloudFormationNormalizer"] {
            try XCTSkipUnless(Files.exists(BuildProducts.plugin(name)), "build the package first: \(name) is missing")
        }
        let fakes = try startFakes(corpus: corpus)
        defer { fakes.stop() }
        let store = ArtifactStore(root: scratch.appendingPathComponent("repo"))
        try store.initializeLayout()

        let first = makeService(fakes.endpoints)
        let run1 = try await mine(store, fakes: fakes, http: first)
        printOutcome("mine 1", run1, first)
        XCTAssertTrue(run1.sources.allSatisfy { $0.error == nil }, "\(run1.sources.compactMap(\.error))")
        XCTAssertGreaterThanOrEqual(run1.summary.added.count, 50)
        let index1 = try store.loadIndex()
        XCTAssertEqual(index1.architectures.count, run1.summary.added.count)
        XCTAssertTrue(index1.skipped.contains { $0.value.contains("symbolic link") }, "refused archive entries are recorded in the index")

        let second = makeService(fakes.endpoints)
        let run2 = try await mine(store, fakes: fakes, http: second)
        printOutcome("mine 2", run2, second)
        XCTAssertTrue(run2.sources.allSatisfy { $0.error == nil }, "\(run2.sources.compactMap(\.error))")
        XCTAssertEqual(run2.summary.added.count, 0)
        XCTAssertEqual(try store.loadIndex().architectures.count, index1.architectures.count)
        XCTAssertLessThanOrEqual(Double(second.totals.fullDownloads), 0.1 * Double(first.totals.sent))

        // A dry run lists requests without sending any.
        let dry = HTTPService(options: .init(endpoints: fakes.endpoints, cacheDirectory: scratch.appendingPathComponent("http-cache"), dryRun: true))
        let before = fakes.github.api.requests.count + fakes.registry.server.requests.count
        let run3 = try await mine(ArtifactStore(root: scratch.appendingPathComponent("dry-repo")), fakes: fakes, http: dry, dryRun: true)
        XCTAssertEqual(fakes.github.api.requests.count + fakes.registry.server.requests.count, before, "a dry run sends nothing")
        XCTAssertEqual(dry.dryRunRequests.count, Self.sourceNames.count, "each source's first request is listed: \(dry.dryRunRequests)")
        XCTAssertTrue(run3.sources.allSatisfy { $0.error == nil && $0.warnings.contains { $0.contains("dry run") } }, "\(run3.sources)")

        // The registry down, into a fresh store: the other sources index what they found the first time.
        fakes.registry.stop()
        let fresh = ArtifactStore(root: scratch.appendingPathComponent("repo-2"))
        try fresh.initializeLayout()
        let third = makeService(fakes.endpoints)
        let run4 = try await mine(fresh, fakes: fakes, http: third)
        printOutcome("mine 3 (registry down)", run4, third)
        let byName = Dictionary(uniqueKeysWithValues: run4.sources.map { ($0.source, $0) })
        let firstByName = Dictionary(uniqueKeysWithValues: run1.sources.map { ($0.source, $0) })
        XCTAssertNotNil(byName["TerraformRegistrySource"]?.error)
        for name in ["GitHubOrgSource", "ServerlessExamplesSource", "CDKExamplesSource"] {
            XCTAssertNil(byName[name]?.error, name)
            XCTAssertEqual(byName[name]?.discovered, firstByName[name]?.discovered, name)
        }
    }
}
