import Foundation
import LSQMBasics
import LSQMCore
@testable import LSQMValidate
import XCTest

/// Real LocalStack (`localstack-core` from PyPI, run on the host without Docker) under the validate stage: the
/// example architectures, their apps, real terraform and pytest. `.ci/localstack-venv` creates the Python 3.13
/// venv and exports `LSQM_LOCALSTACK_PYTHON`; without it these tests are skipped with the reason.
final class LocalStackHostTests: XCTestCase {
    private var python: String!

    override func setUpWithError() throws {
        guard let python = ProcessInfo.processInfo.environment["LSQM_LOCALSTACK_PYTHON"], Files.exists(URL(fileURLWithPath: python)) else {
            throw XCTSkip("LSQM_LOCALSTACK_PYTHON is not set: run .ci/localstack-venv to create LocalStack's venv")
        }
        try ValidateFixtures.skipUnlessInstalled(["terraform", "python3"])
        self.python = python
    }

    /// S3+SQS and SNS+SQS pass on LocalStack as they do on moto; DynamoDB+Lambda needs runtimes LocalStack
    /// downloads from the internet, so offline it must end as ERROR with cause `environment` — never FAILED,
    /// which would blame LocalStack for this machine. The run records LocalStack's name, version and edition.
    func testExamplesOnLocalStackAndOfflineRuntimesAreTheEnvironments() async throws {
        let fixtures = try ValidateFixtures()
        defer { fixtures.remove() }
        let s3sqs = try fixtures.addExample("s3-sqs", services: ["s3", "sqs"])
        let snssqs = try fixtures.addExample("sns-sqs", services: ["sns", "sqs"])
        let dynamodb = try fixtures.addExample("dynamodb-lambda", services: ["dynamodb", "iam", "lambda"])
        var environment = ProcessInfo.processInfo.environment
        environment["LSQM_LOCALSTACK_PYTHON"] = python
        environment["LOCALSTACK_AUTH_TOKEN"] = nil
        let runtime = HostRuntime(emulator: .localstack, environment: environment)
        var options = fixtures.options(timeout: .seconds(420), parallel: 3, environment: environment)
        options.healthTimeout = .seconds(120)
        options.cleanupTimeout = .seconds(240)
        let run = try await ValidateStage.run(architectures: [s3sqs, snssqs, dynamodb], store: fixtures.store, runtime: runtime,
                                              options: options, logger: .silent)

        XCTAssertEqual(run.emulator?.name, "localstack")
        XCTAssertEqual(run.emulator?.edition, "community")
        XCTAssertEqual(run.emulator?.version?.isEmpty, false, "the version LocalStack reports is recorded")
        let byName = Dictionary(uniqueKeysWithValues: run.results.map { ($0.name, $0) })
        for name in ["s3-sqs", "sns-sqs"] {
            let result = try XCTUnwrap(byName[name])
            XCTAssertEqual(result.status, .passed, "\(name): \(result.error ?? "") \(result.cause.map { "\($0)" } ?? "") \(result.pytestOutput ?? "")")
        }
        let offline = try XCTUnwrap(byName["dynamodb-lambda"])
        XCTAssertNotEqual(offline.status, .failed, "an offline machine is not LocalStack's fault: \(offline.cause.map { "\($0)" } ?? "")")
        XCTAssertNotEqual(offline.status, .passed, "DynamoDB and Lambda cannot start offline here")
        XCTAssertEqual(offline.cause?.kind, .environment, "\(offline.error ?? "") \(offline.cause.map { "\($0)" } ?? "")")
    }
}
