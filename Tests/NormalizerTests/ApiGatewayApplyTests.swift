import Foundation
import LSQMBasics
import LSQMTestSupport
import XCTest

@testable import LSQMValidate

/// Normalized REST APIs deployed for real: terraform with the offline provider applies two corpus templates
/// (a MOCK method; AWS integrations on nested resources with a deployment-made stage, API key and usage plan)
/// and a Serverless service's http events (Lambda proxy methods and CORS) on a moto_server through lsqm's own workspace (provider override, endpoint), then destroys them, and boto3
/// checks what moto holds after each step.
final class ApiGatewayApplyTests: XCTestCase {
    static let templates = [
        "mock": "sam/aws-samples__serverless-patterns__apigw-rest-api-mock-integration",
        "music": "cloudformation/aws-samples__serverless-patterns__apigw-rest-api-dynamodb",
        // Serverless http events with CORS, compiled as the Framework does (no OpenAPI body for moto to refuse).
        "todos": "serverless/serverless__examples__aws-golang-rest-api-with-dynamodb",
    ]

    func testNormalizedRestApisApplyAndDestroyWithNothingLeft() async throws {
        for tool in ["terraform", "moto_server", "python3"] where Subprocess.which(tool) == nil { throw XCTSkip("\(tool) is not installed") }
        let environment = ProcessInfo.processInfo.environment
        guard let mirror = TerraformSettings.defaultMirror(configured: environment["LSQM_TF_PLUGIN_MIRROR"]) else {
            throw XCTSkip("no terraform provider mirror (/opt/tf-plugins or LSQM_TF_PLUGIN_MIRROR)")
        }
        let work = try Files.makeTemporaryDirectory(prefix: "lsqm-apigw-apply")
        defer { Files.remove(work) }
        // One root module calling each normalized folder: one init, one apply, one destroy for both.
        let source = work.appendingPathComponent("source")
        var root = "terraform {\n  required_providers {\n    aws = {\n      source = \"hashicorp/aws\"\n    }\n  }\n}\n"
        for (name, folder) in Self.templates.sorted(by: { $0.key < $1.key }) {
            let normalized = try Normalized(corpus: folder)
            XCTAssertNotEqual(normalized.record.status, "failed", "\(folder): \(normalized.record)")
            for file in normalized.response.files {
                try AtomicFile.write(try XCTUnwrap(file.data), to: source.appendingPathComponent("\(name)/\(file.path)"))
            }
            root += "\nmodule \"\(name)\" {\n  source = \"./\(name)\"\n}\n"
        }
        try AtomicFile.write(root, to: source.appendingPathComponent("main.tf"))

        let emulatorDirectory = work.appendingPathComponent("emulator")
        try Files.createDirectory(emulatorDirectory)
        let emulator = try await HostRuntime(emulator: .moto, environment: environment)
            .start(EmulatorRequest(runID: "apigw", arch: "apigw", services: ["apigateway"], workDirectory: emulatorDirectory))
        do {
            try await HealthCheck.wait(for: emulator, services: ["apigateway"], timeout: .seconds(60))
            let cache = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent(
                "lsqm-validate-test-cache/terraform-plugins", isDirectory: true)
            let workspace = try TerraformWorkspace.prepare(
                from: source, into: work.appendingPathComponent("workspace"), endpoint: emulator.endpoint,
                settings: TerraformSettings(mirror: mirror, pluginCache: cache), baseEnvironment: environment)
            let initialized = try await workspace.initialize(timeout: .seconds(180))
            XCTAssertTrue(initialized.succeeded, initialized.combinedOutput)
            let applied = try await workspace.apply(timeout: .seconds(400))
            XCTAssertTrue(applied.succeeded, "terraform apply:\n\(applied.combinedOutput.suffix(6000))")

            let deployed = try await Self.apiGatewayState(workspace)
            let apis = try XCTUnwrap(deployed["apis"]?.objectValue, "\(deployed)")
            XCTAssertEqual(apis.keys.sorted(), ["api-music", "apigw-rest-api-mock-integration", "dev-aws-golang-rest-api-with-dynamodb"])
            let mock = try XCTUnwrap(apis["apigw-rest-api-mock-integration"])
            XCTAssertEqual(mock["methods"], ["/ GET": ["integration": "MOCK", "integration_responses": ["200"], "method_responses": ["200"]]])
            Self.assertStages(mock, ["Prod"])
            let music = try XCTUnwrap(apis["api-music"])
            XCTAssertEqual(
                music["methods"],
                [
                    "/music POST": ["integration": "AWS", "integration_responses": ["200"], "method_responses": ["200"]],
                    "/music/{artist} GET": ["integration": "AWS", "integration_responses": ["200"], "method_responses": ["200"]],
                ])
            Self.assertStages(music, ["v1"])
            let todos = try XCTUnwrap(apis["dev-aws-golang-rest-api-with-dynamodb"])
            let proxy: JSONValue = ["integration": "AWS_PROXY", "integration_responses": [], "method_responses": []]
            let cors: JSONValue = ["integration": "MOCK", "integration_responses": ["200"], "method_responses": ["200"]]
            XCTAssertEqual(
                todos["methods"],
                [
                    "/todos GET": proxy, "/todos POST": proxy, "/todos OPTIONS": cors, "/todos/{id} GET": proxy, "/todos/{id} PUT": proxy,
                    "/todos/{id} DELETE": proxy, "/todos/{id} OPTIONS": cors,
                ])
            Self.assertStages(todos, ["dev"])
            XCTAssertEqual(deployed["usage_plans"], 1)
            XCTAssertEqual(deployed["api_keys"], 1)

            let destroyed = try await workspace.destroy(timeout: .seconds(300))
            XCTAssertTrue(destroyed.succeeded, "terraform destroy:\n\(destroyed.combinedOutput.suffix(6000))")
            let left = try await Self.apiGatewayState(workspace)
            XCTAssertEqual(left, ["apis": [:], "api_keys": 0, "usage_plans": 0])
        } catch {
            await emulator.stop()
            throw error
        }
        await emulator.stop()
    }

