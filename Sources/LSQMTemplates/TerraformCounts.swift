import Foundation
import LSQMBasics

/// How many instances of each resource block Terraform will create, as far as that is known before planning:
/// `count` and `for_each` evaluated from literals, variable defaults (overridden by `terraform.tfvars` and
/// `*.auto.tfvars`, which terraform loads by itself), locals, module arguments and a few functions. A
/// resource in a local module multiplies by its module calls; one in a folder no module call reaches is not
/// deployed at all. Anything that depends on another resource, a data source or a function this does not
/// know stays unknown, with the reason.
public enum TerraformCounts {
    public struct Instances: Sendable, Equatable {
        /// `aws_s3_bucket.b` in the root module; `folder/aws_s3_bucket.b` in a module's folder.
        public var address: String
        public var type: String
        public var total: Total

        public init(address: String, type: String, total: Total) { self.address = address; self.type = type; self.total = total }

        /// Nil when it cannot be known before planning.
        public var count: Int? { if case .known(let count) = total { return count }; return nil }
        public var unknownReason: String? { if case .unknown(let reason) = total { return reason }; return nil }
    }

    /// The key `evaluate` uses for a resource block of a file at `path`.
    public static func address(type: String, name: String, path: String) -> String {
        let folder = (path as NSString).deletingLastPathComponent
        return folder.isEmpty ? "\(type).\(name)" : "\(folder)/\(type).\(name)"
    }

    /// Evaluates every resource of `*.tf` files (and root `terraform.tfvars`/`*.auto.tfvars`) given as (relative
    /// path, text). Files that do not parse are skipped; their resources are not listed.
    public static func evaluate(files: [(path: String, text: String)]) -> [Instances] {
        var parsed: [(path: String, body: HCLBody)] = []
        for file in files where file.path.hasSuffix(".tf") || isAutoLoadedVariables(file.path) {
            if let body = try? HCLReader.parse(file.text) { parsed.append((file.path, body)) }
        }
        return evaluate(parsed: parsed)
    }

    /// Variable files terraform loads without `-var-file`.
    public static func isAutoLoadedVariables(_ path: String) -> Bool {
        path == "terraform.tfvars" || (!path.contains("/") && path.hasSuffix(".auto.tfvars"))
    }

    /// The same, over files already parsed with `HCLReader`.
    public static func evaluate(parsed: [(path: String, body: HCLBody)]) -> [Instances] {
        var modules: [String: ModuleFiles] = [:]
        for (path, body) in parsed.sorted(by: { $0.path < $1.path }) {
            if isAutoLoadedVariables(path) {
                for attribute in body.attributes { modules["", default: ModuleFiles()].tfvars[attribute.name] = attribute.expression }
                continue
            }
            let folder = (path as NSString).deletingLastPathComponent
            modules[folder, default: ModuleFiles()].add(body, path: path)
        }
        var totals: [String: Total] = [:]
        var order: [(address: String, type: String)] = []
        for module in modules.values {
            for resource in module.resources where totals[resource.address] == nil {
                totals[resource.address] = .known(0)
                order.append((resource.address, resource.type))
            }
        }
        var walker = Walker(modules: modules)
        walker.visit(folder: "", scope: Scope(folder: "", arguments: nil, multiplier: .known(1)), into: &totals, depth: 0)
        return order.sorted { $0.address < $1.address }.map { Instances(address: $0.address, type: $0.type, total: totals[$0.address] ?? .known(0)) }
    }

    // MARK: Modules

    struct ModuleFiles {
        var variables: [String: [HCLToken]?] = [:]
        var tfvars: [String: [HCLToken]] = [:]
        var locals: [String: [HCLToken]] = [:]
        var resources: [(address: String, type: String, body: HCLBody)] = []
        var calls: [(name: String, source: String, body: HCLBody)] = []

