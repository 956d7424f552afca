import Foundation
import LSQMBasics
import LSQMCore
import LSQMTestSupport
import XCTest

@testable import LSQMGenerate

/// Tests follow the Terraform: a block whose count or for_each is 0 (a false condition with the defaults) is
/// not deployed and gets no test; one whose count is known only when planning gets none either (its existence
/// cannot be asserted); a count of 1 is tested like a plain resource.
final class ConditionalResourceTests: XCTestCase {
    static let terraform = """
        variable "create_queue" {
          type    = bool
          default = false
        }

        variable "topic_names" {
          default = []
        }

        locals {
          enabled = false
          buckets = { logs = "lsqm-logs" }
        }

        resource "aws_sqs_queue" "always" {
          name = "lsqm-always"
        }

        resource "aws_sqs_queue" "flagged" {
          count = var.create_queue ? 1 : 0
          name  = "lsqm-flagged"
        }

        resource "aws_s3_bucket" "zero" {
          count  = 0
          bucket = "lsqm-zero"
        }

        resource "aws_s3_bucket" "one" {
          count  = 1
          bucket = "lsqm-one"
        }

        resource "aws_sns_topic" "local" {
          count = local.enabled ? 1 : 0
          name  = "lsqm-local"
        }

        resource "aws_sns_topic" "named" {
          for_each = toset(var.topic_names)
          name     = each.key
        }

        resource "aws_kms_key" "none" {
          for_each = {}
        }

        resource "aws_s3_bucket" "each" {
          for_each = local.buckets
          bucket   = each.value
        }

        resource "aws_sqs_queue" "per_zone" {
          count = length(data.aws_availability_zones.zones.names)
          name  = "lsqm-zone-${count.index}"
        }

        data "aws_availability_zones" "zones" {}
        """

    static func testNames(_ facts: TerraformFacts) -> [String] {
        RuleGenerator.generate(facts).testApp.split(separator: "\n").compactMap { line in
            line.hasPrefix("def test_") ? String(line.dropFirst(4).prefix { $0 != "(" }) : nil
        }
    }

    func testZeroAndFalseConditionResourcesGetNoTestAndCountOneDoes() {
        let facts = TerraformFacts.scan(files: [("main.tf", Self.terraform)])
        XCTAssertEqual(
            Self.testNames(facts),
            [
                "test_s3_bucket_each_stores_and_lists_objects", "test_s3_bucket_one_stores_and_lists_objects",
                "test_sqs_queue_always_sends_and_receives",
            ])
        let app = RuleGenerator.generate(facts).testApp
        XCTAssertTrue(
            app.contains(
                "Not deployed (count or for_each is 0): aws_kms_key.none, aws_s3_bucket.zero, aws_sns_topic.local, "
                    + "aws_sns_topic.named, aws_sqs_queue.flagged."), app)
        XCTAssertTrue(
            app.contains(
                "Deployed only under conditions known when planning (not tested here): aws_sqs_queue.per_zone (count: "
                    + "data.aws_availability_zones.zones.names is known only when planning)."), app)
        // count = 1 is one resource with a literal name; for_each names come from each.*, so it is found by listing.
        XCTAssertTrue(app.contains("AWS_S3_BUCKET_ONE = {\"outputs\": [], \"name\": \"lsqm-one\""), app)
        XCTAssertFalse(app.contains("AWS_S3_BUCKET_EACH = {\"outputs\": [], \"name\""), app)
    }

    /// terraform.tfvars overrides a default (terraform loads it by itself): the flagged queue then exists.
    func testVariablesFileTurnsAConditionOn() {
        let facts = TerraformFacts.scan(files: [
            ("main.tf", Self.terraform), ("terraform.tfvars", "create_queue = true\ntopic_names = [\"a\", \"b\", \"a\"]\n"),
        ])
        let names = Self.testNames(facts)
        XCTAssertTrue(names.contains("test_sqs_queue_flagged_sends_and_receives"), "\(names)")
        XCTAssertTrue(names.contains("test_sns_topic_named_accepts_a_publish"), "\(names)")
        XCTAssertEqual(facts.instances["aws_sns_topic.named"]?.count, 2)
        XCTAssertFalse(names.contains("test_sns_topic_local_accepts_a_publish"), "\(names)")
    }

    /// A normalized CloudFormation condition: `count = local.condition_X ? 1 : 0` with the condition an
    /// expression of a parameter's default.
    func testNormalizedConditionFollowsTheParameterDefault() {
        func facts(stage: String) -> TerraformFacts {
            TerraformFacts.scan(files: [
                (
                    "main.tf",
                    """
                    variable "Stage" {
                      type    = string
                      default = "\(stage)"
                    }

                    locals {
                      condition_IsProd = var.Stage == "prod"
                    }

                    resource "aws_sns_topic" "ProdOnlyTopic" {
                      count = local.condition_IsProd ? 1 : 0

                      name = "alerts"
                    }
                    """
                )
            ])
        }
        XCTAssertEqual(Self.testNames(facts(stage: "dev")), [])
        XCTAssertEqual(Self.testNames(facts(stage: "prod")), ["test_sns_topic_ProdOnlyTopic_accepts_a_publish"])
    }

