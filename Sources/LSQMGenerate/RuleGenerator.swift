import Foundation
import LSQMBasics

/// The offline generator: deterministic tests derived from the Terraform's resources and outputs.
///
/// Every supported resource becomes one test that finds the deployed resource (through an output, its literal
/// name, or by listing) and exercises it with real API calls whose results are asserted. The same Terraform
/// always gives the same files, so the app hash only changes when the architecture or `version` does.
public enum RuleGenerator {
    /// Bumped whenever the generated Python changes: apps from an older version are regenerated.
    public static let version = "rules-4"

    /// What one architecture may cost the rule generator. Beyond a limit the architecture is skipped with the
    /// reason: an app of thousands of tests would not finish inside one validation's timeout anyway.
    public struct Limits: Sendable {
        /// Resource blocks in the Terraform.
        public var maxResources: Int
        /// Bytes of the generated test_app.py.
        public var maxBytes: Int
        /// Seconds spent generating.
        public var maxSeconds: Double
        public init(maxResources: Int = 2_000, maxBytes: Int = 4 << 20, maxSeconds: Double = 30) {
            self.maxResources = maxResources; self.maxBytes = maxBytes; self.maxSeconds = maxSeconds
        }
    }

    /// `generate`, refused with the reason (an `LSQMError` whose cause says which limit) when the architecture
    /// is over `limits`.
    public static func generate(_ facts: TerraformFacts, limits: Limits) throws -> AppFiles {
        let action = "generate a rules app"
        guard facts.resources.count <= limits.maxResources else {
            throw LSQMError(
                .invalidInput, action: action,
                cause: "its Terraform has \(facts.resources.count) resource blocks, over the rule generator's limit of \(limits.maxResources)")
        }
        let stopwatch = Stopwatch()
        let app = generate(facts)
        guard app.testApp.utf8.count <= limits.maxBytes else {
            throw LSQMError(
                .invalidInput, action: action,
                cause: "its test_app.py would be \(app.testApp.utf8.count) bytes, over the rule generator's limit of \(limits.maxBytes)")
        }
        guard stopwatch.seconds <= limits.maxSeconds else {
            throw LSQMError(
                .invalidInput, action: action,
                cause: "generating took \(stopwatch.seconds) s, over the rule generator's limit of \(Int(limits.maxSeconds)) s")
        }
        return app
    }

    /// How a Terraform resource type is found once deployed.
    struct Kind {
        /// The `kind` understood by app.py's `locate`.
        var name: String
        var service: String
        /// The attribute holding the literal name (`name`, `bucket`, `function_name`).
        var nameAttribute: String?
        var prefixAttribute: String?
        /// Output attributes app.py can turn into the identifier.
        var outputAttributes: Set<String>
    }