        mutating func add(_ body: HCLBody, path: String) {
            for block in body.blocks {
                switch (block.type, block.labels.count) {
                case ("resource", 2):
                    resources.append((TerraformCounts.address(type: block.labels[0], name: block.labels[1], path: path), block.labels[0], block.body))
                case ("variable", 1):
                    variables[block.labels[0]] = .some(block.body.attribute("default")?.expression)
                case ("locals", 0):
                    for attribute in block.body.attributes { locals[attribute.name] = attribute.expression }
                case ("module", 1):
                    if let source = block.body.attribute("source")?.stringValue { calls.append((block.labels[0], source, block.body)) }
                default:
                    continue
                }
            }
        }
    }

    /// How many instances: a number, or unknown before planning with the reason.
    public enum Total: Sendable, Equatable {
        case known(Int)
        case unknown(String)

        static func + (a: Total, b: Total) -> Total {
            switch (a, b) {
            case (.known(let x), .known(let y)): return .known(x + y)
            case (.unknown(let reason), _), (_, .unknown(let reason)): return .unknown(reason)
            }
        }

        static func * (a: Total, b: Total) -> Total {
            switch (a, b) {
            case (.known(0), _), (_, .known(0)): return .known(0)
            case (.known(let x), .known(let y)): return .known(x * y)
            case (.unknown(let reason), _), (_, .unknown(let reason)): return .unknown(reason)
            }
        }
    }

    /// One module instance being evaluated: its folder, the arguments its caller passed (evaluated in the
    /// caller's scope; nil for the root, whose variables take their defaults and tfvars), and how many
    /// instances of it there are.
    struct Scope {
        var folder: String
        var arguments: [String: Outcome]?
        var multiplier: Total
    }

    struct Walker {
        let modules: [String: ModuleFiles]

        mutating func visit(folder: String, scope: Scope, into totals: inout [String: Total], depth: Int) {
            guard let module = modules[folder] else { return }
            let evaluator = Evaluator(module: module, arguments: scope.arguments)
            for resource in module.resources {
                let count = Self.instances(resource.body, evaluator)
                totals[resource.address] = (totals[resource.address] ?? .known(0)) + scope.multiplier * count
            }
            // Local modules only: a registry module's resources are not in the architecture's files.
            guard depth < 16 else { return }
            for call in module.calls where call.source.hasPrefix("./") || call.source.hasPrefix("../") {
                guard let child = ArchitectureInspector.resolve(call.source, from: folder), child != folder else { continue }
                var arguments: [String: Outcome] = [:]
                for attribute in call.body.attributes
                where !["source", "version", "count", "for_each", "providers", "depends_on"].contains(attribute.name) {
                    arguments[attribute.name] = evaluator.evaluate(attribute.expression)
                }
                let multiplier = scope.multiplier * Self.instances(call.body, evaluator)
                visit(folder: child, scope: Scope(folder: child, arguments: arguments, multiplier: multiplier), into: &totals, depth: depth + 1)
            }
        }

        /// `count` or `for_each` of a resource or module block: how many instances it makes.
        static func instances(_ body: HCLBody, _ evaluator: Evaluator) -> Total {
            if let count = body.attribute("count") {
                switch evaluator.evaluate(count.expression) {
                case .known(let value):
                    guard let number = value.number, number >= 0, number == number.rounded() else { return .unknown("count is not a whole number") }
                    return .known(Int(number))
                case .unknown(let reason), .failed(let reason): return .unknown("count: \(reason)")
                }
            }
            if let forEach = body.attribute("for_each") {
                switch evaluator.evaluate(forEach.expression) {
                case .known(.list(let items)): return .known(Set(items).count)
                case .known(.object(let pairs)): return .known(pairs.count)
                case .known: return .unknown("for_each is neither a map nor a set")
                case .unknown(let reason), .failed(let reason): return .unknown("for_each: \(reason)")
                }
            }
            return .known(1)
        }
    }

    // MARK: Values

