import Foundation
import LSQMBasics
import LSQMTemplates
import XCTest

func files(_ pairs: [String: String]) -> [(path: String, content: Data)] {
    pairs.sorted { $0.key < $1.key }.map { ($0.key, Data($0.value.utf8)) }
}

final class ArchitectureInspectorTests: XCTestCase {
    func testCloudFormationShortTagsAndVariants() throws {
        let yaml = """
            AWSTemplateFormatVersion: '2010-09-09'
            Parameters:
              Name: {Type: String}
            Resources:
              Queue:
                Type: AWS::SQS::Queue
                Properties:
                  QueueName: !Sub '${Name}-queue'
              Topic:
                Type: AWS::SNS::Topic
                Properties:
                  Subscription:
                    - Endpoint: !GetAtt Queue.Arn
                      Protocol: sqs
              Pool:
                Type: AWS::Cognito::UserPool
              Identity:
                Type: AWS::Cognito::IdentityPool
              Custom:
                Type: Custom::Thing
                Properties:
                  ServiceToken: !ImportValue shared-fn
                  Items: !Split [",", !Ref Name]
                  Tags: !If [IsProd, !Ref AWS::NoValue, !Base64 {"Fn::Join": ["", ["a", !Select [0, !GetAZs '']]]}]
            """
        let json =
            #"{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"Queue": {"Type": "AWS::SQS::Queue"}, "Topic": {"Type": "AWS::SNS::Topic"}}}"#
        let inspection = try ArchitectureInspector.inspect(files: files(["queue.yaml": yaml, "queue.json": json]))
        XCTAssertEqual(inspection.kind, .cloudformation)
        XCTAssertEqual(inspection.services, ["cognito-identity", "cognito-idp", "sns", "sqs"])
        XCTAssertEqual(inspection.resourceCount, 5, "the JSON variant's logical ids are the same resources")
        XCTAssertTrue(inspection.resourceTypes.contains("Custom::Thing"))

        let document = try TemplateYAML.load(yaml)
        XCTAssertEqual(document["Resources"]?["Queue"]?["Properties"]?["QueueName"], ["Fn::Sub": "${Name}-queue"])
        XCTAssertEqual(
            document["Resources"]?["Topic"]?["Properties"]?["Subscription"]?.arrayValue?.first?["Endpoint"], ["Fn::GetAtt": ["Queue", "Arn"]])
        XCTAssertEqual(document["Resources"]?["Custom"]?["Properties"]?["Items"], ["Fn::Split": [",", ["Ref": "Name"]]])
    }

    func testSAMTypesAndEventSources() throws {
        let template = """
            Transform: AWS::Serverless-2016-10-31
            Globals:
              Function: {Runtime: python3.12}
            Resources:
              Fn:
                Type: AWS::Serverless::Function
                Properties:
                  Events:
                    Queue: {Type: SQS, Properties: {Queue: !GetAtt Q.Arn}}
                    Http: {Type: HttpApi}
                    Cron: {Type: Schedule, Properties: {Schedule: rate(1 minute)}}
              Q: {Type: AWS::SQS::Queue}
              Table: {Type: AWS::Serverless::SimpleTable}
              Machine: {Type: AWS::Serverless::StateMachine}
              Layer: {Type: AWS::Serverless::LayerVersion}
              Rest: {Type: AWS::Serverless::Api}
            """
        let inspection = try ArchitectureInspector.inspect(files: files(["template.yaml": template, "events/e.json": "{}"]))
        XCTAssertEqual(inspection.kind, .sam)
        XCTAssertEqual(inspection.services, ["apigateway", "apigatewayv2", "dynamodb", "events", "iam", "lambda", "sqs", "stepfunctions"])
        XCTAssertEqual(inspection.resourceCount, 6)
    }

    func testDuplicateKeysKeepTheLastLikePyYAML() throws {
        let document = try TemplateYAML.load(
            "Resources:\n  A:\n    Type: AWS::S3::Bucket\n    Type: AWS::SQS::Queue\n  'B': {Type: AWS::SNS::Topic}\n")
        XCTAssertEqual(document["Resources"]?["A"]?["Type"], "AWS::SQS::Queue")
        XCTAssertEqual(document["Resources"]?.objectValue?.count, 2)
    }

