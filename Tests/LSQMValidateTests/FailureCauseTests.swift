import Foundation
import LSQMCore
@testable import LSQMValidate
import XCTest

/// Causes read from real output: every fixture under Fixtures/causes was captured from a real terraform,
/// AWS provider 5.100.0, pytest or moto 5.2.1 run on this kind of machine (see each test for what ran).
final class FailureCauseTests: XCTestCase {
    private static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/causes", isDirectory: true)

    private func fixture(_ name: String) throws -> String {
        try String(contentsOf: Self.fixtures.appendingPathComponent(name), encoding: .utf8)
    }

    private func apply(_ name: String, normalized: Bool, terraform: String = "", emulatorLog: String = "") throws -> FailureCause {
        FailureClassifier.terraform(output: try fixture(name), step: .apply,
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
        XCTAssertEqual(try apply("apply-placeholder-vpc-not-found.txt", normalized: false, terraform: "resource \"aws_vpc\" \"a\" {}").kind, .emulator)
    }

    func testAPIErrorTextIsParsedInAllItsForms() {
        let v2 = FailureClassifier.apiFailure(inTerraformError: """
            Error: publishing: operation error SNS: Publish, https response error StatusCode: 500, RequestID: 1a2b, api error InternalError: boom
            """)
        XCTAssertEqual(v2, APIFailure(service: "sns", operation: "Publish", httpStatus: 500, code: "InternalError", message: "boom"))
        let exhausted = FailureClassifier.apiFailure(inTerraformError: """
            Error: creating Step Functions State Machine: operation error SFN: ValidateStateMachineDefinition, exceeded maximum number of attempts, 25, https response error StatusCode: 500, RequestID: , api error InternalFailure: Internal Server Error
            """)
        XCTAssertEqual(exhausted?.service, "stepfunctions")
        XCTAssertEqual(exhausted?.code, "InternalFailure")
        XCTAssertEqual(exhausted?.httpStatus, 500)
        let cause = FailureClassifier.terraform(output: "Error: x: operation error Lambda: CreateFunction, https response error StatusCode: 501, RequestID: r, api error InternalFailure: API action 'CreateFunction' for service 'lambda' not yet implemented or pro feature",
                                                step: .apply, context: FailureContext(normalized: false, terraformText: ""))
        XCTAssertEqual(cause.kind, .emulator)
        XCTAssertEqual(cause.code, "NotImplemented")
        XCTAssertEqual(cause.apiName, "lambda:CreateFunction")
        XCTAssertNil(FailureClassifier.apiFailure(inTerraformError: "Error: Unsupported argument"))
    }

    func testConfigurationAndConnectionErrors() {
        let context = FailureContext(normalized: false, terraformText: "")
        let undeclared = FailureClassifier.terraform(output: """
            Error: Reference to undeclared resource

              on main.tf line 3, in resource "aws_sqs_queue" "q":
               3:   policy = aws_iam_policy.missing.arn
            """, step: .apply, context: context)
        XCTAssertEqual(undeclared.kind, .architecture)
        let refused = FailureClassifier.terraform(output: """
            Error: creating SQS Queue (q): operation error SQS: CreateQueue, https response error StatusCode: 0, RequestID: , request send failed, Post "http://127.0.0.1:4566/": dial tcp 127.0.0.1:4566: connect: connection refused
            """, step: .apply, context: context)
        XCTAssertEqual(refused.kind, .environment, "no answer came: the emulator is not to blame for what it never saw")
        XCTAssertEqual(refused.apiName, "sqs:CreateQueue")
        let unreachable = FailureClassifier.terraform(output: "Error: reading: dial tcp 127.0.0.1:4566: connect: connection refused\n",
                                                      step: .apply, context: context)
        XCTAssertEqual(unreachable.kind, .environment)
        let waiting = FailureClassifier.terraform(output: """
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
        let line = #"{"@message":"HTTP Response Received","http.status_code":501,"rpc.method":"PutMetricStream","rpc.service":"CloudWatch","http.response.body":"{}"}"# + "\n"
        XCTAssertEqual(scanner.feed(line, emulatorLog: "")?.apiName, "cloudwatch:PutMetricStream")
        var text = ProviderLogScanner()
        let response = "2026-11-29T18:14:10.400Z [DEBUG] provider: HTTP Response Received: http.status_code=400 rpc.method=CreateFunction rpc.service=Lambda tf_rpc=ApplyResourceChange\n"
            + "  | {\"__type\": \"InternalFailure\", \"message\": \"API action 'CreateFunction' for service 'lambda' not yet implemented or pro feature\"}\n"
            + "2026-11-29T18:14:10.401Z [DEBUG] provider: next\n"
        XCTAssertEqual(text.feed(response, emulatorLog: "")?.apiName, "lambda:CreateFunction")
        // A 4xx that is an ordinary refusal is left to terraform's own error.
        var ordinary = ProviderLogScanner()
        XCTAssertNil(ordinary.feed("HTTP Response Received: http.status_code=400 rpc.method=CreateQueue rpc.service=SQS\n  | {\"message\": \"bad name\"}\nx\n",
                                   emulatorLog: ""))
    }

    // MARK: pytest

    /// serverless legacy aws-python-docker on moto: Invoke of an image Lambda crashes inside moto
    /// (AttributeError in its Lambda backend), botocore reports HTTP 500 after its retries.
    func testTestFailingOnAnEmulator500NamesTheCall() throws {
        let test = TestCaseResult(name: "test_app::test_lambda_function_HelloLambdaFunction_is_configured_and_invocable", outcome: .failed,
                                  durationMs: 10, message: try fixture("pytest-invoke-500.txt"))
        let calls = [ProbedCall(service: "lambda", operation: "GetFunction", status: 200),
                     ProbedCall(service: "lambda", operation: "Invoke", status: 500, code: "500")]
        let context = FailureContext(normalized: true, terraformText: "", emulatorLog: try fixture("moto-invoke-image-lambda.log"))
        let cause = FailureClassifier.test(test, calls: calls, context: context)
        XCTAssertEqual(cause.kind, .emulator)
        XCTAssertEqual(cause.apiName, "lambda:Invoke")
        XCTAssertEqual(cause.step, "tests")
        // On a machine where moto cannot reach Docker, the same 500 is the environment's.
        let noDocker = FailureContext(normalized: true, terraformText: "",
                                      emulatorLog: "docker.errors.DockerException: Error while fetching server API version")
        XCTAssertEqual(FailureClassifier.test(test, calls: calls, context: noDocker).kind, .environment)
    }

    func testAssertionsBlameTheLastCallAndBrokenTestsBlameTheTest() {
        let context = FailureContext(normalized: false, terraformText: "")
        let assertion = TestCaseResult(name: "t::a", outcome: .failed, durationMs: 1, message: "AssertionError: assert 'Disabled' == 'Enabled'")
        let cause = FailureClassifier.test(assertion, calls: [ProbedCall(service: "s3", operation: "GetBucketVersioning", status: 200)], context: context)
        XCTAssertEqual(cause.kind, .emulator)
        XCTAssertEqual(cause.apiName, "s3:GetBucketVersioning")
        XCTAssertEqual(FailureClassifier.test(assertion, calls: [], context: context).kind, .test)
        let keyError = TestCaseResult(name: "t::k", outcome: .error, durationMs: 1, message: "KeyError: 'queue_url'")
        let broken = FailureClassifier.test(keyError, calls: [], context: context)
        XCTAssertEqual(broken.kind, .test)
        XCTAssertEqual(broken.code, "KeyError")
        let params = TestCaseResult(name: "t::p", outcome: .failed, durationMs: 1,
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
            ValidationResult(arch: UUID().uuidString, sourceURL: "", name: "", kind: .terraform, services: ["s3"], status: status,
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
        let old = try? JSONDecoder().decode(StatusCounts.self, from: Data(#"{"total":2,"passed":1,"partial":0,"failed":1,"timeout":0,"error":0}"#.utf8))
        XCTAssertEqual(old?.notEmulator, 0)
        XCTAssertEqual(old?.failed, 1)
    }
}
