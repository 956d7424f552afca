import Foundation

extension TerraformCounts {
    /// An expression's structure, parsed from `HCLReader`'s tokens.
    indirect enum Node {
        case literal(Value)
        case template([TemplatePiece])
        case list([Node])
        case object([(key: Node, value: Node)])
        case variable(String)
        case local(String)
        /// Any other traversal (`aws_sqs_queue.q.arn`, `data.x.y`, `count.index`, `each.key`).
        case reference(String)
        case attribute(Node, String)
        case index(Node, Node)
        case unary(String, Node)
        case binary(String, Node, Node)
        case conditional(Node, Node, Node)
        case call(String, [Node])
        /// A form that is parsed but not evaluated (template directives), with what it is.
        case unsupported(String)
    }

    enum TemplatePiece {
        case text(String)
        case node(Node)
    }

    /// A precedence-climbing parser for the part of HCL's expression syntax `count` and `for_each` use.
    /// `for` expressions, splats and `...` expansion are not read: the whole expression becomes unknown.
    struct ExpressionParser {
        let tokens: [HCLToken]
        var index = 0

        init(tokens: [HCLToken]) {
            self.tokens = tokens.filter { $0.kind != .newline && $0.kind != .endOfFile }
        }

        mutating func parse() -> Node? {
            guard let node = conditional(), index == tokens.count else { return nil }
            return node
        }

        var current: HCLToken.Kind? { index < tokens.count ? tokens[index].kind : nil }

        func isSymbol(_ symbol: String) -> Bool { current == .symbol(symbol) }

        mutating func expect(_ symbol: String) -> Bool {
            guard isSymbol(symbol) else { return false }
            index += 1
            return true
        }

        mutating func conditional() -> Node? {
            guard let condition = binary(0) else { return nil }
            guard expect("?") else { return condition }
            guard let yes = conditional(), expect(":"), let no = conditional() else { return nil }
            return .conditional(condition, yes, no)
        }

        /// Operators from the loosest binding to the tightest, as in HCL's specification.
        static let levels: [Set<String>] = [["||"], ["&&"], ["==", "!="], ["<", ">", "<=", ">="], ["+", "-"], ["*", "/", "%"]]

        mutating func binary(_ level: Int) -> Node? {
            guard level < Self.levels.count else { return unary() }
            guard var left = binary(level + 1) else { return nil }
            while case .symbol(let op)? = current, Self.levels[level].contains(op) {
                index += 1
                guard let right = binary(level + 1) else { return nil }
                left = .binary(op, left, right)
            }
            return left
        }

        mutating func unary() -> Node? {
            if case .symbol(let op)? = current, op == "!" || op == "-" {
                index += 1
                return unary().map { .unary(op, $0) }
            }
            return postfix()
        }

        mutating func postfix() -> Node? {
            guard var node = primary() else { return nil }
            while true {
                if expect(".") {
                    switch current {
                    case .identifier(let name)?:
                        index += 1
                        if case .reference(let text) = node { node = .reference(text + "." + name) } else { node = .attribute(node, name) }
                    case .number(let text)?:
                        index += 1
                        node = .index(node, .literal(.number(Double(text) ?? 0)))
                    default:
                        return nil  // a splat `.*`
                    }
                } else if expect("[") {
                    guard !isSymbol("*"), let key = conditional(), expect("]") else { return nil }
                    node = .index(node, key)
                } else {
                    return node
                }
            }
        }

        mutating func primary() -> Node? {
            guard let kind = current else { return nil }
            index += 1
            switch kind {
            case .number(let text): return Double(text).map { .literal(.number($0)) }
            case .template(let template): return Self.template(template)
            case .identifier("true"): return .literal(.bool(true))
            case .identifier("false"): return .literal(.bool(false))
            case .identifier("null"): return .literal(.null)
            case .identifier(let word):
                if expect("(") { return call(word) }
                guard word == "var" || word == "local" else { return .reference(word) }
                guard expect("."), case .identifier(let name)? = current else { return nil }
                index += 1
                return word == "var" ? .variable(name) : .local(name)
            case .symbol("("):
                guard let inner = conditional(), expect(")") else { return nil }
                return inner
            case .symbol("["):
                guard current != .identifier("for") else { return nil }
                var items: [Node] = []
                while !expect("]") {
                    guard let item = conditional() else { return nil }
                    items.append(item)
                    _ = expect(",")
                }
                return .list(items)
            case .symbol("{"):
                guard current != .identifier("for") else { return nil }
                var pairs: [(key: Node, value: Node)] = []
                while !expect("}") {
                    let key: Node
                    if case .identifier(let name)? = current {
                        index += 1
                        key = .literal(.string(name))
                    } else {
                        guard let expression = conditional() else { return nil }
                        key = expression
                    }
                    guard expect("=") || expect(":"), let value = conditional() else { return nil }
                    pairs.append((key, value))
                    _ = expect(",")
                }
                return .object(pairs)
            default:
                return nil
            }
        }

