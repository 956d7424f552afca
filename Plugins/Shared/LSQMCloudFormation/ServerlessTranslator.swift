import Foundation
import LSQMBasics
import LSQMPluginKit
import LSQMTemplates

/// Serverless Framework (serverless.yml, provider aws) → Terraform. Variables are resolved, the service is
/// rewritten as the SAM template it stands for (functions with events, the shared execution role, raw
/// `resources`), and that goes through the same translation as CloudFormation and SAM.
public enum ServerlessTranslator {
    public static let kinds = ["serverless"]

    public static func normalize(_ request: NormalizeRequest) -> NormalizeResponse {
        let files = TemplateFiles(request.files)
        guard let (path, document) = files.findTemplate(where: { $0["service"] != nil && $0["provider"] != nil }) else {
            return .failed(
                "no Serverless Framework file (serverless.yml with service and provider) in the architecture"
                    + files.parseErrors.map { "; \($0)" }.joined())
        }
        guard (document["provider"]?["name"]?.stringValue ?? "aws") == "aws" else {
            return .failed("the service's provider is \(document["provider"]?["name"]?.stringValue ?? "?"), not aws")
        }
        let context = TranslationContext(architectureName: request.name, files: files.data, baseDirectory: files.directory(of: path))
        let resolved = ServerlessVariables(document: document, context: context).resolveAll()
        let template = ServerlessService(service: resolved, context: context).samTemplate()
        return CloudFormationTranslator.translate(template: template, templatePath: path, context: context, source: request.sourceURL ?? request.name)
    }
}

/// `${self:…}`, `${opt:stage, 'dev'}`, `${env:X, default}`, `${file(...)}`, `${sls:stage}`, `${aws:region}`, … as
/// the Framework resolves them, offline: no host environment is read (results must not depend on the machine),
/// remote sources (cf, ssm, s3, param) take their fallback or a placeholder, with a warning.
struct ServerlessVariables {
    let document: JSONValue
    let context: TranslationContext
    static let sources = ["self:", "opt:", "sls:", "env:", "file(", "aws:", "cf:", "cf(", "ssm:", "s3:", "param:", "strToBool(", "sls:"]

    var stage: String {
        if let s = document["provider"]?["stage"]?.stringValue, !s.contains("${") { return s }
        return "dev"
    }
    var region: String {
        if let s = document["provider"]?["region"]?.stringValue, !s.contains("${") { return s }
        return "us-east-1"
    }

    func resolveAll() -> JSONValue { resolve(document, depth: 0) }

    func resolve(_ v: JSONValue, depth: Int) -> JSONValue {
        guard depth < 20 else { return v }
        switch v {
        case .string(let s): return resolveString(s, depth: depth)
        case .array(let items): return .array(items.map { resolve($0, depth: depth + 1) })
        case .object(let object): return .object(object.mapValues { resolve($0, depth: depth + 1) })
        default: return v
        }
    }

    /// Resolves the innermost variables first, so `${self:custom.${opt:stage}.x}` works.
    func resolveString(_ s: String, depth: Int) -> JSONValue {
        var text = s
        var rounds = 0
        while rounds < 20, let range = innermostVariable(in: text) {
            rounds += 1
            let content = String(text[text.index(range.lowerBound, offsetBy: 2)..<text.index(before: range.upperBound)])
            let value = evaluate(content, depth: depth)
            if range.lowerBound == text.startIndex && range.upperBound == text.endIndex {
                return value.stringValue.map { resolveString($0, depth: depth + 1) } ?? value
            }
            let replacement: String
            switch value {
            case .string(let r): replacement = r
            case .number(let n): replacement = HCLPrinter.number(n)
            case .bool(let b): replacement = b ? "true" : "false"
            default:
                // An intrinsic inside a longer string: keep it as a CloudFormation Fn::Join.
                let before = String(text[..<range.lowerBound]), after = String(text[range.upperBound...])
                return ["Fn::Join": ["", [resolveString(before, depth: depth + 1), value, resolveString(after, depth: depth + 1)]]]
            }
            text.replaceSubrange(range, with: replacement)
        }
        return .string(text)
    }

