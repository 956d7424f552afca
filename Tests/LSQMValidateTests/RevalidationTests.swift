import Foundation
import LSQMBasics
import LSQMCore
import LSQMTestSupport
import XCTest

@testable import LSQMValidate

/// A confirming re-run needs a fresh emulator state: an external emulator is reset first, or not used.
final class RevalidationTests: XCTestCase {
    func testAnExternalEmulatorIsResetThroughWhicheverResetItAnswers() async throws {
        let localstack = try HTTPTestServer { request in
            request.method == "POST" && request.path == "/_localstack/state/reset" ? .json([:]) : .empty(404)
        }
        defer { localstack.stop() }
        try await URLRuntime(url: localstack.baseURL).resetState()
        XCTAssertEqual(localstack.requests.map(\.path), ["/moto-api/reset", "/_localstack/state/reset"], "moto's first, then LocalStack's")
    }

    func testAnEmulatorThatCannotBeResetRefusesTheConfirmationAndSaysWhy() async throws {
        let fixtures = try ValidateFixtures()
        defer { fixtures.remove() }
        let architecture = try fixtures.add(
            name: "bucket", services: ["s3"],
            terraform: [ValidateFixtures.text("main.tf", "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"b\"\n}\n")])
        let stubborn = try HTTPTestServer { _ in .empty(404) }
        defer { stubborn.stop() }
        do {
            _ = try await ValidateStage.revalidate(
                arch: architecture.id, store: fixtures.store, runtime: try URLRuntime(url: stubborn.baseURL),
                options: fixtures.options(), logger: .silent)
            XCTFail("expected the confirmation to be refused")
        } catch let refused as ConfirmationRefused {
            XCTAssertTrue(refused.reason.contains("could not be reset"), refused.reason)
            XCTAssertTrue(refused.reason.contains("/moto-api/reset answered HTTP 404"), refused.reason)
        }
        XCTAssertEqual(stubborn.requests.map(\.path), ["/moto-api/reset", "/_localstack/state/reset"], "nothing validated after the refusal")
    }
}
