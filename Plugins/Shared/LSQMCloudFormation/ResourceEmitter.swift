import Foundation
import LSQMBasics

/// How one CloudFormation resource type becomes Terraform: the target type, what `Ref` and `Fn::GetAtt`
/// resolve to, property renames where the snake-cased name is not the provider's, and a custom step for the
/// properties that change shape (documents, separate resources, code packages).
struct TypeMapping: Sendable {
    let tfType: String
    var ref: String = "id"
    var getAtt: [String: String] = [:]
    /// CloudFormation property path ("Prop" or "Parent.Child") → Terraform name; "" drops it knowingly.
    var renames: [String: String] = [:]
    var custom: (@Sendable (ResourceEmitter) -> Void)? = nil
}

/// Builds the Terraform resource(s) for one CloudFormation resource. Custom steps `take` the properties
/// they handle; everything left goes through the schema-driven generic mapping, which writes only arguments
/// the provider schema has and fills the ones it requires.
final class ResourceEmitter {
    let context: TranslationContext
    let plan: ResourcePlan
    let mapping: TypeMapping
    let schema: SchemaBlock
    let name: String
    var properties: [String: JSONValue]
    var attributes: [String: HCLExpr] = [:]
    var blocks: [HCLBlock] = []
    /// Extra resources this one expands into (bucket versioning, event targets, …).
    var extraResources: [HCLBlock] = []
    /// When false the primary resource is not written (a custom step replaced it entirely).
    var emitPrimary = true
    /// Addresses the primary resource must wait for beyond its references (merged with the template's DependsOn).
    var dependsOn: [String] = []

    init(context: TranslationContext, plan: ResourcePlan, mapping: TypeMapping, schema: SchemaBlock, properties: [String: JSONValue]) {
        self.context = context; self.plan = plan; self.mapping = mapping; self.schema = schema
        self.name = Naming.identifier(plan.logicalID)
        self.properties = properties
    }

    /// Removes and returns a property (nil when absent or AWS::NoValue).
    func take(_ key: String) -> JSONValue? {
        guard let v = properties.removeValue(forKey: key), !v.isNoValue else { return nil }
        return v
    }

    func value(_ v: JSONValue) -> TypedExpr { context.value(v) }

    /// Sets a top-level attribute, coerced to the type the schema gives it.
    func set(_ attribute: String, _ v: TypedExpr) {
        guard let spec = schema.attributes[attribute] else { context.warn("internal: \(mapping.tfType) has no attribute \(attribute)"); return }
        attributes[attribute] = coerce(v, to: spec.type)
    }

    func set(_ attribute: String, json v: JSONValue) { set(attribute, value(v)) }

    /// An expression for an attribute of this resource, usable from its extra resources.
    func selfRef(_ attribute: String) -> HCLExpr {
        context.attributeRef(plan, address: "\(mapping.tfType).\(name)", attribute: attribute)
    }

    /// The address of the companion resource `addResource(type, suffix, …)` writes.
    func companionAddress(_ type: String, _ suffix: String) -> String { Self.companionAddress(type, owner: name, suffix) }

    static func companionAddress(_ type: String, owner: String, _ suffix: String) -> String { "\(type).\(companionName(owner: owner, suffix))" }

    static func companionName(owner: String, _ suffix: String) -> String { owner + "_" + Naming.identifier(suffix) }

    /// An attribute of a companion resource, indexed like `selfRef` when the resource has a condition.
    func companionRef(_ type: String, _ suffix: String, _ attribute: String) -> HCLExpr {
        context.attributeRef(plan, address: companionAddress(type, suffix), attribute: attribute)
    }

    /// Adds a companion resource; it shares this resource's condition.
    func addResource(
        _ type: String, _ suffix: String, _ properties: [String: JSONValue], preset: [String: HCLExpr] = [:],
        dependsOn: [String] = []
    ) {
        guard let schema = ProviderSchema.resource(type) else { context.warn("internal: no schema for \(type)"); return }
        let body = mapObject(properties, schema: schema, path: suffix, topLevel: true, preset: preset, tfType: type)
        var full = HCLBody()
        if let condition = plan.condition {
            full.set("count", .conditional(.ref("local.\(context.conditionLocal(condition))"), .number(1), .number(0)))
            full.items.append(.blankLine)
        }
        full.items += body.items
        if !dependsOn.isEmpty {
            full.items.append(.blankLine)
            full.set("depends_on", .list(dependsOn.sorted().map { .ref($0) }))
        }
        extraResources.append(HCLBlock("resource", [type, Self.companionName(owner: name, suffix)], body: full))
    }

