import Foundation
import LSQMBasics
import LSQMPluginKit

/// What a template expects to exist before it is deployed — the inputs its deployer would give (a VPC, subnets,
/// a key pair, an SSM parameter, a secret, another stack's export) — made for real next to the architecture in
/// `lsqm_prerequisites.tf`, so nothing the template reads is an invented string the cloud would reject.
/// Every value chosen here is recorded as an input; what only the template's author can give (an existing
/// account resource with no typed parameter, a custom resource's logic) is recorded without a value, and the
/// normalization is then `needs_input`.
final class Prerequisites {
    struct Entry {
        let why: String
        let block: HCLBlock
    }

    /// Blocks by address, printed in address order so the file is byte-for-byte the same on every run.
    private var entries: [String: Entry] = [:]
    private(set) var inputs: [NormalizationResult.Input] = []
    /// Secrets read by `{{resolve:secretsmanager:…}}`: name → JSON keys read from it ("" = the whole string).
    private var secrets: [String: Set<String>] = [:]
    /// The VPC that prerequisite subnets and security groups go into, decided before any is made.
    var networkVPC: String?
    private var subnetCount: [String: Int] = [:]
    private var vpcCount = 0
    private var usesAvailabilityZones = false

    /// A fixed ed25519 public key (generated once with ssh-keygen; its private half was never kept): key pairs
    /// need a real key, and the hashicorp/aws provider alone cannot make one offline.
    static let publicKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEu/dkJpmwrJwoZv50KCe+gfZcJ7Y4ZnyIwg6xNpcD0A lsqm-prerequisite"
    /// An AMI-shaped value for image parameters lsqm creates (real AMIs differ per region and account).
    static let imageID = "ami-0abcdef1234567890"
    /// The public parameter AWS keeps in every region, for an image id nobody named.
    static let publicImageParameter = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"

    var needsInput: Bool { inputs.contains { $0.value == nil } }

    func record(_ parameter: String, _ value: String?, _ how: String) {
        let input = NormalizationResult.Input(parameter: parameter, value: value, how: how)
        if !inputs.contains(input) { inputs.append(input) }
    }

    func needs(_ parameter: String, _ reason: String) { record(parameter, nil, reason) }

    @discardableResult
    private func add(
        _ type: String, _ name: String, why: String, data: Bool = false, _ attributes: [(String, HCLExpr)],
        blocks: [HCLBlock] = []
    ) -> String {
        let address = (data ? "data." : "") + "\(type).\(name)"
        if entries[address] == nil {
            var body = HCLBody()
            for (key, value) in attributes { body.set(key, value) }
            for block in blocks { body.add(block) }
            entries[address] = Entry(why: why, block: HCLBlock(data ? "data" : "resource", [type, name], body: body))
        }
        return address
    }

    /// The words of a source (a parameter, an export name such as `${var.StackName}:ClusterName`, an SSM path).
    static func words(_ source: String) -> [Substring] {
        Naming.snake(source).lowercased().split { !($0.isLetter || $0.isNumber) }.filter { $0 != "var" }
    }

    static func name(_ source: String) -> String { "prerequisite_" + words(source).joined(separator: "_") }

    /// `<stack>-<source>` with only letters, digits and hyphens (what every AWS name accepts), at most 40 long:
    /// a source may be an export name such as `${var.StackName}:ClusterName`.
    private static func named(_ source: String) -> HCLExpr {
        .template([.interpolation(.ref("local.stack_name")), .literal("-" + String(words(source).joined(separator: "-").suffix(40)))])
    }

    private static func tags(_ why: String) -> HCLExpr { .object([("Name", .string("lsqm prerequisite: \(why)"))]) }

    // MARK: network

    /// A VPC (each gets its own /16, so peered VPCs do not overlap).
    func vpc(_ source: String) -> String {
        let name = Self.name(source)
        let address = "aws_vpc.\(name)"
        if entries[address] == nil {
            vpcCount += 1
            add(
                "aws_vpc", name, why: "the VPC the template expects as \(source)",
                [
                    ("cidr_block", .string("10.\(vpcCount - 1).0.0/16")), ("enable_dns_hostnames", .bool(true)),
                    ("enable_dns_support", .bool(true)), ("tags", Self.tags(source)),
                ])
        }
        return address
    }

    /// The VPC for subnets and security groups: the template's own VPC parameter when it has one.
    private var sharedVPC: String { vpc(networkVPC ?? "network") }