    /// Parsing cost is bounded: every repeated key is renamed in one pass (each used to cost a whole re-parse,
    /// and past 100 the file failed), and each limit says which one it is and that the file is JSON.
    func testManyDuplicateKeysParseOnceAndLimitsAreNamed() throws {
        let mappings = (0..<600).map { "  R\($0):\n    Type: AWS::S3::Bucket\n    Type: AWS::SQS::Queue\n    'Type': AWS::SNS::Topic\n" }
        let document = try TemplateYAML.load("Resources:\n" + mappings.joined())
        XCTAssertEqual(document["Resources"]?.objectValue?.count, 600)
        XCTAssertEqual(document["Resources"]?["R599"]?["Type"], "AWS::SNS::Topic", "the last occurrence wins, as in PyYAML")

        XCTAssertThrowsError(try TemplateClassifier.load(Data("{\"Resources\": {\"A\": [1, 2}}".utf8), json: true)) { error in
            XCTAssertTrue(LSQMError.describe(error).hasPrefix("failed to parse JSON: "), "\(error)")
        }
        let deep = String(repeating: "[", count: 300) + String(repeating: "]", count: 300)
        XCTAssertThrowsError(try TemplateYAML.load(deep)) { error in
            XCTAssertTrue(TemplateYAML.isLimitError(error))
            XCTAssertTrue(LSQMError.describe(error).contains("lsqm's depth limit of 200 levels"), "\(error)")
        }
        let deeper = String(repeating: "[", count: 1_500) + String(repeating: "]", count: 1_500)
        XCTAssertThrowsError(try TemplateYAML.load(deeper)) { error in
            XCTAssertTrue(TemplateYAML.isLimitError(error))
            XCTAssertTrue(LSQMError.describe(error).contains("libyaml's depth limit of 1000 levels"), "\(error)")
        }
        XCTAssertThrowsError(try TemplateYAML.load("Resources:\n" + mappings.joined(), limits: .init(maxSeconds: 0))) { error in
            XCTAssertTrue(TemplateYAML.isLimitError(error))
            XCTAssertTrue(LSQMError.describe(error).contains("per-file parse time limit"), "\(error)")
        }
    }

    func testServerlessFunctionsEventsResourcesAndFileReferences() throws {
        let service = """
            service: orders
            provider:
              name: aws
              runtime: nodejs20.x
            plugins: [serverless-step-functions]
            functions: ${file(functions.yml)}
            stepFunctions:
              stateMachines:
                flow: {definition: {StartAt: A}}
            resources:
              - Resources:
                  Table:
                    Type: AWS::DynamoDB::Table
              - ${file(resource/Bucket.yml)}
            """
        let functions = """
            create:
              handler: h.create
              events:
                - http: POST /orders
                - httpApi: {method: GET, path: /orders}
                - stream: {type: dynamodb, arn: {"Fn::GetAtt": [Table, StreamArn]}}
                - stream: arn:aws:kinesis:us-east-1:1:stream/s
                - schedule: rate(5 minutes)
            notify:
              handler: h.notify
              events:
                - sns: topic
                - sqs: {arn: "arn:aws:sqs:us-east-1:1:q"}
                - eventBridge: {pattern: {source: [x]}}
            """
        let bucket = "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n"
        let inspection = try ArchitectureInspector.inspect(
            files: files(["serverless.yml": service, "functions.yml": functions, "resource/Bucket.yml": bucket]))
        XCTAssertEqual(inspection.kind, .serverless)
        XCTAssertEqual(
            inspection.services,
            ["apigateway", "apigatewayv2", "dynamodb", "events", "iam", "kinesis", "lambda", "logs", "s3", "sns", "sqs", "stepfunctions"])
        XCTAssertEqual(inspection.resourceCount, 5, "2 functions, 1 state machine, 2 resources")
        XCTAssertEqual(inspection.problems, [])
    }

    func testServerlessFunctionListsAndMissingReferences() throws {
        let service = """
            service: s
            provider: aws
            functions:
              - ${file(fns/a.yml)}
              - g: {handler: g.h, events: [{websocket: $connect}]}
              - ${file(missing.yml)}
            """
        let inspection = try ArchitectureInspector.inspect(files: files(["serverless.yml": service, "fns/a.yml": "f: {handler: f.h}\n"]))
        XCTAssertEqual(inspection.resourceCount, 2)
        XCTAssertEqual(inspection.services, ["apigatewayv2", "iam", "lambda", "logs"])
        XCTAssertEqual(inspection.problems, ["${file(missing.yml)} refers to a file that is not in the architecture"])
    }