        mutating func call(_ name: String) -> Node? {
            var arguments: [Node] = []
            while !expect(")") {
                guard let argument = conditional(), !isSymbol("...") else { return nil }
                arguments.append(argument)
                _ = expect(",")
            }
            return .call(name, arguments)
        }

        static func template(_ template: HCLTemplate) -> Node {
            var pieces: [TemplatePiece] = []
            for part in template.parts {
                switch part {
                case .literal(let text): pieces.append(.text(text))
                case .interpolation(let tokens):
                    var parser = ExpressionParser(tokens: tokens)
                    guard let node = parser.parse() else { return .unsupported("an interpolation this evaluator does not read") }
                    pieces.append(.node(node))
                case .directive:
                    return .unsupported("a template directive")
                }
            }
            return .template(pieces)
        }
    }

    /// The functions `count` and `for_each` commonly use; any other makes the value unknown.
    enum Functions {
        static func call(_ name: String, _ arguments: [Node], evaluate: (Node) -> Outcome) -> Outcome {
            switch name {
            case "try":
                for argument in arguments {
                    let outcome = evaluate(argument)
                    if case .failed = outcome { continue }
                    return outcome
                }
                return .failed("no argument of try() could be evaluated")
            case "can":
                guard arguments.count == 1 else { return .failed("can() takes one argument") }
                switch evaluate(arguments[0]) {
                case .known: return .known(.bool(true))
                case .failed: return .known(.bool(false))
                case .unknown(let reason): return .unknown(reason)
                }
            default:
                break
            }
            var values: [Value] = []
            for argument in arguments {
                let outcome = evaluate(argument)
                guard case .known(let value) = outcome else { return outcome }
                values.append(value)
            }
            if let value = apply(name, values) { return .known(value) }
            return known.contains(name) ? .failed("\(name)() cannot take these arguments") : .unknown("\(name)() is not evaluated before planning")
        }

        static let known: Set<String> = [
            "length", "toset", "distinct", "tolist", "tomap", "tonumber", "tostring", "tobool", "concat", "contains",
            "keys", "values", "merge", "compact", "lower", "upper", "coalesce", "lookup", "flatten", "min", "max",
        ]

        static func apply(_ name: String, _ values: [Value]) -> Value? {
            switch (name, values.first) {
            case ("length", .list(let items)?): return .number(Double(items.count))
            case ("length", .object(let pairs)?): return .number(Double(pairs.count))
            case ("length", .string(let text)?): return .number(Double(text.count))
            case ("toset", .list(let items)?), ("distinct", .list(let items)?):
                var seen: Set<Value> = []
                return .list(items.filter { seen.insert($0).inserted })
            case ("tolist", .list?), ("tomap", .object?): return values[0]
            case ("tonumber", let value?): return value.number.map(Value.number)
            case ("tostring", let value?): return value.text.map(Value.string)
            case ("tobool", let value?): return value.bool.map(Value.bool)
            case ("lower", .string(let text)?): return .string(text.lowercased())
            case ("upper", .string(let text)?): return .string(text.uppercased())
            case ("contains", .list(let items)?) where values.count == 2: return .bool(items.contains(values[1]))
            case ("keys", .object(let pairs)?): return .list(pairs.keys.sorted().map(Value.string))
            case ("values", .object(let pairs)?): return .list(pairs.keys.sorted().compactMap { pairs[$0] })
            case ("compact", .list(let items)?): return .list(items.filter { $0 != .null && $0 != .string("") })
            case ("lookup", .object(let pairs)?) where values.count >= 2:
                guard let key = values[1].text else { return nil }
                return pairs[key] ?? (values.count == 3 ? values[2] : nil)
            case ("concat", _):
                var all: [Value] = []
                for value in values { guard case .list(let items) = value else { return nil }; all += items }
                return .list(all)
            case ("merge", _):
                var merged: [String: Value] = [:]
                for value in values { guard case .object(let pairs) = value else { return nil }; merged.merge(pairs) { _, later in later } }
                return .object(merged)
            case ("flatten", .list(let items)?):
                return .list(
                    items.flatMap { item -> [Value] in
                        if case .list(let inner) = item { return inner }; return [item]
                    })
            case ("coalesce", _): return values.first { $0 != .null && $0 != .string("") }
            case ("min", _), ("max", _):
                let numbers = values.compactMap(\.number)
                guard numbers.count == values.count, let result = name == "min" ? numbers.min() : numbers.max() else { return nil }
                return .number(result)
            default:
                return nil
            }
        }
    }
}
