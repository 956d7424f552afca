import Foundation
import LSQMBasics

/// Translates CloudFormation values (literals and intrinsic functions) into Terraform expressions.
extension TranslationContext {
    func value(_ v: JSONValue) -> TypedExpr {
        switch v {
        case .null: return .null
        case .bool(let b): return TypedExpr(.bool(b), .bool)
        case .number(let n): return TypedExpr(.number(n), .number)
        case .string(let s): return resolvingDynamicReferences(TypedExpr(.string(s), .string))
        case .array(let items):
            return TypedExpr(.list(items.filter { !$0.isNoValue }.map { value($0).expr }), .list)
        case .object(let object):
            if let (name, argument) = v.intrinsic { return intrinsic(name, argument) }
            let pairs = object.keys.sorted().compactMap { key -> (key: String, value: HCLExpr)? in
                guard let item = object[key], !item.isNoValue else { return nil }
                return (key, value(item).expr)
            }
            return TypedExpr(.object(pairs), .object)
        }
    }

    func intrinsic(_ name: String, _ arg: JSONValue) -> TypedExpr {
        switch name {
        case "Ref":
            guard let target = arg.stringValue else { return placeholder("Ref with a non-string argument") }
            return ref(target)
        case "Condition":
            guard let condition = arg.stringValue else { return placeholder("Condition with a non-string argument") }
            return conditionRef(condition)
        case "Fn::GetAtt":
            var parts: [String] = []
            if let s = arg.stringValue {
                parts = s.split(separator: ".", maxSplits: 1).map(String.init)
            } else if let list = arg.arrayValue {
                parts = list.compactMap(\.stringValue)
            }
            guard parts.count == 2 else { return placeholder("Fn::GetAtt with an argument that is not [resource, attribute]") }
            return getAtt(parts[0], parts[1])
        case "Fn::Sub": return sub(arg)
        case "Fn::Join":
            guard let list = arg.arrayValue, list.count == 2, let delimiter = list[0].stringValue else {
                return placeholder("Fn::Join with an argument that is not [delimiter, list]")
            }
            if let items = list[1].arrayValue {
                var parts: [HCLExpr.TemplatePart] = []
                for (i, item) in items.filter({ !$0.isNoValue }).enumerated() {
                    if i > 0 { parts.append(.literal(delimiter)) }
                    parts.append(contentsOf: templateParts(of: value(item)))
                }
                return resolvingDynamicReferences(TypedExpr(.template(parts), .string))
            }
            return TypedExpr(.call("join", [.string(delimiter), coerceToList(value(list[1]))]), .string)
        case "Fn::Select":
            guard let list = arg.arrayValue, list.count == 2 else { return placeholder("Fn::Select with an argument that is not [index, list]") }
            let index = value(list[0])
            if case .number(let n) = index.expr, let items = list[1].arrayValue, Int(n) >= 0, Int(n) < items.count {
                return value(items[Int(n)])
            }
            if case .string(let s) = index.expr, let n = Int(s), let items = list[1].arrayValue, n >= 0, n < items.count {
                return value(items[n])
            }
            let indexExpr: HCLExpr = {
                if case .string(let s) = index.expr, let n = Double(s) { return .number(n) }; return index.expr
            }()
            return TypedExpr(.call("element", [coerceToList(value(list[1])), indexExpr]), .any)
        case "Fn::Split":
            guard let list = arg.arrayValue, list.count == 2, let delimiter = list[0].stringValue else {
                return placeholder("Fn::Split with an argument that is not [delimiter, string]")
            }
            return TypedExpr(.call("split", [.string(delimiter), value(list[1]).expr]), .list)
        case "Fn::If":
            guard let list = arg.arrayValue, list.count == 3, let condition = list[0].stringValue else {
                return placeholder("Fn::If with an argument that is not [condition, then, else]")
            }
            let yes = list[1].isNoValue ? TypedExpr.null : value(list[1])
            let no = list[2].isNoValue ? TypedExpr.null : value(list[2])
            let type: ValueType = yes.type == .null ? no.type : (no.type == .null || no.type == yes.type ? yes.type : .any)
            return TypedExpr(.conditional(conditionRef(condition).expr, yes.expr, no.expr), type)
        case "Fn::Equals":
            guard let list = arg.arrayValue, list.count == 2 else { return placeholder("Fn::Equals with an argument that is not [a, b]") }
            return TypedExpr(.binary("==", comparable(value(list[0])), comparable(value(list[1]))), .bool)
        case "Fn::And", "Fn::Or":
            guard let list = arg.arrayValue, !list.isEmpty else { return placeholder("\(name) with no conditions") }
            let op = name == "Fn::And" ? "&&" : "||"
            let exprs = list.map { value($0).expr }
            return TypedExpr(exprs.dropFirst().reduce(exprs[0]) { .binary(op, $0, $1) }, .bool)
        case "Fn::Not":
            guard let list = arg.arrayValue, list.count == 1 else { return placeholder("Fn::Not with an argument that is not [condition]") }
            return TypedExpr(.not(value(list[0]).expr), .bool)
        case "Fn::FindInMap":
            guard let list = arg.arrayValue, list.count >= 3, let map = list[0].stringValue else {
                return placeholder("Fn::FindInMap with an argument that is not [map, key, key]")
            }
            guard mappings[map] != nil else { return placeholder("Fn::FindInMap names the mapping \(map), which the template does not define") }
            let first = value(list[1]).expr, second = value(list[2]).expr
            return TypedExpr(.index(.index(.ref("local.\(mappingLocal(map))"), first), second), .any)
        case "Fn::GetAZs":
            usedData.insert(.availabilityZones)
            return TypedExpr(.ref("data.aws_availability_zones.available.names"), .list)
        case "Fn::Base64":
            return TypedExpr(.call("base64encode", [value(arg).expr]), .string)
        case "Fn::Cidr":
            guard let list = arg.arrayValue, list.count == 3 else { return placeholder("Fn::Cidr with an argument that is not [block, count, bits]") }
            let block = HCLPrinter.expression(value(list[0]).expr, indent: 0)
            let count = HCLPrinter.expression(numeric(value(list[1])), indent: 0)
            let bits = HCLPrinter.expression(numeric(value(list[2])), indent: 0)
            // CloudFormation counts host bits; cidrsubnet wants the bits added to the block's prefix.
            return TypedExpr(.raw("[for i in range(\(count)) : cidrsubnet(\(block), 32 - \(bits) - tonumber(split(\"/\", \(block))[1]), i)]"), .list)
        case "Fn::ImportValue":
            return importValue(arg)
        case "Fn::Base64Decode":
            return TypedExpr(.call("base64decode", [value(arg).expr]), .string)
        case "Fn::ToJsonString":
            return TypedExpr(.call("jsonencode", [value(arg).expr]), .string)
        case "Fn::Length":
            return TypedExpr(.call("length", [coerceToList(value(arg))]), .number)
        case Self.authorInputFunction:
            let fields = arg.arrayValue?.compactMap(\.stringValue) ?? []
            return TypedExpr(prerequisites.authorInput(fields.first ?? "input", fields.dropFirst().first ?? "only the author can give it"), .string)
        case "Fn::Transform":
            // A macro: its author's Lambda rewrites the template at deploy time.
            let macro = arg["Name"]?.stringValue ?? "a macro"
            return TypedExpr(
                prerequisites.authorInput("Fn::Transform \(macro)", "the macro's Lambda, which rewrites the template at deploy time"), .string)
        default:
            return placeholder("\(name) is not supported")
        }
    }