    func testTerraformResourcesDataSourcesAndModules() throws {
        let main = """
            data "aws_caller_identity" "me" {}
            data "aws_iam_policy_document" "p" {}
            data "aws_ssm_parameter" "p" { name = "x" }
            resource "random_pet" "name" {}
            resource "aws_sqs_queue" "q" {
              policy = <<EOF
              resource "aws_s3_bucket" "not_real" {}
            EOF
            }
            module "events" {
              source = "./modules/events"
            }
            module "kms_complete" {
              source = "../../"
            }
            module "lambda" {
              source = "terraform-aws-modules/lambda/aws"
            }
            """
        let module = "resource \"aws_cloudwatch_event_rule\" \"r\" {}\nresource \"aws_cloudwatch_event_target\" \"t\" {}\n"
        let inspection = try ArchitectureInspector.inspect(files: files(["main.tf": main, "modules/events/main.tf": module]))
        XCTAssertEqual(inspection.kind, .terraform)
        XCTAssertEqual(inspection.services, ["events", "kms", "lambda", "sqs", "ssm"])
        XCTAssertEqual(inspection.resourceCount, 3, "aws resources only, data sources and random_pet excluded")
        XCTAssertEqual(inspection.problems.count, 2, "\(inspection.problems)")
        XCTAssertTrue(inspection.problems.contains { $0.contains("\"kms_complete\"") && $0.contains("outside the architecture") })
    }

    func testBadArchitecturesThrowWithReasons() {
        for (pairs, fragment) in [
            (["README.md": "hello"], "holds no Terraform"),
            (["template.yaml": "Resources: [unclosed\n"], "template.yaml"),
            (["serverless.yml": "provider: {name: aws\n"], "serverless.yml"),
            (["main.tf": "resource \"x\" {"], "missing '}'"),
        ] {
            XCTAssertThrowsError(try ArchitectureInspector.inspect(files: files(pairs)), "\(pairs)") { error in
                XCTAssertTrue("\(error)".contains(fragment), "\(error)")
                XCTAssertTrue("\(error)".hasPrefix("failed to "), "\(error)")
            }
        }
    }

    func testServiceMappingTables() {
        let terraform = [
            "aws_instance": "ec2", "aws_lb_target_group": "elbv2", "aws_db_instance": "rds", "aws_sfn_state_machine": "stepfunctions",
            "aws_cloudwatch_log_group": "logs", "aws_cloudwatch_metric_alarm": "cloudwatch", "aws_apigatewayv2_api": "apigatewayv2",
            "aws_api_gateway_rest_api": "apigateway", "aws_cognito_user_pool_client": "cognito-idp", "aws_route53_zone": "route53",
            "aws_route_table_association": "ec2", "aws_kinesis_firehose_delivery_stream": "firehose", "aws_vpc_endpoint": "ec2",
            "aws_someday_new_thing": "someday", "awscc_s3_bucket": "s3",
        ]
        for (type, service) in terraform { XCTAssertEqual(AWSServices.terraformService(type), service, type) }
        XCTAssertNil(AWSServices.terraformService("random_pet"))
        XCTAssertEqual(AWSServices.cloudFormationServices("AWS::Serverless::Function"), ["lambda", "iam"])
        XCTAssertEqual(AWSServices.cloudFormationServices("AWS::ElasticLoadBalancingV2::LoadBalancer"), ["elbv2"])
        XCTAssertEqual(AWSServices.cloudFormationServices("AWS::StepFunctions::StateMachine"), ["stepfunctions"])
        XCTAssertEqual(AWSServices.cloudFormationServices("Custom::Anything"), [])
        XCTAssertEqual(AWSServices.moduleServices(source: "terraform-aws-modules/step-functions/aws", name: "x"), ["stepfunctions"])
    }

    /// The whole corpus: scanned, then inspected; kinds agree with SOURCE.json, services are found.
    func testCorpusInspection() throws {
        let root = try Corpus.root()
        let expected = try Corpus.expectedKinds(root)
        let watch = Stopwatch()
        let scan = try ArchitectureScanner.scan(root, options: Corpus.scanOptions)
        let scanned = watch.milliseconds
        var failures: [String: String] = [:], wrongKinds: [String] = [], withoutServices: [String] = []
        var resources = 0
        for architecture in scan.architectures {
            do {
                let inspection = try ArchitectureInspector.inspect(files: architecture.files.map { ($0.path, $0.content) })
                resources += inspection.resourceCount
                if inspection.kind.rawValue != expected[architecture.folder] { wrongKinds.append("\(architecture.folder): \(inspection.kind)") }
                if inspection.services.isEmpty { withoutServices.append(architecture.folder) }
            } catch {
                failures[architecture.folder] = "\(error)"
            }
        }
        print(
            "corpus scan+inspect: \(scan.architectures.count) architectures, \(resources) resources; scan \(scanned) ms, total \(watch.milliseconds) ms"
        )
        print("corpus inspection failures: \(failures)")
        print("corpus without services: \(withoutServices)")
        XCTAssertEqual(wrongKinds, [])
        XCTAssertLessThanOrEqual(failures.count, 2, "only the two templates that are not valid YAML: \(failures)")
        XCTAssertGreaterThanOrEqual(Double(scan.architectures.count - failures.count - withoutServices.count), 0.95 * Double(expected.count))
    }
}
