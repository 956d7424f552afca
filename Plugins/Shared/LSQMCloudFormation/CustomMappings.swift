import Foundation
import LSQMBasics

/// Custom steps for resource types whose CloudFormation shape differs from Terraform's: nested configuration
/// that Terraform keeps in separate resources, documents that become JSON strings, lists that become blocks.

enum S3Mappings {
    static func bucket(_ e: ResourceEmitter) {
        // Destroy fails with BucketNotEmpty after tests wrote objects unless the bucket may be emptied.
        e.attributes["force_destroy"] = .bool(true)
        let bucket = e.selfRef("id")
        if let versioning = e.take("VersioningConfiguration") {
            e.addResource("aws_s3_bucket_versioning", "versioning", ["VersioningConfiguration": versioning], preset: ["bucket": bucket])
        }
        if let block = e.take("PublicAccessBlockConfiguration")?.objectValue {
            e.addResource("aws_s3_bucket_public_access_block", "public_access_block", block, preset: ["bucket": bucket])
        }
        if let rules = e.take("BucketEncryption")?["ServerSideEncryptionConfiguration"]?.arrayValue {
            let mapped: [JSONValue] = rules.map { rule in
                var out: [String: JSONValue] = [:]
                if let byDefault = rule["ServerSideEncryptionByDefault"] { out["ApplyServerSideEncryptionByDefault"] = byDefault }
                if let key = rule["BucketKeyEnabled"] { out["BucketKeyEnabled"] = key }
                return .object(out)
            }
            e.addResource("aws_s3_bucket_server_side_encryption_configuration", "encryption", ["Rule": .array(mapped)], preset: ["bucket": bucket])
        }
        if let website = e.take("WebsiteConfiguration")?.objectValue {
            var out: [String: JSONValue] = [:]
            if let index = website["IndexDocument"] { out["IndexDocument"] = ["Suffix": index] }
            if let error = website["ErrorDocument"] { out["ErrorDocument"] = ["Key": error] }
            if let redirect = website["RedirectAllRequestsTo"] { out["RedirectAllRequestsTo"] = redirect }
            e.addResource("aws_s3_bucket_website_configuration", "website", out, preset: ["bucket": bucket])
        }
        if let rules = e.take("CorsConfiguration")?["CorsRules"]?.arrayValue {
            let mapped: [JSONValue] = rules.map { rule in
                var out = rule.objectValue ?? [:]
                if let age = out.removeValue(forKey: "MaxAge") { out["MaxAgeSeconds"] = age }
                out["Id"] = nil
                return .object(out)
            }
            e.addResource("aws_s3_bucket_cors_configuration", "cors", ["CorsRule": .array(mapped)], preset: ["bucket": bucket])
        }
        if let notification = e.take("NotificationConfiguration")?.objectValue { notifications(e, notification, bucket) }
        if let rules = e.take("LifecycleConfiguration")?["Rules"]?.arrayValue { lifecycle(e, rules, bucket) }
        if let logging = e.take("LoggingConfiguration")?.objectValue {
            var properties: [String: JSONValue] = ["TargetBucket": logging["DestinationBucketName"] ?? .object(["Ref": .string(e.plan.logicalID)])]
            properties["TargetPrefix"] = logging["LogFilePrefix"] ?? ""
            e.addResource("aws_s3_bucket_logging", "logging", properties, preset: ["bucket": bucket])
        }
        for dropped in [
            "ReplicationConfiguration", "ObjectLockConfiguration", "ObjectLockEnabled",
            "AccelerateConfiguration", "AnalyticsConfigurations", "InventoryConfigurations", "MetricsConfigurations",
            "IntelligentTieringConfigurations",
        ] where e.take(dropped) != nil {
            e.context.warn("property \(dropped) of AWS::S3::Bucket is not translated yet: dropped")
        }
    }

    /// CloudFormation lifecycle rules → `aws_s3_bucket_lifecycle_configuration` rules (a filter is required there).
    private static func lifecycle(_ e: ResourceEmitter, _ rules: [JSONValue], _ bucket: HCLExpr) {
        let mapped: [JSONValue] = rules.enumerated().map { i, rule in
            var out: [String: JSONValue] = [
                "Id": rule["Id"] ?? .string("rule\(i)"), "Status": rule["Status"] ?? "Enabled",
                "Filter": ["Prefix": rule["Prefix"] ?? ""],
            ]
            if let days = rule["ExpirationInDays"] { out["Expiration"] = ["Days": days] }
            if let days = rule["NoncurrentVersionExpirationInDays"] ?? rule["NoncurrentVersionExpiration"]?["NoncurrentDays"] {
                out["NoncurrentVersionExpiration"] = ["NoncurrentDays": days]
            }
            if let abort = rule["AbortIncompleteMultipartUpload"] { out["AbortIncompleteMultipartUpload"] = abort }
            let transitions = (rule["Transitions"]?.arrayValue ?? []) + (rule["Transition"].map { [$0] } ?? [])
            if !transitions.isEmpty {
                out["Transition"] = .array(
                    transitions.map { ["Days": $0["TransitionInDays"] ?? 0, "StorageClass": $0["StorageClass"] ?? "GLACIER"] })
            }
            return .object(out)
        }
        e.addResource("aws_s3_bucket_lifecycle_configuration", "lifecycle", ["Rule": .array(mapped)], preset: ["bucket": bucket])
    }

