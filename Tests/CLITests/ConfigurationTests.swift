import Foundation
import LSQMBasics
import LSQMCore
import XCTest

final class ConfigurationTests: XCTestCase {
    func testEnvironmentOverridesDefaults() throws {
        var config = Configuration()
        try config.applyEnvironment(["LSQM_PARALLEL": "7", "ARTIFACT_REPO": "/tmp/x", "GITHUB_TOKEN": "ghp_secretvalue123"])
        XCTAssertEqual(config.parallel, 7)
        XCTAssertEqual(config.artifactRepo, "/tmp/x")
        XCTAssertEqual(config.tokenBudget, 500_000)
        XCTAssertEqual(config.timeoutSeconds, 300)
        XCTAssertEqual(config.issueRepo, "localstack/localstack")
        let printed = String(decoding: try JSONCoding.encode(config.redacted()), as: UTF8.self)
        XCTAssertFalse(printed.contains("ghp_secretvalue123"))
        XCTAssertTrue(printed.contains("[REDACTED]"))
    }

    func testBadNumberIsAClearError() {
        var config = Configuration()
        XCTAssertThrowsError(try config.applyEnvironment(["LSQM_TIMEOUT": "soon"])) { error in
            XCTAssertEqual((error as? LSQMError)?.message, "failed to read LSQM_TIMEOUT: 'soon' is not a positive integer")
        }
    }
}