    /// A Terraform value as far as this evaluator models it (sets are lists; tuples are lists).
    indirect enum Value: Hashable {
        case string(String), number(Double), bool(Bool), null
        case list([Value])
        case object([String: Value])

        var number: Double? {
            switch self {
            case .number(let n): return n
            case .string(let s): return Double(s)
            default: return nil
            }
        }

        var bool: Bool? {
            switch self {
            case .bool(let b): return b
            case .string("true"): return true
            case .string("false"): return false
            default: return nil
            }
        }

        /// Terraform's automatic conversion to string (numbers and bools).
        var text: String? {
            switch self {
            case .string(let s): return s
            case .number(let n): return n == n.rounded() && abs(n) < 1e15 ? String(Int64(n)) : String(n)
            case .bool(let b): return b ? "true" : "false"
            default: return nil
            }
        }
    }

    /// An evaluation's result: a value, unknown until apply (with why), or an error terraform would report
    /// (which `try` and `can` catch).
    enum Outcome {
        case known(Value)
        case unknown(String)
        case failed(String)
    }

    // MARK: Evaluation

    struct Evaluator {
        let module: ModuleFiles
        let arguments: [String: Outcome]?

        func evaluate(_ tokens: [HCLToken]) -> Outcome {
            var visiting: Set<String> = []
            return evaluate(tokens, visiting: &visiting)
        }

        func evaluate(_ tokens: [HCLToken], visiting: inout Set<String>) -> Outcome {
            var parser = ExpressionParser(tokens: tokens)
            guard let node = parser.parse() else { return .unknown("an expression this evaluator does not read") }
            return evaluate(node, visiting: &visiting)
        }

        func evaluate(_ node: Node, visiting: inout Set<String>) -> Outcome {
            switch node {
            case .literal(let value): return .known(value)
            case .unsupported(let what): return .unknown(what)
            case .template(let parts):
                var text = ""
                for part in parts {
                    switch part {
                    case .text(let literal): text += literal
                    case .node(let inner):
                        let outcome = evaluate(inner, visiting: &visiting)
                        guard case .known(let value) = outcome else { return outcome }
                        guard let piece = value.text else { return .failed("a template interpolates a value that is not a string") }
                        text += piece
                    }
                }
                return .known(.string(text))
            case .list(let items):
                var values: [Value] = []
                for item in items {
                    let outcome = evaluate(item, visiting: &visiting)
                    guard case .known(let value) = outcome else { return outcome }
                    values.append(value)
                }
                return .known(.list(values))
            case .object(let pairs):
                var object: [String: Value] = [:]
                for (keyNode, valueNode) in pairs {
                    let key = evaluate(keyNode, visiting: &visiting)
                    guard case .known(let keyValue) = key else { return key }
                    guard let name = keyValue.text else { return .failed("an object key is not a string") }
                    let value = evaluate(valueNode, visiting: &visiting)
                    guard case .known(let known) = value else { return value }
                    object[name] = known
                }
                return .known(.object(object))
            case .variable(let name): return variable(name, visiting: &visiting)
            case .local(let name):
                guard let expression = module.locals[name] else { return .failed("local.\(name) is not defined") }
                guard visiting.insert("local.\(name)").inserted else { return .failed("local.\(name) refers to itself") }
                defer { visiting.remove("local.\(name)") }
                return evaluate(expression, visiting: &visiting)
            case .reference("terraform.workspace"): return .known(.string("default"))
            case .reference(let text): return .unknown("\(text) is known only when planning")
            case .attribute(let base, let name):
                let outcome = evaluate(base, visiting: &visiting)
                guard case .known(let value) = outcome else { return outcome }
                guard case .object(let object) = value else { return .failed("cannot read .\(name) of a value that is not an object") }
                guard let member = object[name] else { return .failed("the object has no attribute \(name)") }
                return .known(member)
            case .index(let base, let key):
                let outcome = evaluate(base, visiting: &visiting)
                guard case .known(let value) = outcome else { return outcome }
                let keyOutcome = evaluate(key, visiting: &visiting)
                guard case .known(let keyValue) = keyOutcome else { return keyOutcome }
                switch value {
                case .list(let items):
                    guard let n = keyValue.number, n >= 0, Int(n) < items.count else { return .failed("index out of range") }
                    return .known(items[Int(n)])
                case .object(let object):
                    guard let name = keyValue.text, let member = object[name] else { return .failed("the map has no such key") }
                    return .known(member)
                default:
                    return .failed("cannot index this value")
                }
            case .unary(let op, let operand):
                let outcome = evaluate(operand, visiting: &visiting)
                guard case .known(let value) = outcome else { return outcome }
                if op == "!", let b = value.bool { return .known(.bool(!b)) }
                if op == "-", let n = value.number { return .known(.number(-n)) }
                return .failed("\(op) of an unsuitable value")
            case .binary(let op, let left, let right):
                return binary(op, left, right, visiting: &visiting)
            case .conditional(let condition, let yes, let no):
                let outcome = evaluate(condition, visiting: &visiting)
                guard case .known(let value) = outcome else { return outcome }
                guard let chosen = value.bool else { return .failed("a condition is not a bool") }
                return evaluate(chosen ? yes : no, visiting: &visiting)
            case .call(let name, let arguments):
                return Functions.call(name, arguments, evaluate: { evaluate($0, visiting: &visiting) })
            }
        }

