import Foundation
import LSQMBasics
import LSQMCore
import LSQMTestSupport
import LSQMValidate
import XCTest

@testable import LSQMGenerate

final class RuleGeneratorTests: XCTestCase {
    func testScannerResolvesLiteralsReferencesAndOutputs() {
        let facts = Fixture.facts("fanout")
        XCTAssertEqual(facts.problems, [])
        let queue = facts.resource(at: "aws_sqs_queue.audit")
        XCTAssertEqual(facts.literal(queue?.body.attributes["name"]), "lsqm-gen-fixture-audit")
        let subscription = facts.resource(at: "aws_sns_topic_subscription.audit")
        XCTAssertEqual(facts.target(of: subscription?.body.attributes["endpoint"])?.resource.address, "aws_sqs_queue.audit")
        XCTAssertEqual(facts.target(of: subscription?.body.attributes["endpoint"])?.attribute, "arn")
        let table = facts.resource(at: "aws_dynamodb_table.orders")
        XCTAssertEqual(table?.body.blocks("attribute").count, 2)
        XCTAssertEqual(facts.outputs.map(\.name), ["bucket", "topic", "table_arn"])
        XCTAssertEqual(facts.target(of: facts.outputs[2].value)?.attribute, "arn")
        // jsonencode({...}) spanning lines is one expression, not a block.
        XCTAssertNotNil(facts.resource(at: "aws_iam_role_policy.worker")?.body.attributes["policy"])
    }

    func testScannerHandlesHeredocsCommentsAndOneLineBlocks() throws {
        let text = """
            /* leading
               comment */
            resource "aws_iam_policy" "p" { name = "inline" }
            resource "aws_sns_topic" "t" {
              name   = "a-${local.env}" // trailing
              policy = <<EOF
            { "Statement": [ { "Effect": "Allow" } ] }
            EOF
              tags = { team = "x" }
            }
            locals {
              env = "prod"
            }
            """
        let facts = TerraformFacts.scan(files: [("main.tf", text)])
        XCTAssertEqual(facts.problems, [])
        XCTAssertEqual(facts.resources.map(\.address), ["aws_iam_policy.p", "aws_sns_topic.t"])
        XCTAssertEqual(facts.literal(facts.resources[0].body.attributes["name"]), "inline")
        XCTAssertEqual(facts.literal(facts.resources[1].body.attributes["name"]), "a-prod")
    }

    func testScannerReportsBrokenFilesAndKeepsTheRest() {
        let facts = TerraformFacts.scan(files: [
            ("a.tf", "resource \"aws_sqs_queue\" \"q\" {\n  name = \"unterminated\n}\n"),
            ("b.tf", "resource \"aws_sns_topic\" \"t\" {}\n"),
        ])
        XCTAssertEqual(facts.resources.map(\.address), ["aws_sns_topic.t"])
        XCTAssertEqual(facts.problems.count, 1)
        XCTAssertTrue(facts.problems[0].hasPrefix("a.tf"), facts.problems[0])
    }