    static let kinds: [String: Kind] = [
        "aws_s3_bucket": Kind(
            name: "s3_bucket", service: "s3", nameAttribute: "bucket", prefixAttribute: "bucket_prefix", outputAttributes: ["id", "bucket", "arn"]),
        "aws_sqs_queue": Kind(
            name: "sqs_queue", service: "sqs", nameAttribute: "name", prefixAttribute: "name_prefix", outputAttributes: ["id", "url", "arn", "name"]),
        "aws_sns_topic": Kind(
            name: "sns_topic", service: "sns", nameAttribute: "name", prefixAttribute: "name_prefix", outputAttributes: ["id", "arn", "name"]),
        "aws_dynamodb_table": Kind(
            name: "dynamodb_table", service: "dynamodb", nameAttribute: "name", prefixAttribute: nil, outputAttributes: ["id", "name", "arn"]),
        "aws_lambda_function": Kind(
            name: "lambda_function", service: "lambda", nameAttribute: "function_name", prefixAttribute: nil,
            outputAttributes: ["id", "function_name", "arn"]),
        "aws_sfn_state_machine": Kind(
            name: "sfn_state_machine", service: "stepfunctions", nameAttribute: "name", prefixAttribute: "name_prefix",
            outputAttributes: ["id", "arn", "name"]),
        "aws_api_gateway_rest_api": Kind(
            name: "rest_api", service: "apigateway", nameAttribute: "name", prefixAttribute: nil, outputAttributes: ["id"]),
        "aws_kms_key": Kind(name: "kms_key", service: "kms", nameAttribute: nil, prefixAttribute: nil, outputAttributes: ["id", "key_id", "arn"]),
        "aws_secretsmanager_secret": Kind(
            name: "secret", service: "secretsmanager", nameAttribute: "name", prefixAttribute: "name_prefix", outputAttributes: ["id", "arn", "name"]),
        "aws_ssm_parameter": Kind(
            name: "ssm_parameter", service: "ssm", nameAttribute: "name", prefixAttribute: nil, outputAttributes: ["id", "name", "arn"]),
        "aws_cloudwatch_event_bus": Kind(
            name: "event_bus", service: "events", nameAttribute: "name", prefixAttribute: nil, outputAttributes: ["id", "name", "arn"]),
        "aws_kinesis_stream": Kind(
            name: "kinesis_stream", service: "kinesis", nameAttribute: "name", prefixAttribute: nil, outputAttributes: ["id", "name", "arn"]),
        "aws_iam_role": Kind(
            name: "iam_role", service: "iam", nameAttribute: "name", prefixAttribute: "name_prefix", outputAttributes: ["id", "name", "arn"]),
        "aws_iam_policy": Kind(
            name: "iam_policy", service: "iam", nameAttribute: "name", prefixAttribute: "name_prefix", outputAttributes: ["id", "arn", "name"]),
    ]

    /// The resource types the rules know how to test.
    public static var supportedTypes: [String] {
        kinds.keys.sorted() + ["aws_sns_topic_subscription", "aws_iam_role_policy", "aws_cloudwatch_event_rule"]
    }

    public static func generate(_ facts: TerraformFacts) -> AppFiles {
        var builder = Builder(facts: facts)
        for resource in facts.resources.sorted(by: { $0.address < $1.address }) { builder.add(resource) }
        return AppFiles(conftest: RulePython.conftest, app: RulePython.app, testApp: builder.testFile(), requirements: RulePython.requirements)
    }

    /// Builds test_app.py: a spec constant per located resource and a test per check.
    struct Builder {
        let facts: TerraformFacts
        var specs: [String] = []
        var tests: [String] = []
        var untested: [String] = []
        /// Blocks whose count or for_each is 0 (a false condition): nothing is deployed, nothing is tested.
        var notDeployed: [String] = []
        /// Blocks whose count is known only when planning: their existence cannot be asserted.
        var uncounted: [String] = []
        var usedNames: Set<String> = []

        /// Outputs naming each resource, by address: `(output name, attribute read)`.
        let outputsByResource: [String: [(name: String, attribute: String)]]
        /// The literal names of each located kind's resources, written once as `LITERAL_NAMES` in test_app.py:
        /// listing a kind must not claim a resource another spec names. (A list per spec grew the file with n².)
        let literalNames: [String: [String]]
        /// Resources of a type by the address one of their attributes refers to (`aws_kms_alias` by its key).
        private let referrers: [String: [String: [TerraformFacts.Resource]]]

        init(facts: TerraformFacts) {
            self.facts = facts
            var outputs: [String: [(name: String, attribute: String)]] = [:]
            for output in facts.outputs {
                if let target = facts.target(of: output.value) {
                    outputs[target.resource.address, default: []].append((output.name, target.attribute))
                }
            }
            outputsByResource = outputs
            var names: [String: Set<String>] = [:]
            for (type, kind) in RuleGenerator.kinds {
                for resource in facts.resources(ofType: type) {
                    if let name = Builder.literalName(resource, kind, facts) { names[kind.name, default: []].insert(name) }
                }
            }
            literalNames = names.mapValues { $0.sorted() }
            var referrers: [String: [String: [TerraformFacts.Resource]]] = [:]
            for (type, attribute) in Builder.references {
                for resource in facts.resources(ofType: type) {
                    if let target = facts.target(of: resource.body.attributes[attribute]) {
                        referrers["\(type).\(attribute)", default: [:]][target.resource.address, default: []].append(resource)
                    }
                }
            }
            self.referrers = referrers
        }

