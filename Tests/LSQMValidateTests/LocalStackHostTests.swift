import Foundation
import LSQMBasics
import LSQMCore
import XCTest

@testable import LSQMValidate

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

    /// One run, two targets: the examples on LocalStack and on moto, each in fresh emulators.
    ///
    /// S3+SQS and SNS+SQS pass on LocalStack as they do on moto; DynamoDB+Lambda needs runtimes LocalStack
    /// downloads from the internet, so offline it must end as ERROR with cause `environment` — never FAILED,
    /// which would blame LocalStack for this machine. Each target records its emulator's name, version and
    /// edition as the emulator reports them. A Cognito user pool, which LocalStack community lacks and moto
    /// offers, differs on purpose: the difference view lists exactly the architectures that pass on one target
    /// and not the other, and the gate stays open (nothing moto passes fails on LocalStack by LocalStack's doing).
    func testExamplesOnLocalStackAndMotoInOneRunAndTheirDifferences() async throws {
        try ValidateFixtures.skipUnlessInstalled(["moto_server"])
        let fixtures = try ValidateFixtures()
        defer { fixtures.remove() }
        let s3sqs = try fixtures.addExample("s3-sqs", services: ["s3", "sqs"])
        let snssqs = try fixtures.addExample("sns-sqs", services: ["sns", "sqs"])
        let dynamodb = try fixtures.addExample("dynamodb-lambda", services: ["dynamodb", "iam", "lambda"])
        // Deploy-only: the difference is the service, not a test.
        let cognito = try fixtures.add(
            name: "cognito-pool", services: ["cognito-idp"],
            terraform: [
                ValidateFixtures.text(
                    "main.tf",
                    """
                    terraform {
                      required_providers {
                        aws = { source = "hashicorp/aws" }
                      }
                    }
                    provider "aws" { region = "us-east-1" }
                    resource "aws_cognito_user_pool" "users" { name = "lsqm-targets-users" }
                    """)
            ])
        var environment = ProcessInfo.processInfo.environment
        environment["LSQM_LOCALSTACK_PYTHON"] = python
        environment["LOCALSTACK_AUTH_TOKEN"] = nil
        var options = fixtures.options(timeout: .seconds(420), parallel: 3, environment: environment)
        options.healthTimeout = .seconds(120)
        options.cleanupTimeout = .seconds(240)
        let targets = [
            ValidationTarget(runtime: HostRuntime(emulator: .localstack, environment: environment)),
            ValidationTarget(runtime: HostRuntime(emulator: .moto, environment: environment)),
        ]
        let run = try await ValidateStage.run(
            architectures: [s3sqs, snssqs, dynamodb, cognito], store: fixtures.store, targets: targets,
            options: options, logger: .silent)

        XCTAssertEqual(run.targetNames, ["host:localstack", "host:moto"])
        let saved = try fixtures.store.loadRun(run.runID)
        XCTAssertEqual(saved.targetNames, run.targetNames, "both targets are on disk")
        XCTAssertEqual(saved.allTargets.map { $0.results.map(\.status) }, run.allTargets.map { $0.results.map(\.status) })
        let localstack = try XCTUnwrap(saved.only(target: "host:localstack"))
        let moto = try XCTUnwrap(saved.only(target: "host:moto"))
        XCTAssertEqual(localstack.emulator?.name, "localstack")
        XCTAssertEqual(localstack.emulator?.edition, "community", "LocalStack's info says 'unknown' on the host; unlicensed is community")
        XCTAssertEqual(
            localstack.emulator?.version, try installedVersion("localstack-core", python: python),
            "the version LocalStack reports is recorded")
        XCTAssertEqual(moto.emulator?.name, "moto")
        XCTAssertEqual(moto.emulator?.version, try installedVersion("moto", python: "python3"))
        XCTAssertNil(moto.emulator?.edition)

        let onLocalStack = Dictionary(uniqueKeysWithValues: localstack.results.map { ($0.name, $0) })
        let onMoto = Dictionary(uniqueKeysWithValues: moto.results.map { ($0.name, $0) })
        for name in ["s3-sqs", "sns-sqs"] {
            for (target, results) in [("LocalStack", onLocalStack), ("moto", onMoto)] {
                let result = try XCTUnwrap(results[name], "\(name) on \(target)")
                XCTAssertEqual(
                    result.status, .passed,
                    "\(name) on \(target): \(result.error ?? "") \(result.cause.map { "\($0)" } ?? "") \(result.pytestOutput ?? "")")
            }
        }
        let offline = try XCTUnwrap(onLocalStack["dynamodb-lambda"])
        XCTAssertNotEqual(offline.status, .failed, "an offline machine is not LocalStack's fault: \(offline.cause.map { "\($0)" } ?? "")")
        XCTAssertNotEqual(offline.status, .passed, "DynamoDB and Lambda cannot start offline here")
        XCTAssertEqual(offline.cause?.kind, .environment, "\(offline.error ?? "") \(offline.cause.map { "\($0)" } ?? "")")
        XCTAssertEqual(localstack.notRun.map(\.arch), [cognito.id], "LocalStack community has no Cognito")
        XCTAssertEqual(onMoto["cognito-pool"]?.status, .passed, onMoto["cognito-pool"]?.error ?? "")

        // The difference view lists exactly the architectures that pass on one target only.
        let view = try TargetComparison.compare(saved, a: "host:moto", b: "host:localstack")
        let differing = Set(saved.allTargets[1].results.filter { $0.status == .passed }.map(\.arch))
            .symmetricDifference(saved.allTargets[0].results.filter { $0.status == .passed }.map(\.arch))
        XCTAssertEqual(Set(view.architectures.map(\.arch)), differing)
        XCTAssertTrue(differing.contains(cognito.id) && !differing.contains(s3sqs.id) && !differing.contains(snssqs.id))
        let pool = try XCTUnwrap(view.architectures.first { $0.arch == cognito.id })
        XCTAssertEqual([pool.a.status, pool.b.status], ["PASSED", "NOT_RUN"])
        XCTAssertEqual(view.agreement.bothPassed, 2)
        XCTAssertEqual(view.services.first { $0.service == "cognito-idp" }?.passesOnlyOnA, 1)
        XCTAssertFalse(view.architectures.contains { $0.isGateCandidate }, "no difference here is LocalStack's own failure")
    }

    private func installedVersion(_ package: String, python: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, "-c", "import importlib.metadata as m; print(m.version('\(package)'))"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        process.waitUntilExit()
        return String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
