import Foundation
import LSQMBasics
import LSQMCore
import LSQMMine
import LSQMTemplates
import LSQMTestSupport
import XCTest

/// A normalizer standing in for the plugins: it writes a one-resource Terraform file and reports `partial`,
/// except for Serverless, which it fails, so both paths of the indexer run.
let sketchNormalizer: ArchitectureNormalizer = { architecture, kind in
    if kind == .serverless { throw LSQMError(.plugin, action: "normalize \(architecture.name)", cause: "refused by the test normalizer") }
    let terraform = "# normalized from \(kind.rawValue)\nresource \"aws_s3_bucket\" \"b\" {}\n"
    return NormalizedOutput(
        terraformFiles: [ArchitectureFile(path: "main.tf", content: Data(terraform.utf8))],
        record: NormalizationRecord(status: .partial, normalizer: "sketch", normalizerVersion: "1"))
}

func discovered(_ url: String, _ pairs: [String: String]) -> DiscoveredArchitecture {
    DiscoveredArchitecture(
        sourceURL: url, name: (url as NSString).lastPathComponent,
        files: pairs.sorted { $0.key < $1.key }.map { ArchitectureFile(path: $0.key, content: Data($0.value.utf8)) },
        source: "test")
}

final class ArchitectureIndexerTests: XCTestCase {
    /// A template whose every resource was untranslatable normalizes to Terraform without a resource: indexed,
    /// never deployed (an empty apply would PASS an architecture nobody tried).
    func testNormalizedTerraformWithoutResourcesIsNotDeployed() async throws {
        let scratch = try Scratch()
        let store = ArtifactStore(root: scratch.root)
        let nothingLeft: ArchitectureNormalizer = { _, _ in
            NormalizedOutput(
                terraformFiles: [ArchitectureFile(path: "main.tf", content: Data("# normalized\n".utf8))],
                record: NormalizationRecord(
                    status: .partial,
                    unsupported: [
                        .init(resource: "Portfolio", type: "AWS::ServiceCatalog::Portfolio", reason: "no Terraform mapping")
                    ]))
        }
        let batch = [discovered("https://x/catalog", ["template.yaml": "Resources:\n  Portfolio: {Type: AWS::ServiceCatalog::Portfolio}\n"])]
        let summary = try await ArchitectureIndexer(store: store, normalizer: nothingLeft).index(batch)
        XCTAssertEqual(summary.added.count, 1)
        XCTAssertEqual(
            try store.loadIndex().architectures[batch[0].contentHash]?.skipReason,
            "nothing to deploy: lsqm translated none of its resources (unsupported: AWS::ServiceCatalog::Portfolio)")
        // The sketch normalizer's one bucket is something to deploy.
        let deployable = try await ArchitectureIndexer(store: store, normalizer: sketchNormalizer)
            .index([discovered("https://x/cfn", ["template.yaml": "Resources:\n  T: {Type: AWS::DynamoDB::Table}\n"])])
        XCTAssertEqual(deployable.added.count, 1)
        XCTAssertNil(try store.loadIndex().architectures[deployable.added[0]]?.skipReason)
    }

    /// Indexed but not validated: Terraform that cannot apply on its own. Services are not filtered here:
    /// the emulator chosen at validate time decides (an architecture using a service outside LocalStack
    /// community's list is indexed without a skip reason).
    func testNotStandaloneIsMarkedSkippedAndServicesAreNot() async throws {
        let scratch = try Scratch()
        let store = ArtifactStore(root: scratch.root)
        let indexer = ArchitectureIndexer(store: store)
        let batch = [
            discovered("https://x/needs-input", ["main.tf": "variable \"vpc_id\" {}\nresource \"aws_sqs_queue\" \"q\" {}\n"]),
            discovered("https://x/fine", ["main.tf": "resource \"aws_sqs_queue\" \"q\" {}\n"]),
            discovered("https://x/appsync", ["main.tf": "resource \"aws_appsync_graphql_api\" \"g\" {\n  name = \"g\"\n}\n"]),
        ]
        let summary = try await indexer.index(batch)
        XCTAssertEqual(summary.added.count, 3)
        XCTAssertNil(try store.loadIndex().architectures[batch[2].contentHash]?.skipReason, "AppSync is the emulator's business")
        let index = try store.loadIndex()
        XCTAssertEqual(index.architectures[batch[0].contentHash]?.skipReason, "not standalone: variable \"vpc_id\" has no default")
        XCTAssertNil(index.architectures[batch[1].contentHash]?.skipReason)
    }