        /// The references the rules follow backwards: (referring type, attribute).
        static let references = [
            ("aws_api_gateway_resource", "rest_api_id"), ("aws_api_gateway_method", "rest_api_id"),
            ("aws_kms_alias", "target_key_id"), ("aws_secretsmanager_secret_version", "secret_id"),
        ]

        /// Resources of `type` whose `attribute` refers to `resource`, in declaration order.
        func referring(to resource: TerraformFacts.Resource, from type: String, via attribute: String) -> [TerraformFacts.Resource] {
            referrers["\(type).\(attribute)"]?[resource.address] ?? []
        }

        mutating func add(_ resource: TerraformFacts.Resource) {
            if let counted = facts.instances(of: resource) {
                switch counted.count {
                case 0?: notDeployed.append(resource.address); return
                case nil: uncounted.append("\(resource.address) (\(counted.unknownReason ?? "count unknown"))"); return
                default: break
                }
            }
            switch resource.type {
            case "aws_s3_bucket":
                test(
                    resource, "stores_and_lists_objects",
                    """
                        s3 = client("s3")
                        for bucket in app.locate(s3, "s3_bucket", outputs, SPEC):
                            sent, read, listed = app.s3_round_trip(s3, bucket)
                            assert read == sent
                            assert listed == [sent[0]]
                    """)
            case "aws_sqs_queue":
                test(
                    resource, "sends_and_receives",
                    """
                        sqs = client("sqs")
                        for queue_url in app.locate(sqs, "sqs_queue", outputs, SPEC):
                            sent, received = app.sqs_round_trip(sqs, queue_url)
                            assert sent in received
                    """)
            case "aws_sns_topic":
                test(
                    resource, "accepts_a_publish",
                    """
                        sns = client("sns")
                        for topic_arn in app.locate(sns, "sns_topic", outputs, SPEC):
                            assert app.sns_publish(sns, topic_arn, app.unique_text("event"))
                            assert sns.get_topic_attributes(TopicArn=topic_arn)["Attributes"]["TopicArn"] == topic_arn
                    """)
            case "aws_sns_topic_subscription": addSubscription(resource)
            case "aws_dynamodb_table": addTable(resource)
            case "aws_lambda_function": addFunction(resource)
            case "aws_sfn_state_machine":
                test(
                    resource, "starts_and_describes_an_execution",
                    """
                        sfn = client("stepfunctions")
                        for machine in app.locate(sfn, "sfn_state_machine", outputs, SPEC):
                            execution_arn, described = app.start_and_describe(sfn, machine)
                            assert described["executionArn"] == execution_arn
                            assert described["stateMachineArn"] == machine
                            assert described["status"] in ("RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")
                    """)
            case "aws_api_gateway_rest_api": addRestAPI(resource)
            case "aws_kms_key":
                test(
                    resource, "encrypts_and_decrypts",
                    """
                        kms = client("kms")
                        for key_id in app.locate(kms, "kms_key", outputs, SPEC):
                            plaintext, blob, decrypted = app.kms_round_trip(kms, key_id)
                            assert blob != plaintext
                            assert decrypted == plaintext
                    """, extra: kmsAlias(resource))
            case "aws_secretsmanager_secret": addSecret(resource)
            case "aws_ssm_parameter":
                let value = facts.literal(resource.body.attributes["value"])
                test(
                    resource, "can_be_read",
                    """
                        ssm = client("ssm")
                        for name in app.locate(ssm, "ssm_parameter", outputs, SPEC):
                            parameter = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]
                            assert parameter["Name"] == name
                    """ + (value.map { "\n        assert parameter[\"Value\"] == \(Python.string($0))" } ?? ""))
            case "aws_cloudwatch_event_bus":
                test(
                    resource, "accepts_events",
                    """
                        events = client("events")
                        for bus in app.locate(events, "event_bus", outputs, SPEC):
                            response = app.put_event(events, bus)
                            assert response["FailedEntryCount"] == 0
                            assert response["Entries"][0].get("EventId")
                    """)
            case "aws_cloudwatch_event_rule": addEventRule(resource)
            case "aws_kinesis_stream":
                test(
                    resource, "puts_and_gets_a_record",
                    """
                        kinesis = client("kinesis")
                        for stream in app.locate(kinesis, "kinesis_stream", outputs, SPEC):
                            sent, received = app.kinesis_round_trip(kinesis, stream)
                            assert sent in [app.decode_base64_if_needed(data) for data in received]
                    """)
            case "aws_iam_role":
                test(
                    resource, "exists",
                    """
                        iam = client("iam")
                        for role in app.locate(iam, "iam_role", outputs, SPEC):
                            assert iam.get_role(RoleName=role)["Role"]["RoleName"] == role
                    """)
            case "aws_iam_policy":
                test(
                    resource, "exists",
                    """
                        iam = client("iam")
                        for policy_arn in app.locate(iam, "iam_policy", outputs, SPEC):
                            policy = iam.get_policy(PolicyArn=policy_arn)["Policy"]
                            assert iam.get_policy_version(PolicyArn=policy_arn, VersionId=policy["DefaultVersionId"])["PolicyVersion"]["Document"]
                    """)
            case "aws_iam_role_policy": addRolePolicy(resource)
            default:
                untested.append(resource.address)
            }
        }

