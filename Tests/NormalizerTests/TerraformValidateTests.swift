import Foundation
import LSQMBasics
import LSQMCloudFormation
import XCTest

/// A few translations run through the real `terraform fmt -check` and `terraform validate` with the offline
/// AWS provider, sharing one `terraform init` (the provider launch is the cost: keep this list short).
final class TerraformValidateTests: XCTestCase {
    static let mirror = ProcessInfo.processInfo.environment["TF_PLUGIN_MIRROR"] ?? "/opt/tf-plugins"

    func testTranslationsPassFmtAndValidate() async throws {
        guard Subprocess.which("terraform") != nil, FileManager.default.fileExists(atPath: Self.mirror) else {
            throw XCTSkip("terraform or the provider mirror \(Self.mirror) is not installed")
        }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("lsqm-tfvalidate-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: work) }
        let config = work.appendingPathComponent("cli.tfrc")
        try AtomicFile.write(
            """
            provider_installation {
              filesystem_mirror {
                path    = "\(Self.mirror)"
                include = ["registry.terraform.io/hashicorp/*"]
              }
              direct {
                exclude = ["registry.terraform.io/hashicorp/*"]
              }
            }
            """, to: config)
        var environment = SecretEnvironment.scrubbed()
        environment["TF_CLI_CONFIG_FILE"] = config.path
        environment["TF_IN_AUTOMATION"] = "1"
        let initDir = work.appendingPathComponent("init")
        try AtomicFile.write(
            "terraform {\n  required_providers {\n    aws = {\n      source = \"hashicorp/aws\"\n    }\n  }\n}\n",
            to: initDir.appendingPathComponent("main.tf"))
        let initResult = try await Subprocess.run(
            ["terraform", "init", "-input=false", "-no-color"], environment: environment,
            workingDirectory: initDir, timeout: .seconds(120))
        XCTAssertTrue(initResult.succeeded, initResult.combinedOutput)

        let cases: [(String, Normalized)] = [
            ("sam", Normalized(SAMFixtures.api, kind: "sam")),
            ("cloudformation", Normalized(SAMFixtures.network)),
            ("serverless", Normalized(SAMFixtures.serverless, kind: "serverless", path: "serverless.yml")),
        ]
        for (name, normalized) in cases {
            guard normalized.record.status != "failed" else { XCTFail("\(name): \(normalized.record)"); continue }
            let dir = work.appendingPathComponent(name)
            for file in normalized.response.files {
                try AtomicFile.write(try XCTUnwrap(file.data), to: dir.appendingPathComponent(file.path))
            }
            try FileManager.default.createSymbolicLink(
                at: dir.appendingPathComponent(".terraform"), withDestinationURL: initDir.appendingPathComponent(".terraform"))
            try FileManager.default.copyItem(
                at: initDir.appendingPathComponent(".terraform.lock.hcl"), to: dir.appendingPathComponent(".terraform.lock.hcl"))
            let fmt = try await Subprocess.run(
                ["terraform", "fmt", "-check", "-diff", "-no-color"], environment: environment, workingDirectory: dir, timeout: .seconds(60))
            XCTAssertTrue(fmt.succeeded, "\(name): terraform fmt -check:\n\(fmt.combinedOutput)")
            let validate = try await Subprocess.run(
                ["terraform", "validate", "-no-color"], environment: environment, workingDirectory: dir, timeout: .seconds(180))
            XCTAssertTrue(validate.succeeded, "\(name): terraform validate:\n\(validate.combinedOutput)\n\(normalized.main)")
        }
    }
}

/// Real-world shaped templates used by the validate test.
enum SAMFixtures {
    static let api = """
        AWSTemplateFormatVersion: '2010-09-09'
        Transform: AWS::Serverless-2016-10-31
        Globals:
          Function:
            Runtime: python3.12
            MemorySize: 256
        Parameters:
          Stage:
            Type: String
            Default: dev
        Conditions:
          IsProd: !Equals [!Ref Stage, prod]
        Resources:
          Table:
            Type: AWS::Serverless::SimpleTable
          Queue:
            Type: AWS::SQS::Queue
            Properties:
              VisibilityTimeout: 60
          Bucket:
            Type: AWS::S3::Bucket
          ProdOnlyTopic:
            Type: AWS::SNS::Topic
            Condition: IsProd
          Api:
            Type: AWS::Serverless::Api
            Properties:
              StageName: !Ref Stage
          Handler:
            Type: AWS::Serverless::Function
            Properties:
              Handler: app.handler
              CodeUri: src/
              Environment:
                Variables:
                  TABLE: !Ref Table
                  TOPIC: !If [IsProd, !Ref ProdOnlyTopic, none]
              Policies:
                - DynamoDBCrudPolicy: {TableName: !Ref Table}
                - SQSPollerPolicy: {QueueName: !GetAtt Queue.QueueName}
              Events:
                Get:
                  Type: Api
                  Properties:
                    RestApiId: !Ref Api
                    Path: /items/{id}
                    Method: get
                Http:
                  Type: HttpApi
                Queue:
                  Type: SQS
                  Properties: {Queue: !GetAtt Queue.Arn}
                Upload:
                  Type: S3
                  Properties: {Bucket: !Ref Bucket, Events: s3:ObjectCreated:*}
                Timer:
                  Type: Schedule
                  Properties: {Schedule: rate(1 hour)}
        Outputs:
          Url:
            Value: !Sub "https://${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${Stage}/"
        """

