import Foundation
import LSQMBasics
import LSQMCore
import LSQMHost
import LSQMPluginKit
import LSQMSourceSupport
import LSQMTemplates
import LSQMTestSupport
import XCTest

/// Fakes and helpers for the discovery end-to-end tests: a fake GitHub (API and raw) and a fake Terraform
/// Registry serving repositories rebuilt from ../shared/corpus, the four source plugins loaded for real from
/// the build folder, and the host's HTTPService in between. Holds no tests itself (subclasses inherit tests).
class DiscoveryTestCase: XCTestCase {
    static let sourceNames = ["TerraformRegistrySource", "GitHubOrgSource", "ServerlessExamplesSource", "CDKExamplesSource"]
    let token = "ghp_endtoend_0123456789abcdef"
    var scratch: URL!

    override func setUpWithError() throws {
        scratch = try Files.makeTemporaryDirectory(prefix: "lsqm-discovery-e2e")
        for name in Self.sourceNames {
            try XCTSkipUnless(Files.exists(BuildProducts.plugin(name)), "build the package first (swift build): \(name) is missing")
        }
    }

    override func tearDown() { Files.remove(scratch) }

    struct SourceRun {
        var architectures: [DiscoveredArchitecture] = []
        var skipped: [SkippedItem] = []
        var warnings: [String] = []
        var error: String?
        var pages = 0
    }

    struct Fakes {
        var github: FakeGitHub
        var registry: FakeTerraformRegistry
        var endpoints: DiscoveryEndpoints
        func stop() { github.stop(); registry.stop() }
    }

    func startFakes(corpus: URL) throws -> Fakes {
        var repos = try FakeCorpus.repositories(corpus: corpus, maxFoldersPerRepo: ["aws-samples/serverless-patterns": 30])
        repos["aws-samples/aws-cdk-examples"] = try FakeCorpus.cdkExamples(corpus: corpus, pythonApps: 2)
        repos["serverless/examples"]?.truncatedTree = true
        // Over the contents API's 1 MB inline limit: fetched with the raw media type.
        let padding = String(repeating: "# padding line to push this service past one megabyte of YAML\n", count: 18_000)
        repos["serverless/examples"]?.files["aws-large-service/serverless.yml"] = Data(
            "service: large\nprovider:\n  name: aws\n  runtime: python3.12\n\(padding)functions:\n  hello:\n    handler: handler.hello\n".utf8)
        repos["terraform-aws-modules/terraform-aws-sqs"]?.hostileTarball = true
        repos["terraform-aws-modules/terraform-aws-kms"]?.hostileTarball = true
        let tf = Data("resource \"aws_s3_bucket\" \"b\" {}\n".utf8)
        for filler in [
            FakeRepository(
                fullName: "aws-solutions/archived-solution", commit: String(repeating: "a", count: 40), files: ["main.tf": tf], archived: true),
            FakeRepository(fullName: "aws-solutions/forked-solution", commit: String(repeating: "b", count: 40), files: ["main.tf": tf], fork: true),
            FakeRepository(fullName: "aws-solutions/docs-only", commit: String(repeating: "c", count: 40), files: ["README.md": Data("docs\n".utf8)]),
        ] {
            repos[filler.fullName] = filler
        }
        func members(_ owner: String) -> [String] { repos.keys.filter { $0.hasPrefix(owner + "/") }.sorted() }
        let orgs = [
            "aws-quickstart": members("aws-quickstart"), "aws-samples": members("aws-samples"),
            "aws-solutions": members("aws-solutions"), "aws-cloudformation": members("aws-cloudformation"),
        ]
        let github = try FakeGitHub(repositories: Array(repos.values), orgs: orgs, maxPerPage: 2)
        let registry = try FakeTerraformRegistry(repositories: Array(repos.values), githubAPI: github.api.baseURL)
        return Fakes(
            github: github, registry: registry,
            endpoints: DiscoveryEndpoints(githubAPI: github.api.baseURL, githubRaw: github.raw.baseURL, terraformRegistry: registry.server.baseURL))
    }

    func sourceConfig(_ name: String) -> JSONValue {
        switch name {
        case "GitHubOrgSource": ["orgs": ["aws-quickstart", "aws-solutions", "aws-samples", "aws-cloudformation"]]
        // One source reads files through the contents API, the others from the raw host.
        case "ServerlessExamplesSource": ["file_fetch": "contents"]
        default: [:]
        }
    }

    func makeService(_ endpoints: DiscoveryEndpoints) -> HTTPService {
        HTTPService(
            options: .init(
                endpoints: endpoints, githubToken: token, cacheDirectory: scratch.appendingPathComponent("http-cache"),
                rateLimitWaitBudget: .seconds(60),
                backoff: Backoff(base: .milliseconds(50), cap: .seconds(1), maxAttempts: 4)))
    }

