import Foundation
import LSQMCloudFormation
import LSQMPluginKit
import XCTest

/// SAM expansion, checked against what AWS's SAM translator generates for the same snippets.
final class SAMTransformTests: XCTestCase {
    func testFunctionWithGlobalsPoliciesAndEvents() throws {
        let n = Normalized(
            """
            AWSTemplateFormatVersion: '2010-09-09'
            Transform: AWS::Serverless-2016-10-31
            Globals:
              Function:
                Runtime: python3.12
                Timeout: 10
                Environment:
                  Variables:
                    STAGE: prod
            Resources:
              OrdersTable:
                Type: AWS::Serverless::SimpleTable
              OrdersQueue:
                Type: AWS::SQS::Queue
              Uploads:
                Type: AWS::S3::Bucket
              Topic:
                Type: AWS::SNS::Topic
              OrderFunction:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: src/
                  Handler: app.lambda_handler
                  Environment:
                    Variables:
                      TABLE: !Ref OrdersTable
                  Policies:
                    - DynamoDBCrudPolicy:
                        TableName: !Ref OrdersTable
                    - AmazonS3ReadOnlyAccess
                    - Statement:
                        - Effect: Allow
                          Action: sqs:SendMessage
                          Resource: !GetAtt OrdersQueue.Arn
                  Events:
                    Queue:
                      Type: SQS
                      Properties:
                        Queue: !GetAtt OrdersQueue.Arn
                        BatchSize: 5
                    Nightly:
                      Type: Schedule
                      Properties:
                        Schedule: rate(1 day)
                    Upload:
                      Type: S3
                      Properties:
                        Bucket: !Ref Uploads
                        Events: s3:ObjectCreated:*
                        Filter:
                          S3Key:
                            Rules: [{Name: suffix, Value: .csv}]
                    Notify:
                      Type: SNS
                      Properties:
                        Topic: !Ref Topic
                    GetOrders:
                      Type: Api
                      Properties:
                        Path: /orders
                        Method: get
            """, kind: "sam", files: [PluginFile(path: "src/app.py", text: "def lambda_handler(e, c):\n    return 1\n")])
        let function = n.block(#"resource "aws_lambda_function" "OrderFunction""#)
        XCTAssertContains(function, "  handler          = \"app.lambda_handler\"\n")
        XCTAssertContains(function, "  role             = aws_iam_role.OrderFunctionRole.arn\n")
        XCTAssertContains(function, "  timeout          = 10\n")
        XCTAssertContains(function, "      STAGE = \"prod\"\n      TABLE = aws_dynamodb_table.OrdersTable.id\n")
        let zip = try XCTUnwrap(n.response.files.first { $0.path == "lambda/OrderFunction.zip" }?.data)
        XCTAssertNotNil(zip.range(of: Data("def lambda_handler(e, c)".utf8)), "the local code is packaged, not a placeholder")

        let role = n.block(#"resource "aws_iam_role" "OrderFunctionRole""#)
        XCTAssertContains(role, "\"arn:${data.aws_partition.current.partition}:iam::aws:policy/AmazonS3ReadOnlyAccess\"")
        XCTAssertContains(role, "\"arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole\"")
        XCTAssertContains(
            role,
            "\"arn:${data.aws_partition.current.partition}:dynamodb:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:table/${aws_dynamodb_table.OrdersTable.id}\""
        )
        XCTAssertContains(role, "Resource = aws_sqs_queue.OrdersQueue.arn")

        XCTAssertContains(n.block(#"resource "aws_dynamodb_table" "OrdersTable""#), "  billing_mode = \"PAY_PER_REQUEST\"\n  hash_key     = \"id\"\n")
        XCTAssertContains(n.block(#"resource "aws_lambda_event_source_mapping" "OrderFunctionQueue""#), "  batch_size       = 5\n")
        XCTAssertContains(n.block(#"resource "aws_cloudwatch_event_rule" "OrderFunctionNightly""#), "  schedule_expression = \"rate(1 day)\"\n")
        XCTAssertContains(
            n.block(#"resource "aws_cloudwatch_event_target" "OrderFunctionNightly_target0""#),
            "  arn       = aws_lambda_function.OrderFunction.arn\n")
        XCTAssertContains(
            n.block(#"resource "aws_lambda_permission" "OrderFunctionNightlyPermission""#), "  principal     = \"events.amazonaws.com\"\n")
        XCTAssertContains(
            n.block(#"resource "aws_s3_bucket_notification" "Uploads_notification""#),
            "  lambda_function {\n    events              = [\"s3:ObjectCreated:*\"]\n    filter_suffix       = \".csv\"\n    lambda_function_arn = aws_lambda_function.OrderFunction.arn\n  }\n"
        )
        XCTAssertContains(n.block(#"resource "aws_sns_topic_subscription" "OrderFunctionNotify""#), "  protocol  = \"lambda\"\n")
        let api = n.block(#"resource "aws_api_gateway_rest_api" "ServerlessRestApi""#)
        XCTAssertContains(api, "      \"/orders\" = {\n        get = {\n")
        XCTAssertContains(
            api,
            "uri        = \"arn:${data.aws_partition.current.partition}:apigateway:${data.aws_region.current.name}:lambda:path/2015-03-31/functions/${aws_lambda_function.OrderFunction.arn}/invocations\""
        )
        XCTAssertContains(n.block(#"resource "aws_api_gateway_stage" "ServerlessRestApiProdStage""#), "  stage_name    = \"Prod\"\n")
        XCTAssertContains(n.block(#"resource "aws_lambda_permission" "OrderFunctionGetOrdersPermissionProd""#), "/*/GET/orders\"")
    }

    func testHttpApiInlineCodeLayerAndStateMachine() throws {
        let n = Normalized(
            """
            Transform: AWS::Serverless-2016-10-31
            Resources:
              Deps:
                Type: AWS::Serverless::LayerVersion
                Properties:
                  ContentUri: layer/
                  CompatibleRuntimes: [nodejs20.x]
              Hello:
                Type: AWS::Serverless::Function
                Properties:
                  Runtime: nodejs20.x
                  Handler: index.handler
                  InlineCode: "exports.handler = async () => ({statusCode: 200});"
                  Layers: [!Ref Deps]
                  AutoPublishAlias: live
                  Events:
                    Root:
                      Type: HttpApi
                      Properties:
                        Path: /hello
                        Method: GET
              Machine:
                Type: AWS::Serverless::StateMachine
                Properties:
                  DefinitionUri: statemachine/flow.asl.json
                  DefinitionSubstitutions:
                    HelloArn: !GetAtt Hello.Arn
                  Policies:
                    - LambdaInvokePolicy:
                        FunctionName: !Ref Hello
                  Events:
                    Every:
                      Type: Schedule
                      Properties:
                        Schedule: rate(5 minutes)
            """, kind: "sam",
            files: [
                PluginFile(
                    path: "statemachine/flow.asl.json",
                    text: #"{"StartAt": "Call", "States": {"Call": {"Type": "Task", "Resource": "${HelloArn}", "End": true}}}"#),
                PluginFile(path: "layer/nodejs/package.json", text: "{}"),
            ])
        let zip = try XCTUnwrap(n.response.files.first { $0.path == "lambda/Hello.zip" }?.data)
        XCTAssertNotNil(zip.range(of: Data("exports.handler = async".utf8)))
        let layerZip = try XCTUnwrap(n.response.files.first { $0.path == "lambda/Deps.zip" }?.data)
        XCTAssertNotNil(layerZip.range(of: Data("nodejs/package.json".utf8)))
        XCTAssertContains(n.block(#"resource "aws_lambda_function" "Hello""#), "  layers           = [aws_lambda_layer_version.Deps.arn]\n")
        XCTAssertContains(n.block(#"resource "aws_lambda_alias" "HelloAliaslive""#), "  function_version = aws_lambda_function.Hello.version\n")
        XCTAssertContains(n.block(#"resource "aws_apigatewayv2_api" "ServerlessHttpApi""#), "  protocol_type = \"HTTP\"\n")
        XCTAssertContains(n.block(#"resource "aws_apigatewayv2_route" "HelloRootRoute""#), "  route_key = \"GET /hello\"\n")
        XCTAssertContains(
            n.block(#"resource "aws_apigatewayv2_integration" "HelloRootIntegration""#), "  integration_uri        = aws_lambda_function.Hello.arn\n")
        XCTAssertContains(n.block(#"resource "aws_apigatewayv2_stage" "ServerlessHttpApiApiGatewayDefaultStage""#), "  auto_deploy = true\n")
        let machine = n.block(#"resource "aws_sfn_state_machine" "Machine""#)
        XCTAssertContains(machine, "      Resource = aws_lambda_function.Hello.arn\n")
        XCTAssertContains(machine, "  role_arn = aws_iam_role.MachineRole.arn\n")
        XCTAssertContains(
            n.block(#"resource "aws_cloudwatch_event_target" "MachineEvery_target0""#), "  role_arn  = aws_iam_role.MachineEveryRole.arn\n")
    }

    /// `OpenApiVersion: 3.0.1` in `Globals.Api` makes the implicit API's document OpenAPI 3, as the SAM translator
    /// does (aws-sam-translator 1.110.0 on this template: `openapi: 3.0.1`, `components.securitySchemes`, no
    /// `swagger`); without it the document stays Swagger 2.0.
    func testOpenApiVersionThreeMakesAnOpenAPIDocument() {
        func api(_ globals: String) -> String {
            Normalized(
                """
                Transform: AWS::Serverless-2016-10-31
                Globals:
                  Api:
                \(globals)
                    Cors: "'*'"
                    Auth:
                      ApiKeyRequired: true
                Resources:
                  Items:
                    Type: AWS::Serverless::Function
                    Properties:
                      Runtime: python3.12
                      Handler: app.handler
                      InlineCode: "def handler(e, c): pass"
                      Events:
                        List:
                          Type: Api
                          Properties: {Path: /items, Method: get}
                """, kind: "sam"
            ).block(#"resource "aws_api_gateway_rest_api" "ServerlessRestApi""#)
        }
        func has(_ text: String, _ pattern: String) -> Bool { text.range(of: pattern, options: .regularExpression) != nil }
        let openAPI = api("    OpenApiVersion: 3.0.1")
        XCTAssertTrue(has(openAPI, #"openapi\s+= "3\.0\.1""#), openAPI)
        XCTAssertFalse(openAPI.contains("swagger"), openAPI)
        XCTAssertFalse(openAPI.contains("consumes"), openAPI)
        XCTAssertFalse(openAPI.contains("securityDefinitions"), openAPI)
        XCTAssertTrue(has(openAPI, #"components = \{\s+securitySchemes = \{\s+api_key = \{"#), openAPI)
        XCTAssertTrue(has(openAPI, #"Access-Control-Allow-Origin\s+= \{\s+schema = \{\s+type = "string""#), openAPI)
        let swagger = api("    Name: items")
        XCTAssertTrue(has(swagger, #"swagger\s+= "2\.0""#), swagger)
        XCTAssertTrue(swagger.contains("securityDefinitions"), swagger)
        XCTAssertFalse(swagger.contains("openapi"), swagger)
    }

    func testApiAuthBecomesSecurityDefinitions() {
        let n = Normalized(
            """
            Transform: AWS::Serverless-2016-10-31
            Resources:
              UserPool:
                Type: AWS::Cognito::UserPool
              Authorizer:
                Type: AWS::Serverless::Function
                Properties: {Runtime: python3.12, Handler: auth.handler, InlineCode: "def handler(e, c): pass"}
              Api:
                Type: AWS::Serverless::Api
                Properties:
                  StageName: prod
                  Cors: "'https://example.com'"
                  Auth:
                    DefaultAuthorizer: Cognito
                    Authorizers:
                      Cognito:
                        UserPoolArn: !GetAtt UserPool.Arn
                      Token:
                        FunctionArn: !GetAtt Authorizer.Arn
              Items:
                Type: AWS::Serverless::Function
                Properties:
                  Runtime: python3.12
                  Handler: app.handler
                  InlineCode: "def handler(e, c): pass"
                  Events:
                    List:
                      Type: Api
                      Properties: {RestApiId: !Ref Api, Path: /items, Method: get}
                    Create:
                      Type: Api
                      Properties:
                        RestApiId: !Ref Api
                        Path: /items
                        Method: post
                        Auth: {Authorizer: Token, ApiKeyRequired: true}
                    Health:
                      Type: Api
                      Properties:
                        RestApiId: !Ref Api
                        Path: /health
                        Method: get
                        Auth: {Authorizer: NONE}
            """, kind: "sam")
        let api = n.block(#"resource "aws_api_gateway_rest_api" "Api""#)
        XCTAssertContains(api, "          security = [\n            {\n              Cognito = []\n            },\n          ]\n")
        XCTAssertContains(
            api,
            "          security = [\n            {\n              Token = []\n            },\n            {\n              api_key = []\n            },\n          ]\n"
        )
        XCTAssertContains(api, "          type         = \"cognito_user_pools\"\n")
        XCTAssertContains(
            api,
            "authorizerUri                = \"arn:${data.aws_partition.current.partition}:apigateway:${data.aws_region.current.name}:lambda:path/2015-03-31/functions/${aws_lambda_function.Authorizer.arn}/invocations\""
        )
        XCTAssertEqual(api.components(separatedBy: "security = [").count - 1, 2, "the /health route opts out with NONE")
        XCTAssertContains(api, #""method.response.header.Access-Control-Allow-Methods" = "'GET,OPTIONS,POST'""#)
        XCTAssertContains(api, #""method.response.header.Access-Control-Allow-Origin"  = "'https://example.com'""#)
        XCTAssertContains(
            n.block(#"resource "aws_lambda_permission" "ApiTokenAuthorizerPermission""#), "  function_name = aws_lambda_function.Authorizer.arn\n")
    }

    func testMissingCodeGetsAPlaceholderHandlerAndIsRecorded() throws {
        let n = Normalized(
            """
            Transform: AWS::Serverless-2016-10-31
            Resources:
              Fn:
                Type: AWS::Serverless::Function
                Properties:
                  Runtime: python3.14
                  Handler: handlers/api.main
                  CodeUri: s3://bucket/code.zip
            """, kind: "sam")
        let zip = try XCTUnwrap(n.response.files.first { $0.path == "lambda/Fn.zip" }?.data)
        XCTAssertNotNil(zip.range(of: Data("handlers/api.py".utf8)))
        XCTAssertNotNil(zip.range(of: Data("def main(event, context):".utf8)))
        XCTAssertContains(n.block(#"resource "aws_lambda_function" "Fn""#), "  runtime          = \"python3.13\"\n")
        XCTAssertTrue(n.record.warnings.contains { $0.contains("placeholder handler") })
        XCTAssertTrue(n.record.warnings.contains { $0.contains("python3.14") })
        XCTAssertEqual(n.record.status, "partial")
    }
}