    /// A subnet of the shared VPC, each in the next availability zone.
    func subnet(_ source: String) -> String {
        let vpc = sharedVPC
        let name = Self.name(source)
        let address = "aws_subnet.\(name)"
        guard entries[address] == nil else { return address }
        let index = subnetCount[vpc, default: 0]
        subnetCount[vpc] = index + 1
        usesAvailabilityZones = true
        add(
            "aws_subnet", name, why: "a subnet the template expects as \(source), in its own availability zone",
            [
                ("availability_zone", .call("element", [.ref("data.aws_availability_zones.prerequisites.names"), .number(Double(index))])),
                ("cidr_block", .call("cidrsubnet", [.ref("\(vpc).cidr_block"), .number(8), .number(Double(index))])), ("tags", Self.tags(source)),
                ("vpc_id", .ref("\(vpc).id")),
            ])
        return address
    }

    func securityGroup(_ source: String) -> String {
        let vpc = sharedVPC
        var egress = HCLBody()
        egress.set("cidr_blocks", .list([.string("0.0.0.0/0")]))
        egress.set("from_port", .number(0))
        egress.set("protocol", .string("-1"))
        egress.set("to_port", .number(0))
        return add(
            "aws_security_group", Self.name(source),
            why: "the security group the template expects as \(source) (egress open, as a new group's default)",
            [
                // Security group descriptions take a restricted character set: the source's words only.
                ("description", .string("lsqm prerequisite " + Self.words(source).joined(separator: " "))), ("name", Self.named(source)),
                ("vpc_id", .ref("\(vpc).id")),
            ], blocks: [HCLBlock("egress", body: egress)])
    }

    func keyPair(_ source: String) -> String {
        add(
            "aws_key_pair", Self.name(source),
            why: "the EC2 key pair the template expects as \(source) (a fixed public key; nobody holds its private key)",
            [
                ("key_name", Self.named(source)), ("public_key", .string(Self.publicKey)),
            ])
    }

    func hostedZone(_ source: String) -> String {
        add(
            "aws_route53_zone", Self.name(source), why: "the Route 53 hosted zone the template expects as \(source)",
            [
                ("force_destroy", .bool(true)),
                ("name", .template([.interpolation(.ref("local.stack_name")), .literal(".lsqm-prerequisite.com")])),
            ])
    }

    func ecsCluster(_ source: String) -> String {
        add(
            "aws_ecs_cluster", Self.name(source), why: "the ECS cluster another stack exports as \(source)",
            [
                ("name", Self.named(source))
            ])
    }

