import Foundation
import LSQMBasics
import LSQMPluginKit

/// How a CloudFormation parameter the deployer must give (no `Default`) gets its value in Terraform.
enum ParameterResolution {
    /// A prerequisite made for it (a VPC, a key pair, an SSM parameter): references read this; no variable.
    case expression(TypedExpr)
    /// A variable whose default is a value chosen to satisfy the parameter's constraints.
    case value(HCLExpr)
    /// Only the template's author can give it: a variable without a default, and the template is not deployed.
    case needsInput(String)
}

extension TranslationContext {
    static let ssmValuePrefix = "AWS::SSM::Parameter::Value<"

    /// nil when the parameter's own default stands (and is not an SSM parameter name to read).
    func resolveParameter(_ name: String, _ spec: JSONValue) -> ParameterResolution? {
        let type = spec["Type"]?.stringValue ?? "String"
        let given = spec["Default"]
        if type.hasPrefix(Self.ssmValuePrefix) {
            // The parameter's value is the name of an SSM parameter; the template reads what is stored there.
            let inner = String(type.dropFirst(Self.ssmValuePrefix.count).dropLast())
            let list = inner.hasPrefix("List<") || inner == "CommaDelimitedList"
            let parameterName = given?.stringValue ?? "/lsqm/prerequisites/\(name)"
            let value =
                inner.hasSuffix("Image::Id")
                ? Prerequisites.imageID
                : list ? "lsqm-a,lsqm-b" : PlainValue.satisfying(name, spec) ?? "lsqm-value"
            let read = prerequisites.ssmParameter(parameterName, value: value, list: list, secure: false, reader: name)
            return .expression(list ? TypedExpr(.call("split", [.string(","), read]), .list) : TypedExpr(read, .string))
        }
        guard given == nil else { return nil }
        func made(_ address: String, _ attribute: String, list: Int = 0, _ how: String) -> ParameterResolution {
            let reference = "\(address).\(attribute)"
            prerequisites.record(name, reference, how)
            return .expression(list == 0 ? TypedExpr(.ref(reference), .string) : TypedExpr(.list([.ref(reference)]), .list))
        }
        switch type {
        case "AWS::EC2::VPC::Id", "List<AWS::EC2::VPC::Id>":
            return made(prerequisites.vpc(name), "id", list: type.hasPrefix("List") ? 1 : 0, "created a VPC for it in lsqm_prerequisites.tf")
        case "AWS::EC2::Subnet::Id":
            return made(prerequisites.subnet(name), "id", "created a subnet for it in lsqm_prerequisites.tf")
        case "List<AWS::EC2::Subnet::Id>":
            // Two subnets in two availability zones: what load balancers, databases and clusters ask for.
            let subnets = [prerequisites.subnet(name + "1"), prerequisites.subnet(name + "2")].map { HCLExpr.ref("\($0).id") }
            prerequisites.record(
                name, subnets.map { HCLPrinter.expression($0, indent: 0) }.joined(separator: ","),
                "created two subnets in two availability zones for it in lsqm_prerequisites.tf")
            return .expression(TypedExpr(.list(subnets), .list))
        case "AWS::EC2::SecurityGroup::Id", "List<AWS::EC2::SecurityGroup::Id>":
            return made(
                prerequisites.securityGroup(name), "id", list: type.hasPrefix("List") ? 1 : 0,
                "created a security group for it in lsqm_prerequisites.tf")
        case "AWS::EC2::KeyPair::KeyName":
            return made(prerequisites.keyPair(name), "key_name", "created a key pair for it in lsqm_prerequisites.tf")
        case "AWS::Route53::HostedZone::Id", "List<AWS::Route53::HostedZone::Id>":
            return made(
                prerequisites.hostedZone(name), "zone_id", list: type.hasPrefix("List") ? 1 : 0,
                "created a hosted zone for it in lsqm_prerequisites.tf")
        case "AWS::EC2::Image::Id":
            let read = prerequisites.ssmParameter(Prerequisites.publicImageParameter, value: "", list: false, secure: false, reader: name)
            prerequisites.record(name, HCLPrinter.expression(read, indent: 0), "the latest Amazon Linux 2023 AMI, from AWS's public SSM parameter")
            return .expression(TypedExpr(read, .string))
        case "AWS::EC2::AvailabilityZone::Name", "List<AWS::EC2::AvailabilityZone::Name>":
            usedData.insert(.availabilityZones)
            let names = HCLExpr.ref("data.aws_availability_zones.available.names")
            prerequisites.record(
                name, type.hasPrefix("List") ? "the first two available zones" : "the first available zone",
                "read from the region's availability zones")
            return .expression(
                type.hasPrefix("List")
                    ? TypedExpr(.call("slice", [names, .number(0), .number(2)]), .list)
                    : TypedExpr(.index(names, .number(0)), .string))
        case "String", "Number", "CommaDelimitedList", "List<Number>", "List<String>":
            if let reason = PlainValue.existingResource(name, spec) { return .needsInput(reason) }
            guard let value = PlainValue.satisfying(name, spec, number: type == "Number") else {
                return .needsInput("no value lsqm can choose satisfies its constraints")
            }
            prerequisites.record(name, value, PlainValue.how(spec))
            return .value(TemplateTranslation.parameterDefault(.string(value), TemplateTranslation.parameterType(type).1))
        default:
            return .needsInput("a \(type) names an existing resource that lsqm cannot create")
        }
    }
}