    /// Each stage points at a deployment of its own API.
    static func assertStages(_ api: JSONValue, _ names: [String], file: StaticString = #filePath, line: UInt = #line) {
        let stages = api["stages"]?.objectValue ?? [:]
        let deployments = Set(api["deployments"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        XCTAssertEqual(stages.keys.sorted(), names, "\(api)", file: file, line: line)
        for (name, deployment) in stages {
            XCTAssertTrue(
                deployment.stringValue.map(deployments.contains) == true, "stage \(name) → \(deployment), deployments \(deployments)", file: file,
                line: line)
        }
    }

    /// What moto holds: every REST API by name with its methods (integration type, response codes), stages and
    /// deployments; the number of usage plans and API keys.
    static func apiGatewayState(_ workspace: TerraformWorkspace) async throws -> JSONValue {
        let script = """
            import boto3, json
            ag = boto3.client("apigateway")
            apis = {}
            for api in ag.get_rest_apis()["items"]:
                methods = {}
                for resource in ag.get_resources(restApiId=api["id"])["items"]:
                    for verb in resource.get("resourceMethods") or {}:
                        method = ag.get_method(restApiId=api["id"], resourceId=resource["id"], httpMethod=verb)
                        integration = method.get("methodIntegration") or {}
                        methods[resource["path"] + " " + verb] = {
                            "integration": integration.get("type"),
                            "integration_responses": sorted(integration.get("integrationResponses") or {}),
                            "method_responses": sorted(method.get("methodResponses") or {}),
                        }
                apis[api["name"]] = {
                    "methods": methods,
                    "stages": {s["stageName"]: s.get("deploymentId") for s in ag.get_stages(restApiId=api["id"])["item"]},
                    "deployments": [d["id"] for d in ag.get_deployments(restApiId=api["id"])["items"]],
                }
            print(json.dumps({"apis": apis, "usage_plans": len(ag.get_usage_plans()["items"]), "api_keys": len(ag.get_api_keys()["items"])}))
            """
        let result = try await Subprocess.run(["python3", "-c", script], environment: workspace.environment, timeout: .seconds(60))
        guard result.succeeded else { throw LSQMError(.environment, action: "read API Gateway from moto", cause: result.combinedOutput) }
        return try JSONCoding.decode(JSONValue.self, from: Data(result.stdout.utf8))
    }
}