    static let network = """
        Parameters:
          KeyName:
            Type: AWS::EC2::KeyPair::KeyName
        Mappings:
          AMI:
            us-east-1: {id: ami-0123456789abcdef0}
        Resources:
          VPC:
            Type: AWS::EC2::VPC
            Properties: {CidrBlock: 10.0.0.0/16}
          Subnet:
            Type: AWS::EC2::Subnet
            Properties:
              VpcId: !Ref VPC
              CidrBlock: !Select [0, !Cidr [!GetAtt VPC.CidrBlock, 2, 8]]
              AvailabilityZone: !Select [0, !GetAZs ""]
          SG:
            Type: AWS::EC2::SecurityGroup
            Properties:
              GroupDescription: ssh
              VpcId: !Ref VPC
              SecurityGroupIngress: [{IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 10.0.0.0/8}]
          Instance:
            Type: AWS::EC2::Instance
            Properties:
              ImageId: !FindInMap [AMI, !Ref "AWS::Region", id]
              InstanceType: t3.micro
              KeyName: !Ref KeyName
              SubnetId: !Ref Subnet
              SecurityGroupIds: [!Ref SG]
              UserData: !Base64 |
                #!/bin/bash
                echo hello
          Alarm:
            Type: AWS::CloudWatch::Alarm
            Properties:
              Namespace: AWS/EC2
              MetricName: CPUUtilization
              Dimensions: [{Name: InstanceId, Value: !Ref Instance}]
              Statistic: Average
              Period: 300
              EvaluationPeriods: 1
              Threshold: 80
              ComparisonOperator: GreaterThanThreshold
        Outputs:
          PublicIp:
            Value: !GetAtt Instance.PublicIp
        """

    static let serverless = """
        service: notes
        provider:
          name: aws
          runtime: nodejs20.x
          stage: ${opt:stage, 'dev'}
          iam:
            role:
              statements:
                - Effect: Allow
                  Action: [dynamodb:*]
                  Resource: !GetAtt NotesTable.Arn
        functions:
          list:
            handler: handler.list
            events:
              - http: GET notes
              - schedule: rate(1 hour)
        resources:
          Resources:
            NotesTable:
              Type: AWS::DynamoDB::Table
              Properties:
                TableName: notes-${self:provider.stage}
                BillingMode: PAY_PER_REQUEST
                AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
                KeySchema: [{AttributeName: id, KeyType: HASH}]
        """
}