        // MARK: Specs

        /// The Python spec for a resource of a located kind (see app.py's `locate`).
        func spec(for resource: TerraformFacts.Resource) -> String? {
            guard let kind = RuleGenerator.kinds[resource.type] else { return nil }
            let outputs = (outputsByResource[resource.address] ?? []).filter { kind.outputAttributes.contains($0.attribute) }
                .map { "[\(Python.string($0.name)), \(Python.string($0.attribute))]" }
            var fields = ["\"outputs\": [\(outputs.joined(separator: ", "))]"]
            let ownName = Builder.literalName(resource, kind, facts)
            let named = facts.isSingle(resource) && ownName != nil
            if named, let ownName {
                fields.append("\"name\": \(Python.string(ownName))")
            }
            if let attribute = kind.prefixAttribute, let prefix = facts.literal(resource.body.attributes[attribute]) {
                fields.append("\"prefix\": \(Python.string(prefix))")
            }
            // Literal names of the other resources of this kind: listing must not claim them for this one.
            if !named, literalNames[kind.name].map({ $0 != [ownName] }) ?? false {
                fields.append("\"exclude\": LITERAL_NAMES[\(Python.string(kind.name))]")
                if let ownName { fields.append("\"own\": \(Python.string(ownName))") }
            }
            return "{\(fields.joined(separator: ", "))}"
        }

        /// The deployed name when the Terraform writes it literally (a FIFO queue's name gains `.fifo`).
        static func literalName(_ resource: TerraformFacts.Resource, _ kind: Kind, _ facts: TerraformFacts) -> String? {
            guard let attribute = kind.nameAttribute, var name = facts.literal(resource.body.attributes[attribute]) else { return nil }
            if resource.type == "aws_sqs_queue", facts.literal(resource.body.attributes["fifo_queue"]) == "true", !name.hasSuffix(".fifo") {
                name += ".fifo"
            }
            return name
        }

        func constantName(_ resource: TerraformFacts.Resource) -> String {
            Python.identifier(resource.address).uppercased()
        }

        /// Adds a test for `resource` whose body may use `SPEC` (the resource's spec) and `client`/`outputs`.
        mutating func test(_ resource: TerraformFacts.Resource, _ check: String, _ body: String, extra: String? = nil) {
            var body = body
            if let spec = spec(for: resource) {
                let constant = constantName(resource)
                var full = spec
                if let extra { full = String(full.dropLast()) + ", \(extra)}" }
                specs.append("\(constant) = \(full)")
                body = body.replacingOccurrences(of: "SPEC", with: constant)
            }
            var name =
                "test_\(Python.identifier(resource.type.replacingOccurrences(of: "aws_", with: "")))_\(Python.identifier(resource.name))_\(check)"
            while usedNames.contains(name) { name += "_" }
            usedNames.insert(name)
            let comment = "    \"\"\"\(resource.address): \(check.replacingOccurrences(of: "_", with: " ")).\"\"\""
            tests.append("def \(name)(client, outputs):\n\(comment)\n\(Python.indent(Python.dedent(body), by: 4))")
        }