    /// One discovery of every source, paging until `next_cursor` is null, as the mine stage does.
    func discoverAll(endpoints: DiscoveryEndpoints, http: HTTPService, known: Set<String>, knownHashes: Set<String>) async -> [String: SourceRun] {
        let manager = PluginManager(
            directories: [], isolation: .isolated, workerExecutable: BuildProducts.lsqm,
            cacheRoot: scratch.appendingPathComponent("plugin-cache"), callTimeout: .seconds(600), http: http)
        var runs: [String: SourceRun] = [:]
        for name in Self.sourceNames {
            var run = SourceRun()
            do {
                let instance = try await manager.instantiate(
                    path: BuildProducts.plugin(name).path,
                    config: endpoints.pluginConfig(merging: sourceConfig(name)))
                var request = DiscoverRequest(knownSourceURLs: known.sorted(), knownHashes: knownHashes.sorted(), limit: 25)
                do {
                    repeat {
                        let text = try await instance.call(.discover, request: try JSONCoding.string(request))
                        let response = try JSONCoding.decode(DiscoverResponse.self, from: Data(text.utf8))
                        run.pages += 1
                        XCTAssertLessThanOrEqual(response.architectures.count, 25, "\(name) page \(run.pages) exceeds the limit")
                        run.architectures += response.architectures.map { item in
                            DiscoveredArchitecture(
                                sourceURL: item.sourceURL, name: item.name, declaredKind: item.kind.flatMap(ArchitectureKind.init(rawValue:)),
                                files: item.files.map { ArchitectureFile(path: $0.path, content: $0.data ?? Data()) }, source: name,
                                provenance: item.metadata)
                        }
                        run.skipped += response.skipped
                        run.warnings += response.warnings
                        request.cursor = response.nextCursor
                    } while request.cursor != nil && run.pages < 200
                } catch {
                    run.error = LSQMError.describe(error)
                }
                await instance.shutdown()
            } catch {
                run.error = LSQMError.describe(error)
            }
            runs[name] = run
        }
        return runs
    }

    func report(_ label: String, _ http: HTTPService, _ runs: [String: SourceRun]) {
        for (name, counters) in http.counters.sorted(by: { $0.key < $1.key }) {
            let found =
                runs[name].map {
                    "architectures=\($0.architectures.count) skipped=\($0.skipped.count) pages=\($0.pages) error=\($0.error ?? "none") "
                } ?? ""
            print(
                "\(label) \(name) HTTP: \(found)"
                    + "requests=\(counters.requests) sent=\(counters.sent) full=\(counters.fullDownloads) 304=\(counters.notModified) "
                    + "retries=\(counters.retries) waited=\(String(format: "%.1f", counters.waitedSeconds))s")
        }
        let t = http.totals
        print(
            "\(label) TOTAL: requests=\(t.requests) sent=\(t.sent) full=\(t.fullDownloads) 304=\(t.notModified) retries=\(t.retries) bytes=\(t.bytesReceived)"
        )
    }

}

