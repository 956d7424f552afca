import Foundation
import LSQMCloudFormation
import LSQMPluginKit
import XCTest

final class ServerlessTranslatorTests: XCTestCase {
    func testServiceWithVariablesEventsAndResources() {
        let n = Normalized(
            """
            service: orders
            custom:
              tableName: ${self:service}-${opt:stage, 'dev'}-orders
              settings: ${file(./config.yml)}
            provider:
              name: aws
              runtime: nodejs18.x
              stage: ${opt:stage, 'dev'}
              region: eu-west-1
              environment:
                TABLE: ${self:custom.tableName}
                LOG_LEVEL: ${env:LOG_LEVEL, 'info'}
                COLOR: ${self:custom.settings.color}
              iam:
                role:
                  statements:
                    - Effect: Allow
                      Action: [dynamodb:PutItem]
                      Resource: !GetAtt OrdersTable.Arn
            functions:
              create:
                handler: handler.create
                events:
                  - http:
                      path: orders
                      method: post
                  - httpApi: 'GET /orders'
                  - sqs:
                      arn: !GetAtt Queue.Arn
                      batchSize: 5
                  - sns: order-events
                  - schedule: rate(10 minutes)
                  - s3:
                      bucket: order-uploads
                      event: s3:ObjectCreated:*
                      rules:
                        - prefix: incoming/
                  - stream:
                      type: dynamodb
                      arn: !GetAtt OrdersTable.StreamArn
                  - eventBridge:
                      pattern:
                        source: [orders]
                  - websocket: $connect
            resources:
              Resources:
                Queue:
                  Type: AWS::SQS::Queue
                OrdersTable:
                  Type: AWS::DynamoDB::Table
                  Properties:
                    TableName: ${self:custom.tableName}
                    BillingMode: PAY_PER_REQUEST
                    AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
                    KeySchema: [{AttributeName: id, KeyType: HASH}]
                    StreamSpecification: {StreamViewType: NEW_IMAGE}
              Outputs:
                TableName:
                  Value: !Ref OrdersTable
            """, kind: "serverless", path: "serverless.yml", files: [PluginFile(path: "config.yml", text: "color: blue\n")])
        let function = n.block(#"resource "aws_lambda_function" "CreateLambdaFunction""#)
        XCTAssertContains(function, "  function_name    = \"orders-dev-create\"\n")
        XCTAssertContains(function, "  role             = aws_iam_role.IamRoleLambdaExecution.arn\n")
        XCTAssertContains(function, "      COLOR     = \"blue\"\n      LOG_LEVEL = \"info\"\n      TABLE     = \"orders-dev-orders\"\n")
        XCTAssertContains(n.block(#"resource "aws_dynamodb_table" "OrdersTable""#), "  name             = \"orders-dev-orders\"\n")
        XCTAssertContains(n.block(#"resource "aws_iam_role" "IamRoleLambdaExecution""#), "Resource = aws_dynamodb_table.OrdersTable.arn")
        // The http event as the Framework compiles it: a resource per path segment and a proxy method, no body.
        XCTAssertFalse(n.block(#"resource "aws_api_gateway_rest_api" "ApiGatewayRestApi""#).contains("body"))
        XCTAssertContains(n.block(#"resource "aws_api_gateway_resource" "ApiGatewayResourceOrders""#), "  path_part   = \"orders\"\n")
        XCTAssertContains(n.block(#"resource "aws_api_gateway_method" "ApiGatewayMethodOrdersPost""#), "  http_method        = \"POST\"\n")
        XCTAssertContains(
            n.block(#"resource "aws_api_gateway_integration" "ApiGatewayMethodOrdersPost_integration""#),
            "/functions/${aws_lambda_function.CreateLambdaFunction.arn}/invocations\"\n")
        XCTAssertContains(n.block(#"resource "aws_apigatewayv2_route" "CreateLambdaFunctionHttpApi1Route""#), "  route_key = \"GET /orders\"\n")
        XCTAssertContains(
            n.block(#"resource "aws_lambda_event_source_mapping" "CreateLambdaFunctionSqs2""#), "  event_source_arn = aws_sqs_queue.Queue.arn\n")
        XCTAssertContains(n.block(#"resource "aws_sns_topic" "SNSTopicOrderDashevents""#), "  name = \"order-events\"\n")
        XCTAssertContains(
            n.block(#"resource "aws_cloudwatch_event_rule" "CreateLambdaFunctionSchedule4""#), "  schedule_expression = \"rate(10 minutes)\"\n")
        XCTAssertContains(n.block(#"resource "aws_s3_bucket" "S3BucketOrderDashuploads""#), "  bucket        = \"order-uploads\"\n")
        XCTAssertContains(
            n.block(#"resource "aws_s3_bucket_notification" "S3BucketOrderDashuploads_notification""#), "    filter_prefix       = \"incoming/\"\n")
        XCTAssertContains(
            n.block(#"resource "aws_lambda_event_source_mapping" "CreateLambdaFunctionStream6""#),
            "  event_source_arn  = aws_dynamodb_table.OrdersTable.stream_arn\n")
        XCTAssertContains(n.block(#"resource "aws_cloudwatch_event_rule" "CreateLambdaFunctionEventBridge7""#), "  event_pattern = jsonencode({\n")
        XCTAssertContains(n.block(#"output "TableName""#), "  value = aws_dynamodb_table.OrdersTable.id\n")
        XCTAssertEqual(n.record.unsupported.map(\.type), ["serverless websocket event"])
        XCTAssertTrue(n.main.hasPrefix("# Generated by lsqm"))
        XCTAssertContains(n.main, "# from serverless.yml of https://example.com/serverless.\n")
    }

    func testFileOutsideTheFolderIsNotReadAndV2RoleStatements() {
        let n = Normalized(
            """
            service: legacy
            custom:
              secret: ${file(../../secrets.yml):token, 'none'}
            provider:
              name: aws
              runtime: python3.9
              iamRoleStatements:
                - Effect: Allow
                  Action: [s3:GetObject]
                  Resource: "arn:aws:s3:::legacy/*"
            functions:
              hello:
                handler: handler.hello
                environment:
                  TOKEN: ${self:custom.secret}
            """, kind: "serverless", path: "serverless.yml")
        XCTAssertContains(n.block(#"resource "aws_lambda_function" "HelloLambdaFunction""#), "      TOKEN = \"none\"\n")
        XCTAssertTrue(n.record.warnings.contains { $0.contains("outside the architecture folder") })
        XCTAssertContains(n.block(#"resource "aws_iam_role" "IamRoleLambdaExecution""#), "Resource = \"arn:aws:s3:::legacy/*\"")
    }

    func testNonAWSProviderFails() {
        let n = Normalized("service: x\nprovider:\n  name: azure\n", kind: "serverless", path: "serverless.yml")
        XCTAssertEqual(n.record.status, "failed")
        XCTAssertTrue(n.record.unsupported[0].reason.contains("azure"))
    }
}