/// Values for plain String/Number parameters that satisfy their AllowedValues, AllowedPattern, MinLength,
/// MaxLength, MinValue and MaxValue, and look like what the parameter's name asks for.
enum PlainValue {
    static func how(_ spec: JSONValue) -> String {
        if spec["AllowedValues"] != nil { return "the first of its AllowedValues" }
        if spec["AllowedPattern"] != nil { return "chosen to match its AllowedPattern" }
        return "chosen from its name and constraints"
    }

    /// Why a parameter can only be given by the template's author: it names a resource that already exists in
    /// their account (an ARN, a resource id) and has no typed parameter lsqm could create it from.
    static func existingResource(_ name: String, _ spec: JSONValue) -> String? {
        if spec["AllowedValues"] != nil { return nil }
        let description = (spec["Description"]?.stringValue ?? "").lowercased()
        let untyped = "with no typed parameter lsqm could create it from"
        if name.hasSuffix("Arn") || name.hasSuffix("ARN") || name.hasSuffix("Arns") || name.hasSuffix("ARNs") {
            return "the ARN of an existing resource, \(untyped)"
        }
        let lower = String(name.lowercased().reversed().drop { $0.isNumber }.reversed())
        // An identifier names something that already exists: a resource, another account, an external system.
        if ["id", "ids"].contains(where: lower.hasSuffix) || lower.contains("accountid") {
            return "the id of something that already exists (\(name)), \(untyped)"
        }
        // `Subnets`, `PrivateSubnet1`, `ECSCluster`, `InstanceProfile`, `KMSKey`: existing resources named but not typed.
        let nouns = [
            "vpc", "subnet", "securitygroup", "instanceprofile", "kmskey", "certificate", "cluster", "taskdefinition", "role", "policy",
            "imageuri",
        ]
        if let noun = nouns.first(where: { [$0, $0 + "s"].contains(where: lower.hasSuffix) }) {
            return "an existing \(noun) in the deployer's account, \(untyped)"
        }
        // A pattern for AWS resource ids (`vol-[0-9a-f]{8}`, `rtb-…`, `arn:…`) asks for one that exists.
        let idPrefixes = ["vol-", "rtb-", "sg-", "subnet-", "vpc-", "igw-", "nat-", "eni-", "i-", "ami-", "arn:", "snap-", "fs-", "pl-"]
        if let pattern = spec["AllowedPattern"]?.stringValue?.trimmingCharacters(in: CharacterSet(charactersIn: "^(")),
            idPrefixes.contains(where: pattern.hasPrefix)
        {
            return "an existing resource whose id matches \(pattern), \(untyped)"
        }
        if description.contains("existing") && (description.contains(" arn") || description.contains(" id") || description.contains("name of")) {
            return "an existing resource in the deployer's account (\(spec["Description"]?.stringValue?.prefix(80) ?? ""))"
        }
        return nil
    }