    /// The body of the primary resource: custom attributes, then the generic mapping of what is left.
    func primaryBody() -> HCLBody {
        mapObject(properties, schema: schema, path: "", topLevel: true, preset: attributes, extraBlocks: blocks, tfType: mapping.tfType)
    }

    // MARK: generic mapping

    func mapObject(
        _ object: [String: JSONValue], schema: SchemaBlock, path: String, topLevel: Bool,
        preset: [String: HCLExpr] = [:], extraBlocks: [HCLBlock] = [], tfType: String
    ) -> HCLBody {
        var attrs = preset
        var nested: [HCLBlock] = extraBlocks
        for key in object.keys.sorted() {
            guard let v = object[key], !v.isNoValue else { continue }
            let full = path.isEmpty || topLevel && path == "" ? key : path + "." + key
            let renameKey = topLevel ? key : full
            let target: String
            if let renamed = mapping.renames[renameKey] {
                if renamed.isEmpty { continue }
                target = renamed
            } else if let matched = Self.match(key, in: schema, topLevel: topLevel) {
                target = matched
            } else {
                context.warn("property \(full) has no equivalent in \(tfType): dropped")
                continue
            }
            if attrs[target] != nil || nested.contains(where: { $0.type == target }) { continue }
            if let spec = schema.attributes[target], spec.settable {
                let coerced = coerce(value(v), to: spec.type)
                guard Self.fits(coerced, spec.type) else {
                    context.warn(
                        "property \(full) is \(HCLPrinter.expression(coerced, indent: 0).prefix(60)), which \(tfType).\(target) cannot take: dropped")
                    continue
                }
                attrs[target] = coerced
            } else if let block = schema.blocks[target] {
                nested += makeBlocks(target, v, block, path: renameKey, tfType: tfType)
            } else {
                context.warn("property \(full) maps to \(target), which \(tfType) does not accept: dropped")
            }
        }
        fillRequired(schema, &attrs, &nested, tfType: tfType)
        leaveOutUnresolvable(schema, &attrs, &nested, path: path, topLevel: topLevel, tfType: tfType)
        var body = HCLBody()
        for key in attrs.keys.sorted() { body.set(key, attrs[key] ?? .null) }
        for block in nested.sorted(by: { $0.type < $1.type }) { body.add(block.withSortedAttributes()) }
        return body
    }

    private func makeBlocks(_ name: String, _ v: JSONValue, _ spec: SchemaBlock.NestedBlock, path: String, tfType: String) -> [HCLBlock] {
        var items: [JSONValue]
        switch v {
        case .array(let list): items = list.filter { !$0.isNoValue }
        case .object where v.intrinsic == nil: items = [v]
        default:
            // A block cannot come from an expression; take the branch of an Fn::If that is a literal object.
            if let (fn, arg) = v.intrinsic, fn == "Fn::If", let branches = arg.arrayValue, branches.count == 3,
                let chosen = branches[1...].first(where: { $0.objectValue != nil && $0.intrinsic == nil })
            {
                context.warn("property \(path) is conditional (Fn::If); Terraform gets one branch of it")
                items = [chosen]
            } else {
                context.warn("property \(path) is computed by an intrinsic function but Terraform needs a literal \(name) block: dropped")
                return []
            }
        }
        if spec.mode == "m" { context.warn("property \(path) maps to a map block: dropped"); return [] }
        if spec.maxItems > 0, items.count > spec.maxItems {
            context.warn("property \(path) has \(items.count) items; \(tfType).\(name) takes \(spec.maxItems): kept the first")
            items = Array(items.prefix(spec.maxItems))
        }
        return items.compactMap { item in
            guard let object = item.objectValue, item.intrinsic == nil else {
                context.warn("an item of \(path) is not an object: dropped")
                return nil
            }
            return HCLBlock(name, body: mapObject(object, schema: spec.block, path: path, topLevel: false, tfType: tfType))
        }
    }

    /// Whether a literal can stand where the schema wants `type` (expressions are left to Terraform).
    static func fits(_ expr: HCLExpr, _ type: String) -> Bool {
        switch (type.first, expr) {
        case ("m", .string), ("m", .number), ("m", .bool), ("m", .list), ("o", .string), ("o", .number), ("o", .bool): return false
        case ("l", .object), ("S", .object), ("n", .object), ("n", .list), ("b", .object), ("b", .list): return false
        case ("n", .string(let s)): return Double(s) != nil
        case ("b", .string(let s)): return ["true", "false"].contains(s.lowercased())
        default: return true
        }
    }

