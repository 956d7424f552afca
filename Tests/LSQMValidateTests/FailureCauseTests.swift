import Foundation
import LSQMBasics
import LSQMCore
import XCTest

@testable import LSQMValidate

/// Causes read from real output: every fixture under Fixtures/causes was captured from a real terraform,
/// AWS provider 5.100.0, pytest or moto 5.2.1 run on this kind of machine (see each test for what ran).
final class FailureCauseTests: XCTestCase {
    private static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/causes", isDirectory: true)

    private func fixture(_ name: String) throws -> String {
        try String(contentsOf: Self.fixtures.appendingPathComponent(name), encoding: .utf8)
    }

    private func apply(_ name: String, normalized: Bool, terraform: String = "", emulatorLog: String = "") throws -> FailureCause {
        FailureClassifier.terraform(
            output: try fixture(name), step: .apply,
            context: FailureContext(normalized: normalized, terraformText: terraform, emulatorLog: emulatorLog))
    }

    // MARK: terraform apply

    /// SAM lambda-sns on moto without managed policies: AttachRolePolicy 404 for an AWS-managed ARN. AWS has
    /// that policy in every account, so the emulator is at fault even though the ARN is a literal.
    func testManagedPolicyMissingIsTheEmulators() throws {
        let terraform = #"managed_policy_arns = ["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]"#
        let cause = try apply("apply-managed-policy-missing.txt", normalized: true, terraform: terraform)
        XCTAssertEqual(cause.kind, .emulator)
        XCTAssertEqual(cause.service, "iam")
        XCTAssertEqual(cause.operation, "AttachRolePolicy")
        XCTAssertEqual(cause.code, "NoSuchEntity")
        XCTAssertEqual(cause.step, "apply")
    }

    /// serverless aws-node-vue-nuxt-ssr: moto refuses a Swagger 2.0 body in PutRestApi.
    func testSwaggerBodyRefusedNamesPutRestApi() throws {
        let cause = try apply("apply-swagger-body-refused.txt", normalized: true)
        XCTAssertEqual(cause.kind, .emulator)
        XCTAssertEqual(cause.apiName, "apigateway:PutRestApi")
        XCTAssertEqual(cause.code, "BadRequestException")
        XCTAssertTrue(cause.message.contains("Only OpenAPI 3.x.x are currently supported"), cause.message)
    }

    /// A Terraform architecture asking for nodejs24.x, which provider 5.100.0 does not know: the mirror's
    /// provider is too old for it — not the emulator's fault, not the author's.
    func testRuntimeNewerThanTheProviderIsEnvironment() throws {
        let cause = try apply("apply-runtime-newer-than-provider.txt", normalized: false)
        XCTAssertEqual(cause.kind, .environment)
        XCTAssertEqual(cause.code, "ProviderTooOld")
        XCTAssertEqual(cause.service, "lambda")
        // The same error in Terraform lsqm wrote from a template is lsqm's: the normalizer should have
        // picked a runtime the provider knows.
        XCTAssertEqual(try apply("apply-runtime-newer-than-provider.txt", normalized: true).kind, .lsqm)
    }

    /// A normalized VPC-peering template deployed with an invented VPC id: moto says InvalidVpcID.NotFound
    /// for an id that is a literal in the Terraform. lsqm deployed what should have been marked needs-input.
    func testNotFoundForALiteralIdentifierIsNotTheEmulators() throws {
        let terraform = "variable \"PeerVPCID\" {\n  default     = \"vpc-00000000000000000\"\n}\n"
        let normalized = try apply("apply-placeholder-vpc-not-found.txt", normalized: true, terraform: terraform)
        XCTAssertEqual(normalized.kind, .lsqm)
        XCTAssertEqual(normalized.apiName, "ec2:CreateVpcPeeringConnection")
        XCTAssertEqual(normalized.code, "InvalidVpcID.NotFound")
        // Written by the author of a Terraform architecture, the same literal is the architecture's need.
        XCTAssertEqual(try apply("apply-placeholder-vpc-not-found.txt", normalized: false, terraform: terraform).kind, .architecture)
        // Without the literal, the VPC was created by the deploy and the emulator lost it.
        XCTAssertEqual(
            try apply("apply-placeholder-vpc-not-found.txt", normalized: false, terraform: "resource \"aws_vpc\" \"a\" {}").kind, .emulator)
    }

