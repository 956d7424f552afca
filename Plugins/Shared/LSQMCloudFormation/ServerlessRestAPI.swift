import Foundation
import LSQMPluginKit

/// The Framework's `http` events, compiled as the Framework compiles them: one `AWS::ApiGateway::RestApi`, a
/// `Resource` per path segment, a `Method` per event proxied (AWS_PROXY) to its function, a `Permission` per
/// function and a `Deployment` that makes the stage; logical ids as the Framework names them.
///
/// Not an OpenAPI body: a body is imported through PutRestApi, a call the Framework never makes, and moto refuses
/// the Swagger 2.0 body SAM would generate ("Only OpenAPI 3.x.x are currently supported"). Read from a bench-signal
/// run: two Serverless REST APIs FAILED on that import, blaming the emulator for lsqm's choice of calls.
struct ServerlessRestAPI {
    /// One `http` event.
    struct Route {
        /// The function's logical id (`CreateLambdaFunction`).
        var function: String
        var path: [String]
        /// Upper case; `ANY` for `any`.
        var method: String
        var cors: Bool
        var isPrivate: Bool
    }

    static let apiID = "ApiGatewayRestApi"
    private(set) var routes: [Route] = []

    var isEmpty: Bool { routes.isEmpty }

    /// `http: GET users/{id}` or `http: {method: get, path: users/{id}, cors: true, private: true}`.
    mutating func add(_ spec: JSONValue, function: String, context: TranslationContext) {
        var method = "any", path = ""
        if let text = spec.stringValue {
            let parts = text.split(separator: " ", maxSplits: 1).map(String.init)
            method = parts.first ?? "any"; path = parts.count > 1 ? parts[1] : ""
        } else {
            method = spec["method"]?.stringValue ?? "any"; path = spec["path"]?.stringValue ?? ""
        }
        if spec["authorizer"] != nil { context.warn("http event authorizers are not translated yet: dropped") }
        let cors = spec["cors"].map { $0.boolValue != false } ?? false
        routes.append(
            Route(
                function: function, path: path.split(separator: "/").map(String.init), method: method.uppercased(), cors: cors,
                isPrivate: spec["private"]?.boolValue == true))
    }

    /// The resources, keyed by logical id, for a stage of an API named `name`.
    func resources(name: String, stage: String, context: TranslationContext) -> [String: JSONValue] {
        var resources: [String: JSONValue] = [
            Self.apiID: ["Type": "AWS::ApiGateway::RestApi", "Properties": ["Name": .string(name), "EndpointConfiguration": ["Types": ["EDGE"]]]]
        ]
        var functionOfMethod: [String: String] = [:]
        // Path → the methods on it with `cors`: one OPTIONS method per path allows them all.
        var corsPaths: [[String]: Set<String>] = [:]
        for route in routes {
            let resource = Self.resourceChain(route.path, into: &resources)
            let id = Self.methodID(route.path, route.method)
            if let earlier = functionOfMethod[id], earlier != route.function {
                context.warn("http events \(route.method) /\(route.path.joined(separator: "/")) of two functions: the last one is kept")
            }
            functionOfMethod[id] = route.function
            resources[id] = Self.proxyMethod(route, resource: resource)
            if route.cors { corsPaths[route.path, default: []].insert(route.method) }
        }
        for (path, allowed) in corsPaths {
            resources[Self.methodID(path, "OPTIONS")] = Self.corsMethod(
                resource: Self.resourceReference(path), allowed: allowed.union(["OPTIONS"]).sorted().joined(separator: ","))
        }
        for function in Set(routes.map(\.function)).sorted() {
            resources[function.replacingOccurrences(of: "LambdaFunction", with: "") + "LambdaPermissionApiGateway"] = [
                "Type": "AWS::Lambda::Permission",
                "Properties": [
                    "FunctionName": ["Fn::GetAtt": [.string(function), "Arn"]], "Action": "lambda:InvokeFunction",
                    "Principal": "apigateway.amazonaws.com",
                    "SourceArn": [
                        "Fn::Join": [
                            "",
                            [
                                "arn:", ["Ref": "AWS::Partition"], ":execute-api:", ["Ref": "AWS::Region"], ":", ["Ref": "AWS::AccountId"], ":",
                                ["Ref": .string(Self.apiID)], "/*/*",
                            ],
                        ]
                    ],
                ],
            ]
        }
        // The Framework names it with a timestamp so every deploy makes a new one; one deploy needs no such name.
        let methodIDs = resources.keys.filter { $0.hasPrefix("ApiGatewayMethod") }.sorted()
        resources["ApiGatewayDeployment"] = [
            "Type": "AWS::ApiGateway::Deployment",
            "Properties": ["RestApiId": ["Ref": .string(Self.apiID)], "StageName": .string(stage)],
            "DependsOn": .array(methodIDs.map(JSONValue.string)),
        ]
        return resources
    }