    private func innermostVariable(in text: String) -> Range<String.Index>? {
        var search = text.startIndex
        while let open = text.range(of: "${", range: search..<text.endIndex) {
            let inner = text[open.upperBound...]
            guard
                Self.sources.contains(where: { inner.hasPrefix($0) })
                    || inner.prefix(while: { $0 != "}" }).contains(", ") && !inner.hasPrefix("AWS::")
                        && inner.prefix(while: { $0 != "}" }).contains(":")
            else {
                search = open.upperBound
                continue
            }
            // Find the matching close; if another `${` opens first, resolve that one first.
            var index = open.upperBound
            while index < text.endIndex {
                if text[index...].hasPrefix("${") { break }
                if text[index] == "}" { return open.lowerBound..<text.index(after: index) }
                index = text.index(after: index)
            }
            search = open.upperBound
        }
        return nil
    }

    /// One `source:address, fallback, …` expression.
    private func evaluate(_ content: String, depth: Int) -> JSONValue {
        let alternatives = splitTopLevel(content)
        for alternative in alternatives {
            let item = alternative.trimmingCharacters(in: .whitespaces)
            if let value = single(item, depth: depth) { return value }
        }
        return unresolved(alternatives.first?.trimmingCharacters(in: .whitespaces) ?? content, whole: content)
    }

    /// A variable with no value offline, turned into what CloudFormation would read at deploy time: an SSM
    /// parameter or another stack's output become prerequisites; an environment variable or CLI option gets a
    /// value chosen from its name (an input); anything else only the service's author can give.
    private func unresolved(_ item: String, whole: String) -> JSONValue {
        let source = "${\(whole)}"
        if item.hasPrefix("ssm:") {
            let name = item.dropFirst(4).split(separator: "~").first.map(String.init) ?? ""
            return .string("{{resolve:ssm:\(name)}}")
        }
        if item.hasPrefix("cf:") { return ["Fn::ImportValue": .string(String(item.dropFirst(3)))] }
        for prefix in ["env:", "opt:", "param:"] where item.hasPrefix(prefix) {
            let name = String(item.dropFirst(prefix.count))
            let value = PlainValue.byName(name)
            context.prerequisites.record(
                source, value,
                "the Framework reads it from the deployer's \(prefix == "env:" ? "environment" : prefix == "opt:" ? "command line" : "parameters"); chosen from its name"
            )
            return .string(value)
        }
        return Self.authorInput(
            source,
            "no value offline: \(item.hasPrefix("self:") ? "the setting it reads is not in the service (a file the author keeps?)" : "it reads a source only the deployer has")"
        )
    }

    /// Something only the service's author can give; the CloudFormation translation makes it a variable without default.
    static func authorInput(_ source: String, _ reason: String) -> JSONValue {
        [TranslationContext.authorInputFunction: [.string(source), .string(reason)]]
    }

    private func splitTopLevel(_ s: String) -> [String] {
        var parts: [String] = []
        var current = "", depth = 0, quote: Character?
        for c in s {
            if let q = quote { current.append(c); if c == q { quote = nil }; continue }
            switch c {
            case "'", "\"": quote = c; current.append(c)
            case "(", "[": depth += 1; current.append(c)
            case ")", "]": depth -= 1; current.append(c)
            case "," where depth == 0: parts.append(current); current = ""
            default: current.append(c)
            }
        }
        parts.append(current)
        return parts
    }

    private func single(_ item: String, depth: Int) -> JSONValue? {
        if item.count >= 2, let first = item.first, first == "'" || first == "\"", item.last == first {
            return .string(String(item.dropFirst().dropLast()))
        }
        if let n = Double(item) { return .number(n) }
        if item == "true" || item == "false" { return .bool(item == "true") }
        if item == "null" { return nil }
        if item.hasPrefix("self:") {
            // The Framework's own defaults, when the service does not set them.
            if item == "self:provider.stage" { return lookup("provider.stage", depth: depth) ?? .string(stage) }
            if item == "self:provider.region" { return lookup("provider.region", depth: depth) ?? .string(region) }
            return lookup(String(item.dropFirst(5)), depth: depth)
        }
        if item == "opt:stage" || item == "sls:stage" || item == "provider.stage" { return .string(stage) }
        if item == "opt:region" || item == "aws:region" { return .string(region) }
        if item == "aws:accountId" { return ["Ref": "AWS::AccountId"] }
        if item == "sls:instanceId" { return "lsqm" }
        if item.hasPrefix("opt:") || item.hasPrefix("env:") { return nil }
        if item.hasPrefix("file(") { return file(item, depth: depth) }
        if item.hasPrefix("strToBool(") { return .bool(item.contains("true")) }
        if item.hasPrefix("cf:") || item.hasPrefix("cf(") || item.hasPrefix("ssm:") || item.hasPrefix("s3:") || item.hasPrefix("param:") {
            return nil
        }
        return nil
    }