    private static func notifications(_ e: ResourceEmitter, _ config: [String: JSONValue], _ bucket: HCLExpr) {
        func filters(_ item: JSONValue) -> [String: JSONValue] {
            var out: [String: JSONValue] = [:]
            for rule in item["Filter"]?["S3Key"]?["Rules"]?.arrayValue ?? [] {
                guard let name = rule["Name"]?.stringValue?.lowercased() else { continue }
                if name == "prefix" { out["FilterPrefix"] = rule["Value"] }
                if name == "suffix" { out["FilterSuffix"] = rule["Value"] }
            }
            return out
        }
        func entries(_ key: String, _ targetKey: String, _ arnKey: String) -> JSONValue {
            .array(
                (config[key]?.arrayValue ?? []).map { item in
                    var out = filters(item)
                    out[arnKey] = item[targetKey] ?? .null
                    out["Events"] = [item["Event"] ?? "s3:ObjectCreated:*"]
                    return .object(out)
                })
        }
        var properties: [String: JSONValue] = [
            "LambdaFunction": entries("LambdaConfigurations", "Function", "LambdaFunctionArn"),
            "Queue": entries("QueueConfigurations", "Queue", "QueueArn"),
            "Topic": entries("TopicConfigurations", "Topic", "TopicArn"),
        ]
        if let eventBridge = config["EventBridgeConfiguration"]?["EventBridgeEnabled"] { properties["Eventbridge"] = eventBridge }
        e.addResource("aws_s3_bucket_notification", "notification", properties, preset: ["bucket": bucket])
    }
}

enum DataMappings {
    static let dynamoRenames: [String: String] = [
        "AttributeDefinitions": "attribute", "AttributeDefinitions.AttributeName": "name", "AttributeDefinitions.AttributeType": "type",
        "TimeToLiveSpecification": "ttl", "SSESpecification": "server_side_encryption", "SSESpecification.SSEEnabled": "enabled",
        "SSESpecification.KMSMasterKeyId": "kms_key_arn", "SSESpecification.SSEType": "",
        "PointInTimeRecoverySpecification": "point_in_time_recovery",
        "PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled": "enabled", "KinesisStreamSpecification": "",
        "ContributorInsightsSpecification": "",
        "ImportSourceSpecification": "", "ResourcePolicy": "", "WarmThroughput": "", "OnDemandThroughput": "",
    ]

    static func dynamoTable(_ e: ResourceEmitter) {
        keys(e, e.take("KeySchema"), into: &e.attributes)
        throughput(e, e.take("ProvisionedThroughput"), into: &e.attributes)
        if e.properties["BillingMode"] == nil && e.attributes["read_capacity"] == nil { e.attributes["billing_mode"] = .string("PAY_PER_REQUEST") }
        if let stream = e.take("StreamSpecification") {
            e.attributes["stream_enabled"] = .bool(true)
            if let view = stream["StreamViewType"] { e.attributes["stream_view_type"] = e.value(view).expr }
        }
        for (property, block) in [("GlobalSecondaryIndexes", "global_secondary_index"), ("LocalSecondaryIndexes", "local_secondary_index")] {
            for index in e.take(property)?.arrayValue ?? [] {
                var attributes: [String: HCLExpr] = [:]
                if let name = index["IndexName"] { attributes["name"] = e.value(name).expr }
                keys(e, index["KeySchema"], into: &attributes)
                if block == "local_secondary_index" { attributes["hash_key"] = nil }
                if let projection = index["Projection"] {
                    attributes["projection_type"] = projection["ProjectionType"].map { e.value($0).expr } ?? .string("ALL")
                    if let nonKey = projection["NonKeyAttributes"] { attributes["non_key_attributes"] = e.coerce(e.value(nonKey), to: "ls") }
                } else {
                    attributes["projection_type"] = .string("ALL")
                }
                if block == "global_secondary_index" { throughput(e, index["ProvisionedThroughput"], into: &attributes) }
                var body = HCLBody()
                for key in attributes.keys.sorted() { body.set(key, attributes[key] ?? .null) }
                e.blocks.append(HCLBlock(block, body: body))
            }
        }
    }