    static func satisfying(_ name: String, _ spec: JSONValue, number: Bool = false) -> String? {
        if let first = spec["AllowedValues"]?.arrayValue?.first {
            return first.stringValue ?? first.doubleValue.map(HCLPrinter.number)
        }
        if number { return numberValue(name, spec) }
        let pattern = spec["AllowedPattern"]?.stringValue
        var candidates = [byName(name)]
        if let pattern { candidates += RegexSample.samples(pattern) }
        candidates.append("lsqm")
        // The same candidates cut or padded (with digits, which most password rules want) to the length limits.
        let low = lengthBound(spec, "MinLength") ?? 0, high = lengthBound(spec, "MaxLength") ?? Int.max
        candidates += candidates.map { String($0.prefix(high)) + String(repeating: "0", count: max(0, low - $0.count)) }
        return candidates.first { fits($0, spec, pattern: pattern) }
    }

    static func numberValue(_ name: String, _ spec: JSONValue) -> String? {
        func bound(_ key: String) -> Double? { spec[key].flatMap { $0.doubleValue ?? $0.stringValue.flatMap(Double.init) } }
        let low = bound("MinValue"), high = bound("MaxValue")
        let wanted: Double = name.lowercased().contains("port") ? 8080 : 1
        var value = max(wanted, low ?? -.infinity)
        if let high, value > high { value = high }
        if let low, value < low { return nil }
        return HCLPrinter.number(value)
    }

    /// What the name asks for (an e-mail address, a CIDR block, a password), else a short lower-case name.
    static func byName(_ name: String) -> String {
        let lower = name.lowercased()
        let rules: [(String, String)] = [
            ("email", "lsqm@example.com"), ("cidr", "10.0.0.0/16"), ("sshlocation", "10.0.0.0/16"), ("username", "lsqmadmin"),
            ("password", "LsqmPassw0rd2024"),
            ("secret", "LsqmPassw0rd2024"), ("domain", "lsqm.example.com"), ("hostname", "lsqm.example.com"), ("fqdn", "lsqm.example.com"),
            ("url", "https://example.com"), ("endpoint", "https://example.com"), ("host", "lsqm.example.com"), ("ipaddress", "10.0.0.10"),
            ("dnsserver", "10.0.0.2"), ("phone", "+15555550100"),
            ("user", "lsqmadmin"), ("schedule", "rate(1 day)"), ("cron", "rate(1 day)"), ("version", "1"),
        ]
        if let (_, value) = rules.first(where: { lower.contains($0.0) }) { return value }
        let kebab = Naming.snake(name).replacingOccurrences(of: "_", with: "-").filter { $0.isLetter || $0.isNumber || $0 == "-" }
        return String(("lsqm-" + kebab).prefix(40))
    }

    static func lengthBound(_ spec: JSONValue, _ key: String) -> Int? {
        spec[key].flatMap { $0.doubleValue.map { Int($0) } ?? $0.stringValue.flatMap { Int($0) } }
    }