    /// needs_input is indexed with what the author must give as the skip reason (so validate and generate leave
    /// it out), and is no failure.
    func testNeedsInputIsIndexedWithTheReasonAndSkipped() async throws {
        let scratch = try Scratch()
        let store = ArtifactStore(root: scratch.root)
        let needsInput: ArchitectureNormalizer = { _, _ in
            NormalizedOutput(
                terraformFiles: [ArchitectureFile(path: "main.tf", content: Data("variable \"RoleArn\" {\n  type = string\n}\n".utf8))],
                record: NormalizationRecord(
                    status: .needsInput,
                    inputs: [
                        .init(parameter: "KeyName", value: "aws_key_pair.prerequisite_key_name.key_name", how: "created a key pair"),
                        .init(parameter: "RoleArn", value: nil, how: "the ARN of an existing resource"),
                    ], normalizer: "sketch", normalizerVersion: "1"))
        }
        let indexer = ArchitectureIndexer(store: store, normalizer: needsInput)
        let batch = [discovered("https://x/cfn", ["template.yaml": "Resources:\n  T: {Type: AWS::DynamoDB::Table}\n"])]
        let summary = try await indexer.index(batch)
        XCTAssertEqual(summary.normalization, ["needs_input": 1])
        let indexed = try XCTUnwrap(try store.loadIndex().architectures[batch[0].contentHash])
        XCTAssertEqual(indexed.skipReason, "needs input: RoleArn (the ARN of an existing resource)")
        XCTAssertEqual(indexed.normalization?.status, .needsInput)
        XCTAssertEqual(indexed.normalization?.inputs?.map(\.parameter), ["KeyName", "RoleArn"])
        // An index written before inputs existed still loads.
        let old = #"{"status": "partial", "unsupported": [], "warnings": [], "normalizer": "n"}"#
        XCTAssertNil(try JSONCoding.decode(NormalizationRecord.self, from: Data(old.utf8)).inputs)
    }

    func testAddsDeduplicatesSkipsAndIsIncremental() async throws {
        let scratch = try Scratch()
        let store = ArtifactStore(root: scratch.root)
        let indexer = ArchitectureIndexer(store: store, normalizer: sketchNormalizer, saveEvery: 2)
        let tf = ["main.tf": "resource \"aws_sqs_queue\" \"q\" {}\n", "policy.json": "{}"]
        let batch = [
            discovered("https://x/tf", tf),
            discovered("https://x/tf-copy", tf),
            discovered("https://x/cfn", ["template.yaml": "Resources:\n  T: {Type: AWS::DynamoDB::Table}\n"]),
            discovered("https://x/sls", ["serverless.yml": "provider: aws\nfunctions:\n  f: {handler: h}\n"]),
            discovered("https://x/broken", ["template.yaml": "Resources: [\n"]),
            discovered("https://x/escape", ["../evil.tf": "resource \"aws_s3_bucket\" \"b\" {}\n"]),
        ]
        let summary = try await indexer.index(batch)
        let tfHash = batch[0].contentHash
        XCTAssertEqual(summary.added.count, 3)
        XCTAssertEqual(summary.duplicates, ["https://x/tf-copy": tfHash])
        XCTAssertEqual(Set(summary.skipped.keys), ["https://x/broken", "https://x/escape"])
        XCTAssertEqual(summary.perKind, ["terraform": 1, "cloudformation": 1, "serverless": 1])
        XCTAssertEqual(summary.normalization, ["none": 1, "partial": 1, "failed": 1])

        let index = try store.loadIndex()
        XCTAssertEqual(index.architectures.count, 3)
        XCTAssertEqual(index.skipped["https://x/tf-copy"], "duplicate of \(tfHash)")
        XCTAssertTrue(index.skipped["https://x/broken"]?.contains("parse YAML") == true, "\(index.skipped)")
        let terraform = try XCTUnwrap(index.architectures[tfHash])
        XCTAssertEqual(terraform.services, ["sqs"])
        XCTAssertEqual(terraform.resourceCount, 1)
        XCTAssertEqual(store.terraformFiles(tfHash), ["main.tf", "policy.json"])
        let serverless = try XCTUnwrap(index.architectures.values.first { $0.kind == .serverless })
        XCTAssertEqual(serverless.normalization?.status, .failed)
        XCTAssertTrue(serverless.skipReason?.contains("refused by the test normalizer") == true)
        let cloudformation = try XCTUnwrap(index.architectures.values.first { $0.kind == .cloudformation })
        XCTAssertEqual(store.terraformFiles(cloudformation.id), ["main.tf"])
        XCTAssertTrue(Files.exists(store.architectureDirectory(cloudformation.id).appendingPathComponent("metadata.json")))

        let again = try await indexer.index(
            batch + [discovered("https://x/new-copy-of-cfn", ["template.yaml": "Resources:\n  T: {Type: AWS::DynamoDB::Table}\n"])])
        XCTAssertEqual(again.added, [])
        XCTAssertEqual(again.alreadyKnown, batch.count)
        XCTAssertEqual(again.duplicates, ["https://x/new-copy-of-cfn": cloudformation.id])
    }