    private static func keys(_ e: ResourceEmitter, _ schema: JSONValue?, into attributes: inout [String: HCLExpr]) {
        for key in schema?.arrayValue ?? [] {
            guard let name = key["AttributeName"] else { continue }
            attributes[key["KeyType"]?.stringValue == "RANGE" ? "range_key" : "hash_key"] = e.value(name).expr
        }
    }

    private static func throughput(_ e: ResourceEmitter, _ value: JSONValue?, into attributes: inout [String: HCLExpr]) {
        guard let value else { return }
        if let read = value["ReadCapacityUnits"] { attributes["read_capacity"] = e.coerce(e.value(read), to: "n") }
        if let write = value["WriteCapacityUnits"] { attributes["write_capacity"] = e.coerce(e.value(write), to: "n") }
    }

    static func secret(_ e: ResourceEmitter) {
        _ = e.take("ReplicaRegions")
        var secretString: TypedExpr?
        if let given = e.take("SecretString") { secretString = e.value(given) }
        if let generate = e.take("GenerateSecretString") {
            // No random provider offline: a fixed, per-resource value stands in for the generated secret.
            let generated = "lsqm-" + String(SHA256.hex(e.context.architectureName + e.plan.logicalID).prefix(20))
            if let template = generate["SecretStringTemplate"]?.stringValue, let key = generate["GenerateStringKey"]?.stringValue,
                let data = template.data(using: .utf8), var object = try? JSONDecoder().decode([String: JSONValue].self, from: data)
            {
                object[key] = .string(generated)
                secretString = TypedExpr(.call("jsonencode", [e.value(.object(object)).expr]), .string)
            } else {
                secretString = TypedExpr(.string(generated), .string)
            }
            e.context.prerequisites.record(
                "\(e.plan.logicalID).GenerateSecretString", generated,
                "a fixed value stands in for the secret CloudFormation would generate (no random provider offline)")
        }
        if let secretString {
            e.addResource(
                "aws_secretsmanager_secret_version", "version", [:],
                preset: ["secret_id": e.selfRef("id"), "secret_string": e.coerce(secretString, to: "s")])
        }
    }

    static func firehose(_ e: ResourceEmitter) {
        var destination: [String: JSONValue]?
        for key in ["ExtendedS3DestinationConfiguration", "S3DestinationConfiguration"] {
            if let config = e.take(key)?.objectValue, destination == nil { destination = config }
        }
        for other in [
            "HttpEndpointDestinationConfiguration", "RedshiftDestinationConfiguration", "SplunkDestinationConfiguration",
            "ElasticsearchDestinationConfiguration", "AmazonopensearchserviceDestinationConfiguration", "SnowflakeDestinationConfiguration",
            "IcebergDestinationConfiguration",
        ] where e.take(other) != nil {
            e.context.warn("Firehose \(other) is not translated yet")
        }
        let missing = e.context.unresolvable("the stream has no S3 destination lsqm translates").expr
        var config: [String: HCLExpr] = ["bucket_arn": missing, "role_arn": missing]
        if let destination {
            let fields: [(String, String)] = [
                ("BucketARN", "bucket_arn"), ("RoleARN", "role_arn"), ("Prefix", "prefix"),
                ("ErrorOutputPrefix", "error_output_prefix"), ("CompressionFormat", "compression_format"),
            ]
            for (cfn, tf) in fields { if let v = destination[cfn] { config[tf] = e.coerce(e.value(v), to: "s") } }
            if let hints = destination["BufferingHints"] {
                if let v = hints["IntervalInSeconds"] { config["buffering_interval"] = e.coerce(e.value(v), to: "n") }
                if let v = hints["SizeInMBs"] { config["buffering_size"] = e.coerce(e.value(v), to: "n") }
            }
        }
        e.attributes["destination"] = .string("extended_s3")
        var body = HCLBody()
        for key in config.keys.sorted() { body.set(key, config[key] ?? .null) }
        e.blocks.append(HCLBlock("extended_s3_configuration", body: body))
        if let source = e.take("KinesisStreamSourceConfiguration") {
            var sourceBody = HCLBody()
            if let v = source["KinesisStreamARN"] { sourceBody.set("kinesis_stream_arn", e.coerce(e.value(v), to: "s")) }
            if let v = source["RoleARN"] { sourceBody.set("role_arn", e.coerce(e.value(v), to: "s")) }
            e.blocks.append(HCLBlock("kinesis_source_configuration", body: sourceBody))
        }
    }
}

enum IAMMappings {
    static func role(_ e: ResourceEmitter) {
        for policy in e.take("Policies")?.arrayValue ?? [] {
            guard let document = policy["PolicyDocument"] else { continue }
            var body = HCLBody()
            body.set("name", e.coerce(e.value(policy["PolicyName"] ?? .string("policy")), to: "s"))
            body.set("policy", e.coerce(e.value(document), to: "s"))
            e.blocks.append(HCLBlock("inline_policy", body: body))
        }
    }