    func testAPIErrorTextIsParsedInAllItsForms() {
        let v2 = FailureClassifier.apiFailure(
            inTerraformError: """
                Error: publishing: operation error SNS: Publish, https response error StatusCode: 500, RequestID: 1a2b, api error InternalError: boom
                """)
        XCTAssertEqual(v2, APIFailure(service: "sns", operation: "Publish", httpStatus: 500, code: "InternalError", message: "boom"))
        let exhausted = FailureClassifier.apiFailure(
            inTerraformError: """
                Error: creating Step Functions State Machine: operation error SFN: ValidateStateMachineDefinition, exceeded maximum number of attempts, 25, https response error StatusCode: 500, RequestID: , api error InternalFailure: Internal Server Error
                """)
        XCTAssertEqual(exhausted?.service, "stepfunctions")
        XCTAssertEqual(exhausted?.code, "InternalFailure")
        XCTAssertEqual(exhausted?.httpStatus, 500)
        let cause = FailureClassifier.terraform(
            output:
                "Error: x: operation error Lambda: CreateFunction, https response error StatusCode: 501, RequestID: r, api error InternalFailure: API action 'CreateFunction' for service 'lambda' not yet implemented or pro feature",
            step: .apply, context: FailureContext(normalized: false, terraformText: ""))
        XCTAssertEqual(cause.kind, .emulator)
        XCTAssertEqual(cause.code, "NotImplemented")
        XCTAssertEqual(cause.apiName, "lambda:CreateFunction")
        XCTAssertNil(FailureClassifier.apiFailure(inTerraformError: "Error: Unsupported argument"))
    }