/// The sources driven directly through `PluginManager.instantiate` and `call("discover")` in isolated workers.
final class DiscoveryEndToEndTests: DiscoveryTestCase {
    func testFirstRunFindsFiftyArchitecturesAndASecondRunIsIncremental() async throws {
        guard let corpus = BuildProducts.corpus else { throw XCTSkip("../shared/corpus is absent: the fakes serve repositories rebuilt from it") }
        let fakes = try startFakes(corpus: corpus)
        defer { fakes.stop() }
        // Rate limits and a flaky server, once each, on the way.
        let reset = String(Int(Date().timeIntervalSince1970) + 1)
        fakes.github.inject(
            [.json(["message": "API rate limit exceeded"], status: 403, headers: ["x-ratelimit-remaining": "0", "x-ratelimit-reset": reset])],
            at: "/orgs/aws-quickstart/repos")
        fakes.github.inject([.json(["message": "slow down"], status: 429, headers: ["retry-after": "1"])], at: "/repos/serverless/examples")
        fakes.github.inject([.text("oops", status: 500)], at: "/repos/aws-samples/aws-cdk-examples/branches/main")

        // First run.
        let first = makeService(fakes.endpoints)
        let run1 = await discoverAll(endpoints: fakes.endpoints, http: first, known: [], knownHashes: [])
        report("run 1", first, run1)
        for name in Self.sourceNames { XCTAssertNil(run1[name]?.error, "\(name) failed: \(run1[name]?.error ?? "")") }
        let all1 = run1.values.flatMap(\.architectures)
        let hashes1 = Set(all1.map(\.contentHash))
        print("run 1: \(all1.count) architectures, \(hashes1.count) unique by content hash")
        XCTAssertGreaterThanOrEqual(hashes1.count, 50)
        for name in ["TerraformRegistrySource", "GitHubOrgSource", "ServerlessExamplesSource"] {
            XCTAssertFalse(run1[name]?.architectures.isEmpty ?? true, "\(name) found nothing")
        }

        // Registry: examples carry their module; hostile tarball entries were refused, not written.
        let registry = try XCTUnwrap(run1["TerraformRegistrySource"])
        XCTAssertTrue(registry.architectures.contains { $0.files.contains { $0.path.hasPrefix("lsqm-module/") } })
        XCTAssertTrue(registry.skipped.contains { $0.reason.contains("'..'") }, "the ../ entry must be refused: \(registry.skipped)")
        XCTAssertTrue(registry.skipped.contains { $0.reason.contains("symbolic link") && $0.reason.contains("outside") }, "\(registry.skipped)")
        XCTAssertFalse(registry.architectures.contains { $0.files.contains { $0.path.contains("escaped") || $0.path.hasSuffix("leak.tf") } })
        // Serverless: only AWS services; the truncated tree was walked level by level.
        XCTAssertTrue(run1["ServerlessExamplesSource"]?.architectures.allSatisfy { $0.declaredKind == .serverless } ?? false)
        XCTAssertTrue(
            fakes.github.api.requests.contains { $0.path.hasPrefix("/repos/serverless/examples/git/trees/") && $0.query("recursive") == nil })
        XCTAssertTrue(fakes.github.api.requests.contains { $0.path.hasPrefix("/repos/serverless/examples/contents/") })
        let large = try XCTUnwrap(run1["ServerlessExamplesSource"]?.architectures.first { $0.sourceURL.hasSuffix("/aws-large-service") })
        XCTAssertGreaterThan(large.files.first?.content.count ?? 0, GitHubAPI.contentsInlineLimit)
        XCTAssertTrue(
            fakes.github.api.requests.contains {
                $0.path.hasSuffix("aws-large-service/serverless.yml") && $0.headers["accept"] == "application/vnd.github.raw+json"
            })
        // GitHub orgs: archived and forked repositories are not looked into; source URLs carry the commit.
        let org = try XCTUnwrap(run1["GitHubOrgSource"])
        XCTAssertFalse(fakes.github.api.requests.contains { $0.path.contains("archived-solution") || $0.path.contains("forked-solution") })
        XCTAssertTrue(org.architectures.allSatisfy { $0.sourceURL.contains("/tree/") && $0.provenance?["commit"]?.stringValue?.count == 40 })
        XCTAssertTrue(
            fakes.github.api.requests.contains { $0.path == "/orgs/aws-quickstart/repos" && $0.query("page") == "2" }, "org listing paged via Link")
        // CDK: Python apps synthesized where aws-cdk-lib is installed, TypeScript apps skipped with the reason.
        let cdk = try XCTUnwrap(run1["CDKExamplesSource"])
        XCTAssertTrue(cdk.skipped.contains { $0.sourceURL.contains("/typescript/") && $0.reason.contains("npm") })
        if cdk.architectures.isEmpty {
            XCTAssertTrue(
                cdk.skipped.contains { $0.reason.contains("aws-cdk-lib") || $0.reason.contains("node") }, "no synthesis and no reason: \(cdk.skipped)"
            )
        } else {
            XCTAssertTrue(
                cdk.architectures.allSatisfy { $0.declaredKind == .cloudformation && $0.files.allSatisfy { $0.path.hasSuffix(".template.json") } })
        }
        // The token went to the API host only.
        XCTAssertTrue(fakes.github.api.requests.allSatisfy { $0.headers["authorization"] == "Bearer \(token)" })
        XCTAssertTrue(fakes.github.raw.requests.allSatisfy { $0.headers["authorization"] == nil })
        XCTAssertTrue(fakes.registry.server.requests.allSatisfy { $0.headers["authorization"] == nil })
        XCTAssertGreaterThanOrEqual(first.totals.retries, 3, "the 403, 429 and 500 were retried")

        // Second run: everything known, upstreams unchanged.
        let known = Set(all1.map(\.sourceURL)).union(run1.values.flatMap(\.skipped).map(\.sourceURL))
        let second = makeService(fakes.endpoints)
        let run2 = await discoverAll(endpoints: fakes.endpoints, http: second, known: known, knownHashes: hashes1)
        report("run 2", second, run2)
        for name in Self.sourceNames { XCTAssertNil(run2[name]?.error, "\(name) failed: \(run2[name]?.error ?? "")") }
        let added = run2.values.flatMap(\.architectures).filter { !hashes1.contains($0.contentHash) }
        XCTAssertEqual(added.count, 0, "a second run over unchanged upstreams adds nothing: \(added.map(\.sourceURL).prefix(5))")
        XCTAssertLessThanOrEqual(
            Double(second.totals.fullDownloads), 0.1 * Double(first.totals.sent),
            "full downloads \(second.totals.fullDownloads) vs first run's \(first.totals.sent) requests")
        XCTAssertGreaterThan(second.totals.notModified, 0)
    }
}