        func testFile() -> String {
            var lines = [
                "\"\"\"Generated by lsqm's rule-based generator (\(RuleGenerator.version)) from the architecture's Terraform.",
                "", "Each test finds a deployed resource and exercises it with real API calls.",
            ]
            if !untested.isEmpty {
                lines.append("Resources without a rule (not tested here): \(untested.joined(separator: ", ")).")
            }
            if !notDeployed.isEmpty {
                lines.append("Not deployed (count or for_each is 0): \(notDeployed.joined(separator: ", ")).")
            }
            if !uncounted.isEmpty {
                lines.append("Deployed only under conditions known when planning (not tested here): \(uncounted.joined(separator: ", ")).")
            }
            lines += ["\"\"\"", "import app", ""]
            if specs.contains(where: { $0.contains("LITERAL_NAMES[") }) {
                // Once per architecture: every spec that lists its kind refers to this table.
                let table = literalNames.sorted { $0.key < $1.key }
                    .map { "    \(Python.string($0.key)): [\($0.value.map(Python.string).joined(separator: ", "))]," }
                lines += ["LITERAL_NAMES = {"] + table + ["}", ""]
            }
            if !specs.isEmpty { lines += specs + [""] }
            return lines.joined(separator: "\n") + "\n" + tests.map { "\n\($0)\n" }.joined(separator: "\n")
        }

        // MARK: Services with more to read from the Terraform

        mutating func addTable(_ resource: TerraformFacts.Resource) {
            guard let hashKey = facts.literal(resource.body.attributes["hash_key"]) else {
                untested.append(resource.address)
                return
            }
            let types = Dictionary(
                resource.body.blocks("attribute").compactMap { block -> (String, String)? in
                    guard let name = facts.literal(block.attributes["name"]), let type = facts.literal(block.attributes["type"]) else { return nil }
                    return (name, type)
                }, uniquingKeysWith: { first, _ in first })
            var keys = [[hashKey, types[hashKey] ?? "S"]]
            if let rangeKey = facts.literal(resource.body.attributes["range_key"]) { keys.append([rangeKey, types[rangeKey] ?? "S"]) }
            let keyList = "[" + keys.map { "[\(Python.string($0[0])), \(Python.string($0[1]))]" }.joined(separator: ", ") + "]"
            test(
                resource, "puts_gets_and_queries_items",
                """
                    dynamodb = client("dynamodb")
                    for table in app.locate(dynamodb, "dynamodb_table", outputs, SPEC):
                        item, read, queried = app.dynamodb_round_trip(dynamodb, table, \(keyList))
                        assert read == item
                        assert queried == [item]
                """)
        }

        mutating func addFunction(_ resource: TerraformFacts.Resource) {
            var checks: [String] = []
            if let runtime = facts.literal(resource.body.attributes["runtime"]) {
                checks.append("assert configuration[\"Runtime\"] == \(Python.string(runtime))")
            }
            if let handler = facts.literal(resource.body.attributes["handler"]) {
                checks.append("assert configuration[\"Handler\"] == \(Python.string(handler))")
            }
            // `variables = { … }` is an attribute (an object); a `variables { }` block is accepted too.
            let environment = resource.body.blocks("environment").first
            let variables =
                environment?.attributes["variables"]?.objectKeys ?? environment?.blocks("variables").first.map { Array($0.attributes.keys) } ?? []
            for name in variables.sorted() {
                checks.append("assert \(Python.string(name)) in configuration.get(\"Environment\", {}).get(\"Variables\", {})")
            }
            var body = """
                    lambda_client = client("lambda")
                    for function in app.locate(lambda_client, "lambda_function", outputs, SPEC):
                        configuration = lambda_client.get_function_configuration(FunctionName=function)
                """
            body += checks.map { "\n        \($0)" }.joined()
            body += "\n        assert app.lambda_dry_run(lambda_client, function) == 204"
            test(resource, "is_configured_and_invocable", body)
        }

