import Foundation
import LSQMBasics
import LSQMCore
import LSQMTestSupport
import XCTest

@testable import LSQMValidate

/// Real terraform, the offline AWS provider, moto_server and pytest. Applies take ~45 s (SQS alone ~25 s),
/// so the cases share runs that go in parallel: that is also the proof that parallel validations do not
/// interfere (the three examples use the same resource names, each in its own emulator).
final class EndToEndValidationTests: XCTestCase {
    static let secrets = [
        "GITHUB_TOKEN": "ghp_lsqmTestSecretValue0001", "ANTHROPIC_API_KEY": "sk-ant-lsqmTestSecretValue0002",
        "SLACK_WEBHOOK_URL": "https://hooks.slack.test/services/lsqmTestSecret0003", "LOCALSTACK_AUTH_TOKEN": "ls-lsqmTestSecretValue0004",
    ]

    /// PASSED ×3 (the examples, in parallel), FAILED (cannot apply), TIMEOUT (tiny limit), with lsqm's secrets
    /// set in its environment; then nothing is left running and no artifact mentions a secret.
    func testExamplesPassBrokenFailsSlowTimesOutAndSecretsStayOut() async throws {
        try ValidateFixtures.skipUnlessInstalled(["terraform", "moto_server", "python3"])
        let fixtures = try ValidateFixtures()
        defer { fixtures.remove() }
        for (name, value) in Self.secrets { setenv(name, value, 1) }
        defer { for name in Self.secrets.keys { unsetenv(name) } }
        let environment = ProcessInfo.processInfo.environment

        let socketsBefore = Self.providerSockets()
        let s3sqs = try fixtures.addExample("s3-sqs", services: ["s3", "sqs"])
        let dynamodb = try fixtures.addExample("dynamodb-lambda", services: ["dynamodb", "iam", "lambda"])
        let snssqs = try fixtures.addExample("sns-sqs", services: ["sns", "sqs"])
        let broken = try fixtures.add(name: "broken", services: ["s3"], terraform: [ValidateFixtures.text("main.tf", Self.objectInMissingBucket)])
        let slow = try fixtures.add(name: "slow", services: ["sqs"], terraform: [ValidateFixtures.text("main.tf", Self.queueOnly)])
        let runtime = HostRuntime(emulator: .moto, environment: environment)

        // The tiny-timeout run goes alongside the main one (its own run, its own limit).
        var slowOptions = fixtures.options(timeout: .seconds(20), environment: environment)
        slowOptions.cleanupTimeout = .seconds(60)
        var mainOptions = fixtures.options(environment: environment)
        // Destroying SQS queues takes a minute or more on a loaded 2-core machine; a slower destroy is only
        // a warning, but the test should see it finish.
        mainOptions.cleanupTimeout = .seconds(300)
        async let slowRun = ValidateStage.run(architectures: [slow], store: fixtures.store, runtime: runtime, options: slowOptions, logger: .silent)
        let mainRun = try await ValidateStage.run(
            architectures: [s3sqs, dynamodb, snssqs, broken], store: fixtures.store, runtime: runtime,
            options: mainOptions, logger: .silent)
        let timedRun = try await slowRun

        let byName = Dictionary(uniqueKeysWithValues: (mainRun.results + timedRun.results).map { ($0.name, $0) })
        for name in ["s3-sqs", "dynamodb-lambda", "sns-sqs"] {
            let result = try XCTUnwrap(byName[name])
            XCTAssertEqual(
                result.status, .passed, "\(name): \(result.error ?? "") \(result.pytestOutput ?? "") \(result.terraformOutput?.suffix(2000) ?? "")")
            XCTAssertFalse(result.deployOnly)
            XCTAssertNotNil(result.appHash)
            XCTAssertTrue(result.tests.allSatisfy { $0.outcome == .passed } && !result.tests.isEmpty, "\(name): \(result.tests)")
            for step in ["emulator_start", "health", "init", "apply", "tests", "destroy"] {
                XCTAssertNotNil(result.durations[step], "\(name) lacks a \(step) duration")
            }
            XCTAssertTrue(result.warnings.allSatisfy { $0.hasPrefix("terraform destroy failed") }, "\(name): \(result.warnings)")
        }
        XCTAssertEqual(byName["s3-sqs"]?.tests.count, 3)
        XCTAssertTrue(byName["dynamodb-lambda"]?.tests.contains { $0.name.hasSuffix("test_function_serves_the_orders_table") } == true)

        let failed = try XCTUnwrap(byName["broken"])
        XCTAssertEqual(failed.status, .failed)
        XCTAssertEqual(failed.failedStep, "apply")
        XCTAssertTrue(failed.deployOnly, "no app: marked deploy-only")
        XCTAssertTrue(failed.error?.contains("terraform apply failed: Error:") == true, failed.error ?? "")

        let timedOut = try XCTUnwrap(byName["slow"])
        XCTAssertEqual(timedOut.status, .timeout, "\(timedOut.error ?? "")")
        XCTAssertTrue(timedOut.error?.contains("LSQM_TIMEOUT") == true)

        // Secrets: the probe's tests asserted their absence in the child; nothing written mentions them.
        for run in [mainRun, timedRun] {
            let directory = fixtures.store.runDirectory(run.runID)
            var written = try String(contentsOf: directory.appendingPathComponent("results.json"), encoding: .utf8)
            for result in run.results {
                written += try String(contentsOf: directory.appendingPathComponent("logs/\(result.arch).log"), encoding: .utf8)
            }
            for value in Self.secrets.values { XCTAssertFalse(written.contains(value), "a secret leaked into \(directory.path)") }
        }

        // Provider sockets stay in the validations' directories (the timed-out apply's killed ones too).
        XCTAssertEqual(Self.providerSockets().subtracting(socketsBefore), [])

        // Every emulator and shared provider is gone once the stage returns. Apply and destroy shared one
        // provider process wherever there is a single aws configuration — also when the apply timed out.
        for run in [mainRun, timedRun] {
            for result in run.results {
                let log = try String(
                    contentsOf: fixtures.store.runDirectory(run.runID).appendingPathComponent("logs/\(result.arch).log"), encoding: .utf8)
                let port = try XCTUnwrap(ValidateFixtures.emulatorPort(inLog: log), "\(result.name) log names its emulator")
                let listening = await ValidateFixtures.isListening(port)
                XCTAssertFalse(listening, "\(result.name)'s emulator on port \(port) is still running")
                if result.name == "broken" {
                    XCTAssertTrue(log.contains("launched by terraform per command: 2 configurations of the aws provider"), log)
                    continue
                }
                let pid = try XCTUnwrap(Self.sharedProviderPID(inLog: log), "\(result.name) shares one provider: \(log.prefix(3000))")
                XCTAssertEqual(kill(pid, 0), -1, "\(result.name)'s provider (pid \(pid)) is still running")
            }
        }
    }

