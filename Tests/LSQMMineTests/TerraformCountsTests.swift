import Foundation
import LSQMBasics
import LSQMCore
import LSQMMine
import LSQMTemplates
import LSQMTestSupport
import XCTest

/// Instance counts evaluated before planning, and the index that keeps them for generate.
final class TerraformCountsTests: XCTestCase {
    static func counts(_ files: [String: String]) -> [String: Int?] {
        Dictionary(uniqueKeysWithValues: TerraformCounts.evaluate(files: files.map { ($0.key, $0.value) }).map { ($0.address, $0.count) })
    }

    func testCountAndForEachFromLiteralsVariablesLocalsAndFunctions() {
        let counts = Self.counts([
            "main.tf": """
            variable "enabled" {
              default = false
            }
            variable "zones" {
              default = ["a", "b", "c"]
            }
            variable "settings" {
              default = { replicas = 2, extra = { on = true } }
            }
            variable "no_default" {}
            locals {
              on      = !var.enabled && length(var.zones) > 2
              regions = toset(concat(var.zones, ["a"]))
              env     = "prod-${var.settings.replicas}"
            }
            resource "aws_sqs_queue" "plain" {}
            resource "aws_sqs_queue" "off" {
              count = var.enabled ? 1 : 0
            }
            resource "aws_sqs_queue" "on" {
              count = local.on ? 1 : 0
            }
            resource "aws_sqs_queue" "arithmetic" {
              count = var.settings.replicas * 2 - 1
            }
            resource "aws_sqs_queue" "set" {
              for_each = local.regions
            }
            resource "aws_sqs_queue" "map" {
              for_each = { for_x = 1, y = 2 }
            }
            resource "aws_sqs_queue" "tried" {
              count = try(var.settings.missing, var.settings.extra.on) ? 1 : 0
            }
            resource "aws_sqs_queue" "template" {
              count = local.env == "prod-2" ? 1 : 0
            }
            resource "aws_sqs_queue" "needs_input" {
              count = var.no_default ? 1 : 0
            }
            resource "aws_sqs_queue" "from_data" {
              count = length(data.aws_subnets.all.ids)
            }
            resource "aws_sqs_queue" "short_circuit" {
              count = var.enabled && data.aws_subnets.all.ids != [] ? 1 : 0
            }
            resource "aws_sqs_queue" "for_expression" {
              for_each = { for zone in var.zones : zone => zone }
            }
            """
        ])
        XCTAssertEqual(counts["aws_sqs_queue.plain"], 1)
        XCTAssertEqual(counts["aws_sqs_queue.off"], 0)
        XCTAssertEqual(counts["aws_sqs_queue.on"], 1)
        XCTAssertEqual(counts["aws_sqs_queue.arithmetic"], 3)
        XCTAssertEqual(counts["aws_sqs_queue.set"], 3)
        XCTAssertEqual(counts["aws_sqs_queue.map"], 2)
        XCTAssertEqual(counts["aws_sqs_queue.tried"], 1)
        XCTAssertEqual(counts["aws_sqs_queue.template"], 1)
        XCTAssertEqual(counts["aws_sqs_queue.short_circuit"], 0, "false && unknown is false")
        for unknown in ["needs_input", "from_data", "for_expression"] {
            XCTAssertEqual(counts["aws_sqs_queue.\(unknown)"], .some(nil), unknown)
        }
        let reasons = Dictionary(
            uniqueKeysWithValues: TerraformCounts.evaluate(files: [
                ("main.tf", "variable \"x\" {}\nresource \"aws_s3_bucket\" \"b\" {\n  count = var.x\n}\n")
            ])
            .map { ($0.address, $0.unknownReason) })
        XCTAssertEqual(reasons["aws_s3_bucket.b"], "count: var.x has no default")
    }

    /// Local modules multiply by their calls and take their variables from the call's arguments; a folder no
    /// call reaches deploys nothing; terraform.tfvars overrides the root's defaults.
    func testModulesArgumentsAndVariableFiles() {
        let module = """
            variable "create" {
              default = true
            }
            resource "aws_sns_topic" "t" {
              count = var.create ? 1 : 0
            }
            resource "aws_sns_topic" "always" {}
            """
        let counts = Self.counts([
            "main.tf": """
            variable "copies" {
              default = 1
            }
            module "twice" {
              source = "./modules/topic"
              count  = var.copies + 1
            }
            module "off" {
              source = "./modules/topic"
              create = false
            }
            module "unknown" {
              source = "./modules/topic"
              create = aws_sqs_queue.q.arn != ""
            }
            resource "aws_sqs_queue" "q" {}
            """,
            "terraform.tfvars": "copies = 2\n",
            "modules/topic/main.tf": module,
            "examples/unused/main.tf": "resource \"aws_s3_bucket\" \"b\" {}\n",
        ])
        XCTAssertEqual(counts["modules/topic/aws_sns_topic.always"], 5, "3 + 1 + 1 calls")
        XCTAssertEqual(counts["modules/topic/aws_sns_topic.t"], .some(nil), "one call's argument is known only when planning")
        XCTAssertEqual(counts["examples/unused/aws_s3_bucket.b"], 0)
        XCTAssertEqual(counts["aws_sqs_queue.q"], 1)

        let known = Self.counts(["main.tf": "module \"off\" {\n  source = \"./m\"\n  create = false\n}\n", "m/main.tf": module])
        XCTAssertEqual(known["m/aws_sns_topic.t"], 0)
        XCTAssertEqual(known["m/aws_sns_topic.always"], 1)
    }

    /// The inspector reports them for Terraform; mine stores them in the index, for normalized Terraform too.
    func testInspectorAndIndexerRecordTheCounts() async throws {
        let terraform = "resource \"aws_sqs_queue\" \"q\" {\n  count = 0\n}\nresource \"aws_sns_topic\" \"t\" {}\n"
        let inspection = try ArchitectureInspector.inspect(files: [("main.tf", Data(terraform.utf8))])
        XCTAssertEqual(
            inspection.terraformResources,
            [
                TerraformCounts.Instances(address: "aws_sns_topic.t", type: "aws_sns_topic", total: .known(1)),
                TerraformCounts.Instances(address: "aws_sqs_queue.q", type: "aws_sqs_queue", total: .known(0)),
            ])

        let scratch = try Scratch()
        let store = ArtifactStore(root: scratch.root)
        let batch = [
            discovered("https://x/tf", ["main.tf": terraform]),
            discovered("https://x/cfn", ["template.yaml": "Resources:\n  T: {Type: AWS::DynamoDB::Table}\n"]),
        ]
        _ = try await ArchitectureIndexer(store: store, normalizer: sketchNormalizer).index(batch)
        let index = try store.loadIndex()
        XCTAssertEqual(
            index.architectures[batch[0].contentHash]?.terraformResources,
            [
                ResourceInstances(address: "aws_sns_topic.t", type: "aws_sns_topic", count: 1),
                ResourceInstances(address: "aws_sqs_queue.q", type: "aws_sqs_queue", count: 0),
            ])
        // The CloudFormation template's DynamoDB table became the sketch normalizer's bucket: counted from the Terraform.
        XCTAssertEqual(
            index.architectures[batch[1].contentHash]?.terraformResources,
            [ResourceInstances(address: "aws_s3_bucket.b", type: "aws_s3_bucket", count: 1)])
    }
}