    static func fits(_ value: String, _ spec: JSONValue, pattern: String?) -> Bool {
        if let min = lengthBound(spec, "MinLength"), value.count < min { return false }
        if let max = lengthBound(spec, "MaxLength"), value.count > max { return false }
        guard let pattern else { return true }
        // CloudFormation matches the whole value against the pattern. ICU reads `--` in a class as set difference
        // (`[--]` does not compile), where CloudFormation's Java-style patterns mean two hyphens.
        guard
            let regex = [pattern, pattern.replacingOccurrences(of: "--", with: #"\-\-"#)].lazy
                .compactMap({ try? NSRegularExpression(pattern: "^(?:" + $0 + ")$") }).first
        else { return false }
        return regex.firstMatch(in: value, range: NSRange(value.startIndex..., in: value)) != nil
    }
}

/// Strings an AllowedPattern accepts, built from the pattern itself: literals, escapes (\d \w \s \. …),
/// classes with ranges, groups with alternatives (the first is taken) and quantifiers; each quantified
/// item repeated its minimum count, then a few more times, since MinLength may want more.
enum RegexSample {
    static func samples(_ pattern: String) -> [String] {
        [1, 3, 8, 16].compactMap { extra in
            var index = pattern.startIndex
            return sequence(pattern, &index, extra: extra)
        }
    }

    private static func sequence(_ p: String, _ i: inout String.Index, extra: Int) -> String? {
        var out = ""
        while i < p.endIndex {
            let c = p[i]
            if c == ")" { return out }
            if c == "|" {
                // Take the first alternative: skip the rest of this group.
                var depth = 0
                while i < p.endIndex {
                    if p[i] == "\\" {
                        i = p.index(after: i)
                    } else if p[i] == "(" {
                        depth += 1
                    } else if p[i] == ")" {
                        if depth == 0 { return out }
                        depth -= 1
                    }
                    if i < p.endIndex { i = p.index(after: i) }
                }
                return out
            }
            var atom: String
            switch c {
            case "^", "$": i = p.index(after: i); continue
            case "(":
                i = p.index(after: i)
                if p[i...].hasPrefix("?:") { i = p.index(i, offsetBy: 2) }
                guard let inner = sequence(p, &i, extra: extra), i < p.endIndex else { return nil }
                i = p.index(after: i)
                atom = inner
            case "[":
                guard let chosen = classMember(p, &i) else { return nil }
                atom = String(chosen)
            case "\\":
                i = p.index(after: i)
                guard i < p.endIndex else { return nil }
                atom = escape(p[i])
                i = p.index(after: i)
            case ".": atom = "a"; i = p.index(after: i)
            default: atom = String(c); i = p.index(after: i)
            }
            out += String(repeating: atom, count: quantifier(p, &i, extra: extra))
        }
        return out
    }

    private static func escape(_ c: Character) -> String {
        switch c {
        case "d": return "1"
        case "w": return "a"
        case "s": return " "
        case "S", "W": return "a"
        case "D": return "a"
        default: return String(c)
        }
    }

    /// A character a `[…]` class accepts, preferring lower-case letters and digits.
    private static func classMember(_ p: String, _ i: inout String.Index) -> Character? {
        i = p.index(after: i)
        var negated = false
        if i < p.endIndex, p[i] == "^" { negated = true; i = p.index(after: i) }
        var members: [ClosedRange<Character>] = []
        var first = true
        while i < p.endIndex, p[i] != "]" || first {
            first = false
            var c = p[i]
            if c == "\\" {
                i = p.index(after: i)
                guard i < p.endIndex else { return nil }
                c = Character(escape(p[i]))
                if p[i] == "w" { members += ["a"..."z", "0"..."9"] }
            }
            let next = p.index(after: i)
            if next < p.endIndex, p[next] == "-", p.index(after: next) < p.endIndex, p[p.index(after: next)] != "]" {
                let end = p[p.index(after: next)]
                if c <= end { members.append(c...end) }
                i = p.index(next, offsetBy: 2)
            } else {
                members.append(c...c)
                i = next
            }
        }
        guard i < p.endIndex else { return nil }
        i = p.index(after: i)
        let preferred: [Character] = Array("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-_.")
        return preferred.first { c in members.contains { $0.contains(c) } != negated }
    }

    private static func quantifier(_ p: String, _ i: inout String.Index, extra: Int) -> Int {
        guard i < p.endIndex else { return 1 }
        var count = 1
        switch p[i] {
        case "?": count = 1; i = p.index(after: i)
        case "*": count = extra; i = p.index(after: i)
        case "+": count = extra; i = p.index(after: i)
        case "{":
            guard let close = p[i...].firstIndex(of: "}") else { return 1 }
            let bounds = p[p.index(after: i)..<close].split(separator: ",", omittingEmptySubsequences: false).map {
                Int($0.trimmingCharacters(in: .whitespaces))
            }
            let low = bounds.first.flatMap { $0 } ?? 0
            let high = bounds.count > 1 ? bounds[1] : low
            count = Swift.max(low, Swift.min(high ?? Int.max, extra))
            i = p.index(after: close)
        default: return 1
        }
        if i < p.endIndex, p[i] == "?" || p[i] == "+" { i = p.index(after: i) }
        return count
    }
}