    static func inlinePolicy(_ e: ResourceEmitter) {
        let roles = e.take("Roles").map { listItems($0, e) } ?? []
        if e.take("Users") != nil || e.take("Groups") != nil {
            e.context.warn("AWS::IAM::Policy attached to users or groups: only role attachments are translated")
        }
        guard let first = roles.first else {
            e.emitPrimary = false
            e.context.unsupported(
                e.plan.logicalID, e.plan.cfnType, "the policy is attached to no role; user and group policies are not translated yet")
            return
        }
        let name = e.take("PolicyName").map(e.value) ?? TypedExpr(.string(e.plan.logicalID), .string)
        let document = e.take("PolicyDocument").map(e.value) ?? TypedExpr(.object([]), .object)
        e.set("role", first); e.set("name", name); e.set("policy", document)
        for (i, role) in Array(roles.enumerated()).dropFirst() {
            e.addResource(
                "aws_iam_role_policy", "role\(i)", [:],
                preset: ["role": role.expr, "name": e.coerce(name, to: "s"), "policy": e.coerce(document, to: "s")])
        }
    }

    static func managedPolicy(_ e: ResourceEmitter) {
        let roles = e.take("Roles").map { listItems($0, e) } ?? []
        for (i, role) in roles.enumerated() {
            e.addResource("aws_iam_role_policy_attachment", "attachment\(i)", [:], preset: ["role": role.expr, "policy_arn": e.selfRef("arn")])
        }
        if e.take("Users") != nil || e.take("Groups") != nil {
            e.context.warn("AWS::IAM::ManagedPolicy attachments to users or groups are not translated yet: dropped")
        }
    }

    /// Items of a list property; a whole-list expression becomes one `element(list, i)`-free item (kept as is).
    static func listItems(_ v: JSONValue, _ e: ResourceEmitter) -> [TypedExpr] {
        if let list = v.arrayValue { return list.filter { !$0.isNoValue }.map(e.value) }
        return [TypedExpr(.call("element", [e.value(v).expr, .number(0)]), .string)]
    }
}

enum EventMappings {
    static let targetRenames: [String: String] = [
        "Id": "target_id", "InputTransformer.InputPathsMap": "input_paths", "SqsParameters": "sqs_target", "EcsParameters": "ecs_target",
        "HttpParameters": "http_target", "KinesisParameters": "kinesis_target", "BatchParameters": "batch_target",
        "RunCommandParameters": "run_command_targets",
    ]

    static func rule(_ e: ResourceEmitter) {
        let bus = e.properties["EventBusName"]
        for (i, target) in (e.take("Targets")?.arrayValue ?? []).enumerated() {
            guard var properties = target.objectValue else { continue }
            if properties["Id"] == nil { properties["Id"] = .string("target\(i)") }
            if let bus { properties["EventBusName"] = bus }
            e.addResource("aws_cloudwatch_event_target", "target\(i)", properties, preset: ["rule": e.selfRef("name")])
        }
    }

