import Foundation
import LSQMBasics
import LSQMHost
import LSQMPluginKit
import LSQMTestSupport
import XCTest

/// The Swift plugin through the real ABI, in a worker and in-process.
final class LocalDirectorySourceTests: XCTestCase {
    var scratch: URL!

    override func setUpWithError() throws {
        scratch = try Files.makeTemporaryDirectory(prefix: "lsqm-localsource-test")
        try XCTSkipUnless(Files.exists(BuildProducts.plugin("LocalDirectorySource")), "build the package first (swift build)")
        let tree = scratch.appendingPathComponent("tree")
        try AtomicFile.write("resource \"aws_s3_bucket\" \"b\" {}\n", to: tree.appendingPathComponent("a/main.tf"))
        try AtomicFile.write("Resources:\n  Q:\n    Type: AWS::SQS::Queue\n", to: tree.appendingPathComponent("b/template.yaml"))
        try AtomicFile.write("service: x\nprovider:\n  name: aws\n", to: tree.appendingPathComponent("c/serverless.yml"))
        try AtomicFile.write("just notes", to: tree.appendingPathComponent("d/README.md"))
    }

    override func tearDown() { Files.remove(scratch) }

    func testDiscoverPagesThroughFoldersAndSkipsKnownURLs() async throws {
        for isolation in [PluginIsolation.isolated, .inProcess] {
            let manager = PluginManager(
                directories: [], isolation: isolation, workerExecutable: BuildProducts.lsqm, cacheRoot: scratch.appendingPathComponent("cache"))
            let instance = try await manager.instantiate(
                path: BuildProducts.plugin("LocalDirectorySource").path,
                config: ["path": .string(scratch.appendingPathComponent("tree").path)])
            var request = DiscoverRequest(limit: 2)
            var found: [DiscoveredItem] = []
            var pages = 0
            repeat {
                let text = try await instance.call(.discover, request: try JSONCoding.string(request))
                let response = try JSONCoding.decode(DiscoverResponse.self, from: Data(text.utf8))
                found += response.architectures
                request.cursor = response.nextCursor
                pages += 1
            } while request.cursor != nil
            XCTAssertEqual(found.map(\.name), ["a", "b", "c"], "\(isolation)")
            XCTAssertEqual(pages, 2)
            XCTAssertEqual(found[0].files.first?.content, "resource \"aws_s3_bucket\" \"b\" {}\n")
            // A second discovery that knows "a" returns only the others.
            let againText = try await instance.call(
                .discover, request: try JSONCoding.string(DiscoverRequest(knownSourceURLs: [found[0].sourceURL], limit: 10)))
            let again = try JSONCoding.decode(DiscoverResponse.self, from: Data(againText.utf8))
            XCTAssertEqual(again.architectures.map(\.name), ["b", "c"])
            await instance.shutdown()
        }
    }

    func testBadConfigIsAClearCreateError() async throws {
        let manager = PluginManager(directories: [], workerExecutable: BuildProducts.lsqm, cacheRoot: scratch)
        do {
            _ = try await manager.instantiate(path: BuildProducts.plugin("LocalDirectorySource").path, config: [:])
            XCTFail("expected a config error")
        } catch let error as LSQMError {
            XCTAssertTrue(error.message.contains("config needs \"path\""), error.message)
        }
    }
}
