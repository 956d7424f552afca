import LSQMTemplates
import XCTest

final class HCLTokenizerTests: XCTestCase {
    func testCommentsOfAllThreeKindsAreNotTokens() throws {
        let body = try HCLReader.parse(
            """
            # resource "aws_sqs_queue" "hash" {}
            // resource "aws_sqs_queue" "slashes" {}
            /* resource "aws_sqs_queue" "block"
               { } */
            resource "aws_s3_bucket" "real" { # trailing comment with a brace {
              bucket = "b" // another
            }
            """)
        XCTAssertEqual(body.blocks.map(\.labels), [["aws_s3_bucket", "real"]])
        XCTAssertEqual(body.blocks.first?.body.attribute("bucket")?.stringValue, "b")
    }

    func testHeredocsHideBlocksAndKeepTheirText() throws {
        let body = try HCLReader.parse(
            """
            resource "aws_iam_policy" "p" {
              policy = <<EOF
            resource "aws_sqs_queue" "inside_heredoc" {
              "Statement": [{"Effect": "Allow", "Resource": "${aws_s3_bucket.b.arn}"}]
            }
            EOF
            }
            locals {
              script = <<-EOT
                echo one
                  echo two
                EOT
            }
            """)
        XCTAssertEqual(body.blocks.map(\.type), ["resource", "locals"])
        let policy = try XCTUnwrap(body.blocks[0].body.attribute("policy")?.expression.first)
        guard case .template(let template) = policy.kind else { return XCTFail("expected a template, got \(policy.kind)") }
        XCTAssertTrue(template.isHeredoc)
        XCTAssertNil(template.literalValue, "the heredoc holds an interpolation")
        let script = try XCTUnwrap(body.blocks[1].body.attribute("script")?.stringValue)
        XCTAssertEqual(script, "echo one\n  echo two\n")
    }