    func testRuleAppCoversEverySupportedResourceAndPassesItsChecks() async throws {
        let app = RuleGenerator.generate(Fixture.facts("fanout"))
        let collected = try await AppChecks().run(app)
        XCTAssertEqual(
            collected.tests.map { $0.replacingOccurrences(of: "test_app.py::", with: "") }.sorted(),
            [
                "test_cloudwatch_event_bus_orders_accepts_events",
                "test_cloudwatch_event_rule_created_exists_and_its_bus_accepts_events",
                "test_dynamodb_table_orders_puts_gets_and_queries_items",
                "test_iam_role_policy_worker_is_attached",
                "test_iam_role_worker_exists",
                "test_kms_key_data_encrypts_and_decrypts",
                "test_s3_bucket_archive_stores_and_lists_objects",
                "test_secretsmanager_secret_api_can_be_read",
                "test_sns_topic_orders_accepts_a_publish",
                "test_sns_topic_subscription_audit_delivers_to_the_queue",
                "test_sqs_queue_audit_sends_and_receives",
                "test_ssm_parameter_mode_can_be_read",
            ])
        // Located through outputs where they exist, literal names otherwise; literal values are asserted.
        XCTAssertTrue(
            app.testApp.contains(#"AWS_S3_BUCKET_ARCHIVE = {"outputs": [["bucket", "bucket"]], "name": "lsqm-gen-fixture-archive"}"#), app.testApp)
        XCTAssertTrue(app.testApp.contains(#"[["customer", "S"], ["order_number", "N"]]"#))
        XCTAssertTrue(app.testApp.contains(#"assert value["SecretString"] == "not-a-real-secret""#))
        XCTAssertTrue(app.testApp.contains(#""name": "alias/lsqm-gen-fixture-data""#))
        XCTAssertTrue(app.testApp.contains("aws_sqs_queue_policy.audit"), "untested resources are listed")
        XCTAssertEqual(RuleGenerator.generate(Fixture.facts("fanout")), app, "the rules are deterministic")
    }

    func testEveryServiceRuleCompiles() async throws {
        let app = RuleGenerator.generate(Fixture.facts("catalog"))
        let collected = try await AppChecks().run(app)
        let names = collected.tests.joined(separator: "\n")
        for expected in [
            "lambda_function_api_is_configured_and_invocable", "sfn_state_machine_flow_starts_and_describes_an_execution",
            "api_gateway_rest_api_shop_serves_its_resources", "kinesis_stream_clicks_puts_and_gets_a_record",
            "iam_policy_read_exists", "sqs_queue_jobs_sends_and_receives",
        ] {
            XCTAssertTrue(names.contains(expected), "\(expected) missing from\n\(names)")
        }
        XCTAssertTrue(app.testApp.contains(#"assert configuration["Runtime"] == "python3.12""#))
        XCTAssertTrue(app.testApp.contains(#"assert "TABLE" in configuration.get("Environment", {}).get("Variables", {})"#), app.testApp)
        XCTAssertTrue(app.testApp.contains(#"assert any(path.endswith("/" + "orders") for path in paths)"#))
        XCTAssertTrue(app.testApp.contains(#""name": "jobs.fifo""#), "a FIFO queue's real name ends in .fifo")
        // Methods: the root's and a resource's; only the MOCK integration is invoked.
        XCTAssertTrue(app.testApp.contains(#"app.rest_api_method(apigateway, api_id, None, "HEAD", False)"#), app.testApp)
        XCTAssertTrue(app.testApp.contains(#"app.rest_api_method(apigateway, api_id, "orders", "GET", True)"#), app.testApp)
        XCTAssertTrue(app.testApp.contains(#"assert invoked["status"] < 500"#))
        // count/for_each: no literal name to trust, so the test lists instead.
        XCTAssertTrue(app.testApp.contains(#"AWS_SQS_QUEUE_SHARDS = {"outputs": [], "exclude": LITERAL_NAMES["sqs_queue"]}"#), app.testApp)
        XCTAssertTrue(app.testApp.contains(#"    "sqs_queue": ["jobs.fifo"],"#), "the names are written once per architecture: \(app.testApp)")
    }

    /// test_app.py grows linearly with the architecture (each test carried every other resource's name before:
    /// 2,000 resources made 34.5 MB), and an architecture over a limit is refused with the reason.
    func testOutputIsLinearInTheResourcesAndLimitsSkipWithTheReason() throws {
        func facts(_ pairs: Int) -> TerraformFacts {
            // Half named (their names are what listing must skip), half counted (located by listing).
            let text = (0..<pairs).map { i in
                "resource \"aws_sqs_queue\" \"named\(i)\" {\n  name = \"queue-\(i)\"\n}\nresource \"aws_sqs_queue\" \"listed\(i)\" {\n  count = 2\n}\n"
            }.joined()
            return TerraformFacts.scan(files: [("main.tf", text)])
        }
        let small = RuleGenerator.generate(facts(100)).testApp.utf8.count
        let large = try RuleGenerator.generate(facts(1_000), limits: .init()).testApp.utf8.count
        XCTAssertLessThan(Double(large) / Double(small), 11, "10× the resources, at most ~10× the bytes (\(small) → \(large))")
        XCTAssertThrowsError(try RuleGenerator.generate(facts(1_001), limits: .init())) { error in
            XCTAssertEqual((error as? LSQMError)?.cause, "its Terraform has 2002 resource blocks, over the rule generator's limit of 2000")
        }
        XCTAssertThrowsError(try RuleGenerator.generate(facts(10), limits: .init(maxBytes: 1_000))) { error in
            XCTAssertTrue((error as? LSQMError)?.cause.contains("over the rule generator's limit of 1000") ?? false, "\(error)")
        }
    }

    func testRuleAppsHaveNoEmulatorSpecificCode() {
        let app = RuleGenerator.generate(Fixture.facts("catalog"))
        XCTAssertNil(AppChecks.lint(app))
    }

    /// The acceptance test, through the validate stage as a weekly run does it: the rule app for a real
    /// architecture passes against moto after a real `terraform apply`; the same app fails against a broken
    /// deployment (Terraform that deploys none of what the app was generated for).
    func testRuleAppPassesAgainstARealDeploymentAndFailsAgainstABrokenOne() async throws {
        for tool in ["terraform", "moto_server", "python3"] where Subprocess.which(tool) == nil { throw XCTSkip("\(tool) is not installed") }
        guard let mirror = TerraformSettings.defaultMirror(configured: ProcessInfo.processInfo.environment["LSQM_TF_PLUGIN_MIRROR"]) else {
            throw XCTSkip("no terraform provider mirror (/opt/tf-plugins or LSQM_TF_PLUGIN_MIRROR)")
        }
        let fanout = try Files.regularFiles(under: Fixture.architecture("fanout")).map {
            ($0, try Files.read(Fixture.architecture("fanout").appendingPathComponent($0)))
        }
        let nothing = [
            ("main.tf", Data("# Deploys nothing: every resource the app expects is missing.\nvariable \"unused\" {\n  default = \"\"\n}\n".utf8))
        ]
        let (store, _) = try Fixture.store([("fanout", fanout), ("broken", nothing)])
        defer { Files.remove(store.root) }
        let index = try store.loadIndex()
        let good = try XCTUnwrap(index.architectures.values.first { $0.name == "fanout" })
        let broken = try XCTUnwrap(index.architectures.values.first { $0.name == "broken" })

        let generated = try await GenerateStage.run(GenerateStage.Input(store: store, architectures: [good.id], generator: .rules))
        XCTAssertEqual(generated.apps.map(\.status), [.generated])
        // The broken deployment gets the very same app.
        var metadata = try XCTUnwrap(store.loadAppMetadata(good.id))
        metadata.arch = broken.id
        try store.saveApp(metadata, files: try AppFiles.names.map { ($0, try Files.read(store.appDirectory(good.id).appendingPathComponent($0))) })

        // Shared with the validate tests: a warm provider cache and venv.
        let cache = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("lsqm-validate-test-cache", isDirectory: true)
        var options = ValidateOptions(
            parallel: 2, timeout: .seconds(400), healthTimeout: .seconds(30), cleanupTimeout: .seconds(300),
            terraform: TerraformSettings(mirror: mirror, pluginCache: cache.appendingPathComponent("terraform-plugins")),
            venvDirectory: cache.appendingPathComponent("venvs"))
        options.environment = ProcessInfo.processInfo.environment
        let run = try await ValidateStage.run(
            architectures: [good, broken], store: store, runtime: HostRuntime(emulator: .moto),
            options: options, logger: .silent)
        let results = Dictionary(uniqueKeysWithValues: run.results.map { ($0.name, $0) })
        let passed = try XCTUnwrap(results["fanout"])
        XCTAssertEqual(passed.status, .passed, "\(passed.error ?? "") \(passed.pytestOutput ?? "")")
        XCTAssertEqual(passed.tests.count, 12)
        XCTAssertTrue(passed.tests.allSatisfy { $0.outcome == .passed })
        let failed = try XCTUnwrap(results["broken"])
        XCTAssertEqual(failed.status, .failed, "\(failed.error ?? "") \(failed.pytestOutput ?? "")")
        XCTAssertEqual(failed.tests.count, 12)
        XCTAssertTrue(failed.tests.allSatisfy { $0.outcome != .passed }, "\(failed.tests)")
    }
}

/// The hand-written example apps (Examples/apps, the validate stage's reference) meet the same bar as
/// generated ones: the checks are about emulator neutrality and collectability, not about who wrote the app.
final class ExampleAppCheckTests: XCTestCase {
    func testExampleAppsPassTheChecks() async throws {
        let apps = BuildProducts.packageRoot.appendingPathComponent("Examples/apps", isDirectory: true)
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: apps.path)) ?? []).filter {
            Files.isDirectory(apps.appendingPathComponent($0))
        }.sorted()
        guard !names.isEmpty else { throw XCTSkip("no Examples/apps in this checkout") }
        for name in names {
            func text(_ file: String) throws -> String {
                String(decoding: try Files.read(apps.appendingPathComponent("\(name)/\(file)")), as: UTF8.self)
            }
            let app = AppFiles(
                conftest: try text("conftest.py"), app: try text("app.py"), testApp: try text("test_app.py"),
                requirements: try text("requirements.txt"))
            let collected = try await AppChecks().run(app)
            XCTAssertFalse(collected.tests.isEmpty, name)
        }
    }
}