    /// The resource this emitter builds cannot be translated: it is dropped, and the translation runs again
    /// without it (see `TranslationContext.droppedAtEmission`).
    private(set) var dropReason: String?

    /// Leaves out optional arguments and blocks holding a value that cannot be translated. A required one
    /// stays in a nested block, so that the enclosing block is left out in turn when it is optional; at the top
    /// it drops the resource.
    private func leaveOutUnresolvable(
        _ schema: SchemaBlock, _ attrs: inout [String: HCLExpr], _ nested: inout [HCLBlock], path: String,
        topLevel: Bool, tfType: String
    ) {
        func required(_ name: String, _ reason: String) {
            if topLevel { dropReason = dropReason ?? "\(tfType).\(name): \(reason)" }
        }
        // Arguments of which the provider wants one: leaving out the only one given would leave none.
        for group in Self.oneRequired[tfType] ?? []
        where topLevel && group.allSatisfy({ attrs[$0] == nil || attrs[$0].flatMap(context.unresolvableReason) != nil }) {
            let given = attrs
            if let reason = group.compactMap({ key in given[key].flatMap(context.unresolvableReason) }).first {
                dropReason = dropReason ?? "\(tfType) needs one of \(group.joined(separator: ", ")): \(reason)"
            }
        }
        for key in attrs.keys.sorted() {
            guard let value = attrs[key], let reason = context.unresolvableReason(value) else { continue }
            let name = path.isEmpty ? key : "\(path).\(key)"
            if schema.attributes[key]?.required == true {
                required(name, reason)
            } else {
                attrs[key] = nil
                context.warn("\(tfType).\(name) left out: \(reason)")
            }
        }
        nested = nested.filter { block in
            guard let reason = context.unresolvableReason(HCLPrinter.block(block, indent: 0)) else { return true }
            let name = path.isEmpty ? block.type : "\(path).\(block.type)"
            if (schema.blocks[block.type]?.minItems ?? 0) > 0 {
                required(name, reason)
                return true
            }
            context.warn("\(tfType).\(name) left out: \(reason)")
            return false
        }
    }

    private func fillRequired(_ schema: SchemaBlock, _ attrs: inout [String: HCLExpr], _ nested: inout [HCLBlock], tfType: String) {
        for (attribute, spec) in schema.attributes.sorted(by: { $0.key < $1.key })
        where spec.required && (attrs[attribute] == nil || attrs[attribute] == .null) {
            if attribute.hasSuffix("name") || attribute == "family" {
                attrs[attribute] = .string(String(plan.logicalID.prefix(60)))
                continue
            }
            // CloudFormation's own defaults where the provider requires a value; anything else would be invented.
            attrs[attribute] =
                Self.requiredDefaults[attribute] ?? context.unresolvable("\(attribute) is required, and the template does not give it").expr
        }
        for (blockName, spec) in schema.blocks.sorted(by: { $0.key < $1.key })
        where spec.minItems > 0 && !nested.contains(where: { $0.type == blockName }) {
            var inner: [String: HCLExpr] = [:]
            var innerBlocks: [HCLBlock] = []
            fillRequired(spec.block, &inner, &innerBlocks, tfType: tfType)
            var body = HCLBody()
            for key in inner.keys.sorted() { body.set(key, inner[key] ?? .null) }
            for block in innerBlocks { body.add(block) }
            nested.append(HCLBlock(blockName, body: body))
        }
    }

    /// Optional arguments of which the provider requires exactly one (its schema does not say so).
    static let oneRequired: [String: [[String]]] = [
        "aws_lambda_event_source_mapping": [["event_source_arn", "self_managed_event_source"]],
        "aws_cloudwatch_event_rule": [["event_pattern", "schedule_expression"]],
    ]

    /// Values for required settings the template leaves out, where the provider accepts only certain values.
    static let requiredDefaults: [String: HCLExpr] = [
        "protocol_type": .string("HTTP"), "attribute_data_type": .string("String"), "forward": .string("none"),
        "restriction_type": .string("none"), "viewer_protocol_policy": .string("allow-all"), "log_format": .string("Text"),
        "evaluate_target_health": .bool(false), "authorization": .string("NONE"), "http_method": .string("ANY"),
        "integration_type": .string("AWS_PROXY"), "comparison_operator": .string("GreaterThanOrEqualToThreshold"),
        "statistic": .string("Average"), "period": .number(300), "evaluation_periods": .number(1), "threshold": .number(1),
        "document_type": .string("Command"), "origin_ssl_protocols": .list([.string("TLSv1"), .string("SSLv3")]),
        "cached_methods": .list([.string("GET"), .string("HEAD")]), "security_policy": .string("TLS_1_2"),
    ]