    func testInterpolationWithNestedQuotesAndBraces() throws {
        let tokens = try HCLTokenizer.tokenize(#"name = "${jsonencode({a = "}", b = "${x}"})}-%{ if y }yes%{ endif }-$${literal}""#)
        XCTAssertEqual(tokens.count, 4, "identifier, '=', one template, end of file: \(tokens)")
        guard case .template(let template) = tokens[2].kind else { return XCTFail("expected a template") }
        XCTAssertEqual(template.parts.count, 6)
        guard case .interpolation(let inner) = template.parts[0] else { return XCTFail("expected an interpolation first") }
        XCTAssertEqual(inner.first?.kind, .identifier("jsonencode"))
        XCTAssertTrue(inner.contains { $0.kind == .template(HCLTemplate(parts: [.literal("}")])) }, "the quoted brace stays a string")
        XCTAssertEqual(template.parts[1], .literal("-"))
        XCTAssertEqual(template.parts.last, .literal("-${literal}"))
    }

    func testEscapesNumbersAndOperators() throws {
        let tokens = try HCLTokenizer.tokenize(#"x = "a\"b\n\u00e9" == 1.5e3 && !y ? [for k, v in m : v...] : z => w"#)
        let kinds = tokens.map(\.kind)
        XCTAssertEqual(kinds[2], .template(HCLTemplate(parts: [.literal("a\"b\né")])))
        XCTAssertTrue(kinds.contains(.number("1.5e3")))
        for symbol in ["==", "&&", "!", "?", "[", ":", "...", "]", "=>"] {
            XCTAssertTrue(kinds.contains(.symbol(symbol)), "missing \(symbol)")
        }
    }

    func testNestedBlocksAndOneLineBlocks() throws {
        let body = try HCLReader.parse(
            """
            resource "aws_lambda_function" "f" {
              environment {
                variables = {
                  A = "1"
                }
              }
              lifecycle { ignore_changes = [tags] }
              dynamic "vpc_config" {
                for_each = var.subnets
                content {
                  subnet_ids = vpc_config.value
                }
              }
            }
            """)
        let function = try XCTUnwrap(body.blocks.first)
        XCTAssertEqual(function.body.blocks.map(\.type), ["environment", "lifecycle", "dynamic"])
        XCTAssertEqual(function.body.blocks[2].labels, ["vpc_config"])
        XCTAssertEqual(function.body.blocks[2].body.blocks.first?.type, "content")
    }

    func testSyntaxErrorsCarryPositions() {
        for (source, fragment) in [
            ("a = \"open", "unterminated string"),
            ("a = <<EOF\nno end\n", "unterminated heredoc"),
            ("/* never closed", "unterminated /* comment"),
            ("a = \"${x\"", "unterminated"),
            ("resource \"x\" \"y\" {\n", "missing '}'"),
            ("a = (1", "missing ')'"),
            ("a = 1 @", "unexpected character"),
            ("a = \"" + String(repeating: "${\"", count: 100_000), "nested deeper than 128"),
            (String(repeating: "a {\n", count: 100_000), "nested deeper than 128"),
        ] {
            XCTAssertThrowsError(try HCLReader.parse(source), source) { error in
                let text = "\(error)"
                XCTAssertTrue(text.contains(fragment), "\(source): \(text)")
                XCTAssertTrue(text.first?.isNumber == true, "position first: \(text)")
            }
        }
    }

    func testTerraformConfigurationTopLevelBlocks() throws {
        let main = """
            terraform {
              required_providers {
                aws = { source = "hashicorp/aws", version = ">= 5.0" }
                random = "~> 3.0"
              }
              backend "s3" {
                bucket = "state"
              }
            }
            provider "aws" { region = "us-east-1" }
            variable "name" {}
            variable "size" {
              default = 3
            }
            resource "aws_s3_bucket" "b" { bucket = "${var.name}-bucket" }
            data "aws_iam_policy_document" "d" {}
            module "queue" {
              source = "./modules/sqs"
            }
            module "vpc" {
              source  = "terraform-aws-modules/vpc/aws"
              version = "5.0.0"
            }
            """
        let json = #"{"resource": {"aws_sqs_queue": {"q": {}}}, "variable": {"v": {"default": 1}}}"#
        let config = TerraformConfiguration.read(files: [
            ("main.tf", Data(main.utf8)), ("extra.tf.json", Data(json.utf8)),
            ("broken.tf", Data("resource \"x\" {".utf8)), ("README.md", Data("#".utf8)),
        ])
        XCTAssertEqual(config.resources.map(\.type), ["aws_sqs_queue", "aws_s3_bucket"])
        XCTAssertEqual(config.dataSources.map(\.type), ["aws_iam_policy_document"])
        XCTAssertEqual(config.modules.map(\.name), ["queue", "vpc"])
        XCTAssertEqual(config.modules.map(\.isLocal), [true, false])
        XCTAssertEqual(config.modules.first?.source, "./modules/sqs")
        XCTAssertEqual(config.providers, ["aws"])
        XCTAssertEqual(config.variables.map(\.name), ["v", "name", "size"])
        XCTAssertEqual(config.variables.map(\.hasDefault), [true, false, true])
        XCTAssertEqual(config.requiredProviders.map(\.name), ["aws", "random"])
        XCTAssertEqual(config.requiredProviders.first?.source, "hashicorp/aws")
        XCTAssertEqual(config.requiredProviders.last?.version, "~> 3.0")
        XCTAssertEqual(config.backends, ["s3"])
        XCTAssertEqual(config.problems.count, 1)
        XCTAssertTrue(config.problems.first?.hasPrefix("broken.tf:") == true, "\(config.problems)")
    }
}

final class HCLCorpusTests: XCTestCase {
    /// Every real Terraform file of the corpus (architectures and `_support` modules) reads without error,
    /// and the resource blocks found start exactly on the lines that begin with `resource "` (in these files
    /// such lines sit inside heredocs or other blocks only once: inside a `/* */` comment).
    func testEveryCorpusTerraformFileParses() throws {
        let root = try Corpus.root()
        guard let enumerator = FileManager.default.enumerator(atPath: root.path) else { return XCTFail("cannot list \(root.path)") }
        var count = 0, resources = 0
        var failures: [String] = []
        for case let path as String in enumerator where path.hasSuffix(".tf") {
            let text = try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
            do {
                let body = try HCLReader.parse(text)
                let found = Set(body.blocks.filter { $0.type == "resource" }.map(\.position.line))
                let lines = Set(
                    text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
                        .filter { $0.element.drop { $0 == " " }.hasPrefix("resource \"") }.map { $0.offset + 1 })
                // This file comments a resource out with /* */: the line is there, the block is not.
                let commentedOut = path.hasSuffix("sfn-manage-batch-job-tf/main.tf") ? Set([174]) : []
                if found != lines.subtracting(commentedOut) {
                    failures.append("\(path): resource blocks at lines \(found.symmetricDifference(lines).sorted()) disagree")
                }
                resources += found.count
            } catch {
                failures.append("\(path): \(error)")
            }
            count += 1
        }
        XCTAssertGreaterThan(count, 390)
        XCTAssertEqual(failures, [])
        print("corpus terraform: \(count) files, \(resources) resource blocks")
    }
}