    /// Equality in CloudFormation compares strings; compare as strings so `"true" == true` holds as it does there.
    private func comparable(_ v: TypedExpr) -> HCLExpr {
        switch v.expr {
        case .number(let n): return .string(HCLPrinter.number(n))
        case .bool(let b): return .string(b ? "true" : "false")
        default: return v.type == .string || v.type == .any ? v.expr : .call("tostring", [v.expr])
        }
    }

    private func numeric(_ v: TypedExpr) -> HCLExpr {
        if case .string(let s) = v.expr, let n = Double(s) { return .number(n) }
        return v.expr
    }

    func coerceToList(_ v: TypedExpr) -> HCLExpr {
        switch v.type {
        case .list, .any: return v.expr
        default: return .list([v.expr])
        }
    }

    func templateParts(of v: TypedExpr) -> [HCLExpr.TemplatePart] {
        switch v.expr {
        case .string(let s): return [.literal(s)]
        case .template(let parts): return parts
        case .number(let n): return [.literal(HCLPrinter.number(n))]
        case .bool(let b): return [.literal(b ? "true" : "false")]
        default:
            if v.type == .list || v.type == .object { return [.interpolation(.call("jsonencode", [v.expr]))] }
            return [.interpolation(v.expr)]
        }
    }

    /// `Fn::Sub`: `${Name}`, `${Resource.Attribute}`, `${!Literal}`, with an optional variable map.
    func sub(_ arg: JSONValue) -> TypedExpr {
        var text: String
        var variables: [String: JSONValue] = [:]
        if let s = arg.stringValue {
            text = s
        } else if let list = arg.arrayValue, list.count == 2, let s = list[0].stringValue {
            text = s
            variables = list[1].objectValue ?? [:]
        } else {
            return placeholder("Fn::Sub with an argument that is not a string or [string, variables]")
        }
        var parts: [HCLExpr.TemplatePart] = []
        var literal = ""
        while let start = text.range(of: "${") {
            literal += text[..<start.lowerBound]
            guard let end = text[start.upperBound...].firstIndex(of: "}") else { break }
            let name = String(text[start.upperBound..<end]).trimmingCharacters(in: .whitespaces)
            text = String(text[text.index(after: end)...])
            if name.hasPrefix("!") {
                literal += "${" + name.dropFirst() + "}"
                continue
            }
            parts.append(.literal(literal)); literal = ""
            if let replacement = variables[name] {
                parts.append(contentsOf: templateParts(of: value(replacement)))
            } else if name.contains("."), !name.hasPrefix("AWS::") {
                let pieces = name.split(separator: ".", maxSplits: 1).map(String.init)
                parts.append(contentsOf: templateParts(of: getAtt(pieces[0], pieces[1])))
            } else {
                parts.append(contentsOf: templateParts(of: ref(name)))
            }
        }
        literal += text
        parts.append(.literal(literal))
        return resolvingDynamicReferences(TypedExpr(.template(parts), .string))
    }