        /// A module argument (from the caller), else the root's tfvars, else the default.
        func variable(_ name: String, visiting: inout Set<String>) -> Outcome {
            if let arguments {
                if let given = arguments[name] { return given }
            } else if let given = module.tfvars[name] {
                return evaluate(given, visiting: &visiting)
            }
            guard let declared = module.variables[name] else { return .failed("var.\(name) is not declared") }
            guard let expression = declared else { return .unknown("var.\(name) has no default") }
            return evaluate(expression, visiting: &visiting)
        }

        func binary(_ op: String, _ left: Node, _ right: Node, visiting: inout Set<String>) -> Outcome {
            let a = evaluate(left, visiting: &visiting)
            // `&&` and `||` decide on a known side even when the other is unknown.
            if op == "&&" || op == "||" {
                let b = evaluate(right, visiting: &visiting)
                let decisive = op == "||"
                for side in [a, b] { if case .known(let v) = side, v.bool == decisive { return .known(.bool(decisive)) } }
                guard case .known(let x) = a, let p = x.bool else { return a.isKnown ? .failed("\(op) of a value that is not a bool") : a }
                guard case .known(let y) = b, let q = y.bool else { return b.isKnown ? .failed("\(op) of a value that is not a bool") : b }
                return .known(.bool(op == "&&" ? p && q : p || q))
            }
            guard case .known(let x) = a else { return a }
            let b = evaluate(right, visiting: &visiting)
            guard case .known(let y) = b else { return b }
            switch op {
            // Terraform compares type and value: "1" == 1 is false.
            case "==": return .known(.bool(x == y))
            case "!=": return .known(.bool(x != y))
            default: break
            }
            guard let p = x.number, let q = y.number else { return .failed("\(op) of values that are not numbers") }
            switch op {
            case "+": return .known(.number(p + q))
            case "-": return .known(.number(p - q))
            case "*": return .known(.number(p * q))
            case "/": return q == 0 ? .failed("division by zero") : .known(.number(p / q))
            case "%": return q == 0 ? .failed("division by zero") : .known(.number(p.truncatingRemainder(dividingBy: q)))
            case ">": return .known(.bool(p > q))
            case ">=": return .known(.bool(p >= q))
            case "<": return .known(.bool(p < q))
            case "<=": return .known(.bool(p <= q))
            default: return .unknown("operator \(op)")
            }
        }
    }
}

extension TerraformCounts.Outcome {
    var isKnown: Bool { if case .known = self { return true }; return false }
}
