import Foundation
import HelloSource
import LSQMPluginKit
import LSQMPluginTesting
import XCTest

/// The plugin against LSQMPluginTesting's in-memory host: no lsqm, no network.
final class HelloSourceTests: XCTestCase {
    let catalog = "https://catalog.example/architectures.json"

    func host() -> TestHost {
        let host = TestHost(kind: .source, config: ["catalog_url": .string(catalog)])
        host.answer(
            url: catalog,
            json: [
                "architectures": [
                    ["id": "a", "name": "bucket", "main_tf": "resource \"aws_s3_bucket\" \"b\" {}\n"],
                    ["id": "b", "name": "queue", "main_tf": "resource \"aws_sqs_queue\" \"q\" {}\n"],
                    ["id": "c", "name": "topic", "main_tf": "resource \"aws_sns_topic\" \"t\" {}\n"],
                ]
            ])
        return host
    }

    func testPagesThroughTheCatalogAndSkipsKnownURLs() throws {
        let host = host()
        let source = try host.make(HelloSource.self)
        let first = try source.discover(DiscoverRequest(knownSourceURLs: ["\(catalog)#a"], limit: 1))
        XCTAssertEqual(first.architectures.map(\.name), ["queue"])
        XCTAssertEqual(first.nextCursor, "2")
        let second = try source.discover(DiscoverRequest(cursor: first.nextCursor, limit: 5))
        XCTAssertEqual(second.architectures.map(\.name), ["topic"])
        XCTAssertNil(second.nextCursor)
        XCTAssertEqual(host.requests.map(\.method), ["GET", "GET"])
        XCTAssertTrue(host.logs.contains { $0.message.contains("1 architectures") })
    }

    func testAMissingCatalogURLIsAClearError() {
        let host = TestHost(kind: .source)
        XCTAssertThrowsError(try host.make(HelloSource.self)) { error in
            XCTAssertEqual((error as? PluginError)?.error, "failed to configure HelloSource: config needs \"catalog_url\"")
        }
    }

    func testAnUnscriptedRequestFailsInsteadOfReachingTheNetwork() throws {
        let host = TestHost(kind: .source, config: ["catalog_url": "https://elsewhere.example/x.json"])
        let source = try host.make(HelloSource.self)
        XCTAssertThrowsError(try source.discover(DiscoverRequest(limit: 5))) { error in
            XCTAssertTrue("\(error)".contains("scripted no answer"), "\(error)")
        }
    }
}