    /// The child pytest gets the endpoint, region, dummy credentials and outputs, and none of lsqm's secrets
    /// even though they are set in lsqm's environment (a real pytest process checks its own environment).
    func testTestAppEnvironmentHoldsOutputsAndNoSecrets() async throws {
        try ValidateFixtures.skipUnlessInstalled(["python3"])
        for (name, value) in Self.secrets { setenv(name, value, 1) }
        defer { for name in Self.secrets.keys { unsetenv(name) } }
        let work = try Files.makeTemporaryDirectory(prefix: "lsqm-env-probe")
        defer { Files.remove(work) }
        let app = work.appendingPathComponent("app")
        try AtomicFile.write(Self.environmentProbe, to: app.appendingPathComponent("test_env.py"))
        let outputs: [String: JSONValue] = ["bucket_name": "lsqm-env-probe", "tags": ["team": "lsqm"]]
        let outputsFile = work.appendingPathComponent("outputs.json")
        try AtomicFile.writeJSON(outputs, to: outputsFile)
        let env = ChildEnvironment.forTests(
            ProcessInfo.processInfo.environment, region: "us-east-1", endpoint: URL(string: "http://127.0.0.1:4566")!,
            outputs: outputs, outputsFile: outputsFile)
        let python = URL(fileURLWithPath: try XCTUnwrap(Subprocess.which("python3")))
        let outcome = try await PytestRun.run(
            python: python, appDirectory: app, environment: env,
            reportPath: work.appendingPathComponent("junit.xml"), timeout: .seconds(120))
        XCTAssertEqual(outcome.tests.map(\.outcome), [.passed, .passed], outcome.output)
        for value in Self.secrets.values { XCTAssertFalse(outcome.output.contains(value)) }
    }

    /// An emulator that never becomes healthy is ERROR (infrastructure), with no terraform run at all.
    func testNeverHealthyEmulatorIsError() async throws {
        let unhealthy = try HTTPTestServer { _ in .text("starting", status: 503) }
        defer { unhealthy.stop() }
        let fixtures = try ValidateFixtures()
        defer { fixtures.remove() }
        let architecture = try fixtures.add(name: "bucket", services: ["s3"], terraform: [ValidateFixtures.text("main.tf", Self.bucketOnly)])
        var options = fixtures.options()
        options.healthTimeout = .seconds(1)
        let run = try await ValidateStage.run(
            architectures: [architecture], store: fixtures.store,
            runtime: try URLRuntime(url: unhealthy.baseURL), options: options, logger: .silent)
        let result = try XCTUnwrap(run.results.first)
        XCTAssertEqual(result.status, .error)
        XCTAssertEqual(result.failedStep, "health")
        XCTAssertTrue(result.error?.contains("not healthy after 1 s") == true, result.error ?? "")
        XCTAssertNil(result.durations["init"], "nothing runs before the emulator is healthy")
        XCTAssertTrue(unhealthy.requests.contains { $0.path == "/_localstack/health" })
        XCTAssertTrue(unhealthy.requests.contains { $0.path == "/moto-api/" })
    }

