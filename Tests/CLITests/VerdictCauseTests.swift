import Foundation
import LSQMBasics
import LSQMCore
import LSQMTestSupport
import XCTest

/// Verdicts with causes, end to end: real terraform, the real AWS provider and a real moto_server, through the
/// lsqm binary (`mine --local`, then `validate --emulator host:moto --json`).
final class VerdictCauseTests: XCTestCase {
    private var scratch: URL!

    override func setUpWithError() throws {
        guard Files.exists(BuildProducts.lsqm) else { throw XCTSkip("build the package first (swift build)") }
        guard Subprocess.which("moto_server") != nil, Subprocess.which("terraform") != nil else {
            throw XCTSkip("moto_server and terraform are needed")
        }
        scratch = try Files.makeTemporaryDirectory(prefix: "lsqm-verdict-cause")
    }

    override func tearDown() {
        if let scratch { Files.remove(scratch) }
    }

    private static let provider = """
        terraform {
          required_providers {
            aws = {
              source = "hashicorp/aws"
            }
          }
        }

        """

    private static let assumeLambda =
        #"jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "lambda.amazonaws.com" } }] })"#

    /// - A Step Functions state machine: moto does not implement ValidateStateMachineDefinition and answers
    ///   HTTP 500, which the provider would retry until LSQM_TIMEOUT. It must stop within seconds: FAILED,
    ///   cause emulator, the operation named.
    /// - A SAM-style Lambda role with AWS managed policies attached: deploys, because moto starts with AWS
    ///   managed policies loaded, as AWS has them.
    /// - A QLDB ledger: moto offers no QLDB, so the architecture is not run (never FAILED), with the reason.
    /// And `--json` prints JSON Lines, one object per architecture.
    func testMissingAPIFailsFastManagedPoliciesExistAndMissingServicesAreNotRun() async throws {
        let architectures = scratch.appendingPathComponent("architectures")
        try AtomicFile.write(
            Self.provider + """
                resource "aws_iam_role" "states" {
                  name               = "lsqm-states"
                  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "states.amazonaws.com" } }] })
                }

                resource "aws_sfn_state_machine" "flow" {
                  name       = "lsqm-flow"
                  role_arn   = aws_iam_role.states.arn
                  definition = jsonencode({ StartAt = "Done", States = { Done = { Type = "Pass", End = true } } })
                }

                """, to: architectures.appendingPathComponent("step-functions/main.tf"))
        try AtomicFile.write(
            Self.provider + """
                resource "aws_iam_role" "function" {
                  name                = "lsqm-function"
                  assume_role_policy  = \(Self.assumeLambda)
                  managed_policy_arns = ["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]
                }

                resource "aws_iam_role_policy_attachment" "xray" {
                  role       = aws_iam_role.function.name
                  policy_arn = "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess"
                }

                """, to: architectures.appendingPathComponent("sam-role/main.tf"))
        try AtomicFile.write(
            Self.provider + """
                resource "aws_qldb_ledger" "books" {
                  name             = "lsqm-books"
                  permissions_mode = "STANDARD"
                }

                """, to: architectures.appendingPathComponent("ledger/main.tf"))

        let env = [
            "ARTIFACT_REPO": scratch.appendingPathComponent("repo").path, "LSQM_CACHE_DIR": scratch.appendingPathComponent("cache").path,
            "LSQM_TIMEOUT": "240", "LSQM_PARALLEL": "3",
        ]
        let mine = try await LSQMProcess.run(["mine", "--local", architectures.path], environment: env)
        XCTAssertEqual(mine.exitCode, 0, String(mine.stderr.suffix(2000)))
        let validate = try await LSQMProcess.run(["validate", "--emulator", "host:moto", "--json"], environment: env, timeout: .seconds(600))
        XCTAssertEqual(validate.exitCode, 0, String(validate.stderr.suffix(3000)))

        let lines = validate.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 3, "one JSON object per line: \(validate.stdout)")
        let results = try lines.map { try JSONCoding.decode(JSONValue.self, from: Data($0.utf8)) }
        func result(_ name: String) throws -> JSONValue {
            try XCTUnwrap(results.first { $0["name"]?.stringValue?.hasSuffix(name) ?? false }, "\(name) in \(validate.stdout)")
        }

        let flow = try result("step-functions")
        XCTAssertEqual(flow["status"]?.stringValue, "FAILED", "\(flow)")
        XCTAssertEqual(flow["cause"]?["class"]?.stringValue, "emulator")
        XCTAssertEqual(flow["cause"]?["service"]?.stringValue, "stepfunctions")
        XCTAssertEqual(flow["cause"]?["operation"]?.stringValue, "ValidateStateMachineDefinition")
        XCTAssertEqual(flow["cause"]?["code"]?.stringValue, "NotImplemented")
        XCTAssertEqual(flow["cause"]?["step"]?.stringValue, "apply")
        // Without the watch the provider retries 25 times with backoff, several minutes; the apply alone
        // (provider start, plan, the first answers) takes well under a minute here.
        let applyMs = try XCTUnwrap(flow["durations"]?["apply"]?.doubleValue)
        XCTAssertLessThan(applyMs, 90_000, "the apply stopped on the first answers, not at the timeout")

        let role = try result("sam-role")
        XCTAssertEqual(role["status"]?.stringValue, "PASSED", "\(role)")
        XCTAssertEqual(role["cause"], .null)

        let ledger = try result("ledger")
        XCTAssertEqual(ledger["status"]?.stringValue, "NOT_RUN")
        XCTAssertEqual(ledger["reason"]?.stringValue, "uses a service moto does not offer: qldb")

        // The run record says the same, and the summary counts the emulator's failure as a failure.
        // The run folders (runs/ also holds a .gitkeep, listed in no particular order).
        let runs = ArtifactStore(root: scratch.appendingPathComponent("repo")).runIDs()
        XCTAssertEqual(runs.count, 1, "\(runs)")
        let record = try JSONCoding.decode(JSONValue.self, from: Files.read(scratch.appendingPathComponent("repo/runs/\(runs[0])/results.json")))
        XCTAssertEqual(record["not_run"]?.arrayValue?.count, 1)
        XCTAssertEqual(record["results"]?.arrayValue?.count, 2)
        let text = try await LSQMProcess.run(["status"], environment: env)
        XCTAssertEqual(text.exitCode, 0, text.stderr)
    }
}
