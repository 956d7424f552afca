import Foundation
import LSQMCloudFormation
import LSQMPluginKit
import LSQMTestSupport
import XCTest

/// API Gateway REST APIs of real templates (../shared/corpus, read in place): every piece of a method refers to
/// the one it follows, and deployments wait for (and are replaced with) everything they snapshot.
final class ApiGatewayWiringTests: XCTestCase {
    /// A SAM template with explicit CloudFormation methods: one MOCK GET on the root with a 200 response.
    func testMockIntegrationMethodPiecesReferToEachOther() throws {
        let n = try Normalized(corpus: "sam/aws-samples__serverless-patterns__apigw-rest-api-mock-integration")
        XCTAssertEqual(n.record.status, "full", "\(n.record)")
        let onMethod = """
              resource_id = aws_api_gateway_method.RootMethodGet.resource_id
            """
        let response = n.block(#"resource "aws_api_gateway_method_response" "RootMethodGet_response0""#)
        XCTAssertContains(response, "  http_method = aws_api_gateway_method.RootMethodGet.http_method\n")
        XCTAssertContains(response, onMethod)
        XCTAssertContains(response, "  rest_api_id = aws_api_gateway_method.RootMethodGet.rest_api_id\n")
        let integration = n.block(#"resource "aws_api_gateway_integration" "RootMethodGet_integration""#)
        XCTAssertContains(integration, "  http_method          = aws_api_gateway_method.RootMethodGet.http_method\n")
        XCTAssertContains(integration, onMethod)
        XCTAssertContains(integration, "  type        = \"MOCK\"\n")
        let integrationResponse = n.block(#"resource "aws_api_gateway_integration_response" "RootMethodGet_integration_response0""#)
        XCTAssertContains(integrationResponse, "  http_method = aws_api_gateway_integration.RootMethodGet_integration.http_method\n")
        XCTAssertContains(integrationResponse, "  resource_id = aws_api_gateway_integration.RootMethodGet_integration.resource_id\n")
        XCTAssertContains(integrationResponse, "  status_code = aws_api_gateway_method_response.RootMethodGet_response0.status_code\n")
        // The verb is written once, on the method; everything else reads it from there.
        XCTAssertEqual(n.main.components(separatedBy: "\"GET\"").count - 1, 1, n.main)

        let deployment = n.block(#"resource "aws_api_gateway_deployment" "Deployment""#)
        XCTAssertContains(
            deployment,
            """
              triggers = {
                redeployment = sha1(jsonencode([
                  aws_api_gateway_method.RootMethodGet.id,
                  aws_api_gateway_method_response.RootMethodGet_response0.id,
                  aws_api_gateway_integration.RootMethodGet_integration.id,
                  aws_api_gateway_integration_response.RootMethodGet_integration_response0.id,
                ]))
              }
              lifecycle {
                create_before_destroy = true
              }

              depends_on = [
                aws_api_gateway_integration.RootMethodGet_integration,
                aws_api_gateway_integration_response.RootMethodGet_integration_response0,
                aws_api_gateway_method.RootMethodGet,
                aws_api_gateway_method_response.RootMethodGet_response0,
              ]
            }
            """)
        XCTAssertContains(n.block(#"resource "aws_api_gateway_stage" "Stage""#), "  deployment_id = aws_api_gateway_deployment.Deployment.id\n")
    }

    /// CloudFormation: two methods on nested resources, a deployment whose StageName makes the stage, and a
    /// usage plan that DependsOn the deployment (and so needs that stage).
    func testDeploymentWaitsForEveryMethodAndMakesItsStage() throws {
        let n = try Normalized(corpus: "cloudformation/aws-samples__serverless-patterns__apigw-rest-api-dynamodb")
        let deployment = n.block(#"resource "aws_api_gateway_deployment" "ApiDeployment""#)
        for method in ["MusicMethodPost", "MusicArtistMethodGet"] {
            for address in [
                "aws_api_gateway_method.\(method)", "aws_api_gateway_method_response.\(method)_response0",
                "aws_api_gateway_integration.\(method)_integration", "aws_api_gateway_integration_response.\(method)_integration_response0",
            ] {
                XCTAssertContains(deployment, "    \(address),\n")
                XCTAssertContains(deployment, "      \(address).id,\n")
            }
        }
        XCTAssertContains(deployment, "      aws_api_gateway_resource.MusicResource.id,\n")
        XCTAssertContains(deployment, "      aws_api_gateway_resource.MusicArtistResource.id,\n")
        XCTAssertFalse(deployment.contains("stage_name"), deployment)
        let stage = n.block(#"resource "aws_api_gateway_stage" "ApiDeployment_stage""#)
        XCTAssertContains(stage, "  deployment_id = aws_api_gateway_deployment.ApiDeployment.id\n")
        XCTAssertContains(stage, "  stage_name    = var.StageName\n")
        XCTAssertContains(
            n.block(#"resource "aws_api_gateway_usage_plan" "ApiUsagePlan""#),
            "  depends_on = [aws_api_gateway_deployment.ApiDeployment, aws_api_gateway_stage.ApiDeployment_stage]\n")
        XCTAssertContains(
            n.block(#"resource "aws_api_gateway_integration_response" "MusicMethodPost_integration_response0""#),
            "  status_code = aws_api_gateway_method_response.MusicMethodPost_response0.status_code\n")
        XCTAssertContains(n.block(#"resource "aws_api_gateway_rest_api" "Api""#), "  api_key_source = \"HEADER\"\n")
    }

    /// SAM's implicit OpenAPI body: the deployment is replaced when the body changes, and the function's
    /// permission names the API by its execution ARN.
    func testSAMApiRedeploysOnItsBodyAndPermitsByExecutionARN() throws {
        let n = try Normalized(corpus: "sam/aws-samples__serverless-patterns__apigw-cloudwatch")
        let deployment = n.block(#"resource "aws_api_gateway_deployment" "MyApiDeployment""#)
        XCTAssertContains(deployment, "    redeployment = sha1(jsonencode([aws_api_gateway_rest_api.MyApi.body]))\n")
        XCTAssertContains(deployment, "    create_before_destroy = true\n")
        XCTAssertContains(
            n.block(#"resource "aws_lambda_permission" "MyLambdaFunctionRootGetPermissionProd""#),
            "  source_arn    = \"${aws_api_gateway_rest_api.MyApi.execution_arn}/*/GET/\"\n")
        let stage = n.block(#"resource "aws_api_gateway_stage" "MyApiProdStage""#)
        XCTAssertContains(stage, "  deployment_id        = aws_api_gateway_deployment.MyApiDeployment.id\n")
        XCTAssertContains(stage, "    destination_arn = aws_cloudwatch_log_group.MyLogGroup.arn\n")
    }

    /// Serverless `http` events compile as the Framework compiles them: the function's permission names the API by
    /// its execution ARN, and the deployment waits for every method, CORS's OPTIONS included, and makes the stage.
    func testServerlessHttpEventPermissionUsesExecutionARN() throws {
        let n = try Normalized(corpus: "serverless/serverless__examples__aws-golang-rest-api-with-dynamodb")
        let permissions = n.main.components(separatedBy: "resource \"aws_lambda_permission\"").dropFirst()
        XCTAssertFalse(permissions.isEmpty)
        for permission in permissions {
            XCTAssertContains(permission, "source_arn    = \"${aws_api_gateway_rest_api.ApiGatewayRestApi.execution_arn}/*/")
        }
        let deployment = n.block(#"resource "aws_api_gateway_deployment" "ApiGatewayDeployment""#)
        for method in ["TodosGet", "TodosPost", "TodosOptions", "TodosIdVarGet", "TodosIdVarPut", "TodosIdVarDelete", "TodosIdVarOptions"] {
            XCTAssertContains(deployment, "    aws_api_gateway_method.ApiGatewayMethod\(method),\n")
        }
        XCTAssertContains(n.block(#"resource "aws_api_gateway_stage" "ApiGatewayDeployment_stage""#), "  stage_name    = \"dev\"\n")
    }

    /// A usage plan's per-method throttle map becomes `throttle { path }` blocks, not one with a placeholder path.
    func testUsagePlanMethodThrottlesKeepTheirPaths() throws {
        let n = try Normalized(corpus: "serverless/aws-samples__serverless-patterns__apigw-s3-lambda-sls-py")
        XCTAssertContains(
            n.block(#"resource "aws_api_gateway_usage_plan" "UsagePlan""#),
            """
                throttle {
                  burst_limit = 100
                  path        = "/api/{order_object_path+}/PUT"
                  rate_limit  = 50
                }
            """)
        XCTAssertFalse(n.main.contains("path = \"lsqm-placeholder\""), n.main)
    }

    /// Only an `arn:…:execute-api:REGION:ACCOUNT:API…` shape is rewritten; other source ARNs stay as written.
    func testExecutionARNRewriteLeavesOtherARNsAlone() {
        let n = Normalized(
            """
            Resources:
              Api:
                Type: AWS::ApiGateway::RestApi
                Properties: {Name: a}
              Fn:
                Type: AWS::Lambda::Function
                Properties: {Handler: index.handler, Runtime: python3.12, Role: arn:aws:iam::123456789012:role/r, Code: {ZipFile: "x"}}
              FromApi:
                Type: AWS::Lambda::Permission
                Properties:
                  Action: lambda:InvokeFunction
                  FunctionName: !Ref Fn
                  Principal: apigateway.amazonaws.com
                  SourceArn: !Join ["", ["arn:aws:execute-api:", !Ref "AWS::Region", ":", !Ref "AWS::AccountId", ":", !Ref Api, "/*"]]
              FromBucket:
                Type: AWS::Lambda::Permission
                Properties:
                  Action: lambda:InvokeFunction
                  FunctionName: !Ref Fn
                  Principal: s3.amazonaws.com
                  SourceArn: !Sub "arn:aws:s3:::${Api}-bucket"
            """)
        XCTAssertContains(
            n.block(#"resource "aws_lambda_permission" "FromApi""#), "  source_arn    = \"${aws_api_gateway_rest_api.Api.execution_arn}/*\"\n")
        XCTAssertContains(
            n.block(#"resource "aws_lambda_permission" "FromBucket""#),
            "  source_arn    = \"arn:aws:s3:::${aws_api_gateway_rest_api.Api.id}-bucket\"\n")
    }
}

extension Normalized {
    /// Normalizes a corpus architecture folder (`kind/name`) read in place; skips when the corpus is absent.
    init(corpus folder: String) throws {
        guard let corpus = BuildProducts.corpus else { throw XCTSkip("../shared/corpus is not present") }
        let kind = String(folder.split(separator: "/")[0])
        let files = try CorpusNormalizeTests.loadFiles(corpus.appendingPathComponent(folder))
        let request = NormalizeRequest(kind: kind, name: folder, sourceURL: "corpus/\(folder)", files: files)
        response = kind == "serverless" ? ServerlessTranslator.normalize(request) : CloudFormationTranslator.normalize(request)
    }
}
