import Foundation
import LSQMCloudFormation
import XCTest

/// One test per mapped resource family, each with a snippet of the kind the corpus holds.
final class ResourceMappingTests: XCTestCase {
    func testS3BucketSplitsIntoTerraformResources() {
        let n = Normalized(
            """
            Resources:
              Bucket:
                Type: AWS::S3::Bucket
                Properties:
                  BucketName: !Sub "${AWS::StackName}-data"
                  VersioningConfiguration:
                    Status: Enabled
                  BucketEncryption:
                    ServerSideEncryptionConfiguration:
                      - ServerSideEncryptionByDefault:
                          SSEAlgorithm: AES256
                  PublicAccessBlockConfiguration:
                    BlockPublicAcls: true
                    RestrictPublicBuckets: true
                  LifecycleConfiguration:
                    Rules:
                      - Id: expire
                        Status: Enabled
                        ExpirationInDays: 30
                        Transitions: [{StorageClass: GLACIER, TransitionInDays: 7}]
              BucketPolicy:
                Type: AWS::S3::BucketPolicy
                Properties:
                  Bucket: !Ref Bucket
                  PolicyDocument:
                    Statement:
                      - Effect: Deny
                        Principal: "*"
                        Action: "s3:*"
                        Resource: !Sub "${Bucket.Arn}/*"
            """)
        XCTAssertContains(n.block(#"resource "aws_s3_bucket" "Bucket""#), "  bucket        = \"${local.stack_name}-data\"\n  force_destroy = true\n")
        XCTAssertContains(
            n.block(#"resource "aws_s3_bucket_versioning" "Bucket_versioning""#),
            "  bucket = aws_s3_bucket.Bucket.id\n  versioning_configuration {\n    status = \"Enabled\"\n  }\n")
        XCTAssertContains(
            n.block(#"resource "aws_s3_bucket_server_side_encryption_configuration" "Bucket_encryption""#),
            "  rule {\n    apply_server_side_encryption_by_default {\n      sse_algorithm = \"AES256\"\n    }\n  }\n")
        XCTAssertContains(
            n.block(#"resource "aws_s3_bucket_public_access_block" "Bucket_public_access_block""#),
            "  block_public_acls       = true\n  bucket                  = aws_s3_bucket.Bucket.id\n  restrict_public_buckets = true\n")
        XCTAssertContains(
            n.block(#"resource "aws_s3_bucket_lifecycle_configuration" "Bucket_lifecycle""#),
            "  rule {\n    id     = \"expire\"\n    status = \"Enabled\"\n    expiration {\n      days = 30\n    }\n    filter {\n      prefix = \"\"\n    }\n    transition {\n      days          = 7\n      storage_class = \"GLACIER\"\n    }\n  }\n"
        )
        let policy = n.block(#"resource "aws_s3_bucket_policy" "BucketPolicy""#)
        XCTAssertContains(policy, "  bucket = aws_s3_bucket.Bucket.id\n  policy = jsonencode({\n")
        XCTAssertContains(policy, #"        Resource  = "${aws_s3_bucket.Bucket.arn}/*""#)
    }

    func testSQSAndSNS() {
        let n = Normalized(
            """
            Resources:
              DeadLetterQueue:
                Type: AWS::SQS::Queue
              Queue:
                Type: AWS::SQS::Queue
                Properties:
                  VisibilityTimeout: 60
                  MessageRetentionPeriod: "1209600"
                  RedrivePolicy:
                    deadLetterTargetArn: !GetAtt DeadLetterQueue.Arn
                    maxReceiveCount: 5
              QueuePolicy:
                Type: AWS::SQS::QueuePolicy
                Properties:
                  Queues: [!Ref Queue]
                  PolicyDocument:
                    Statement: [{Effect: Allow, Principal: {Service: sns.amazonaws.com}, Action: "sqs:SendMessage", Resource: !GetAtt Queue.Arn}]
              Topic:
                Type: AWS::SNS::Topic
                Properties:
                  Subscription:
                    - Endpoint: !GetAtt Queue.Arn
                      Protocol: sqs
              TopicPolicy:
                Type: AWS::SNS::TopicPolicy
                Properties:
                  Topics: [!Ref Topic]
                  PolicyDocument: {Statement: [{Effect: Allow, Principal: "*", Action: "sns:Publish", Resource: !Ref Topic}]}
              Subscription:
                Type: AWS::SNS::Subscription
                Properties:
                  TopicArn: !Ref Topic
                  Protocol: sqs
                  Endpoint: !GetAtt Queue.Arn
                  RawMessageDelivery: "true"
            """)
        let queue = n.block(#"resource "aws_sqs_queue" "Queue""#)
        XCTAssertContains(queue, "  message_retention_seconds = 1209600\n")
        XCTAssertContains(
            queue, "  redrive_policy = jsonencode({\n    deadLetterTargetArn = aws_sqs_queue.DeadLetterQueue.arn\n    maxReceiveCount     = 5\n  })\n"
        )
        XCTAssertContains(queue, "  visibility_timeout_seconds = 60\n")
        XCTAssertContains(n.block(#"resource "aws_sqs_queue_policy" "QueuePolicy""#), "  queue_url = aws_sqs_queue.Queue.id\n")
        XCTAssertContains(
            n.block(#"resource "aws_sns_topic_subscription" "Topic_subscription0""#),
            "  endpoint  = aws_sqs_queue.Queue.arn\n  protocol  = \"sqs\"\n  topic_arn = aws_sns_topic.Topic.arn\n")
        XCTAssertContains(n.block(#"resource "aws_sns_topic_policy" "TopicPolicy""#), "  arn = aws_sns_topic.Topic.arn\n")
        XCTAssertContains(n.block(#"resource "aws_sns_topic_subscription" "Subscription""#), "  raw_message_delivery = true\n")
    }

    func testDynamoDBTable() {
        let n = Normalized(
            """
            Resources:
              Table:
                Type: AWS::DynamoDB::Table
                Properties:
                  TableName: orders
                  AttributeDefinitions:
                    - {AttributeName: pk, AttributeType: S}
                    - {AttributeName: sk, AttributeType: S}
                    - {AttributeName: gsi1pk, AttributeType: S}
                  KeySchema:
                    - {AttributeName: pk, KeyType: HASH}
                    - {AttributeName: sk, KeyType: RANGE}
                  ProvisionedThroughput: {ReadCapacityUnits: 5, WriteCapacityUnits: 5}
                  GlobalSecondaryIndexes:
                    - IndexName: gsi1
                      KeySchema: [{AttributeName: gsi1pk, KeyType: HASH}]
                      Projection: {ProjectionType: ALL}
                      ProvisionedThroughput: {ReadCapacityUnits: 1, WriteCapacityUnits: 1}
                  StreamSpecification: {StreamViewType: NEW_AND_OLD_IMAGES}
                  TimeToLiveSpecification: {AttributeName: expires, Enabled: true}
                  SSESpecification: {SSEEnabled: true}
            """)
        let table = n.block(#"resource "aws_dynamodb_table" "Table""#)
        for line in [
            "  hash_key         = \"pk\"\n", "  name             = \"orders\"\n", "  range_key        = \"sk\"\n", "  read_capacity    = 5\n",
            "  stream_enabled   = true\n", "  stream_view_type = \"NEW_AND_OLD_IMAGES\"\n",
            "  attribute {\n    name = \"gsi1pk\"\n    type = \"S\"\n  }\n",
            "  global_secondary_index {\n    hash_key        = \"gsi1pk\"\n    name            = \"gsi1\"\n    projection_type = \"ALL\"\n    read_capacity   = 1\n    write_capacity  = 1\n  }\n",
            "  server_side_encryption {\n    enabled = true\n  }\n", "  ttl {\n    attribute_name = \"expires\"\n    enabled        = true\n  }\n",
        ] {
            XCTAssertContains(table, line)
        }
    }

    func testLambdaFamily() throws {
        let n = Normalized(
            """
            Resources:
              Role:
                Type: AWS::IAM::Role
                Properties:
                  AssumeRolePolicyDocument:
                    Version: "2012-10-17"
                    Statement: [{Effect: Allow, Principal: {Service: [lambda.amazonaws.com]}, Action: ["sts:AssumeRole"]}]
                  ManagedPolicyArns: ["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]
                  Policies:
                    - PolicyName: sqs
                      PolicyDocument: {Statement: [{Effect: Allow, Action: "sqs:*", Resource: "*"}]}
              Function:
                Type: AWS::Lambda::Function
                Properties:
                  Runtime: python3.12
                  Handler: index.handler
                  Role: !GetAtt Role.Arn
                  Timeout: 30
                  Environment:
                    Variables:
                      TABLE: orders
                  Code:
                    ZipFile: |
                      def handler(event, context):
                          return {"statusCode": 200}
              Version:
                Type: AWS::Lambda::Version
                Properties:
                  FunctionName: !Ref Function
              Alias:
                Type: AWS::Lambda::Alias
                Properties:
                  FunctionName: !Ref Function
                  FunctionVersion: !GetAtt Version.Version
                  Name: live
              Url:
                Type: AWS::Lambda::Url
                Properties:
                  TargetFunctionArn: !GetAtt Function.Arn
                  AuthType: NONE
              Permission:
                Type: AWS::Lambda::Permission
                Properties:
                  FunctionName: !Ref Function
                  Action: lambda:InvokeFunction
                  Principal: s3.amazonaws.com
              Queue:
                Type: AWS::SQS::Queue
              Mapping:
                Type: AWS::Lambda::EventSourceMapping
                Properties:
                  EventSourceArn: !GetAtt Queue.Arn
                  FunctionName: !Ref Function
                  BatchSize: 10
                  FilterCriteria:
                    Filters:
                      - Pattern: '{"body": {"type": ["order"]}}'
              Layer:
                Type: AWS::Lambda::LayerVersion
                Properties:
                  LayerName: deps
                  CompatibleRuntimes: [python3.12]
                  Content: {S3Bucket: my-bucket, S3Key: layer.zip}
            """)
        let function = n.block(#"resource "aws_lambda_function" "Function""#)
        XCTAssertContains(function, "  filename         = \"${path.module}/lambda/Function.zip\"\n")
        XCTAssertContains(function, "  function_name    = \"Function\"\n")
        XCTAssertContains(function, "  publish          = true\n")
        XCTAssertContains(function, "  role             = aws_iam_role.Role.arn\n")
        XCTAssertContains(function, "  environment {\n    variables = {\n      TABLE = \"orders\"\n    }\n  }\n")
        let zip = try XCTUnwrap(n.response.files.first { $0.path == "lambda/Function.zip" }?.data)
        XCTAssertEqual(zip.prefix(4), Data([0x50, 0x4B, 0x03, 0x04]))
        XCTAssertNotNil(zip.range(of: Data("index.py".utf8)))
        XCTAssertNotNil(zip.range(of: Data("return {\"statusCode\": 200}".utf8)))
        XCTAssertContains(n.block(#"resource "aws_lambda_alias" "Alias""#), "  function_version = aws_lambda_function.Function.version\n")
        XCTAssertContains(
            n.block(#"resource "aws_lambda_function_url" "Url""#),
            "  authorization_type = \"NONE\"\n  function_name      = aws_lambda_function.Function.arn\n")
        XCTAssertContains(
            n.block(#"resource "aws_lambda_permission" "Permission""#), "  function_name = aws_lambda_function.Function.function_name\n")
        XCTAssertContains(
            n.block(#"resource "aws_lambda_event_source_mapping" "Mapping""#),
            "  filter_criteria {\n    filter {\n      pattern = \"{\\\"body\\\": {\\\"type\\\": [\\\"order\\\"]}}\"\n    }\n  }\n")
        XCTAssertContains(n.block(#"resource "aws_lambda_layer_version" "Layer""#), "  layer_name          = \"deps\"\n")
        XCTAssertTrue(n.record.warnings.contains { $0.contains("Layer: code in S3 cannot be fetched offline") })
        let role = n.block(#"resource "aws_iam_role" "Role""#)
        XCTAssertContains(role, "  inline_policy {\n    name = \"sqs\"\n    policy = jsonencode({\n")
        XCTAssertFalse(n.main.contains("resource \"aws_lambda_function\" \"Version\""))
    }

    func testIAMFamily() {
        let n = Normalized(
            """
            Resources:
              Role:
                Type: AWS::IAM::Role
                Properties:
                  AssumeRolePolicyDocument: {Statement: [{Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: "sts:AssumeRole"}]}
              Policy:
                Type: AWS::IAM::Policy
                Properties:
                  PolicyName: read
                  Roles: [!Ref Role]
                  PolicyDocument: {Statement: [{Effect: Allow, Action: "s3:GetObject", Resource: "*"}]}
              Managed:
                Type: AWS::IAM::ManagedPolicy
                Properties:
                  Roles: [!Ref Role]
                  PolicyDocument: {Statement: [{Effect: Allow, Action: "sqs:*", Resource: "*"}]}
              Profile:
                Type: AWS::IAM::InstanceProfile
                Properties:
                  Roles: [!Ref Role]
              User:
                Type: AWS::IAM::User
              Group:
                Type: AWS::IAM::Group
                Properties:
                  GroupName: admins
            """)
        XCTAssertContains(n.block(#"resource "aws_iam_role_policy" "Policy""#), "  name = \"read\"\n  policy = jsonencode({\n")
        XCTAssertContains(n.block(#"resource "aws_iam_role_policy" "Policy""#), "  role = aws_iam_role.Role.name\n")
        XCTAssertContains(
            n.block(#"resource "aws_iam_role_policy_attachment" "Managed_attachment0""#),
            "  policy_arn = aws_iam_policy.Managed.arn\n  role       = aws_iam_role.Role.name\n")
        XCTAssertContains(n.block(#"resource "aws_iam_instance_profile" "Profile""#), "  role = aws_iam_role.Role.name\n")
        XCTAssertContains(n.block(#"resource "aws_iam_user" "User""#), "  name = \"User\"\n")
        XCTAssertContains(n.block(#"resource "aws_iam_group" "Group""#), "  name = \"admins\"\n")
    }

    func testLogsEventsAndStepFunctions() {
        let n = Normalized(
            """
            Resources:
              LogGroup:
                Type: AWS::Logs::LogGroup
                Properties:
                  LogGroupName: /aws/vendedlogs/states/orders
                  RetentionInDays: 7
              Bus:
                Type: AWS::Events::EventBus
                Properties:
                  Name: orders
              Rule:
                Type: AWS::Events::Rule
                Properties:
                  EventBusName: !Ref Bus
                  EventPattern:
                    source: [orders]
                  Targets:
                    - Arn: !Ref StateMachine
                      Id: machine
                      RoleArn: "arn:aws:iam::123456789012:role/events"
              StateMachine:
                Type: AWS::StepFunctions::StateMachine
                Properties:
                  RoleArn: "arn:aws:iam::123456789012:role/states"
                  DefinitionString: '{"StartAt": "Wait", "States": {"Wait": {"Type": "Wait", "Seconds": ${Delay}, "End": true}}}'
                  DefinitionSubstitutions:
                    Delay: 5
                  LoggingConfiguration:
                    Level: ALL
                    IncludeExecutionData: true
                    Destinations:
                      - CloudWatchLogsLogGroup:
                          LogGroupArn: !GetAtt LogGroup.Arn
            """)
        XCTAssertContains(
            n.block(#"resource "aws_cloudwatch_log_group" "LogGroup""#),
            "  name              = \"/aws/vendedlogs/states/orders\"\n  retention_in_days = 7\n")
        XCTAssertContains(n.block(#"resource "aws_cloudwatch_event_rule" "Rule""#), "  event_bus_name = aws_cloudwatch_event_bus.Bus.name\n")
        XCTAssertContains(
            n.block(#"resource "aws_cloudwatch_event_rule" "Rule""#), "  event_pattern = jsonencode({\n    source = [\"orders\"]\n  })\n")
        XCTAssertContains(
            n.block(#"resource "aws_cloudwatch_event_target" "Rule_target0""#),
            "  arn            = aws_sfn_state_machine.StateMachine.arn\n  event_bus_name = aws_cloudwatch_event_bus.Bus.name\n")
        XCTAssertContains(n.block(#"resource "aws_cloudwatch_event_target" "Rule_target0""#), "  target_id      = \"machine\"\n")
        let machine = n.block(#"resource "aws_sfn_state_machine" "StateMachine""#)
        XCTAssertContains(
            machine, #"  definition = "{\"StartAt\": \"Wait\", \"States\": {\"Wait\": {\"Type\": \"Wait\", \"Seconds\": 5, \"End\": true}}}""#)
        XCTAssertContains(
            machine,
            "  logging_configuration {\n    include_execution_data = true\n    level                  = \"ALL\"\n    log_destination        = aws_cloudwatch_log_group.LogGroup.arn\n  }\n"
        )
    }

    func testAPIGatewayV1AndV2() {
        let n = Normalized(
            """
            Resources:
              Api:
                Type: AWS::ApiGateway::RestApi
                Properties:
                  Name: orders
              Resource:
                Type: AWS::ApiGateway::Resource
                Properties:
                  RestApiId: !Ref Api
                  ParentId: !GetAtt Api.RootResourceId
                  PathPart: orders
              Method:
                Type: AWS::ApiGateway::Method
                Properties:
                  RestApiId: !Ref Api
                  ResourceId: !Ref Resource
                  HttpMethod: GET
                  AuthorizationType: NONE
                  MethodResponses:
                    - StatusCode: "200"
                  Integration:
                    Type: MOCK
                    RequestTemplates: {application/json: '{"statusCode": 200}'}
                    IntegrationResponses:
                      - StatusCode: "200"
                        ResponseTemplates: {application/json: '{"ok": true}'}
              Deployment:
                Type: AWS::ApiGateway::Deployment
                DependsOn: Method
                Properties:
                  RestApiId: !Ref Api
              Stage:
                Type: AWS::ApiGateway::Stage
                Properties:
                  RestApiId: !Ref Api
                  DeploymentId: !Ref Deployment
                  StageName: prod
              HttpApi:
                Type: AWS::ApiGatewayV2::Api
                Properties:
                  Name: http
                  ProtocolType: HTTP
              Integration:
                Type: AWS::ApiGatewayV2::Integration
                Properties:
                  ApiId: !Ref HttpApi
                  IntegrationType: HTTP_PROXY
                  IntegrationMethod: GET
                  IntegrationUri: https://example.com
                  PayloadFormatVersion: "1.0"
              Route:
                Type: AWS::ApiGatewayV2::Route
                Properties:
                  ApiId: !Ref HttpApi
                  RouteKey: GET /items
                  Target: !Sub integrations/${Integration}
              HttpStage:
                Type: AWS::ApiGatewayV2::Stage
                Properties:
                  ApiId: !Ref HttpApi
                  StageName: $default
                  AutoDeploy: true
            """)
        XCTAssertContains(
            n.block(#"resource "aws_api_gateway_resource" "Resource""#), "  parent_id   = aws_api_gateway_rest_api.Api.root_resource_id\n")
        XCTAssertContains(n.block(#"resource "aws_api_gateway_method" "Method""#), "  authorization = \"NONE\"\n  http_method   = \"GET\"\n")
        let integration = n.block(#"resource "aws_api_gateway_integration" "Method_integration""#)
        XCTAssertContains(integration, "  http_method = aws_api_gateway_method.Method.http_method\n")
        XCTAssertContains(integration, "  type        = \"MOCK\"\n")
        XCTAssertContains(n.block(#"resource "aws_api_gateway_method_response" "Method_response0""#), "  status_code = \"200\"\n")
        XCTAssertContains(
            n.block(#"resource "aws_api_gateway_integration_response" "Method_integration_response0""#),
            "  response_templates = {\n    \"application/json\" = \"{\\\"ok\\\": true}\"\n  }\n")
        let deployment = n.block(#"resource "aws_api_gateway_deployment" "Deployment""#)
        for waited in [
            "integration.Method_integration", "integration_response.Method_integration_response0", "method.Method",
            "method_response.Method_response0",
        ] {
            XCTAssertContains(deployment, "    aws_api_gateway_\(waited),\n")
        }
        XCTAssertContains(n.block(#"resource "aws_api_gateway_stage" "Stage""#), "  stage_name    = \"prod\"\n")
        XCTAssertContains(
            n.block(#"resource "aws_apigatewayv2_route" "Route""#), "  target    = \"integrations/${aws_apigatewayv2_integration.Integration.id}\"\n")
        XCTAssertContains(n.block(#"resource "aws_apigatewayv2_stage" "HttpStage""#), "  name        = \"$default\"\n")
    }

    func testKMSSecretsSSMKinesisAndFirehose() {
        let n = Normalized(
            """
            Resources:
              Key:
                Type: AWS::KMS::Key
                Properties:
                  EnableKeyRotation: true
                  KeyPolicy: {Statement: [{Effect: Allow, Principal: {AWS: !Sub "arn:aws:iam::${AWS::AccountId}:root"}, Action: "kms:*", Resource: "*"}]}
              Alias:
                Type: AWS::KMS::Alias
                Properties:
                  AliasName: alias/orders
                  TargetKeyId: !Ref Key
              Secret:
                Type: AWS::SecretsManager::Secret
                Properties:
                  GenerateSecretString:
                    SecretStringTemplate: '{"username": "admin"}'
                    GenerateStringKey: password
              Parameter:
                Type: AWS::SSM::Parameter
                Properties:
                  Name: /app/table
                  Value: orders
              Stream:
                Type: AWS::Kinesis::Stream
                Properties:
                  RetentionPeriodHours: 48
              Delivery:
                Type: AWS::KinesisFirehose::DeliveryStream
                Properties:
                  DeliveryStreamType: KinesisStreamAsSource
                  KinesisStreamSourceConfiguration:
                    KinesisStreamARN: !GetAtt Stream.Arn
                    RoleARN: "arn:aws:iam::123456789012:role/firehose"
                  ExtendedS3DestinationConfiguration:
                    BucketARN: "arn:aws:s3:::archive"
                    RoleARN: "arn:aws:iam::123456789012:role/firehose"
                    BufferingHints: {IntervalInSeconds: 60, SizeInMBs: 5}
            """)
        XCTAssertContains(n.block(#"resource "aws_kms_key" "Key""#), "  enable_key_rotation = true\n")
        XCTAssertContains(
            n.block(#"resource "aws_kms_alias" "Alias""#), "  name          = \"alias/orders\"\n  target_key_id = aws_kms_key.Key.key_id\n")
        XCTAssertContains(
            n.block(#"resource "aws_secretsmanager_secret_version" "Secret_version""#), "  secret_id = aws_secretsmanager_secret.Secret.id\n")
        XCTAssertContains(
            n.block(#"resource "aws_ssm_parameter" "Parameter""#), "  name  = \"/app/table\"\n  type  = \"String\"\n  value = \"orders\"\n")
        XCTAssertContains(n.block(#"resource "aws_kinesis_stream" "Stream""#), "  retention_period = 48\n  shard_count      = 1\n")
        let delivery = n.block(#"resource "aws_kinesis_firehose_delivery_stream" "Delivery""#)
        XCTAssertContains(delivery, "  destination = \"extended_s3\"\n")
        XCTAssertContains(delivery, "    buffering_interval = 60\n")
        XCTAssertContains(delivery, "  kinesis_source_configuration {\n    kinesis_stream_arn = aws_kinesis_stream.Stream.arn\n")
    }

    func testEC2Networking() {
        let n = Normalized(
            """
            Resources:
              VPC:
                Type: AWS::EC2::VPC
                Properties: {CidrBlock: 10.0.0.0/16, EnableDnsHostnames: true}
              Subnet:
                Type: AWS::EC2::Subnet
                Properties: {VpcId: !Ref VPC, CidrBlock: 10.0.1.0/24, MapPublicIpOnLaunch: true}
              InternetGateway:
                Type: AWS::EC2::InternetGateway
              Attachment:
                Type: AWS::EC2::VPCGatewayAttachment
                Properties: {VpcId: !Ref VPC, InternetGatewayId: !Ref InternetGateway}
              EIP:
                Type: AWS::EC2::EIP
                Properties: {Domain: vpc}
              Nat:
                Type: AWS::EC2::NatGateway
                Properties: {AllocationId: !GetAtt EIP.AllocationId, SubnetId: !Ref Subnet}
              RouteTable:
                Type: AWS::EC2::RouteTable
                Properties: {VpcId: !Ref VPC}
              Route:
                Type: AWS::EC2::Route
                DependsOn: Attachment
                Properties: {RouteTableId: !Ref RouteTable, DestinationCidrBlock: 0.0.0.0/0, GatewayId: !Ref InternetGateway}
              Association:
                Type: AWS::EC2::SubnetRouteTableAssociation
                Properties: {SubnetId: !Ref Subnet, RouteTableId: !Ref RouteTable}
              SecurityGroup:
                Type: AWS::EC2::SecurityGroup
                Properties:
                  GroupDescription: web
                  VpcId: !Ref VPC
                  SecurityGroupIngress:
                    - {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 0.0.0.0/0}
              Ingress:
                Type: AWS::EC2::SecurityGroupIngress
                Properties: {GroupId: !Ref SecurityGroup, IpProtocol: "-1", SourceSecurityGroupId: !Ref SecurityGroup}
            """)
        XCTAssertContains(n.block(#"resource "aws_vpc" "VPC""#), "  cidr_block           = \"10.0.0.0/16\"\n  enable_dns_hostnames = true\n")
        XCTAssertContains(n.block(#"resource "aws_subnet" "Subnet""#), "  map_public_ip_on_launch = true\n")
        XCTAssertContains(
            n.block(#"resource "aws_internet_gateway_attachment" "Attachment""#), "  internet_gateway_id = aws_internet_gateway.InternetGateway.id\n")
        XCTAssertContains(n.block(#"resource "aws_nat_gateway" "Nat""#), "  allocation_id = aws_eip.EIP.allocation_id\n")
        XCTAssertContains(n.block(#"resource "aws_route" "Route""#), "  destination_cidr_block = \"0.0.0.0/0\"\n")
        XCTAssertContains(n.block(#"resource "aws_route" "Route""#), "  depends_on = [aws_internet_gateway_attachment.Attachment]\n")
        XCTAssertContains(n.block(#"resource "aws_route_table_association" "Association""#), "  route_table_id = aws_route_table.RouteTable.id\n")
        XCTAssertContains(
            n.block(#"resource "aws_security_group" "SecurityGroup""#),
            "      cidr_blocks      = [\"0.0.0.0/0\"]\n      description      = \"\"\n      from_port        = 443\n")
        let rule = n.block(#"resource "aws_security_group_rule" "Ingress""#)
        XCTAssertContains(
            rule,
            "  from_port                = 0\n  protocol                 = \"-1\"\n  security_group_id        = aws_security_group.SecurityGroup.id\n")
        XCTAssertContains(rule, "  type                     = \"ingress\"\n")
    }

    func testContainersAlarmsCognitoAppSyncRoute53AndCloudFront() {
        let n = Normalized(
            """
            Resources:
              Cluster:
                Type: AWS::ECS::Cluster
              Repository:
                Type: AWS::ECR::Repository
                Properties: {RepositoryName: web}
              Task:
                Type: AWS::ECS::TaskDefinition
                Properties:
                  Family: web
                  Cpu: "256"
                  Memory: "512"
                  NetworkMode: awsvpc
                  RequiresCompatibilities: [FARGATE]
                  ContainerDefinitions:
                    - Name: web
                      Image: !GetAtt Repository.RepositoryUri
                      PortMappings: [{ContainerPort: 80}]
              Service:
                Type: AWS::ECS::Service
                Properties:
                  Cluster: !Ref Cluster
                  TaskDefinition: !Ref Task
                  DesiredCount: 1
                  LaunchType: FARGATE
                  NetworkConfiguration:
                    AwsvpcConfiguration: {AssignPublicIp: ENABLED, Subnets: [subnet-1]}
              Alarm:
                Type: AWS::CloudWatch::Alarm
                Properties:
                  MetricName: Errors
                  Namespace: AWS/Lambda
                  Statistic: Sum
                  Period: 60
                  EvaluationPeriods: 1
                  Threshold: 1
                  ComparisonOperator: GreaterThanOrEqualToThreshold
                  Dimensions: [{Name: FunctionName, Value: orders}]
              UserPool:
                Type: AWS::Cognito::UserPool
                Properties: {UserPoolName: users, AutoVerifiedAttributes: [email]}
              Client:
                Type: AWS::Cognito::UserPoolClient
                Properties: {UserPoolId: !Ref UserPool, GenerateSecret: false}
              GraphQL:
                Type: AWS::AppSync::GraphQLApi
                Properties: {Name: api, AuthenticationType: API_KEY}
              Schema:
                Type: AWS::AppSync::GraphQLSchema
                Properties:
                  ApiId: !GetAtt GraphQL.ApiId
                  Definition: "type Query { hello: String }"
              Source:
                Type: AWS::AppSync::DataSource
                Properties: {ApiId: !GetAtt GraphQL.ApiId, Name: none, Type: NONE}
              Resolver:
                Type: AWS::AppSync::Resolver
                Properties: {ApiId: !GetAtt GraphQL.ApiId, TypeName: Query, FieldName: hello, DataSourceName: !GetAtt Source.Name}
              Record:
                Type: AWS::Route53::RecordSet
                Properties: {HostedZoneId: Z123, Name: www.example.com, Type: CNAME, TTL: "300", ResourceRecords: [example.com]}
              Distribution:
                Type: AWS::CloudFront::Distribution
                Properties:
                  DistributionConfig:
                    Enabled: true
                    Origins:
                      - Id: site
                        DomainName: example.com
                        CustomOriginConfig: {OriginProtocolPolicy: https-only, HTTPSPort: 443, HTTPPort: 80}
                    DefaultCacheBehavior:
                      TargetOriginId: site
                      ViewerProtocolPolicy: redirect-to-https
                      ForwardedValues: {QueryString: false}
            """)
        XCTAssertContains(n.block(#"resource "aws_ecs_cluster" "Cluster""#), "  name = \"Cluster\"\n")
        XCTAssertContains(
            n.block(#"resource "aws_ecs_task_definition" "Task""#),
            "  container_definitions = jsonencode([\n    {\n      image = aws_ecr_repository.Repository.repository_url\n")
        XCTAssertContains(n.block(#"resource "aws_ecs_task_definition" "Task""#), "      portMappings = [\n")
        XCTAssertContains(
            n.block(#"resource "aws_ecs_service" "Service""#),
            "  network_configuration {\n    assign_public_ip = \"ENABLED\" == \"ENABLED\"\n    subnets          = [\"subnet-1\"]\n  }\n")
        XCTAssertContains(n.block(#"resource "aws_cloudwatch_metric_alarm" "Alarm""#), "  dimensions = {\n    FunctionName = \"orders\"\n  }\n")
        XCTAssertContains(
            n.block(#"resource "aws_cognito_user_pool" "UserPool""#),
            "  auto_verified_attributes = [\"email\"]\n  name                     = \"users\"\n")
        XCTAssertContains(n.block(#"resource "aws_cognito_user_pool_client" "Client""#), "  user_pool_id    = aws_cognito_user_pool.UserPool.id\n")
        XCTAssertContains(n.block(#"resource "aws_appsync_graphql_api" "GraphQL""#), "  schema              = \"type Query { hello: String }\"\n")
        XCTAssertFalse(n.record.unsupported.contains { $0.resource == "Schema" })
        XCTAssertContains(
            n.block(#"resource "aws_appsync_resolver" "Resolver""#), "  data_source = aws_appsync_datasource.Source.name\n  field       = \"hello\"\n"
        )
        XCTAssertContains(n.block(#"resource "aws_route53_record" "Record""#), "  records = [\"example.com\"]\n  ttl     = 300\n")
        let distribution = n.block(#"resource "aws_cloudfront_distribution" "Distribution""#)
        XCTAssertContains(distribution, "  default_cache_behavior {\n    allowed_methods        = [\"GET\", \"HEAD\"]\n")
        XCTAssertContains(distribution, "  restrictions {\n    geo_restriction {\n      restriction_type = \"none\"\n    }\n  }\n")
        XCTAssertContains(distribution, "  viewer_certificate {\n    cloudfront_default_certificate = true\n  }\n")
        XCTAssertContains(distribution, "      https_port             = 443\n")
    }

    func testUnsupportedTypesAreRecordedAndReferencesToThemLeftOut() {
        let n = Normalized(
            """
            Resources:
              Authority:
                Type: AWS::ACMPCA::CertificateAuthority
                Properties: {Type: ROOT, KeyAlgorithm: RSA_2048}
              Custom:
                Type: Custom::Thing
                Properties: {ServiceToken: arn:aws:lambda:us-east-1:1:function:x}
              Alarm:
                Type: AWS::CloudWatch::Alarm
                Properties:
                  AlarmActions: [!Ref Authority]
                  MetricName: CPU
                  Namespace: AWS/EC2
                  ComparisonOperator: GreaterThanThreshold
                  EvaluationPeriods: 1
                  Period: 60
                  Statistic: Average
                  Threshold: 90
            """)
        // A custom resource's Lambda logic is its author's: the template is not deployable as is.
        XCTAssertEqual(n.record.status, "needs_input")
        XCTAssertEqual(n.record.inputs?.filter { $0.value == nil }.map(\.parameter), ["Custom"])
        XCTAssertEqual(n.record.unsupported.map(\.resource), ["Authority", "Custom"])
        XCTAssertTrue(n.record.unsupported[1].reason.contains("custom resources"))
        // Nothing stands in for the untranslated authority: the alarm keeps everything but its actions.
        let alarm = n.block(#"resource "aws_cloudwatch_metric_alarm" "Alarm""#)
        XCTAssertContains(alarm, #"  metric_name         = "CPU""#)
        XCTAssertFalse(alarm.contains("alarm_actions"), alarm)
        XCTAssertFalse(n.main.contains("lsqm-") || n.main.contains("lsqm_unresolvable"), n.main)
        XCTAssertTrue(
            n.record.warnings.contains { $0.contains("alarm_actions left out: refers to Authority (AWS::ACMPCA::CertificateAuthority)") },
            "\(n.record.warnings)")
    }

    func testAutoScalingDatabasesAndNetworkACLs() {
        let n = Normalized(
            """
            Resources:
              Acl:
                Type: AWS::EC2::NetworkAcl
                Properties: {VpcId: vpc-1}
              InboundHttps:
                Type: AWS::EC2::NetworkAclEntry
                Properties:
                  NetworkAclId: !Ref Acl
                  RuleNumber: 100
                  Protocol: 6
                  RuleAction: allow
                  CidrBlock: 0.0.0.0/0
                  PortRange: {From: 443, To: 443}
              LaunchConfig:
                Type: AWS::AutoScaling::LaunchConfiguration
                Properties: {ImageId: ami-12345678, InstanceType: t3.micro}
              Group:
                Type: AWS::AutoScaling::AutoScalingGroup
                Properties:
                  LaunchConfigurationName: !Ref LaunchConfig
                  MinSize: "1"
                  MaxSize: "3"
                  VPCZoneIdentifier: [subnet-1]
                  Tags: [{Key: Name, Value: web, PropagateAtLaunch: true}]
              Database:
                Type: AWS::RDS::DBInstance
                Properties:
                  DBInstanceClass: db.t3.micro
                  Engine: mysql
                  AllocatedStorage: "20"
                  MasterUsername: admin
                  MasterUserPassword: change-me-please
            Outputs:
              Endpoint:
                Value: !GetAtt Database.Endpoint.Address
            """)
        let entry = n.block(#"resource "aws_network_acl_rule" "InboundHttps""#)
        XCTAssertContains(entry, "  from_port      = 443\n")
        XCTAssertContains(entry, "  protocol       = \"6\"\n")
        let group = n.block(#"resource "aws_autoscaling_group" "Group""#)
        XCTAssertContains(group, "  launch_configuration = aws_launch_configuration.LaunchConfig.name\n  max_size             = 3\n")
        XCTAssertContains(
            group, "  tag {\n    key                 = \"Name\"\n    propagate_at_launch = true\n    value               = \"web\"\n  }\n")
        let database = n.block(#"resource "aws_db_instance" "Database""#)
        XCTAssertContains(database, "  allocated_storage   = 20\n")
        XCTAssertContains(database, "  instance_class      = \"db.t3.micro\"\n")
        XCTAssertContains(database, "  skip_final_snapshot = true\n")
        XCTAssertContains(n.block(#"output "Endpoint""#), "  value = aws_db_instance.Database.address\n")
    }

    func testOutputsOfSensitiveValuesAreMarkedSensitive() {
        let n = Normalized(
            """
            Parameters:
              Password:
                Type: String
                NoEcho: true
                Default: hunter2
            Resources:
              Param:
                Type: AWS::SSM::Parameter
                Properties: {Type: String, Value: x}
            Outputs:
              ParamValue:
                Value: !GetAtt Param.Value
              Password:
                Value: !Ref Password
              Name:
                Value: !Ref Param
            """)
        XCTAssertContains(n.block(#"output "ParamValue""#), "  value     = aws_ssm_parameter.Param.value\n  sensitive = true\n")
        XCTAssertContains(n.block(#"output "Password""#), "  sensitive = true\n")
        XCTAssertFalse(n.block(#"output "Name""#).contains("sensitive"))
    }

    func testBrokenTemplateFailsWithTheFileNamed() {
        let n = Normalized("Resources:\n  A: [unclosed\n", path: "infra/stack.yaml")
        XCTAssertEqual(n.record.status, "failed")
        XCTAssertTrue(n.record.unsupported[0].reason.contains("infra/stack.yaml"), n.record.unsupported[0].reason)
        XCTAssertTrue(n.response.files.isEmpty)
    }
}