        mutating func addSubscription(_ resource: TerraformFacts.Resource) {
            guard facts.literal(resource.body.attributes["protocol"]) == "sqs",
                let topic = facts.target(of: resource.body.attributes["topic_arn"])?.resource,
                let queue = facts.target(of: resource.body.attributes["endpoint"])?.resource,
                let topicSpec = spec(for: topic), let queueSpec = spec(for: queue)
            else {
                untested.append(resource.address)
                return
            }
            test(
                resource, "delivers_to_the_queue",
                """
                    sns, sqs = client("sns"), client("sqs")
                    topic_arn = app.locate(sns, "sns_topic", outputs, \(topicSpec))[0]
                    queue_url = app.locate(sqs, "sqs_queue", outputs, \(queueSpec))[0]
                    message = app.unique_text("fan-out")
                    app.sns_publish(sns, topic_arn, message)
                    assert message in app.delivered_messages(app.receive_bodies(sqs, queue_url, message))
                """)
        }

        mutating func addRestAPI(_ resource: TerraformFacts.Resource) {
            let paths = referring(to: resource, from: "aws_api_gateway_resource", via: "rest_api_id")
                .filter { facts.exists($0) }
                .compactMap { facts.literal($0.body.attributes["path_part"]) }.sorted()
            let pathChecks = paths.map { "assert any(path.endswith(\"/\" + \(Python.string($0))) for path in paths)" }
            var body = """
                    apigateway = client("apigateway")
                    for api_id in app.locate(apigateway, "rest_api", outputs, SPEC):
                        paths = app.rest_api_paths(apigateway, api_id)
                        assert "/" in paths
                """
            body += pathChecks.map { "\n        \($0)" }.joined()
            for method in methods(of: resource) {
                let path = method.pathPart.map(Python.string) ?? "None"
                body +=
                    "\n        method, invoked = app.rest_api_method(apigateway, api_id, \(path), \(Python.string(method.httpMethod)), \(method.mock ? "True" : "False"))"
                body += "\n        assert method[\"httpMethod\"] == \(Python.string(method.httpMethod))"
                if method.mock { body += "\n        assert invoked[\"status\"] < 500" }
            }
            test(resource, "serves_its_resources", body)
        }

        /// The API's methods with a literal verb: on which resource (its path part; nil for the root) and whether
        /// the integration is MOCK (the only kind whose answer the Terraform alone determines).
        func methods(of api: TerraformFacts.Resource) -> [(pathPart: String?, httpMethod: String, mock: Bool)] {
            let mockIntegrations = facts.resources(ofType: "aws_api_gateway_integration")
                .filter { facts.exists($0) && facts.literal($0.body.attributes["type"]) == "MOCK" }
            return referring(to: api, from: "aws_api_gateway_method", via: "rest_api_id").compactMap { method in
                guard facts.exists(method), let verb = facts.literal(method.body.attributes["http_method"]) else { return nil }
                let target = facts.target(of: method.body.attributes["resource_id"])
                var pathPart: String?
                if let target, target.resource.type == "aws_api_gateway_resource" {
                    guard let part = facts.literal(target.resource.body.attributes["path_part"]) else { return nil }
                    pathPart = part
                } else if target?.attribute != "root_resource_id" {
                    return nil
                }
                // An integration belongs to the method it reads its verb from, or that it names literally.
                let mock = mockIntegrations.contains { integration in
                    let verbValue = integration.body.attributes["http_method"]
                    return
                        (facts.target(of: verbValue)?.resource.address == method.address
                        || (integration.body.attributes["resource_id"] == method.body.attributes["resource_id"] && facts.literal(verbValue) == verb))
                }
                return (pathPart, verb, mock)
            }.sorted { ($0.pathPart ?? "", $0.httpMethod) < ($1.pathPart ?? "", $1.httpMethod) }
        }