    static let unmatchable: Set<String> = ["id", "tags_all"]

    /// The schema name a CloudFormation property most likely means: its snake case, singular or plural.
    static func match(_ key: String, in schema: SchemaBlock, topLevel: Bool) -> String? {
        let snake = Naming.snake(key)
        var candidates = [snake]
        if snake.hasSuffix("ies") { candidates.append(String(snake.dropLast(3)) + "y") }
        if snake.hasSuffix("s") { candidates.append(String(snake.dropLast())) }
        candidates.append(snake + "s")
        for suffix in ["_configuration", "_config", "_specification"] where snake.hasSuffix(suffix) {
            candidates.append(String(snake.dropLast(suffix.count)))
        }
        candidates.append(snake + "_configuration")
        // A resource's own `id` is Terraform's, never a CloudFormation property; nested `id`s are real settings.
        for candidate in candidates where !(topLevel && unmatchable.contains(candidate)) {
            if let attribute = schema.attributes[candidate], attribute.settable { return candidate }
            if schema.blocks[candidate] != nil { return candidate }
        }
        return nil
    }

    // MARK: coercion

    /// Converts a value to the schema type, the way CloudFormation would have accepted it.
    func coerce(_ v: TypedExpr, to type: String) -> HCLExpr {
        guard let kind = type.first else { return v.expr }
        // Fn::If: each branch takes the schema type on its own.
        if case .conditional(let condition, let yes, let no) = v.expr {
            return .conditional(condition, coerce(TypedExpr(yes, Self.typeOf(yes)), to: type), coerce(TypedExpr(no, Self.typeOf(no)), to: type))
        }
        switch kind {
        case "s":
            switch v.type {
            case .object: return .call("jsonencode", [v.expr])
            case .list:
                if case .list(let items) = v.expr, items.count == 1 { return items[0] }
                return .call("join", [.string(","), v.expr])
            case .number: if case .number(let n) = v.expr { return .string(HCLPrinter.number(n)) }; return v.expr
            case .bool: if case .bool(let b) = v.expr { return .string(b ? "true" : "false") }; return v.expr
            default: return v.expr
            }
        case "n":
            if case .string(let s) = v.expr, let n = Double(s.trimmingCharacters(in: .whitespaces)) { return .number(n) }
            return v.expr
        case "b":
            if case .string(let s) = v.expr {
                if s.lowercased() == "true" { return .bool(true) }
                if s.lowercased() == "false" { return .bool(false) }
            }
            return v.expr
        case "l", "S":
            let inner = String(type.dropFirst())
            switch v.type {
            case .list:
                if case .list(let items) = v.expr {
                    return .list(items.map { coerce(TypedExpr($0, Self.typeOf($0)), to: inner) })
                }
                return v.expr
            case .any, .null: return v.expr
            default: return .list([coerce(v, to: inner)])
            }
        case "m":
            let inner = String(type.dropFirst())
            if case .list(let items) = v.expr { return Self.keyValueMap(items, coerce: { self.coerce(TypedExpr($0, Self.typeOf($0)), to: inner) }) }
            if case .object(let pairs) = v.expr {
                return .object(pairs.map { ($0.key, coerce(TypedExpr($0.value, Self.typeOf($0.value)), to: inner)) })
            }
            return v.expr
        default:
            return v.expr
        }
    }

    /// CloudFormation's `[{Key: k, Value: v}]` (tags, dimensions) → `{k = v}`.
    static func keyValueMap(_ items: [HCLExpr], coerce: (HCLExpr) -> HCLExpr) -> HCLExpr {
        var pairs: [(key: String, value: HCLExpr)] = []
        for item in items {
            guard case .object(let fields) = item else { continue }
            let key = fields.first { $0.key == "Key" || $0.key == "Name" }?.value
            let value = fields.first { $0.key == "Value" }?.value ?? .string("")
            if case .string(let k)? = key { pairs.append((k, coerce(value))) }
        }
        return .object(pairs.sorted { $0.key < $1.key })
    }

    static func typeOf(_ expr: HCLExpr) -> ValueType {
        switch expr {
        case .string, .template: return .string
        case .number: return .number
        case .bool: return .bool
        case .null: return .null
        case .list: return .list
        case .object: return .object
        default: return .any
        }
    }
}
