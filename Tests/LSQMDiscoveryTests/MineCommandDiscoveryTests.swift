import Foundation
import LSQMBasics
import LSQMCore
import LSQMTestSupport
import XCTest

/// `lsqm mine` through the binary with a remote source: the base URLs come from LSQM_GITHUB_API_URL and
/// LSQM_GITHUB_RAW_URL, the token from GITHUB_TOKEN, and the per-source request counts reach the log.
final class MineCommandDiscoveryTests: DiscoveryTestCase {
    func testMineCommandUsesTheEnvironmentEndpointsTokenAndLogsRequestCounts() async throws {
        guard let corpus = BuildProducts.corpus else { throw XCTSkip("../shared/corpus is absent: the fakes serve repositories rebuilt from it") }
        let fakes = try startFakes(corpus: corpus)
        defer { fakes.stop() }
        let config = scratch.appendingPathComponent("lsqm.yaml")
        try AtomicFile.write(
            """
            sources:
              - name: ServerlessExamplesSource
                config: { request_budget: 5000 }
            normalizers: [CloudFormationNormalizer]
            """, to: config)
        let repo = scratch.appendingPathComponent("repo")
        try Files.createDirectory(repo)
        let env = [
            "ARTIFACT_REPO": repo.path, "LSQM_CACHE_DIR": scratch.appendingPathComponent("cache").path, "GITHUB_TOKEN": token,
            "LSQM_GITHUB_API_URL": fakes.endpoints.githubAPI.absoluteString, "LSQM_GITHUB_RAW_URL": fakes.endpoints.githubRaw.absoluteString,
        ]

        let first = try await LSQMProcess.run(["mine", "--config", config.path, "--json"], environment: env)
        XCTAssertEqual(first.exitCode, 0, String(first.stderr.suffix(2000)))
        let output = try JSONCoding.decode(JSONValue.self, from: Data(first.stdout.utf8))
        // serverless/examples of the corpus (83) plus the fakes' one large service.
        XCTAssertEqual(output["sources"]?.arrayValue?.first?["discovered"]?.intValue, 84)
        XCTAssertEqual(output["summary"]?["added"]?.arrayValue?.count, 84)
        XCTAssertFalse(first.stderr.contains(token), "the token must never reach the log")
        XCTAssertTrue(fakes.github.api.requests.allSatisfy { $0.headers["authorization"] == "Bearer \(token)" })
        XCTAssertTrue(fakes.github.raw.requests.allSatisfy { $0.headers["authorization"] == nil })
        let counts = try XCTUnwrap(LSQMProcess.logLines(first).first { $0["event"]?.stringValue == "http_requests" })
        XCTAssertEqual(counts["source"]?.stringValue, "ServerlessExamplesSource")
        XCTAssertGreaterThan(counts["full_downloads"]?.intValue ?? 0, 83)

        // Again: nothing new, and the listing is answered by 304s.
        let second = try await LSQMProcess.run(["mine", "--config", config.path, "--json"], environment: env)
        XCTAssertEqual(second.exitCode, 0, String(second.stderr.suffix(2000)))
        let again = try XCTUnwrap(LSQMProcess.logLines(second).first { $0["event"]?.stringValue == "http_requests" })
        XCTAssertEqual(again["full_downloads"]?.intValue, 0)
        XCTAssertGreaterThan(again["not_modified"]?.intValue ?? 0, 0)
        // The source passed over the 84 known source URLs, and the summary says so instead of "found 0".
        let secondOutput = try JSONCoding.decode(JSONValue.self, from: Data(second.stdout.utf8))
        XCTAssertEqual(secondOutput["sources"]?.arrayValue?.first?["already_known"]?.intValue, 84)
        let summary = try XCTUnwrap(LSQMProcess.logLines(second).first { $0["event"]?.stringValue == "summary" })
        XCTAssertEqual(summary["message"]?.stringValue, "found 84: 0 added, 84 already known, 0 duplicates, 0 skipped")

        // Without a `sources` key or --local, the four default remote sources run, and the log says so.
        let defaults = try await LSQMProcess.run(["mine", "--dry-run", "--json"], environment: env)
        XCTAssertTrue(LSQMProcess.logLines(defaults).contains { $0["event"]?.stringValue == "default_sources" }, String(defaults.stderr.suffix(2000)))
        let ran = try JSONCoding.decode(JSONValue.self, from: Data(defaults.stdout.utf8))["sources"]?.arrayValue?.compactMap {
            $0["source"]?.stringValue
        }
        XCTAssertEqual(ran, ["TerraformRegistrySource", "GitHubOrgSource", "ServerlessExamplesSource", "CDKExamplesSource"])

        // A dry run sends nothing and lists what it would have sent.
        let sentBefore = fakes.github.api.requests.count + fakes.github.raw.requests.count
        let dry = try await LSQMProcess.run(["mine", "--config", config.path, "--dry-run", "--json"], environment: env)
        XCTAssertEqual(dry.exitCode, 0, String(dry.stderr.suffix(2000)))
        XCTAssertEqual(fakes.github.api.requests.count + fakes.github.raw.requests.count, sentBefore)
        XCTAssertTrue(LSQMProcess.logLines(dry).contains { $0["event"]?.stringValue == "dry_run_request" }, String(dry.stderr.suffix(2000)))
    }
}