    func ref(_ target: String) -> TypedExpr {
        switch target {
        case "AWS::Region": usedData.insert(.region); return TypedExpr(.ref("data.aws_region.current.name"), .string)
        case "AWS::AccountId": usedData.insert(.callerIdentity); return TypedExpr(.ref("data.aws_caller_identity.current.account_id"), .string)
        case "AWS::Partition": usedData.insert(.partition); return TypedExpr(.ref("data.aws_partition.current.partition"), .string)
        case "AWS::URLSuffix": usedData.insert(.partition); return TypedExpr(.ref("data.aws_partition.current.dns_suffix"), .string)
        case "AWS::StackName": return TypedExpr(.ref("local.stack_name"), .string)
        case "AWS::StackId": return TypedExpr(.ref("local.stack_id"), .string)
        case "AWS::NotificationARNs": return TypedExpr(.list([]), .list)
        case "AWS::NoValue": return .null
        default: break
        }
        if let parameter = parameters[target] {
            return parameter.expression ?? TypedExpr(.ref("var.\(parameter.variable)"), parameter.valueType)
        }
        if let plan = plans[target] {
            guard let address = plan.address else { return unsupportedReference(target, plan.cfnType) }
            return TypedExpr(attributeRef(plan, address: address, attribute: plan.mapping?.ref ?? "id"), .string)
        }
        return TypedExpr(prerequisites.authorInput(target, "the template refers to \(target), which it does not define"), .string)
    }

    func getAtt(_ resource: String, _ attribute: String) -> TypedExpr {
        guard let plan = plans[resource] else {
            return TypedExpr(
                prerequisites.authorInput("\(resource).\(attribute)", "the template reads \(resource).\(attribute) of a resource it does not define"),
                .string)
        }
        guard let address = plan.address, let mapping = plan.mapping else {
            return unsupportedReference(resource, plan.cfnType)
        }
        if let mapped = mapping.getAtt[attribute] { return TypedExpr(attributeRef(plan, address: address, attribute: mapped), .string) }
        let schema = ProviderSchema.resource(mapping.tfType)
        let snake = Naming.snake(attribute.replacingOccurrences(of: ".", with: ""))
        for candidate in [snake, attribute == "Arn" || attribute.hasSuffix("Arn") ? "arn" : "", "id"] where !candidate.isEmpty {
            if schema?.attributes[candidate] != nil {
                if candidate != snake {
                    warn("Fn::GetAtt \(resource).\(attribute) has no Terraform equivalent on \(mapping.tfType): used \(candidate)")
                }
                return TypedExpr(attributeRef(plan, address: address, attribute: candidate), .string)
            }
        }
        return placeholder("Fn::GetAtt \(resource).\(attribute) has no Terraform equivalent")
    }

    /// `aws_x.name.attr`, or `one(aws_x.name[*].attr)` when the resource has a condition (and so a count).
    func attributeRef(_ plan: ResourcePlan, address: String, attribute: String) -> HCLExpr {
        plan.condition == nil ? .ref("\(address).\(attribute)") : .call("one", [.ref("\(address)[*].\(attribute)")])
    }

    func conditionRef(_ name: String) -> TypedExpr {
        if conditions[name] == nil { warn("condition \(name) is not defined: treated as false"); return TypedExpr(.bool(false), .bool) }
        return TypedExpr(.ref("local.\(conditionLocal(name))"), .bool)
    }

    /// A reference to a resource that was not translated: nothing may stand in for it.
    func unsupportedReference(_ target: String, _ type: String) -> TypedExpr {
        unresolvable("refers to \(target) (\(type.isEmpty ? "no type" : type)), which lsqm cannot translate")
    }

    func placeholder(_ reason: String) -> TypedExpr { unresolvable(reason) }

    func conditionLocal(_ name: String) -> String { "condition_" + Naming.identifier(name) }
    func mappingLocal(_ name: String) -> String { "mapping_" + Naming.identifier(name) }
}