    /// The whole corpus, twice: every folder is accounted for, then nothing is added.
    func testCorpusIndexedOnceThenNothingNew() async throws {
        let root = try Corpus.root()
        let scratch = try Scratch()
        let store = ArtifactStore(root: scratch.root)
        let (architectures, _) = try LocalArchitectures.discover(root, options: Corpus.scanOptions)
        XCTAssertEqual(architectures.count, 621)
        let indexer = ArchitectureIndexer(store: store, normalizer: sketchNormalizer)
        let first = try await indexer.index(architectures)
        print(
            "corpus index: \(first.added.count) added, \(first.duplicates.count) duplicates, \(first.skipped.count) skipped, per kind \(first.perKind), durations \(first.durations)"
        )
        XCTAssertEqual(first.added.count + first.duplicates.count + first.skipped.count, 621)
        XCTAssertLessThanOrEqual(first.skipped.count, 2, "\(first.skipped)")
        XCTAssertGreaterThanOrEqual(first.added.count, 610)
        let index = try store.loadIndex()
        XCTAssertEqual(index.knownSourceURLs.count, 621)
        let second = try await indexer.index(architectures)
        XCTAssertEqual(second.added.count, 0)
        XCTAssertEqual(second.alreadyKnown, 621)
    }

    /// `lsqm mine` killed with SIGKILL while it indexes the corpus leaves an index that loads and names only
    /// architectures whose files are on disk; the next run completes the work.
    func testKilledMineLeavesALoadableIndex() async throws {
        let root = try Corpus.root()
        let scratch = try Scratch()
        let store = ArtifactStore(root: scratch.root.appendingPathComponent("repo"))
        try Files.createDirectory(store.root)
        let environment = ["ARTIFACT_REPO": store.root.path, "LSQM_CACHE_DIR": scratch.root.appendingPathComponent("cache").path]
        let mine = ["mine", "--local", root.path, "--ignore", "SOURCE.json", "--ignore", "_support"]
        var env = SecretEnvironment.scrubbed().merging(environment) { $1 }
        env["LSQM_LOG_FORMAT"] = "json"
        let child = try await SpawnedProcess.start(
            executable: BuildProducts.lsqm.path, arguments: [BuildProducts.lsqm.path] + mine, environment: env,
            output: .logFile(scratch.root.appendingPathComponent("mine.log")))
        var seen = 0
        // The index is saved every 50 architectures. Up to five minutes: on a loaded machine the scan alone takes a while.
        for _ in 0..<6000 where !child.hasExited {
            seen = (try? store.loadIndex().architectures.count) ?? 0
            if seen >= 50 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        XCTAssertFalse(
            child.hasExited,
            "mine finished before it could be killed (saw \(seen)): "
                + ((try? String(contentsOf: scratch.root.appendingPathComponent("mine.log"), encoding: .utf8)) ?? ""))
        kill(child.pid, SIGKILL)
        _ = await child.wait()

        // A torn temporary file next to the index (a write cut short) does not matter either.
        try Data("{\"architec".utf8).write(to: store.architecturesDirectory.appendingPathComponent(".index.json.tmp-1-2"))
        let index = try store.loadIndex()
        XCTAssertGreaterThanOrEqual(index.architectures.count, 50)
        XCTAssertLessThan(index.architectures.count, 621)
        for id in index.architectures.keys {
            XCTAssertTrue(Files.exists(store.architectureDirectory(id).appendingPathComponent("metadata.json")), id)
        }
        // The next run completes the work (in process and without normalizing, to keep the test short).
        let (architectures, _) = try LocalArchitectures.discover(root, options: Corpus.scanOptions)
        let rest = try await ArchitectureIndexer(store: store).index(architectures)
        XCTAssertEqual(try store.loadIndex().knownSourceURLs.count, 621)
        XCTAssertEqual(rest.alreadyKnown + rest.added.count + rest.duplicates.count + rest.skipped.count, 621)
    }
}