    private func lookup(_ path: String, depth: Int) -> JSONValue? {
        var node: JSONValue? = document
        for key in path.split(separator: ".") where !key.isEmpty {
            // An intermediate value may itself be a variable (`settings: ${file(x.yml)}` then `self:custom.settings.key`).
            if let text = node?.stringValue, text.contains("${") { node = resolveString(text, depth: depth + 1) }
            if let list = node?.arrayValue, let i = Int(key), i < list.count { node = list[i]; continue }
            node = node?[String(key)]
        }
        guard let node else { return nil }
        return resolve(node, depth: depth + 1)
    }

    private func file(_ item: String, depth: Int) -> JSONValue? {
        guard let close = item.firstIndex(of: ")") else { return nil }
        let relative = item[item.index(item.startIndex, offsetBy: 5)..<close].trimmingCharacters(in: CharacterSet(charactersIn: " '\""))
        guard let path = context.resolvePath(relative) else {
            context.warn("${file(\(relative))} points outside the architecture folder: not read")
            return nil
        }
        guard let data = context.files[path], let parsed = try? TemplateYAML.load(data) else { return nil }
        var node: JSONValue? = parsed
        let rest = item[item.index(after: close)...]
        if rest.hasPrefix(":") {
            for key in rest.dropFirst().split(separator: ".") { node = node?[String(key)] }
        }
        return node.map { resolve($0, depth: depth + 1) }
    }
}

/// A resolved serverless.yml rewritten as a SAM template.
struct ServerlessService {
    let service: JSONValue
    let context: TranslationContext

    var provider: JSONValue { service["provider"] ?? [:] }
    var serviceName: String { service["service"]?.stringValue ?? service["service"]?["name"]?.stringValue ?? "service" }
    var stage: String { provider["stage"]?.stringValue ?? "dev" }

    /// Serverless's logical id normalization: `my-func_x` → `MyDashfuncUnderscorex`.
    static func normalizedName(_ name: String) -> String {
        let replaced = name.replacingOccurrences(of: "-", with: "Dash").replacingOccurrences(of: "_", with: "Underscore")
        let cleaned = replaced.filter { $0.isLetter || $0.isNumber }
        return cleaned.prefix(1).uppercased() + cleaned.dropFirst()
    }