    static func stateMachine(_ e: ResourceEmitter) {
        let substitutions = e.take("DefinitionSubstitutions")
        if let text = e.take("DefinitionString") {
            if let substitutions, text.stringValue != nil {
                e.set("definition", e.value(["Fn::Sub": [text, substitutions]]))
            } else {
                e.set("definition", e.value(text))
            }
        } else if let definition = e.take("Definition") {
            e.set("definition", e.value(substitute(definition, substitutions)))
        } else if e.take("DefinitionS3Location") != nil {
            e.context.warn("DefinitionS3Location points at S3, which lsqm cannot read: a placeholder state machine stands in")
            e.set("definition", json: .string(#"{"StartAt":"Done","States":{"Done":{"Type":"Pass","End":true}}}"#))
        }
        if let logging = e.take("LoggingConfiguration") {
            var body = HCLBody()
            if let arn = logging["Destinations"]?.arrayValue?.first?["CloudWatchLogsLogGroup"]?["LogGroupArn"] {
                body.set("log_destination", e.coerce(e.value(arn), to: "s"))
            }
            if let v = logging["IncludeExecutionData"] { body.set("include_execution_data", e.coerce(e.value(v), to: "b")) }
            if let v = logging["Level"] { body.set("level", e.value(v).expr) }
            e.blocks.append(HCLBlock("logging_configuration", body: body))
        }
    }

    /// `${Key}` placeholders in a definition object → Fn::Sub with the substitutions.
    static func substitute(_ v: JSONValue, _ substitutions: JSONValue?) -> JSONValue {
        guard let substitutions else { return v }
        switch v {
        case .string(let s) where s.contains("${"): return ["Fn::Sub": [.string(s), substitutions]]
        case .array(let items): return .array(items.map { substitute($0, substitutions) })
        case .object(let object) where v.intrinsic == nil: return .object(object.mapValues { substitute($0, substitutions) })
        default: return v
        }
    }
}

enum ApiMappings {
    static let integrationRenames: [String: String] = ["TimeoutInMillis": "timeout_milliseconds"]

    static let methodResponseType = "aws_api_gateway_method_response"
    static let integrationType = "aws_api_gateway_integration"
    static let integrationResponseType = "aws_api_gateway_integration_response"

    /// The companion resources (type, suffix) a method with these properties expands into; the deployment of
    /// its API waits for all of them.
    static func companions(ofMethod properties: JSONValue?) -> [(type: String, suffix: String)] {
        var list = (properties?["MethodResponses"]?.arrayValue ?? []).indices.map { (methodResponseType, "response\($0)") }
        guard let integration = properties?["Integration"], integration.objectValue != nil else { return list }
        list.append((integrationType, "integration"))
        list += (integration["IntegrationResponses"]?.arrayValue ?? []).indices.map { (integrationResponseType, "integration_response\($0)") }
        return list
    }

    static let deploymentStageSuffix = "stage"

    /// The companion resources of a template resource, which a DependsOn on it must wait for too: in
    /// CloudFormation a method includes its integration and responses, and a deployment its StageName's stage.
    static func companionAddresses(_ id: String, _ resource: JSONValue?) -> [String] {
        let owner = Naming.identifier(id)
        switch resource?["Type"]?.stringValue {
        case "AWS::ApiGateway::Method":
            return companions(ofMethod: resource?["Properties"]).map { ResourceEmitter.companionAddress($0.type, owner: owner, $0.suffix) }
        case "AWS::ApiGateway::Deployment" where resource?["Properties"]?["StageName"] != nil:
            return [ResourceEmitter.companionAddress("aws_api_gateway_stage", owner: owner, deploymentStageSuffix)]
        default:
            return []
        }
    }

    /// A status code as API Gateway keys it ("200" whether the template wrote 200 or '200').
    static func statusCode(_ response: JSONValue) -> String? {
        response["StatusCode"].flatMap { $0.stringValue ?? $0.doubleValue.map(HCLPrinter.number) }
    }

    /// A method's integration, method responses and integration responses are separate Terraform resources.
    /// Each reads the identifiers it needs from the resource it follows, so Terraform creates them in
    /// CloudFormation's order: literal copies let PutMethodResponse race its method ("Invalid Method identifier
    /// specified") and PutIntegrationResponse race its integration ("No integration defined for method").
    static func method(_ e: ResourceEmitter) {
        let keys = ["rest_api_id", "resource_id", "http_method"]
        let onMethod = Dictionary(uniqueKeysWithValues: keys.map { ($0, e.selfRef($0)) })
        let parts = companions(ofMethod: .object(e.properties))
        var statusCodes: [String: HCLExpr] = [:]
        for ((type, suffix), response) in zip(parts, e.take("MethodResponses")?.arrayValue ?? []) {
            e.addResource(type, suffix, response.objectValue ?? [:], preset: onMethod)
            if let code = statusCode(response) { statusCodes[code] = e.companionRef(type, suffix, "status_code") }
        }
        guard var integration = e.take("Integration")?.objectValue else { return }
        let responses = integration.removeValue(forKey: "IntegrationResponses")?.arrayValue ?? []
        e.addResource(integrationType, "integration", integration, preset: onMethod)
        let onIntegration = Dictionary(uniqueKeysWithValues: keys.map { ($0, e.companionRef(integrationType, "integration", $0)) })
        let methodResponses = parts.filter { $0.type == methodResponseType }.map { e.companionAddress($0.type, $0.suffix) }
        for ((type, suffix), response) in zip(parts.filter { $0.type == integrationResponseType }, responses) {
            var preset = onIntegration
            // The method response of the same status code must exist first; without one to refer to, wait for all.
            let matched = statusCode(response).flatMap { statusCodes[$0] }
            if let matched { preset["status_code"] = matched }
            e.addResource(type, suffix, response.objectValue ?? [:], preset: preset, dependsOn: matched == nil ? methodResponses : [])
        }
    }

    /// A deployment snapshots its API as it is when it is created: like CloudFormation's DependsOn on the
    /// methods, it waits for every method and what belongs to it, and (as the provider's documentation
    /// recommends) is replaced when any of them or the API's OpenAPI body changes. A `StageName` creates that
    /// stage, as CloudFormation does.
    static func deployment(_ e: ResourceEmitter) {
        let settings = e.take("StageDescription")?.objectValue ?? [:]
        if let stageName = e.take("StageName") {
            deploymentStage(e, stageName, settings)
        } else if !settings.isEmpty {
            e.context.warn("StageDescription of a deployment without StageName describes no stage: dropped")
        }
        guard let api = e.properties["RestApiId"] else { return }
        var members: [HCLExpr] = []
        if let apiID = api["Ref"]?.stringValue, let plan = e.context.plans[apiID], let address = plan.address,
            plan.cfnType == "AWS::ApiGateway::RestApi", e.context.resources[apiID]?["Properties"]?["Body"] != nil
        {
            members.append(e.context.attributeRef(plan, address: address, attribute: "body"))
        }
        for id in e.context.resources.keys.sorted() {
            guard let resource = e.context.resources[id], resource["Properties"]?["RestApiId"] == api,
                let plan = e.context.plans[id], let address = plan.address
            else { continue }
            switch plan.cfnType {
            case "AWS::ApiGateway::Resource":
                members.append(e.context.attributeRef(plan, address: address, attribute: "id"))
            case "AWS::ApiGateway::Method":
                let addresses = [address] + companionAddresses(id, resource)
                e.dependsOn += addresses
                members += addresses.map { e.context.attributeRef(plan, address: $0, attribute: "id") }
            default:
                continue
            }
        }
        if !members.isEmpty {
            e.attributes["triggers"] = .object([("redeployment", .call("sha1", [.call("jsonencode", [.list(members)])]))])
            var lifecycle = HCLBody()
            lifecycle.set("create_before_destroy", .bool(true))
            e.blocks.append(HCLBlock("lifecycle", body: lifecycle))
        }
    }

    private static func deploymentStage(_ e: ResourceEmitter, _ stageName: JSONValue, _ settings: [String: JSONValue]) {
        var settings = settings
        var properties: [String: JSONValue] = [:]
        for (cfn, target) in [
            ("Variables", "Variables"), ("Description", "Description"), ("TracingEnabled", "XrayTracingEnabled"),
            ("CacheClusterEnabled", "CacheClusterEnabled"), ("CacheClusterSize", "CacheClusterSize"),
        ] {
            properties[target] = settings.removeValue(forKey: cfn)
        }
        for key in settings.keys.sorted() { e.context.warn("StageDescription.\(key) of the deployment's stage is not translated yet: dropped") }
        e.addResource(
            "aws_api_gateway_stage", deploymentStageSuffix, properties,
            preset: [
                "rest_api_id": e.selfRef("rest_api_id"), "deployment_id": e.selfRef("id"), "stage_name": e.coerce(e.value(stageName), to: "s"),
            ])
    }

    /// A stage's per-method throttles are a map keyed by `/path/VERB` in CloudFormation and `throttle { path }`
    /// blocks in Terraform.
    static func usagePlan(_ e: ResourceEmitter) {
        guard let stages = e.properties["ApiStages"]?.arrayValue else { return }
        e.properties["ApiStages"] = .array(
            stages.map { stage in
                guard var object = stage.objectValue, let throttles = object["Throttle"]?.objectValue, stage.intrinsic == nil else { return stage }
                object["Throttle"] = .array(
                    throttles.keys.sorted().map { path in
                        .object((throttles[path]?.objectValue ?? [:]).merging(["Path": .string(path)]) { given, _ in given })
                    })
                return .object(object)
            })
    }

    /// `arn:${partition}:execute-api:${region}:${account}:${api id}/…` → `${api execution_arn}/…`: the API
    /// knows its own ARN, and the permission then follows the API it names.
    static func permission(_ e: ResourceEmitter) {
        guard let arn = e.take("SourceArn") else { return }
        e.set("source_arn", TypedExpr(executionARN(e.coerce(e.value(arn), to: "s")), .string))
    }

    static func executionARN(_ expr: HCLExpr) -> HCLExpr {
        guard case .template(let parts) = expr, let index = parts.firstIndex(where: { executionARN(of: $0) != nil }),
            let executionARN = executionARN(of: parts[index])
        else { return expr }
        let prefix = parts[..<index].map { part -> String in
            switch part {
            case .literal(let text): return text
            case .interpolation(let inner): return "${" + HCLPrinter.expression(inner, indent: 0) + "}"
            }
        }.joined()
        guard prefix.range(of: #"^arn:[^:]+:execute-api:[^:]+:[^:]+:$"#, options: .regularExpression) != nil else { return expr }
        return .template([.interpolation(executionARN)] + parts[(index + 1)...])
    }

    /// `aws_api_gateway_rest_api.X.id` → `aws_api_gateway_rest_api.X.execution_arn` (and the `one(…[*].id)` form).
    private static func executionARN(of part: HCLExpr.TemplatePart) -> HCLExpr? {
        guard case .interpolation(let inner) = part else { return nil }
        func swapped(_ reference: String, suffix: String) -> String? {
            guard ["aws_api_gateway_rest_api.", "aws_apigatewayv2_api."].contains(where: reference.hasPrefix), reference.hasSuffix(suffix),
                reference.split(separator: ".").count == 3
            else { return nil }
            return reference.dropLast(2) + "execution_arn"
        }
        switch inner {
        case .ref(let reference): return swapped(reference, suffix: ".id").map(HCLExpr.ref)
        case .call("one", let arguments):
            guard arguments.count == 1, case .ref(let reference) = arguments[0], let arn = swapped(reference, suffix: "[*].id") else { return nil }
            return .call("one", [.ref(arn)])
        default: return nil
        }
    }
}

enum NetworkMappings {
    static func securityGroup(_ e: ResourceEmitter) {
        for (property, attribute) in [("SecurityGroupIngress", "ingress"), ("SecurityGroupEgress", "egress")] {
            guard let rules = e.take(property) else { continue }
            guard let list = rules.arrayValue else {
                e.context.warn("\(property) is computed by an intrinsic function: dropped")
                continue
            }
            e.attributes[attribute] = .list(list.compactMap { rule($0, e) })
        }
    }

    /// One rule in the attribute form, where every field must be present.
    private static func rule(_ rule: JSONValue, _ e: ResourceEmitter) -> HCLExpr? {
        guard rule.objectValue != nil else { return nil }
        let fields = ruleFields(rule, e)
        let all: [(String, HCLExpr)] = [
            ("cidr_blocks", fields.cidr.map { .list([$0]) } ?? .list([])), ("description", fields.description ?? .string("")),
            ("from_port", fields.from), ("ipv6_cidr_blocks", fields.ipv6.map { .list([$0]) } ?? .list([])),
            ("prefix_list_ids", fields.prefixList.map { .list([$0]) } ?? .list([])), ("protocol", fields.protocolExpr),
            ("security_groups", fields.group.map { .list([$0]) } ?? .list([])), ("self", .bool(false)), ("to_port", fields.to),
        ]
        return .object(all.map { ($0.0, $0.1) })
    }

    struct RuleFields {
        var protocolExpr: HCLExpr, from: HCLExpr, to: HCLExpr
        var cidr: HCLExpr?, ipv6: HCLExpr?, group: HCLExpr?, prefixList: HCLExpr?, description: HCLExpr?
    }

    static func ruleFields(_ rule: JSONValue, _ e: ResourceEmitter) -> RuleFields {
        let proto = rule["IpProtocol"].map { e.coerce(e.value($0), to: "s") } ?? .string("-1")
        let all = proto == .string("-1") || proto == .string("all")
        func port(_ key: String) -> HCLExpr {
            guard !all, let v = rule[key] else { return .number(0) }
            return e.coerce(e.value(v), to: "n")
        }
        func field(_ keys: [String]) -> HCLExpr? {
            keys.lazy.compactMap { rule[$0] }.first.map { e.coerce(e.value($0), to: "s") }
        }
        return RuleFields(
            protocolExpr: proto, from: port("FromPort"), to: port("ToPort"), cidr: field(["CidrIp"]), ipv6: field(["CidrIpv6"]),
            group: field(["SourceSecurityGroupId", "DestinationSecurityGroupId"]),
            prefixList: field(["SourcePrefixListId", "DestinationPrefixListId"]),
            description: field(["Description"]))
    }

    static func securityGroupRule(_ e: ResourceEmitter, _ type: String) {
        let fields = ruleFields(.object(e.properties), e)
        addGroupId(e, .object(e.properties))
        e.properties = [:]
        e.attributes["type"] = .string(type)
        e.attributes["protocol"] = fields.protocolExpr
        e.attributes["from_port"] = fields.from
        e.attributes["to_port"] = fields.to
        if let cidr = fields.cidr { e.attributes["cidr_blocks"] = .list([cidr]) }
        if let ipv6 = fields.ipv6 { e.attributes["ipv6_cidr_blocks"] = .list([ipv6]) }
        if let group = fields.group { e.attributes["source_security_group_id"] = group }
        if let prefix = fields.prefixList { e.attributes["prefix_list_ids"] = .list([prefix]) }
        if let description = fields.description { e.attributes["description"] = description }
        if fields.cidr == nil && fields.ipv6 == nil && fields.group == nil && fields.prefixList == nil {
            e.attributes["self"] = .bool(true)
        }
    }

    static func addGroupId(_ e: ResourceEmitter, _ rule: JSONValue) {
        if let group = rule["GroupId"] { e.attributes["security_group_id"] = e.coerce(e.value(group), to: "s") }
    }
}

enum ContainerMappings {
    static func taskDefinition(_ e: ResourceEmitter) {
        if let containers = e.take("ContainerDefinitions") {
            e.attributes["container_definitions"] = .call("jsonencode", [e.value(camelCased(containers)).expr])
        }
        for dropped in ["Volumes", "PlacementConstraints", "ProxyConfiguration", "InferenceAccelerators", "EphemeralStorage", "RuntimePlatform"]
        where e.take(dropped) != nil {
            e.context.warn("property \(dropped) of AWS::ECS::TaskDefinition is not translated yet: dropped")
        }
    }

    /// ECS container definitions are JSON with lower-camel keys; CloudFormation writes them in Pascal case.
    static func camelCased(_ v: JSONValue) -> JSONValue {
        switch v {
        case .array(let items): return .array(items.map(camelCased))
        case .object(let object) where v.intrinsic == nil:
            var out: [String: JSONValue] = [:]
            for (key, value) in object {
                // Option and label maps hold user keys: only their own key changes case.
                let camel = key.prefix(1).lowercased() + key.dropFirst()
                out[camel] = key == "Options" || key == "DockerLabels" ? value : camelCased(value)
            }
            return .object(out)
        default: return v
        }
    }

    static func service(_ e: ResourceEmitter) {
        if let name = e.take("ServiceName") { e.set("name", e.value(name)) }
        if let config = e.take("NetworkConfiguration")?["AwsvpcConfiguration"] {
            var body = HCLBody()
            if let subnets = config["Subnets"] { body.set("subnets", e.coerce(e.value(subnets), to: "Ss")) }
            if let groups = config["SecurityGroups"] { body.set("security_groups", e.coerce(e.value(groups), to: "Ss")) }
            if let assign = config["AssignPublicIp"] { body.set("assign_public_ip", .binary("==", e.value(assign).expr, .string("ENABLED"))) }
            e.blocks.append(HCLBlock("network_configuration", body: body))
        }
        for dropped in [
            "DeploymentConfiguration", "ServiceRegistries", "PlacementStrategies", "PlacementConstraints", "CapacityProviderStrategy",
            "DeploymentController", "ServiceConnectConfiguration", "VolumeConfigurations",
        ] where e.take(dropped) != nil {
            e.context.warn("property \(dropped) of AWS::ECS::Service is not translated yet: dropped")
        }
    }
}

enum CDNMappings {
    static let renames: [String: String] = [
        "Origins.Id": "origin_id", "CacheBehaviors": "ordered_cache_behavior",
        "ViewerCertificate.CloudFrontDefaultCertificate": "cloudfront_default_certificate",
        "Logging": "logging_config", "IPV6Enabled": "is_ipv6_enabled", "WebACLId": "web_acl_id", "OriginGroups": "", "CNAMEs": "",
        "DefaultCacheBehavior.LambdaFunctionAssociations.LambdaFunctionARN": "lambda_arn",
        "CacheBehaviors.LambdaFunctionAssociations.LambdaFunctionARN": "lambda_arn",
        "ViewerCertificate.SslSupportMethod": "ssl_support_method", "ViewerCertificate.AcmCertificateArn": "acm_certificate_arn",
        "ViewerCertificate.IamCertificateId": "iam_certificate_id", "Origins.OriginShield": "origin_shield",
        "Origins.CustomOriginConfig.HTTPPort": "http_port", "Origins.CustomOriginConfig.HTTPSPort": "https_port",
        "Origins.CustomOriginConfig.OriginSSLProtocols": "origin_ssl_protocols", "Origins.OriginCustomHeaders": "custom_header",
        "DefaultCacheBehavior.ForwardedValues.Headers": "headers", "ContinuousDeploymentPolicyId": "continuous_deployment_policy_id",
        "CustomErrorResponses.ErrorCachingMinTTL": "error_caching_min_ttl", "DefaultCacheBehavior.MinTTL": "min_ttl",
        "DefaultCacheBehavior.MaxTTL": "max_ttl", "DefaultCacheBehavior.DefaultTTL": "default_ttl",
    ]

    static func distribution(_ e: ResourceEmitter) {
        guard var config = e.take("DistributionConfig")?.objectValue else { return }
        if config["Restrictions"] == nil { config["Restrictions"] = ["GeoRestriction": ["RestrictionType": "none"]] }
        if config["ViewerCertificate"] == nil { config["ViewerCertificate"] = ["CloudFrontDefaultCertificate": true] }
        for key in ["DefaultCacheBehavior"] {
            guard var behavior = config[key]?.objectValue else { continue }
            if behavior["AllowedMethods"] == nil { behavior["AllowedMethods"] = ["GET", "HEAD"] }
            if behavior["CachedMethods"] == nil { behavior["CachedMethods"] = ["GET", "HEAD"] }
            config[key] = .object(behavior)
        }
        if config["Enabled"] == nil { config["Enabled"] = true }
        for (k, v) in config { e.properties[k] = v }
    }
}
