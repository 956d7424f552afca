import Foundation
import LSQMCloudFormation
import XCTest

/// Every intrinsic function and pseudo parameter, each in a snippet shaped like the corpus templates they come from.
final class IntrinsicTests: XCTestCase {
    func testRefParameterAndPseudoParameters() {
        let n = Normalized(
            """
            Parameters:
              Stage:
                Type: String
                Default: dev
            Resources:
              Queue:
                Type: AWS::SQS::Queue
                Properties:
                  QueueName: !Ref Stage
                  Tags:
                    - Key: region
                      Value: !Ref AWS::Region
                    - Key: account
                      Value: !Ref AWS::AccountId
                    - Key: partition
                      Value: !Ref AWS::Partition
                    - Key: suffix
                      Value: !Ref AWS::URLSuffix
                    - Key: stack
                      Value: !Ref AWS::StackName
            """)
        let queue = n.block(#"resource "aws_sqs_queue" "Queue""#)
        XCTAssertContains(queue, "  name = var.Stage\n")
        XCTAssertContains(queue, "    account   = data.aws_caller_identity.current.account_id\n")
        XCTAssertContains(queue, "    partition = data.aws_partition.current.partition\n")
        XCTAssertContains(queue, "    region    = data.aws_region.current.name\n")
        XCTAssertContains(queue, "    stack     = local.stack_name\n")
        XCTAssertContains(queue, "    suffix    = data.aws_partition.current.dns_suffix\n")
        XCTAssertContains(n.main, "data \"aws_region\" \"current\" {}\n")
        XCTAssertContains(n.main, "data \"aws_caller_identity\" \"current\" {}\n")
        XCTAssertContains(n.block(#"variable "Stage""#), "  type    = string\n  default = \"dev\"\n")
    }

    func testRefAndGetAttOfResources() {
        let n = Normalized(
            """
            Resources:
              MyQueue:
                Type: AWS::SQS::Queue
              Table:
                Type: AWS::DynamoDB::Table
                Properties:
                  AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
                  KeySchema: [{AttributeName: id, KeyType: HASH}]
                  BillingMode: PAY_PER_REQUEST
              Param:
                Type: AWS::SSM::Parameter
                Properties:
                  Type: String
                  Value: !GetAtt MyQueue.Arn
                  Description: !Ref Table
            Outputs:
              QueueUrl:
                Value: !Ref MyQueue
              QueueName:
                Value: !GetAtt MyQueue.QueueName
              TableArn:
                Value: !GetAtt [Table, Arn]
            """)
        let param = n.block(#"resource "aws_ssm_parameter" "Param""#)
        XCTAssertContains(param, "  value       = aws_sqs_queue.MyQueue.arn\n")
        XCTAssertContains(param, "  description = aws_dynamodb_table.Table.id\n")
        XCTAssertContains(n.block(#"output "QueueUrl""#), "  value = aws_sqs_queue.MyQueue.id\n")
        XCTAssertContains(n.block(#"output "QueueName""#), "  value = aws_sqs_queue.MyQueue.name\n")
        XCTAssertContains(n.block(#"output "TableArn""#), "  value = aws_dynamodb_table.Table.arn\n")
    }

    func testSubInBothForms() {
        let n = Normalized(
            """
            Parameters:
              BucketName:
                Type: String
                Default: data
            Resources:
              Queue:
                Type: AWS::SQS::Queue
              Policy:
                Type: AWS::SSM::Parameter
                Properties:
                  Type: String
                  Name: !Sub "${AWS::StackName}-${BucketName}-${Queue.QueueName}"
                  Value: !Sub
                    - "arn:${AWS::Partition}:s3:::${Bucket}/* and ${!Literal}"
                    - Bucket: !Ref BucketName
            """)
        let block = n.block(#"resource "aws_ssm_parameter" "Policy""#)
        XCTAssertContains(block, #"  name  = "${local.stack_name}-${var.BucketName}-${aws_sqs_queue.Queue.name}""#)
        XCTAssertContains(block, #"  value = "arn:${data.aws_partition.current.partition}:s3:::${var.BucketName}/* and $${Literal}""#)
    }

    func testJoinSelectSplitBase64AndGetAZs() {
        let n = Normalized(
            """
            Resources:
              Joined:
                Type: AWS::SSM::Parameter
                Properties:
                  Type: String
                  Name: !Join ["-", [!Ref "AWS::StackName", "param"]]
                  Value: !Select [1, !Split [",", "a,b,c"]]
                  Description: !Base64 "hello"
              Zone:
                Type: AWS::SSM::Parameter
                Properties:
                  Type: String
                  Value: !Select [0, !GetAZs ""]
                  Description: !Join [",", !GetAZs ""]
            """)
        let joined = n.block(#"resource "aws_ssm_parameter" "Joined""#)
        XCTAssertContains(joined, #"  name        = "${local.stack_name}-param""#)
        XCTAssertContains(joined, #"  value       = element(split(",", "a,b,c"), 1)"#)
        XCTAssertContains(joined, #"  description = base64encode("hello")"#)
        let zone = n.block(#"resource "aws_ssm_parameter" "Zone""#)
        XCTAssertContains(zone, "  value       = element(data.aws_availability_zones.available.names, 0)\n")
        XCTAssertContains(zone, #"  description = join(",", data.aws_availability_zones.available.names)"#)
        XCTAssertContains(n.main, "data \"aws_availability_zones\" \"available\" {\n  state = \"available\"\n}\n")
    }

    func testConditionsBecomeLocalsAndCount() {
        let n = Normalized(
            """
            Parameters:
              Env:
                Type: String
                Default: dev
                AllowedValues: [dev, prod]
            Conditions:
              IsProd: !Equals [!Ref Env, prod]
              NotProd: !Not [!Condition IsProd]
              ProdInUsEast: !And [!Condition IsProd, !Equals [!Ref "AWS::Region", us-east-1]]
              Any: !Or [!Condition IsProd, !Condition NotProd]
            Resources:
              Topic:
                Type: AWS::SNS::Topic
                Condition: IsProd
              Queue:
                Type: AWS::SQS::Queue
                Properties:
                  VisibilityTimeout: !If [IsProd, 300, 30]
                  KmsMasterKeyId: !If [NotProd, !Ref "AWS::NoValue", alias/aws/sqs]
            Outputs:
              TopicArn:
                Condition: IsProd
                Value: !Ref Topic
            """)
        let locals = n.block("locals")
        XCTAssertContains(locals, #"  condition_IsProd       = var.Env == "prod""#)
        XCTAssertContains(locals, "  condition_NotProd      = !local.condition_IsProd\n")
        XCTAssertContains(locals, #"  condition_ProdInUsEast = local.condition_IsProd && (data.aws_region.current.name == "us-east-1")"#)
        XCTAssertContains(locals, "  condition_Any          = local.condition_IsProd || local.condition_NotProd\n")
        XCTAssertContains(n.block(#"resource "aws_sns_topic" "Topic""#), "  count = local.condition_IsProd ? 1 : 0\n")
        let queue = n.block(#"resource "aws_sqs_queue" "Queue""#)
        XCTAssertContains(queue, "  visibility_timeout_seconds = local.condition_IsProd ? 300 : 30\n")
        XCTAssertContains(queue, #"  kms_master_key_id          = local.condition_NotProd ? null : "alias/aws/sqs""#)
        XCTAssertContains(n.block(#"output "TopicArn""#), "  value = local.condition_IsProd ? one(aws_sns_topic.Topic[*].arn) : null\n")
    }

    func testFindInMapAndMappingsLocals() {
        let n = Normalized(
            """
            Mappings:
              RegionMap:
                us-east-1:
                  AMI: ami-0ff8a91507f77f867
            Resources:
              Param:
                Type: AWS::SSM::Parameter
                Properties:
                  Type: String
                  Value: !FindInMap [RegionMap, !Ref "AWS::Region", AMI]
            """)
        XCTAssertContains(n.block("locals"), "  mapping_RegionMap = {\n    us-east-1 = {\n      AMI = \"ami-0ff8a91507f77f867\"\n    }\n  }\n")
        XCTAssertContains(n.main, #"  value = local.mapping_RegionMap[data.aws_region.current.name]["AMI"]"#)
    }

    func testCidrImportValueAndNoValue() {
        let n = Normalized(
            """
            Resources:
              Vpc:
                Type: AWS::EC2::VPC
                Properties:
                  CidrBlock: 10.0.0.0/16
              Subnet:
                Type: AWS::EC2::Subnet
                Properties:
                  VpcId: !Ref Vpc
                  CidrBlock: !Select [0, !Cidr [!GetAtt Vpc.CidrBlock, 4, 8]]
                  AvailabilityZone: !Ref "AWS::NoValue"
              Param:
                Type: AWS::SSM::Parameter
                Properties:
                  Type: String
                  Value: !ImportValue SharedVpcId
            """)
        let subnet = n.block(#"resource "aws_subnet" "Subnet""#)
        XCTAssertContains(
            subnet,
            #"  cidr_block = element([for i in range(4) : cidrsubnet(aws_vpc.Vpc.cidr_block, 32 - 8 - tonumber(split("/", aws_vpc.Vpc.cidr_block)[1]), i)], 0)"#
        )
        XCTAssertContains(subnet, "  vpc_id     = aws_vpc.Vpc.id\n")
        XCTAssertFalse(subnet.contains("availability_zone"))
        // The export's name says it is a VPC id: a VPC stands in for the exporting stack's.
        XCTAssertContains(n.main, "  value = aws_vpc.prerequisite_shared_vpc_id.id\n")
        XCTAssertContains(n.prerequisites, #"resource "aws_vpc" "prerequisite_shared_vpc_id" {"#)
        XCTAssertEqual(n.record.inputs?.first { $0.parameter == "Fn::ImportValue SharedVpcId" }?.value, "aws_vpc.prerequisite_shared_vpc_id.id")
        XCTAssertEqual(n.record.status, "partial")
    }

    func testParametersWithoutDefaultGetPrerequisitesOrValuesThatSatisfyTheirConstraints() {
        let n = Normalized(
            """
            Parameters:
              KeyName:
                Type: AWS::EC2::KeyPair::KeyName
              Subnets:
                Type: List<AWS::EC2::Subnet::Id>
              Count:
                Type: Number
                MinValue: 2
              Secret:
                Type: String
                NoEcho: true
                MinLength: 20
              Prefix:
                Type: String
                AllowedPattern: "[a-z][a-z0-9]{3,7}"
              Env:
                Type: String
                AllowedValues: [staging, prod]
            Resources:
              Queue:
                Type: AWS::SQS::Queue
                Properties:
                  QueueName: !Sub "${Prefix}-${Env}-${Count}"
                  Tags: [{Key: k, Value: !Ref KeyName}, {Key: s, Value: !Join [",", !Ref Subnets]}]
            """)
        // Typed parameters become resources, read by reference; no variable is left for them.
        XCTAssertFalse(n.main.contains(#"variable "KeyName""#))
        XCTAssertContains(n.main, "aws_key_pair.prerequisite_key_name.key_name")
        XCTAssertContains(n.main, "join(\",\", [aws_subnet.prerequisite_subnets1.id, aws_subnet.prerequisite_subnets2.id])")
        XCTAssertContains(n.prerequisites, #"resource "aws_subnet" "prerequisite_subnets2" {"#)
        XCTAssertContains(n.prerequisites, "element(data.aws_availability_zones.prerequisites.names, 1)")
        XCTAssertContains(n.prerequisites, #"resource "aws_vpc" "prerequisite_network" {"#)
        // Plain parameters keep their variable, with a default that satisfies the constraints.
        XCTAssertContains(n.block(#"variable "Count""#), "  default = 2\n")
        XCTAssertContains(n.block(#"variable "Secret""#), "  sensitive = true\n")
        XCTAssertContains(n.block(#"variable "Env""#), #"  default = "staging""#)
        let prefix = try? XCTUnwrap(n.record.inputs?.first { $0.parameter == "Prefix" }?.value)
        XCTAssertNotNil(prefix.flatMap { $0.range(of: "^[a-z][a-z0-9]{3,7}$", options: .regularExpression) }, "\(prefix ?? "nil")")
        XCTAssertGreaterThanOrEqual(n.record.inputs?.first { $0.parameter == "Secret" }?.value?.count ?? 0, 20)
        XCTAssertEqual(n.record.inputs?.map(\.parameter), ["Count", "Env", "KeyName", "Prefix", "Secret", "Subnets"])
        XCTAssertFalse(n.record.warnings.contains { $0.contains("placeholder") }, "\(n.record.warnings)")
        // Something was invented: never "full".
        XCTAssertEqual(n.record.status, "partial")
    }

    func testJSONTemplateAndDependsOn() {
        let n = Normalized(
            """
            {"Resources": {
              "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {"Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}}},
              "Queue": {"Type": "AWS::SQS::Queue", "DependsOn": "Role"}
            }}
            """, path: "template.json")
        XCTAssertContains(n.block(#"resource "aws_sqs_queue" "Queue""#), "  depends_on = [aws_iam_role.Role]\n")
        XCTAssertEqual(n.record.status, "full")
    }

    func testSameInputGivesByteIdenticalOutput() {
        let template = """
            Resources:
              B: {Type: AWS::S3::Bucket, Properties: {VersioningConfiguration: {Status: Enabled}, Tags: [{Key: b, Value: "2"}, {Key: a, Value: "1"}]}}
              A: {Type: AWS::SQS::Queue, Properties: {Tags: [{Key: z, Value: "1"}, {Key: y, Value: "2"}]}}
            """
        let first = Normalized(template).response
        let second = Normalized(template).response
        XCTAssertEqual(first.files.map(\.path), second.files.map(\.path))
        XCTAssertEqual(first.files.map(\.data), second.files.map(\.data))
        XCTAssertEqual(first.normalization, second.normalization)
    }
}