        func kmsAlias(_ resource: TerraformFacts.Resource) -> String? {
            // A key has no name; its alias is how the Terraform names it.
            let alias = referring(to: resource, from: "aws_kms_alias", via: "target_key_id").first
            return alias.flatMap { facts.literal($0.body.attributes["name"]) }.map { "\"name\": \(Python.string($0))" }
        }

        mutating func addSecret(_ resource: TerraformFacts.Resource) {
            let version = referring(to: resource, from: "aws_secretsmanager_secret_version", via: "secret_id").first
            var body = """
                    secrets = client("secretsmanager")
                    for secret in app.locate(secrets, "secret", outputs, SPEC):
                        assert secrets.describe_secret(SecretId=secret)["ARN"]
                """
            if let version {
                body += "\n        value = secrets.get_secret_value(SecretId=secret)"
                if let literal = facts.literal(version.body.attributes["secret_string"]) {
                    body += "\n        assert value[\"SecretString\"] == \(Python.string(literal))"
                } else {
                    body += "\n        assert value.get(\"SecretString\") is not None or value.get(\"SecretBinary\") is not None"
                }
            }
            test(resource, version == nil ? "exists" : "can_be_read", body)
        }

        mutating func addEventRule(_ resource: TerraformFacts.Resource) {
            guard facts.isSingle(resource), let name = facts.literal(resource.body.attributes["name"]) else {
                untested.append(resource.address)
                return
            }
            let busValue = resource.body.attributes["event_bus_name"]
            let bus = facts.literal(busValue) ?? facts.target(of: busValue).flatMap { facts.literal($0.resource.body.attributes["name"]) }
            let busArgument = bus.map { ", EventBusName=\(Python.string($0))" } ?? ""
            test(
                resource, "exists_and_its_bus_accepts_events",
                """
                    events = client("events")
                    rule = events.describe_rule(Name=\(Python.string(name))\(busArgument))
                    assert rule["Name"] == \(Python.string(name))
                    response = app.put_event(events, \(bus.map(Python.string) ?? "None"))
                    assert response["FailedEntryCount"] == 0
                """)
        }

        mutating func addRolePolicy(_ resource: TerraformFacts.Resource) {
            let roleValue = resource.body.attributes["role"]
            guard let policyName = facts.literal(resource.body.attributes["name"]),
                let role = facts.literal(roleValue) ?? facts.target(of: roleValue).flatMap({ facts.literal($0.resource.body.attributes["name"]) })
            else {
                untested.append(resource.address)
                return
            }
            test(
                resource, "is_attached",
                """
                    iam = client("iam")
                    policy = iam.get_role_policy(RoleName=\(Python.string(role)), PolicyName=\(Python.string(policyName)))
                    assert policy["PolicyName"] == \(Python.string(policyName))
                    assert policy["PolicyDocument"]
                """)
        }
    }
}

/// Python source helpers.
enum Python {
    /// A Python string literal (JSON string syntax is valid Python for these).
    static func string(_ text: String) -> String {
        (try? JSONCoding.string(JSONValue.string(text))) ?? "\"\""
    }

    /// A valid identifier from arbitrary text (`aws_sqs_queue.jobs-1` → `aws_sqs_queue_jobs_1`).
    static func identifier(_ text: String) -> String {
        let mapped = text.map { $0.isASCII && ($0.isLetter || $0.isNumber) ? String($0) : "_" }.joined()
        return mapped.first?.isNumber == true ? "_" + mapped : mapped
    }

    /// Removes the indentation every non-empty line shares.
    static func dedent(_ text: String) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let common = lines.filter { !$0.allSatisfy(\.isWhitespace) }.map { $0.prefix { $0 == " " }.count }.min() ?? 0
        return lines.map { String($0.dropFirst(min(common, $0.count))) }.joined(separator: "\n")
    }

    static func indent(_ text: String, by spaces: Int) -> String {
        let pad = String(repeating: " ", count: spaces)
        return text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.isEmpty ? "" : pad + $0 }.joined(separator: "\n")
    }
}