    func samTemplate() -> JSONValue {
        var resources: [String: JSONValue] = [:]
        let functions = service["functions"]?.objectValue ?? [:]
        let needsRole = provider["iam"]?["role"]?.stringValue == nil && provider["iam"]?["role"]?.intrinsic == nil && provider["role"] == nil
        let sharedRole: JSONValue
        // `provider.iam.role` is either a role to use (a name, ARN or intrinsic) or the statements of the role to create.
        let givenRole: JSONValue? =
            provider["iam"]?["role"].flatMap { role -> JSONValue? in
                role.stringValue != nil || role.intrinsic != nil ? role : Optional<JSONValue>.none
            } ?? provider["role"]
        if let role = givenRole {
            sharedRole = roleReference(role)
        } else {
            sharedRole = ["Fn::GetAtt": ["IamRoleLambdaExecution", "Arn"]]
        }
        if needsRole && !functions.isEmpty { resources["IamRoleLambdaExecution"] = executionRole() }
        var restAPI = ServerlessRestAPI(), httpEvents = false
        for name in functions.keys.sorted() {
            guard let fn = functions[name] else { continue }
            context.currentResource = "function \(name)"
            let id = Self.normalizedName(name) + "LambdaFunction"
            var events: [String: JSONValue] = [:]
            for (i, event) in (fn["events"]?.arrayValue ?? []).enumerated() {
                guard let (type, spec) = event.objectValue?.first else { continue }
                if type == "http" {
                    restAPI.add(spec, function: id, context: context)
                    continue
                }
                if let converted = convertEvent(type, spec, function: name, index: i, resources: &resources) {
                    events["\(Self.normalizedName(type))\(i)"] = converted
                    if type == "httpApi" { httpEvents = true }
                }
            }
            var properties: [String: JSONValue] = [
                "FunctionName": .string(fn["name"]?.stringValue ?? "\(serviceName)-\(stage)-\(name)"),
                "Handler": fn["handler"] ?? "handler.handler",
                "Runtime": fn["runtime"] ?? provider["runtime"] ?? "nodejs18.x",
                "MemorySize": fn["memorySize"] ?? provider["memorySize"] ?? 1024,
                "Timeout": fn["timeout"] ?? provider["timeout"] ?? 6,
                "Role": fn["role"].map(roleReference) ?? sharedRole,
            ]
            if let image = fn["image"] {
                properties["ImageUri"] =
                    image.stringValue.map { .string($0) } ?? image["uri"]
                    ?? ServerlessVariables.authorInput(
                        "function \(name) image", "the container image the Framework builds from the author's Dockerfile and pushes")
                properties["Handler"] = nil; properties["Runtime"] = nil
            } else if let artifact = fn["package"]?["artifact"]?.stringValue ?? service["package"]?["artifact"]?.stringValue {
                properties["CodeUri"] = .string(artifact)
            } else {
                properties["CodeUri"] = "."
            }
            var environment = provider["environment"]?.objectValue ?? [:]
            for (k, v) in fn["environment"]?.objectValue ?? [:] { environment[k] = v }
            if !environment.isEmpty { properties["Environment"] = ["Variables": .object(environment)] }
            if let layers = fn["layers"] ?? provider["layers"] { properties["Layers"] = layers }
            if let vpc = fn["vpc"] ?? provider["vpc"] {
                properties["VpcConfig"] = ["SecurityGroupIds": vpc["securityGroupIds"] ?? [], "SubnetIds": vpc["subnetIds"] ?? []]
            }
            if let description = fn["description"] { properties["Description"] = description }
            if let architecture = fn["architecture"] ?? provider["architecture"] { properties["Architectures"] = [architecture] }
            if let tracing = fn["tracing"] ?? provider["tracing"]?["lambda"] {
                properties["Tracing"] = tracing.boolValue == true ? "Active" : tracing.boolValue == false ? "PassThrough" : tracing
            }
            if let reserved = fn["reservedConcurrency"] { properties["ReservedConcurrentExecutions"] = reserved }
            if let tags = fn["tags"] ?? provider["tags"] { properties["Tags"] = tags }
            if !events.isEmpty { properties["Events"] = .object(events) }
            resources[id] = ["Type": "AWS::Serverless::Function", "Properties": .object(properties)]
        }
        context.currentResource = nil
        if !restAPI.isEmpty {
            resources.merge(restAPI.resources(name: "\(stage)-\(serviceName)", stage: stage, context: context)) { _, compiled in compiled }
        }
        if httpEvents {
            var api: [String: JSONValue] = ["Name": .string("\(stage)-\(serviceName)")]
            if let cors = provider["httpApi"]?["cors"] { api["CorsConfiguration"] = cors.boolValue == true ? true : corsConfiguration(cors) }
            resources["HttpApi"] = ["Type": "AWS::Serverless::HttpApi", "Properties": .object(api)]
        }
        let raw = service["resources"]
        for (id, resource) in raw?["Resources"]?.objectValue ?? [:] {
            if resources[id] != nil { context.warn("resources.Resources.\(id) overrides the resource the Framework generates under that name") }
            resources[id] = resource
        }
        var template: [String: JSONValue] = ["Transform": "AWS::Serverless-2016-10-31", "Resources": .object(resources)]
        for section in ["Outputs", "Conditions", "Parameters", "Mappings"] {
            if let value = raw?[section] { template[section] = value }
        }
        return .object(template)
    }

    private func roleReference(_ role: JSONValue) -> JSONValue {
        if let name = role.stringValue, !name.hasPrefix("arn:") {
            if let resources = service["resources"]?["Resources"]?.objectValue, resources[name] != nil {
                return ["Fn::GetAtt": [.string(name), "Arn"]]
            }
            return ["Fn::Sub": .string("arn:${AWS::Partition}:iam::${AWS::AccountId}:role/\(name)")]
        }
        return role
    }