    /// A provider that cannot be installed says nothing about the emulator: ERROR naming the provider.
    func testUninstallableProviderIsErrorNamingIt() async throws {
        try ValidateFixtures.skipUnlessInstalled(["terraform", "moto_server"])
        let mirror = try XCTUnwrap(TerraformSettings.defaultMirror(configured: nil))
        guard !TerraformSettings(mirror: mirror, pluginCache: mirror).mirroredProviders().contains("registry.terraform.io/hashicorp/random") else {
            throw XCTSkip("the mirror holds hashicorp/random")
        }
        // Without a network route to the registry, a direct download fails fast.
        let fixtures = try ValidateFixtures()
        defer { fixtures.remove() }
        let architecture = try fixtures.add(
            name: "random", services: ["s3"],
            terraform: [
                ValidateFixtures.text(
                    "main.tf",
                    """
                    terraform {
                      required_providers {
                        random = { source = "hashicorp/random" }
                      }
                    }
                    resource "random_id" "suffix" { byte_length = 4 }
                    """)
            ])
        var environment = ProcessInfo.processInfo.environment
        environment["HTTPS_PROXY"] = "http://127.0.0.1:9"
        let run = try await ValidateStage.run(
            architectures: [architecture], store: fixtures.store, runtime: HostRuntime(emulator: .moto),
            options: fixtures.options(environment: environment), logger: .silent)
        let result = try XCTUnwrap(run.results.first)
        XCTAssertEqual(result.status, .error, result.terraformOutput ?? "")
        XCTAssertEqual(result.failedStep, "init")
        XCTAssertTrue(
            result.error?.contains("could not install provider") == true && result.error?.contains("hashicorp/random") == true, result.error ?? "")
    }

    static let bucketOnly = """
        resource "aws_s3_bucket" "probe" {
          bucket        = "lsqm-env-probe"
          force_destroy = true
        }
        output "bucket_name" { value = aws_s3_bucket.probe.bucket }
        output "tags" { value = { team = "lsqm" } }
        """

    /// go-plugin's provider sockets in the shared temporary directory.
    static func providerSockets() -> Set<String> {
        let directory = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        return Set(((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasPrefix("plugin") })
    }

    static func sharedProviderPID(inLog log: String) -> pid_t? {
        guard let range = log.range(of: #"one shared process \(pid \d+\)"#, options: .regularExpression) else { return nil }
        return pid_t(log[range].filter(\.isNumber))
    }

    /// Two configurations of the aws provider (an alias): terraform must launch the provider itself.
    static let objectInMissingBucket = """
        provider "aws" {
          alias  = "west"
          region = "us-west-2"
        }
        resource "aws_s3_object" "orphan" {
          bucket  = "lsqm-bucket-that-does-not-exist"
          key     = "x.txt"
          content = "x"
        }
        """

    static let queueOnly = """
        resource "aws_sqs_queue" "slow" { name = "lsqm-slow" }
        """

    /// Runs inside the child pytest: what the validator hands a test app, and what it must never hand it.
    static let environmentProbe = """
        import json
        import os

        SECRETS = ["GITHUB_TOKEN", "ANTHROPIC_API_KEY", "SLACK_WEBHOOK_URL", "LOCALSTACK_AUTH_TOKEN"]


        def test_no_secret_reaches_the_tests():
            assert [name for name in SECRETS if name in os.environ] == []
            values = "\\n".join(os.environ.values())
            assert "lsqmTestSecret" not in values


        def test_endpoint_region_credentials_and_outputs_are_handed_over():
            assert os.environ["AWS_ENDPOINT_URL"] == "http://127.0.0.1:4566"
            assert os.environ["AWS_REGION"] == "us-east-1"
            assert os.environ["AWS_ACCESS_KEY_ID"] == "test"
            assert os.environ["TF_OUTPUT_BUCKET_NAME"] == "lsqm-env-probe"
            assert json.loads(os.environ["TF_OUTPUT_TAGS"]) == {"team": "lsqm"}
            with open(os.environ["LSQM_TF_OUTPUTS"]) as handle:
                assert json.load(handle) == {"bucket_name": "lsqm-env-probe", "tags": {"team": "lsqm"}}


        """
}