    /// A role the given service can assume (what an imported execution or task role is for).
    func role(_ source: String, service: String) -> String {
        let policy = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"\#(service)"},"Action":"sts:AssumeRole"}]}"#
        return add(
            "aws_iam_role", Self.name(source), why: "the IAM role another stack exports as \(source), assumable by \(service)",
            [
                ("assume_role_policy", .string(policy)),
                ("name", Self.named(source)),
            ])
    }

    func queue(_ source: String) -> String {
        add(
            "aws_sqs_queue", Self.name(source), why: "the SQS queue another stack exports as \(source)",
            [
                ("name", Self.named(source))
            ])
    }

    func topic(_ source: String) -> String {
        add(
            "aws_sns_topic", Self.name(source), why: "the SNS topic another stack exports as \(source)",
            [
                ("name", Self.named(source))
            ])
    }

    /// A value only the template's author can give: a variable without a default (Terraform itself then asks
    /// for it), and the normalization becomes `needs_input`.
    func authorInput(_ source: String, _ reason: String) -> HCLExpr {
        needs(source, reason)
        let name = "input_" + Self.words(source).joined(separator: "_")
        var body = HCLBody()
        // Without the braces of a dynamic reference: the description documents it, it is not one.
        let shown = source.replacingOccurrences(of: "{{", with: "").replacingOccurrences(of: "}}", with: "")
        body.set("description", .string("\(shown): \(reason)"))
        body.set("type", .ref("string"))
        entries["var.\(name)"] = Entry(why: "needed from the template's author", block: HCLBlock("variable", [name], body: body))
        return .ref("var.\(name)")
    }

    // MARK: SSM parameters and secrets

    /// An SSM parameter the template reads: AWS's public ones (`/aws/…`, which exist in every region and cannot
    /// be created) through a data source, any other one created with `value`. Returns the expression of its value.
    func ssmParameter(_ parameterName: String, value: String, list: Bool, secure: Bool, reader: String) -> HCLExpr {
        let name = Self.name(parameterName)
        if parameterName.lowercased().hasPrefix("/aws/") {
            let address = add(
                "aws_ssm_parameter", name, why: "the public parameter \(parameterName) AWS keeps in every region", data: true,
                [
                    ("name", .string(parameterName))
                ])
            return .ref("\(address).\(secure ? "value" : "insecure_value")")
        }
        record(reader, value, "created the SSM parameter \(parameterName) the template reads")
        let type = secure ? "SecureString" : list ? "StringList" : "String"
        let address = add(
            "aws_ssm_parameter", name, why: "the SSM parameter \(parameterName) the template reads",
            [
                (secure ? "value" : "insecure_value", .string(value)), ("name", .string(parameterName)), ("type", .string(type)),
            ])
        return .ref("\(address).\(secure ? "value" : "insecure_value")")
    }

    /// A secret the template reads with `{{resolve:secretsmanager:NAME:SecretString:KEY}}`; its keys are
    /// gathered and written as one JSON secret string when the file is printed.
    func secret(_ secretName: String, key: String) -> HCLExpr {
        secrets[secretName, default: []].insert(key)
        let version = "aws_secretsmanager_secret_version.\(Self.name(secretName)).secret_string"
        return key.isEmpty ? .ref(version) : .index(.call("jsondecode", [.ref(version)]), .string(key))
    }

    /// A plausible value for a secret's key: credentials that the usual password rules accept.
    static func secretValue(_ key: String) -> String {
        let lower = key.lowercased()
        if lower.contains("user") { return "lsqmadmin" }
        if lower.contains("pass") || lower.contains("secret") || lower.isEmpty { return "LsqmPassw0rd2024" }
        return "lsqm-" + Naming.snake(key).replacingOccurrences(of: "_", with: "-")
    }

    private func secretEntries() -> [String: Entry] {
        var result: [String: Entry] = [:]
        for (secretName, keys) in secrets {
            let name = Self.name(secretName)
            let keyed = keys.filter { !$0.isEmpty }.sorted()
            let value: String
            if keyed.isEmpty {
                value = Self.secretValue("")
            } else {
                let pairs = keyed.map { "\"\($0)\":\"\(Self.secretValue($0))\"" }
                value = "{" + pairs.joined(separator: ",") + "}"
            }
            record("{{resolve:secretsmanager:\(secretName)}}", value, "created the secret \(secretName) the template reads")
            var secretBody = HCLBody()
            secretBody.set("name", .string(secretName))
            secretBody.set("recovery_window_in_days", .number(0))
            result["aws_secretsmanager_secret.\(name)"] = Entry(
                why: "the secret \(secretName) the template reads",
                block: HCLBlock("resource", ["aws_secretsmanager_secret", name], body: secretBody))
            var versionBody = HCLBody()
            versionBody.set("secret_id", .ref("aws_secretsmanager_secret.\(name).id"))
            versionBody.set("secret_string", .string(value))
            result["aws_secretsmanager_secret_version.\(name)"] = Entry(
                why: "the value of the secret \(secretName)",
                block: HCLBlock("resource", ["aws_secretsmanager_secret_version", name], body: versionBody))
        }
        return result
    }

    // MARK: output

    /// `lsqm_prerequisites.tf`, or nil when the template needs nothing made for it.
    func file(source: String) -> PluginFile? {
        var all = entries.merging(secretEntries()) { first, _ in first }
        guard !all.isEmpty else { return nil }
        if usesAvailabilityZones {
            var body = HCLBody()
            body.set("state", .string("available"))
            all["data.aws_availability_zones.prerequisites"] = Entry(
                why: "the availability zones prerequisite subnets spread over",
                block: HCLBlock("data", ["aws_availability_zones", "prerequisites"], body: body))
        }
        let header = [
            "Prerequisites: what the template expects to exist before it is deployed (its parameters without a",
            "default, the SSM parameters and secrets it reads, other stacks' exports), created here so that nothing",
            "in main.tf is an invented id. Every value chosen is listed in the normalization record's inputs.",
            "Template: \(source)",
        ]
        let text =
            header.map { "# \($0)" }.joined(separator: "\n") + "\n\n"
            + all.keys.sorted().compactMap { address in
                all[address].map { "# \($0.why)\n" + HCLPrinter.block($0.block, indent: 0) }
            }.joined(separator: "\n\n") + "\n"
        return PluginFile(path: "lsqm_prerequisites.tf", text: text)
    }
}