    private func corsConfiguration(_ cors: JSONValue) -> JSONValue {
        var out: [String: JSONValue] = [:]
        let keys = [
            ("allowedOrigins", "AllowOrigins"), ("allowedHeaders", "AllowHeaders"), ("allowedMethods", "AllowMethods"),
            ("allowCredentials", "AllowCredentials"), ("exposedResponseHeaders", "ExposeHeaders"), ("maxAge", "MaxAge"),
        ]
        for (from, to) in keys { if let v = cors[from] { out[to] = v } }
        return .object(out)
    }

    /// The Framework's shared `IamRoleLambdaExecution`: logs plus the provider's statements and managed policies.
    private func executionRole() -> JSONValue {
        let statements = provider["iam"]?["role"]?["statements"]?.arrayValue ?? provider["iamRoleStatements"]?.arrayValue ?? []
        let managed = provider["iam"]?["role"]?["managedPolicies"]?.arrayValue ?? provider["iamManagedPolicies"]?.arrayValue ?? []
        var logs: [JSONValue] = [
            [
                "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:CreateLogGroup", "logs:PutLogEvents"],
                "Resource": ["Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/*"],
            ]
        ]
        logs += statements
        var properties: [String: JSONValue] = [
            "AssumeRolePolicyDocument": [
                "Version": "2012-10-17",
                "Statement": [
                    [
                        "Effect": "Allow", "Principal": ["Service": ["lambda.amazonaws.com"]], "Action": ["sts:AssumeRole"],
                    ]
                ],
            ],
            "Policies": [
                ["PolicyName": .string("\(serviceName)-\(stage)-lambda"), "PolicyDocument": ["Version": "2012-10-17", "Statement": .array(logs)]]
            ],
        ]
        if !managed.isEmpty { properties["ManagedPolicyArns"] = .array(managed) }
        if provider["vpc"] != nil {
            properties["ManagedPolicyArns"] = .array(managed + [SAMTransform.managedPolicyARN("AWSLambdaVPCAccessExecutionRole")])
        }
        return ["Type": "AWS::IAM::Role", "Properties": .object(properties)]
    }

    private func missingARN(_ function: String, _ type: String) -> JSONValue {
        ServerlessVariables.authorInput("function \(function) \(type) event", "the event names no ARN of what it reads")
    }

    private func convertEvent(_ type: String, _ spec: JSONValue, function: String, index: Int, resources: inout [String: JSONValue]) -> JSONValue? {
        func event(_ type: String, _ properties: [String: JSONValue]) -> JSONValue { ["Type": .string(type), "Properties": .object(properties)] }
        switch type {
        case "httpApi":
            var properties: [String: JSONValue] = ["ApiId": ["Ref": "HttpApi"]]
            let text = spec.stringValue ?? "\(spec["method"]?.stringValue ?? "*") \(spec["path"]?.stringValue ?? "")"
            if text.trimmingCharacters(in: .whitespaces) != "*" {
                let parts = text.split(separator: " ", maxSplits: 1).map(String.init)
                properties["Method"] = .string(parts.first == "*" ? "ANY" : (parts.first ?? "ANY"))
                if parts.count > 1 { properties["Path"] = .string(parts[1]) }
            }
            return event("HttpApi", properties)
        case "sqs":
            var properties: [String: JSONValue] = ["Queue": spec.stringValue.map { .string($0) } ?? spec["arn"] ?? missingARN(function, type)]
            if let v = spec["batchSize"] { properties["BatchSize"] = v }
            if let v = spec["enabled"] { properties["Enabled"] = v }
            if let v = spec["maximumBatchingWindow"] { properties["MaximumBatchingWindowInSeconds"] = v }
            if let v = spec["functionResponseType"] { properties["FunctionResponseTypes"] = [v] }
            if let v = spec["filterPatterns"]?.arrayValue { properties["FilterCriteria"] = ["Filters": .array(v.map { ["Pattern": $0] })] }
            return event("SQS", properties)
        case "sns":
            var topic: JSONValue
            if let text = spec.stringValue ?? spec["arn"]?.stringValue ?? (spec["arn"] == nil ? spec["topicName"]?.stringValue : nil),
                !text.hasPrefix("arn:")
            {
                let id = "SNSTopic" + Self.normalizedName(text)
                resources[id] = ["Type": "AWS::SNS::Topic", "Properties": ["TopicName": .string(text)]]
                topic = ["Ref": .string(id)]
            } else {
                topic = spec.stringValue.map { .string($0) } ?? spec["arn"] ?? missingARN(function, type)
            }
            var properties: [String: JSONValue] = ["Topic": topic]
            if let filter = spec["filterPolicy"] { properties["FilterPolicy"] = filter }
            return event("SNS", properties)
        case "s3":
            let bucketName = spec.stringValue ?? spec["bucket"]?.stringValue
            if spec["existing"]?.boolValue == true || bucketName == nil {
                context.unsupported(
                    "\(function).events[\(index)]", "serverless s3 event", "events on an existing or computed bucket are not translated yet")
                return nil
            }
            let id = "S3Bucket" + Self.normalizedName(bucketName ?? "bucket")
            if resources[id] == nil { resources[id] = ["Type": "AWS::S3::Bucket", "Properties": ["BucketName": .string(bucketName ?? "bucket")]] }
            var properties: [String: JSONValue] = ["Bucket": ["Ref": .string(id)], "Events": [spec["event"] ?? "s3:ObjectCreated:*"]]
            let rules: [JSONValue] = (spec["rules"]?.arrayValue ?? []).compactMap { rule in
                if let prefix = rule["prefix"] { return ["Name": "prefix", "Value": prefix] }
                if let suffix = rule["suffix"] { return ["Name": "suffix", "Value": suffix] }
                return nil
            }
            if !rules.isEmpty { properties["Filter"] = ["S3Key": ["Rules": .array(rules)]] }
            return event("S3", properties)
        case "schedule":
            let rate = spec.stringValue.map { JSONValue.string($0) } ?? spec["rate"].map { $0.arrayValue?.first ?? $0 } ?? "rate(1 hour)"
            var properties: [String: JSONValue] = ["Schedule": rate]
            if let v = spec["enabled"] { properties["Enabled"] = v }
            if let v = spec["input"] { properties["Input"] = v.stringValue.map { .string($0) } ?? ["Fn::ToJsonString": v] }
            return event("Schedule", properties)
        case "stream":
            let arn = spec.stringValue.map { JSONValue.string($0) } ?? spec["arn"] ?? missingARN(function, type)
            let text = "\(arn)"
            let kind = spec["type"]?.stringValue ?? (text.contains("kinesis") || text.contains("Kinesis") ? "kinesis" : "dynamodb")
            var properties: [String: JSONValue] = ["Stream": arn, "StartingPosition": spec["startingPosition"] ?? "TRIM_HORIZON"]
            if let v = spec["batchSize"] { properties["BatchSize"] = v }
            if let v = spec["enabled"] { properties["Enabled"] = v }
            return event(kind == "kinesis" ? "Kinesis" : "DynamoDB", properties)
        case "eventBridge", "cloudwatchEvent":
            var properties: [String: JSONValue] = [:]
            if let schedule = spec["schedule"] { properties["Schedule"] = schedule }
            if let pattern = spec["pattern"] ?? spec["event"] { properties["Pattern"] = pattern }
            if let bus = spec["eventBus"], bus.stringValue?.hasPrefix("arn:") != true, let name = bus.stringValue {
                let id = "EventBridgeBus" + Self.normalizedName(name)
                if name != "default" {
                    resources[id] = ["Type": "AWS::Events::EventBus", "Properties": ["Name": .string(name)]];
                    properties["EventBusName"] = ["Ref": .string(id)]
                }
            } else if let bus = spec["eventBus"] {
                properties["EventBusName"] = bus
            }
            if let v = spec["input"] { properties["Input"] = v.stringValue.map { .string($0) } ?? ["Fn::ToJsonString": v] }
            return event(properties["Schedule"] != nil && properties["Pattern"] == nil ? "Schedule" : "EventBridgeRule", properties)
        case "cloudwatchLog":
            return event(
                "CloudWatchLogs",
                ["LogGroupName": spec.stringValue.map { .string($0) } ?? spec["logGroup"] ?? "", "FilterPattern": spec["filter"] ?? ""])
        case "iot":
            return event("IoTRule", ["Sql": spec["sql"] ?? ""])
        default:
            context.unsupported("\(function).events[\(index)]", "serverless \(type) event", "event type \(type) is not translated yet")
            return nil
        }
    }
}
