import Foundation
import LSQMBasics

/// `{{resolve:ssm:…}}`, `{{resolve:ssm-secure:…}}`, `{{resolve:secretsmanager:…}}` and `Fn::ImportValue`: values
/// the template reads from outside itself, made real as prerequisites (see `Prerequisites`).
extension TranslationContext {
    static let dynamicReferenceStart = "{{resolve:"
    /// `{"Fn::LSQMAuthorInput": [source, reason]}`: what the Serverless translation could not resolve and only
    /// the author can give, carried through the CloudFormation translation to a variable without default.
    static let authorInputFunction = "Fn::LSQMAuthorInput"

    /// Replaces every dynamic reference in a string or template by an expression reading the prerequisite.
    func resolvingDynamicReferences(_ v: TypedExpr) -> TypedExpr {
        let parts: [HCLExpr.TemplatePart]
        switch v.expr {
        case .string(let s): parts = [.literal(s)]
        case .template(let p): parts = p
        default: return v
        }
        guard
            parts.contains(where: {
                if case .literal(let s) = $0 { return s.contains(Self.dynamicReferenceStart) }; return false
            })
        else { return v }
        var out: [HCLExpr.TemplatePart] = []
        // The parts of a reference opened by `{{resolve:` and not closed yet (a computed name spans parts).
        var open: [HCLExpr.TemplatePart]?
        for part in parts {
            guard case .literal(var text) = part else {
                if open != nil { open?.append(part) } else { out.append(part) }
                continue
            }
            while !text.isEmpty {
                if open == nil {
                    guard let start = text.range(of: Self.dynamicReferenceStart) else { out.append(.literal(text)); break }
                    out.append(.literal(String(text[..<start.lowerBound])))
                    open = []
                    text = String(text[start.upperBound...])
                } else if let end = text.range(of: "}}") {
                    open?.append(.literal(String(text[..<end.lowerBound])))
                    out.append(.interpolation(dynamicReference(open ?? [])))
                    open = nil
                    text = String(text[end.upperBound...])
                } else {
                    open?.append(.literal(text))
                    break
                }
            }
        }
        if let unclosed = open { out.append(.literal(Self.dynamicReferenceStart)); out += unclosed }
        let merged = out.filter {
            if case .literal(let s) = $0 { return !s.isEmpty }; return true
        }
        if merged.count == 1, case .interpolation(let only) = merged[0] { return TypedExpr(only, .string) }
        return TypedExpr(.template(merged), .string)
    }

    /// One reference, without its braces: `ssm:NAME[:VERSION]`, `ssm-secure:NAME`, `secretsmanager:ID[:SecretString[:KEY…]]`.
    private func dynamicReference(_ parts: [HCLExpr.TemplatePart]) -> HCLExpr {
        let printed = parts.map { part -> String in
            switch part {
            case .literal(let s): return s
            case .interpolation(let e): return "${" + HCLPrinter.expression(e, indent: 0) + "}"
            }
        }.joined()
        let literal = parts.allSatisfy {
            if case .literal = $0 { return true }; return false
        }
        let fields = printed.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let service = fields.first ?? ""
        let source = "{{resolve:\(printed)}}"
        switch service {
        case "ssm", "ssm-secure":
            guard literal, fields.count >= 2 else { return prerequisites.authorInput(source, "an SSM parameter whose name the template computes") }
            let name = fields[1]
            if let own = templateParameterNames[name] {
                return .ref("aws_ssm_parameter.\(own).\(service == "ssm-secure" ? "value" : "insecure_value")")
            }
            let lower = name.lowercased()
            let value =
                lower.contains("ami") || lower.contains("image")
                ? Prerequisites.imageID
                : service == "ssm-secure"
                    ? Prerequisites.secretValue(name) : PlainValue.byName(name.split(separator: "/").last.map(String.init) ?? name)
            return prerequisites.ssmParameter(name, value: value, list: false, secure: service == "ssm-secure", reader: source)
        case "secretsmanager":
            var rest = Array(fields.dropFirst())
            var secretName = rest.first ?? ""
            if secretName == "arn", rest.count >= 7 {
                // A secret ARN ends with its name and a six-character suffix AWS adds.
                secretName = String(rest[6].dropLast(rest[6].count > 7 ? 7 : 0))
                rest = [secretName] + rest.dropFirst(7)
            }
            let key = rest.count >= 3 && rest[1] == "SecretString" ? rest[2] : ""
            // A secret the template itself creates under that name is read from there, not made again.
            if literal, let own = templateSecretNames[secretName] { return secretValue(own, key: key) }
            if literal { return prerequisites.secret(secretName, key: key) }
            // `{{resolve:secretsmanager:${aws_secretsmanager_secret.X.arn}:SecretString:KEY}}`: a secret of this template.
            if parts.count == 3, case .interpolation(let id) = parts[1],
                let secret = secretResource(HCLPrinter.expression(id, indent: 0))
            {
                return secretValue(secret, key: key)
            }
            return prerequisites.authorInput(source, "a dynamic reference to a secret whose name the template computes")
        default:
            return prerequisites.authorInput(source, "a dynamic reference lsqm cannot resolve")
        }
    }