    /// Read from bench-signal runs over the corpus: values lsqm invented, and malformed literals, are not the
    /// emulator's doing even when the emulator is the one that refuses them.
    func testInventedValuesAndMalformedLiteralsAreNotTheEmulators() {
        let normalized = FailureContext(
            normalized: true, terraformText: #"image_id = "/aws/service/ami-amazon-linux-latest/amzn2-ami-hvm-x86_64-gp2""#)
        let placeholder = FailureClassifier.terraform(
            output: """
                Error: creating Appsync Data Source (lsqm-unsupported-AppSyncToBedrockApi-BedrockDataSource): operation error AppSync: CreateDataSource, https response error StatusCode: 404, RequestID: , deserialization failed, failed to decode response body with invalid JSON

                  with aws_appsync_datasource.BedrockDataSource,
                """, step: .apply, context: normalized)
        XCTAssertEqual(placeholder.kind, .lsqm)
        XCTAssertEqual(placeholder.code, "InventedValueDeployed")
        XCTAssertEqual(placeholder.apiName, "appsync:CreateDataSource")
        let malformed = FailureClassifier.terraform(
            output: """
                Error: reading EC2 AMI: operation error EC2: DescribeImages, https response error StatusCode: 400, RequestID: x, api error InvalidAMIID.Malformed: Invalid id: "/aws/service/ami-amazon-linux-latest/amzn2-ami-hvm-x86_64-gp2" (expecting "ami-...")

                  with aws_instance.Web,
                """, step: .apply, context: normalized)
        XCTAssertEqual(malformed.kind, .lsqm)
        XCTAssertEqual(malformed.apiName, "ec2:DescribeImages")
        // The error's own text stops where terraform points at the configuration.
        let deployment = FailureClassifier.apiFailure(
            inTerraformError: try! fixture("apply-deployment-without-integration.txt")
                .components(separatedBy: "Error: ").dropFirst().first.map { "Error: " + $0 } ?? "")
        XCTAssertEqual(deployment?.message, "No integration defined for method")
        XCTAssertEqual(deployment?.apiName, "apigateway:CreateDeployment")
    }

    func testConfigurationAndConnectionErrors() {
        let context = FailureContext(normalized: false, terraformText: "")
        let undeclared = FailureClassifier.terraform(
            output: """
                Error: Reference to undeclared resource

                  on main.tf line 3, in resource "aws_sqs_queue" "q":
                   3:   policy = aws_iam_policy.missing.arn
                """, step: .apply, context: context)
        XCTAssertEqual(undeclared.kind, .architecture)
        let refused = FailureClassifier.terraform(
            output: """
                Error: creating SQS Queue (q): operation error SQS: CreateQueue, https response error StatusCode: 0, RequestID: , request send failed, Post "http://127.0.0.1:4566/": dial tcp 127.0.0.1:4566: connect: connection refused
                """, step: .apply, context: context)
        XCTAssertEqual(refused.kind, .environment, "no answer came: the emulator is not to blame for what it never saw")
        XCTAssertEqual(refused.apiName, "sqs:CreateQueue")
        let unreachable = FailureClassifier.terraform(
            output: "Error: reading: dial tcp 127.0.0.1:4566: connect: connection refused\n",
            step: .apply, context: context)
        XCTAssertEqual(unreachable.kind, .environment)
        let waiting = FailureClassifier.terraform(
            output: """
                Error: waiting for ECS Service (svc) create: timeout while waiting for state to become 'tfSTABLE' (last state: 'tfPENDING', timeout: 10m0s)

                  with aws_ecs_service.svc,
                """, step: .apply, context: context)
        XCTAssertEqual(waiting.kind, .emulator)
        XCTAssertEqual(waiting.service, "ecs")
        XCTAssertEqual(waiting.code, "WaiterFailed")
    }

    // MARK: The provider's debug log (fail fast)

    /// terraform apply of an aws_sfn_state_machine on moto with TF_LOG_PROVIDER=DEBUG TF_LOG_PATH: moto answers
    /// ValidateStateMachineDefinition with a bare HTTP 500 and names the unimplemented action only in its log.
    func testTextProviderLogWithMotoLogStopsAtTheFirstAnswer() throws {
        var scanner = ProviderLogScanner()
        let fatal = scanner.feed(try fixture("provider-debug-text-sfn.log"), emulatorLog: try fixture("moto-not-implemented.log"))
        XCTAssertEqual(fatal?.service, "stepfunctions")
        XCTAssertEqual(fatal?.operation, "ValidateStateMachineDefinition")
        XCTAssertEqual(fatal?.code, "NotImplemented")
        XCTAssertEqual(fatal?.httpStatus, 500)
    }

    /// Without the emulator's word (an external emulator), the same log is fatal once the SDK has retried
    /// the 5xx `retriesBeforeFatal` times — not on the first retry, which a transient 5xx would also cause.
    func testTextProviderLogWithoutEmulatorLogStopsAfterRepeatedRetries() throws {
        let log = try fixture("provider-debug-text-sfn.log")
        var scanner = ProviderLogScanner()
        let fatal = scanner.feed(log, emulatorLog: "")
        XCTAssertEqual(fatal?.code, "RetriesExhausted")
        XCTAssertEqual(fatal?.operation, "ValidateStateMachineDefinition")
        // Only the first two attempts: a transient failure, not yet fatal.
        let early = log.components(separatedBy: "retrying request SFN/ValidateStateMachineDefinition, attempt 3")[0]
        var patient = ProviderLogScanner()
        XCTAssertNil(patient.feed(early, emulatorLog: ""))
    }

    /// The same apply through a shared provider in debug mode: JSON lines on its stderr, fed in small chunks
    /// as the watcher reads them.
    func testJSONProviderLogFedInChunks() throws {
        let log = try fixture("provider-debug-json-sfn.log")
        let moto = try fixture("moto-not-implemented.log")
        var scanner = ProviderLogScanner()
        var fatal: APIFailure?
        var rest = Substring(log)
        while fatal == nil, !rest.isEmpty {
            let chunk = rest.prefix(777)
            rest = rest.dropFirst(777)
            fatal = scanner.feed(String(chunk), emulatorLog: moto)
        }
        XCTAssertEqual(fatal?.apiName, "stepfunctions:ValidateStateMachineDefinition")
        XCTAssertEqual(fatal?.code, "NotImplemented")
    }

    func testA501OrANotImplementedBodyIsFatalAtOnce() {
        var scanner = ProviderLogScanner()
        let line =
            #"{"@message":"HTTP Response Received","http.status_code":501,"rpc.method":"PutMetricStream","rpc.service":"CloudWatch","http.response.body":"{}"}"#
            + "\n"
        XCTAssertEqual(scanner.feed(line, emulatorLog: "")?.apiName, "cloudwatch:PutMetricStream")
        var text = ProviderLogScanner()
        let response =
            "2026-11-29T18:14:10.400Z [DEBUG] provider: HTTP Response Received: http.status_code=400 rpc.method=CreateFunction rpc.service=Lambda tf_rpc=ApplyResourceChange\n"
            + "  | {\"__type\": \"InternalFailure\", \"message\": \"API action 'CreateFunction' for service 'lambda' not yet implemented or pro feature\"}\n"
            + "2026-11-29T18:14:10.401Z [DEBUG] provider: next\n"
        XCTAssertEqual(text.feed(response, emulatorLog: "")?.apiName, "lambda:CreateFunction")
        // A 4xx that is an ordinary refusal is left to terraform's own error.
        var ordinary = ProviderLogScanner()
        XCTAssertNil(
            ordinary.feed(
                "HTTP Response Received: http.status_code=400 rpc.method=CreateQueue rpc.service=SQS\n  | {\"message\": \"bad name\"}\nx\n",
                emulatorLog: ""))
    }

    /// LocalStack 2026.3.0 on the host, offline: DynamoDB Local cannot be downloaded, so CreateTable answers 500
    /// after LocalStack fails to reach its own backend. The provider log's retries stop the apply; the cause is
    /// this machine, not LocalStack.
    func testAnEmulatorBackendThatCannotStartOfflineIsTheEnvironments() throws {
        let failure = APIFailure(
            service: "dynamodb", operation: "CreateTable", httpStatus: 500, code: "RetriesExhausted",
            message: "4 attempts failed with HTTP 500")
        let offline = FailureContext(normalized: false, terraformText: "", emulatorLog: try fixture("localstack-dynamodb-offline.log"))
        let cause = FailureClassifier.classify(failure, step: .apply, context: offline, resourceType: nil)
        XCTAssertEqual(cause.kind, .environment)
        XCTAssertEqual(cause.code, "EmulatorBackendUnavailable")
        XCTAssertEqual(cause.apiName, "dynamodb:CreateTable")
        // The same answers with a log that says nothing of the kind are the emulator's.
        XCTAssertEqual(
            FailureClassifier.classify(
                failure, step: .apply, context: FailureContext(normalized: false, terraformText: ""),
                resourceType: nil
            ).kind, .emulator)
    }

    // MARK: pytest

    /// serverless legacy aws-python-docker on moto: Invoke of an image Lambda crashes inside moto
    /// (AttributeError in its Lambda backend), botocore reports HTTP 500 after its retries.
    func testTestFailingOnAnEmulator500NamesTheCall() throws {
        let test = TestCaseResult(
            name: "test_app::test_lambda_function_HelloLambdaFunction_is_configured_and_invocable", outcome: .failed,
            durationMs: 10, message: try fixture("pytest-invoke-500.txt"))
        let calls = [
            ProbedCall(service: "lambda", operation: "GetFunction", status: 200),
            ProbedCall(service: "lambda", operation: "Invoke", status: 500, code: "500"),
        ]
        let context = FailureContext(normalized: true, terraformText: "", emulatorLog: try fixture("moto-invoke-image-lambda.log"))
        let cause = FailureClassifier.test(test, calls: calls, context: context)
        XCTAssertEqual(cause.kind, .emulator)
        XCTAssertEqual(cause.apiName, "lambda:Invoke")
        XCTAssertEqual(cause.step, "tests")
        // On a machine where moto cannot reach Docker, the same 500 is the environment's.
        let noDocker = FailureContext(
            normalized: true, terraformText: "",
            emulatorLog: "docker.errors.DockerException: Error while fetching server API version")
        XCTAssertEqual(FailureClassifier.test(test, calls: calls, context: noDocker).kind, .environment)
    }

    func testAssertionsBlameTheLastCallAndBrokenTestsBlameTheTest() {
        let context = FailureContext(normalized: false, terraformText: "")
        let assertion = TestCaseResult(name: "t::a", outcome: .failed, durationMs: 1, message: "AssertionError: assert 'Disabled' == 'Enabled'")
        let cause = FailureClassifier.test(
            assertion, calls: [ProbedCall(service: "s3", operation: "GetBucketVersioning", status: 200)], context: context)
        XCTAssertEqual(cause.kind, .emulator)
        XCTAssertEqual(cause.apiName, "s3:GetBucketVersioning")
        XCTAssertEqual(FailureClassifier.test(assertion, calls: [], context: context).kind, .test)
        let keyError = TestCaseResult(name: "t::k", outcome: .error, durationMs: 1, message: "KeyError: 'queue_url'")
        let broken = FailureClassifier.test(keyError, calls: [], context: context)
        XCTAssertEqual(broken.kind, .test)
        XCTAssertEqual(broken.code, "KeyError")
        let params = TestCaseResult(
            name: "t::p", outcome: .failed, durationMs: 1,
            message: "botocore.exceptions.ParamValidationError: Parameter validation failed: Missing required parameter in input: \"QueueUrl\"")
        XCTAssertEqual(FailureClassifier.test(params, calls: [ProbedCall(service: "sqs", operation: "SendMessage")], context: context).kind, .test)
        let timeout = TestCaseResult(name: "t::t", outcome: .failed, durationMs: 60_000, message: "Failed: Timeout >60.0s")
        let hung = FailureClassifier.test(timeout, calls: [ProbedCall(service: "sqs", operation: "ReceiveMessage")], context: context)
        XCTAssertEqual(hung.kind, .emulator)
        XCTAssertEqual(hung.apiName, "sqs:ReceiveMessage")
    }

    // MARK: Counting

    /// Pass rates count only verdicts that are about the emulator; the rest are counted apart.
    func testCountsKeepVerdictsThatAreNotTheEmulatorsApart() {
        func result(_ status: ValidationStatus, _ kind: FailureCause.Class?) -> ValidationResult {
            ValidationResult(
                arch: UUID().uuidString, sourceURL: "", name: "", kind: .terraform, services: ["s3"], status: status,
                cause: kind.map { FailureCause($0, message: "m") })
        }
        let counts = StatusCounts(results: [
            result(.passed, nil), result(.failed, .emulator), result(.failed, .lsqm), result(.partial, .test),
            result(.timeout, .emulator), result(.error, .environment), result(.failed, nil),
        ])
        XCTAssertEqual(counts.total, 7)
        XCTAssertEqual(counts.passed, 1)
        XCTAssertEqual(counts.failed, 2, "the emulator's FAILED and an old FAILED without a cause")
        XCTAssertEqual(counts.timeout, 1)
        XCTAssertEqual(counts.notEmulator, 2)
        XCTAssertEqual(counts.error, 1)
        XCTAssertEqual(counts.passRate ?? 0, 0.25, accuracy: 0.0001)
        // Old tallies without the key still decode.
        let old = try? JSONDecoder().decode(
            StatusCounts.self, from: Data(#"{"total":2,"passed":1,"partial":0,"failed":1,"timeout":0,"error":0}"#.utf8))
        XCTAssertEqual(old?.notEmulator, 0)
        XCTAssertEqual(old?.failed, 1)
    }
}

/// The probe in a real pytest run against a real moto_server: each failed test is told apart by what it called.
final class PytestProbeTests: XCTestCase {
    private static let app = """
        import os
        import boto3

        def client(name):
            return boto3.client(name, endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name="us-east-1")

        def test_queue_that_was_never_made():
            client("sqs").get_queue_url(QueueName="lsqm-never-made")

        def test_reads_an_output_that_is_not_there():
            client("s3").list_buckets()
            outputs = {}
            assert outputs["bucket_name"]

        class TestVersioning:
            def test_versioning_is_on(self):
                s3 = client("s3")
                s3.create_bucket(Bucket="lsqm-probe-bucket")
                assert s3.get_bucket_versioning(Bucket="lsqm-probe-bucket").get("Status") == "Enabled"

        def test_passes():
            assert client("sts").get_caller_identity()["Account"]

        """

    func testFailedTestsNameTheirCalls() async throws {
        try ValidateFixtures.skipUnlessInstalled(["python3", "moto_server"])
        let work = try Files.makeTemporaryDirectory(prefix: "lsqm-probe")
        defer { Files.remove(work) }
        let emulator = try await HostRuntime(emulator: .moto).start(
            EmulatorRequest(runID: "probe", arch: "probe", services: ["s3"], workDirectory: work))
        defer { Task { await emulator.stop() } }
        try await HealthCheck.wait(for: emulator, services: ["s3"], timeout: .seconds(60))
        let app = work.appendingPathComponent("app")
        try AtomicFile.write(Self.app, to: app.appendingPathComponent("test_app.py"))
        let env = ChildEnvironment.forTests(
            ProcessInfo.processInfo.environment, region: "us-east-1", endpoint: emulator.endpoint, outputs: [:],
            outputsFile: work.appendingPathComponent("outputs.json"))
        let python = URL(fileURLWithPath: try XCTUnwrap(Subprocess.which("python3")))
        let outcome = try await PytestRun.run(
            python: python, appDirectory: app, environment: env, reportPath: work.appendingPathComponent("junit.xml"),
            timeout: .seconds(180), probeDirectory: work.appendingPathComponent("probe"))
        XCTAssertFalse(Files.exists(app.appendingPathComponent("lsqm_probe.py")), "the probe stays outside the app")
        let context = FailureContext(normalized: false, terraformText: "", emulatorLog: await emulator.logTail(limit: 64 * 1024))
        let tests = Dictionary(
            uniqueKeysWithValues: ArchitectureValidation.withCauses(outcome.tests, calls: outcome.calls, context: context).map { ($0.name, $0) })
        XCTAssertEqual(tests.count, 4, outcome.output)

        let missingQueue = try XCTUnwrap(tests["test_app::test_queue_that_was_never_made"]?.cause, outcome.output)
        XCTAssertEqual(missingQueue.apiName, "sqs:GetQueueUrl")
        XCTAssertEqual(missingQueue.step, "tests")
        let keyError = try XCTUnwrap(tests["test_app::test_reads_an_output_that_is_not_there"]?.cause)
        XCTAssertEqual(keyError.kind, .test)
        XCTAssertEqual(keyError.code, "KeyError")
        let versioning = try XCTUnwrap(tests["test_app.TestVersioning::test_versioning_is_on"]?.cause, "\(tests.keys)")
        XCTAssertEqual(versioning.kind, .emulator)
        XCTAssertEqual(versioning.apiName, "s3:GetBucketVersioning", "the assertion blames the answer it looked at")
        XCTAssertEqual(tests["test_app::test_passes"]?.outcome, .passed)
        XCTAssertNil(tests["test_app::test_passes"]?.cause)
        let verdict = ArchitectureValidation.verdictCause(
            of: outcome.tests.isEmpty ? [] : Array(tests.values.filter { $0.cause != nil }),
            pytestExit: outcome.exitCode, output: outcome.output)
        XCTAssertEqual(verdict.kind, .emulator, "a PARTIAL's cause is the emulator's when any failed test blames it")
    }
}