    /// The REST API wiring lsqm's normalizer writes (parts read the method's attributes) still marks the MOCK
    /// method for invocation, and a method whose condition is false is not looked for.
    func testNormalizedRestApiMethodsAreCheckedOnlyWhenDeployed() {
        let facts = TerraformFacts.scan(files: [
            (
                "main.tf",
                """
                locals {
                  condition_WithPost = false
                }

                resource "aws_api_gateway_rest_api" "AppApi" {
                  name = "mock-api"
                }

                resource "aws_api_gateway_method" "RootMethodGet" {
                  authorization = "NONE"
                  http_method   = "GET"
                  resource_id   = aws_api_gateway_rest_api.AppApi.root_resource_id
                  rest_api_id   = aws_api_gateway_rest_api.AppApi.id
                }

                resource "aws_api_gateway_integration" "RootMethodGet_integration" {
                  http_method = aws_api_gateway_method.RootMethodGet.http_method
                  resource_id = aws_api_gateway_method.RootMethodGet.resource_id
                  rest_api_id = aws_api_gateway_method.RootMethodGet.rest_api_id
                  type        = "MOCK"
                }

                resource "aws_api_gateway_method" "RootMethodPost" {
                  count = local.condition_WithPost ? 1 : 0

                  authorization = "NONE"
                  http_method   = "POST"
                  resource_id   = aws_api_gateway_rest_api.AppApi.root_resource_id
                  rest_api_id   = aws_api_gateway_rest_api.AppApi.id
                }
                """
            )
        ])
        let app = RuleGenerator.generate(facts).testApp
        XCTAssertTrue(app.contains(#"app.rest_api_method(apigateway, api_id, None, "GET", True)"#), app)
        XCTAssertFalse(app.contains(#""POST""#), app)
    }

    /// The Claude prompt's metadata says what is not deployed and what may not exist.
    func testPromptFactsNameWhatIsNotDeployed() throws {
        let work = try Files.makeTemporaryDirectory(prefix: "lsqm-prompt-facts")
        defer { Files.remove(work) }
        try AtomicFile.write(Self.terraform, to: work.appendingPathComponent("main.tf"))
        let architecture = Architecture(
            id: "x", name: "conditional", kind: .terraform, sourceURL: "test://c", source: "test", services: ["sqs"],
            resourceCount: 9, files: ["main.tf"], discoveredAt: Date())
        let messages = try XCTUnwrap(GenerateStage.Run.firstMessages(architecture, TerraformFacts.scan(directory: work), directory: work))
        let prompt = try XCTUnwrap(messages.first?["content"]?.stringValue)
        let metadataLine = try XCTUnwrap(prompt.split(separator: "\n").first { $0.hasPrefix("{") })
        let metadata = try JSONCoding.decode(JSONValue.self, from: Data(metadataLine.utf8))
        XCTAssertEqual(
            metadata["not_deployed"],
            ["aws_kms_key.none", "aws_s3_bucket.zero", "aws_sns_topic.local", "aws_sns_topic.named", "aws_sqs_queue.flagged"])
        XCTAssertEqual(metadata["conditional_resources"]?.objectValue?.keys.sorted(), ["aws_sqs_queue.per_zone"])
        XCTAssertEqual(metadata["resource_types"], ["aws_s3_bucket", "aws_sqs_queue"])
        XCTAssertTrue(TestAppPrompt.system.contains("`not_deployed`"))
    }

    /// Generate takes the counts from the index when it records them (no evaluation of its own), and evaluates
    /// them from the Terraform for an index written before they were recorded.
    func testGenerateUsesTheIndexCountsAndFallsBackWithoutThem() async throws {
        let files: [(path: String, content: Data)] = [
            (
                "main.tf",
                Data(
                    """
                    resource "aws_sqs_queue" "q" {
                      name = "lsqm-q"
                    }

                    resource "aws_s3_bucket" "b" {
                      count  = 0
                      bucket = "lsqm-b"
                    }

                    """.utf8)
            )
        ]
        let (store, ids) = try Fixture.store([("counted", files)])
        defer { Files.remove(store.root) }
        let id = try XCTUnwrap(ids.first)

        // An old index: no counts; the scan finds the bucket's count = 0.
        var output = try await GenerateStage.run(GenerateStage.Input(store: store, generator: .rules))
        XCTAssertEqual(output.apps.first?.tests, 1)
        var testApp = try String(contentsOf: store.appDirectory(id).appendingPathComponent("test_app.py"), encoding: .utf8)
        XCTAssertTrue(testApp.contains("test_sqs_queue_q_") && !testApp.contains("test_s3_bucket_b_"), testApp)

        // The index records the counts (here saying the queue is not deployed either): generate believes it.
        var index = try store.loadIndex()
        index.architectures[id]?.terraformResources = [
            ResourceInstances(address: "aws_s3_bucket.b", type: "aws_s3_bucket", count: 1),
            ResourceInstances(address: "aws_sqs_queue.q", type: "aws_sqs_queue", count: 0),
        ]
        try store.saveIndex(index)
        try FileManager.default.removeItem(at: store.appDirectory(id))
        output = try await GenerateStage.run(GenerateStage.Input(store: store, generator: .rules))
        XCTAssertEqual(output.apps.first?.status, .generated)
        testApp = try String(contentsOf: store.appDirectory(id).appendingPathComponent("test_app.py"), encoding: .utf8)
        XCTAssertTrue(testApp.contains("test_s3_bucket_b_") && !testApp.contains("test_sqs_queue_q_"), testApp)
    }
}