    /// A key of (or, with no key, the whole) value of the template's own secret `name`.
    private func secretValue(_ name: String, key: String) -> HCLExpr {
        let version = HCLExpr.ref("aws_secretsmanager_secret_version.\(name)_version.secret_string")
        return key.isEmpty ? version : .index(.call("jsondecode", [version]), .string(key))
    }

    /// The Terraform name of a secret of this template that has a value (`aws_secretsmanager_secret.NAME.arn|id`).
    private func secretResource(_ reference: String) -> String? {
        let pieces = reference.split(separator: ".")
        guard pieces.count == 3, pieces[0] == "aws_secretsmanager_secret", secretsWithValue.contains(String(pieces[1])) else { return nil }
        return String(pieces[1])
    }

    /// `Fn::ImportValue`: the exporting resource, made as a prerequisite when its kind shows in the property that
    /// reads it or in the export's name; otherwise an input only the template's author can give.
    func importValue(_ arg: JSONValue) -> TypedExpr {
        let exportName = arg.stringValue ?? HCLPrinter.expression(value(arg).expr, indent: 0)
        let usage = importUsage[arg] ?? ""
        let source = "Fn::ImportValue \(exportName)"
        let wantsARN = usage.hasSuffix("Arn") || usage.hasSuffix("ARN") || exportName.lowercased().hasSuffix("arn")
        let wantsName = !wantsARN && exportName.lowercased().hasSuffix("name")
        let resourceType = currentResource.flatMap { plans[$0]?.cfnType } ?? ""
        let made: (address: String, attribute: String, what: String)?
        switch Self.importKind(usage: usage, exportName: exportName, resourceType: resourceType) {
        case .vpc?: made = (prerequisites.vpc(exportName), "id", "a VPC")
        case .subnet?: made = (prerequisites.subnet(exportName), "id", "a subnet")
        case .securityGroup?: made = (prerequisites.securityGroup(exportName), "id", "a security group")
        case .ecsCluster?: made = (prerequisites.ecsCluster(exportName), wantsName ? "name" : "arn", "an ECS cluster")
        case .role?:
            made = (
                prerequisites.role(exportName, service: Self.servicePrincipal(resourceType, usage: usage)), wantsName ? "name" : "arn", "an IAM role"
            )
        case .queue?: made = (prerequisites.queue(exportName), wantsARN ? "arn" : "url", "an SQS queue")
        case .topic?: made = (prerequisites.topic(exportName), wantsName ? "name" : "arn", "an SNS topic")
        case nil: made = nil
        }
        guard let made else {
            return TypedExpr(prerequisites.authorInput(source, "another stack exports it, and neither its name nor its use says what it is"), .string)
        }
        let reference = "\(made.address).\(made.attribute)"
        prerequisites.record(source, reference, "created \(made.what) standing for what another stack exports")
        return TypedExpr(.ref(reference), .string)
    }

    enum ImportKind { case vpc, subnet, securityGroup, ecsCluster, role, queue, topic }

    /// What an export is, from the property that reads it or from its name.
    static func importKind(usage: String, exportName: String, resourceType: String) -> ImportKind? {
        let words = (usage + " " + exportName).lowercased()
        if words.contains("vpc") && !words.contains("endpoint") { return .vpc }
        if words.contains("subnet") { return .subnet }
        if words.contains("securitygroup") || words.contains("security group") || usage == "GroupId" { return .securityGroup }
        if words.contains("cluster") && (resourceType.hasPrefix("AWS::ECS::") || words.contains("ecs")) { return .ecsCluster }
        if words.contains("role") { return .role }
        if words.contains("queue") { return .queue }
        if words.contains("topic") { return .topic }
        return nil
    }

    /// Who assumes a role imported for a resource of `type`.
    static func servicePrincipal(_ type: String, usage: String) -> String {
        let namespace = type.split(separator: ":").dropFirst(2).first.map { $0.lowercased() } ?? ""
        if namespace == "ecs" || usage.contains("Task") || usage.contains("Execution") { return "ecs-tasks.amazonaws.com" }
        if namespace == "stepfunctions" { return "states.amazonaws.com" }
        if namespace.isEmpty || namespace == "serverless" { return "lambda.amazonaws.com" }
        return "\(namespace).amazonaws.com"
    }

    /// For every `Fn::ImportValue` argument, the property that reads it (`VpcId`, `Cluster`, …): the best clue
    /// to what the export is.
    static func importUsages(_ resources: [String: JSONValue]) -> [JSONValue: String] {
        var usages: [JSONValue: String] = [:]
        func walk(_ v: JSONValue, _ key: String) {
            switch v {
            case .object(let object):
                if let (name, argument) = v.intrinsic {
                    if name == "Fn::ImportValue" { if usages[argument] == nil { usages[argument] = key } }
                    walk(argument, key)
                    return
                }
                // In key order: the first property that reads an export decides, the same on every run.
                for k in object.keys.sorted() { walk(object[k] ?? .null, k) }
            case .array(let items): for item in items { walk(item, key) }
            default: return
            }
        }
        for key in resources.keys.sorted() { walk(resources[key]?["Properties"] ?? .null, "") }
        return usages
    }
}