    /// The `Resource` of each segment of `path`, parents first; returns the method's `ResourceId`.
    private static func resourceChain(_ path: [String], into resources: inout [String: JSONValue]) -> JSONValue {
        var parent: JSONValue = resourceReference([])
        for depth in path.indices {
            let prefix = Array(path[...depth])
            let id = resourceID(prefix)
            if resources[id] == nil {
                resources[id] = [
                    "Type": "AWS::ApiGateway::Resource",
                    "Properties": ["ParentId": parent, "PathPart": .string(path[depth]), "RestApiId": ["Ref": .string(apiID)]],
                ]
            }
            parent = resourceReference(prefix)
        }
        return parent
    }

    private static func resourceReference(_ path: [String]) -> JSONValue {
        path.isEmpty ? ["Fn::GetAtt": [.string(apiID), "RootResourceId"]] : ["Ref": .string(resourceID(path))]
    }

    /// The Framework's logical ids: `ApiGatewayResourceUsersIdVar`, `ApiGatewayMethodUsersIdVarGet`.
    private static func resourceID(_ path: [String]) -> String { "ApiGatewayResource" + pathName(path) }
    private static func methodID(_ path: [String], _ method: String) -> String { "ApiGatewayMethod" + pathName(path) + methodName(method) }

    private static func proxyMethod(_ route: Route, resource: JSONValue) -> JSONValue {
        let uri: JSONValue = [
            "Fn::Join": [
                "",
                [
                    "arn:", ["Ref": "AWS::Partition"], ":apigateway:", ["Ref": "AWS::Region"], ":lambda:path/2015-03-31/functions/",
                    ["Fn::GetAtt": [.string(route.function), "Arn"]], "/invocations",
                ],
            ]
        ]
        return [
            "Type": "AWS::ApiGateway::Method",
            "Properties": [
                "HttpMethod": .string(route.method), "RequestParameters": [:], "ResourceId": resource, "RestApiId": ["Ref": .string(apiID)],
                "ApiKeyRequired": .bool(route.isPrivate), "AuthorizationType": "NONE",
                "Integration": ["IntegrationHttpMethod": "POST", "Type": "AWS_PROXY", "Uri": uri], "MethodResponses": [],
            ],
        ]
    }

    /// `cors: true`: the Framework's OPTIONS method, a MOCK integration answering the CORS headers.
    private static func corsMethod(resource: JSONValue, allowed: String) -> JSONValue {
        let header = "method.response.header.Access-Control-Allow-"
        let values: [(String, String)] = [
            ("Origin", "'*'"), ("Headers", "'Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token,X-Amz-User-Agent'"),
            ("Methods", "'\(allowed)'"),
        ]
        return [
            "Type": "AWS::ApiGateway::Method",
            "Properties": [
                "AuthorizationType": "NONE", "HttpMethod": "OPTIONS", "ResourceId": resource, "RestApiId": ["Ref": .string(apiID)],
                "MethodResponses": [
                    [
                        "StatusCode": "200",
                        "ResponseParameters": .object(Dictionary(uniqueKeysWithValues: values.map { (header + $0.0, JSONValue.bool(true)) })),
                    ]
                ],
                "Integration": [
                    "Type": "MOCK", "RequestTemplates": ["application/json": "{statusCode:200}"],
                    "IntegrationResponses": [
                        [
                            "StatusCode": "200",
                            "ResponseParameters": .object(Dictionary(uniqueKeysWithValues: values.map { (header + $0.0, JSONValue.string($0.1)) })),
                            "ResponseTemplates": ["application/json": ""],
                        ]
                    ],
                ],
            ],
        ]
    }

    /// The Framework's path naming: `users/{id}/my-list` → `UsersIdVarMyDashlist`.
    static func pathName(_ path: [String]) -> String {
        path.map { part in
            var text = part
            if text.hasPrefix("{") && text.hasSuffix("}") {
                text = String(text.dropFirst().dropLast()).replacingOccurrences(of: "+", with: "") + "Var"
            }
            return ServerlessService.normalizedName(text)
        }.joined()
    }

    static func methodName(_ method: String) -> String { method.prefix(1).uppercased() + method.dropFirst().lowercased() }
}
