import Foundation

/// A Terraform expression, kept as a tree until it is printed so that printing alone decides the layout
/// `terraform fmt` wants (indentation, `=` alignment, escaping).
public indirect enum HCLExpr: Sendable, Equatable {
    case string(String)
    /// A template string: literal parts and interpolated expressions.
    case template([TemplatePart])
    case number(Double)
    case bool(Bool)
    case null
    /// A traversal (`var.x`, `aws_s3_bucket.b.arn`, `local.m["k"]`): printed as is.
    case ref(String)
    case list([HCLExpr])
    /// Keys in the order given; callers sort them for determinism.
    case object([(key: String, value: HCLExpr)])
    case call(String, [HCLExpr])
    case conditional(HCLExpr, HCLExpr, HCLExpr)
    case binary(String, HCLExpr, HCLExpr)
    case not(HCLExpr)
    case index(HCLExpr, HCLExpr)
    /// An expression printed verbatim (single line), for the rare forms the tree does not model (`for`).
    case raw(String)

    public enum TemplatePart: Sendable, Equatable {
        case literal(String)
        case interpolation(HCLExpr)
    }

    public static func == (lhs: HCLExpr, rhs: HCLExpr) -> Bool {
        HCLPrinter.expression(lhs, indent: 0) == HCLPrinter.expression(rhs, indent: 0)
    }
}

/// A block body: attributes and nested blocks.
public struct HCLBody: Sendable {
    public enum Item: Sendable {
        case attribute(String, HCLExpr)
        case block(HCLBlock)
        /// A blank line, to separate meta-arguments from the rest as `terraform fmt` users expect.
        case blankLine
    }
    public var items: [Item] = []
    public init(items: [Item] = []) { self.items = items }

    public mutating func set(_ name: String, _ value: HCLExpr) { items.append(.attribute(name, value)) }
    public mutating func add(_ block: HCLBlock) { items.append(.block(block)) }
    public func has(_ name: String) -> Bool {
        items.contains {
            if case .attribute(let n, _) = $0 { return n == name }; if case .block(let b) = $0 { return b.type == name }; return false
        }
    }
}

public struct HCLBlock: Sendable {
    /// The same block with its attributes in name order, ahead of its nested blocks (what the generic
    /// mapping produces; custom steps build blocks in any order).
    func withSortedAttributes() -> HCLBlock {
        var attributes: [(String, HCLExpr)] = []
        var others: [HCLBody.Item] = []
        for item in body.items {
            if case .attribute(let name, let value) = item { attributes.append((name, value)) } else { others.append(item) }
        }
        let sorted = attributes.sorted { $0.0 < $1.0 }.map { HCLBody.Item.attribute($0.0, $0.1) }
        return HCLBlock(type, labels, body: HCLBody(items: sorted + others))
    }

    public var type: String
    public var labels: [String]
    public var body: HCLBody
    public init(_ type: String, _ labels: [String] = [], body: HCLBody = HCLBody()) {
        self.type = type; self.labels = labels; self.body = body
    }
}

/// Prints HCL exactly as `terraform fmt` would leave it: two-space indents, `=` aligned across runs of
/// single-line attributes (a multi-line value, a block or a blank line ends a run, as in hclwrite),
/// no interpolation-only templates (fmt unwraps `"${x}"`).
public enum HCLPrinter {
    public static func file(_ blocks: [HCLBlock], header: [String]) -> String {
        var out = header.map { "# \($0)".trimmingTrailingSpaces() }.joined(separator: "\n")
        if !out.isEmpty { out += "\n\n" }
        out += blocks.map { block($0, indent: 0) }.joined(separator: "\n\n")
        return out + "\n"
    }

    public static func block(_ block: HCLBlock, indent: Int) -> String {
        let pad = String(repeating: "  ", count: indent)
        let head = ([block.type] + block.labels.map { quote($0) }).joined(separator: " ")
        if block.body.items.isEmpty { return "\(pad)\(head) {}" }
        return "\(pad)\(head) {\n" + body(block.body, indent: indent + 1) + "\n\(pad)}"
    }

    static func body(_ body: HCLBody, indent: Int) -> String {
        var entries: [Entry] = []
        for item in body.items {
            switch item {
            case .attribute(let name, let value): entries.append(.pair(name, expression(value, indent: indent)))
            case .block(let nested): entries.append(.text(block(nested, indent: indent)))
            case .blankLine: entries.append(.text(""))
            }
        }
        return aligned(entries, indent: indent)
    }

    enum Entry {
        case pair(String, String)
        case text(String)
    }

    /// Lays out `key = value` lines, aligning `=` within each run of single-line pairs.
    static func aligned(_ entries: [Entry], indent: Int) -> String {
        let pad = String(repeating: "  ", count: indent)
        var lines: [String] = []
        var run: [(String, String)] = []
        func flush() {
            let width = run.map { $0.0.count }.max() ?? 0
            for (key, value) in run {
                lines.append(pad + key + String(repeating: " ", count: width - key.count) + " = " + value)
            }
            run.removeAll()
        }
        for entry in entries {
            switch entry {
            case .pair(let key, let value) where !value.contains("\n"):
                run.append((key, value))
            case .pair(let key, let value):
                flush()
                lines.append(pad + key + " = " + value)
            case .text(let text):
                flush()
                lines.append(text)
            }
        }
        flush()
        return lines.joined(separator: "\n")
    }

    public static func expression(_ expr: HCLExpr, indent: Int) -> String {
        switch expr {
        case .string(let s): return quote(s)
        case .template(let parts): return template(parts, indent: indent)
        case .number(let n): return number(n)
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .ref(let r), .raw(let r): return r
        case .list(let items):
            if items.isEmpty { return "[]" }
            let rendered = items.map { expression($0, indent: indent + 1) }
            let inline = "[" + rendered.joined(separator: ", ") + "]"
            if !inline.contains("\n"), inline.count <= 100 { return inline }
            let pad = String(repeating: "  ", count: indent + 1)
            return "[\n" + rendered.map { pad + $0 + "," }.joined(separator: "\n") + "\n" + String(repeating: "  ", count: indent) + "]"
        case .object(let pairs):
            if pairs.isEmpty { return "{}" }
            let entries = pairs.map { Entry.pair(objectKey($0.key), expression($0.value, indent: indent + 1)) }
            return "{\n" + aligned(entries, indent: indent + 1) + "\n" + String(repeating: "  ", count: indent) + "}"
        case .call(let name, let args):
            return name + "(" + args.map { expression($0, indent: indent) }.joined(separator: ", ") + ")"
        case .conditional(let c, let t, let f):
            return operand(c, indent: indent) + " ? " + operand(t, indent: indent) + " : " + operand(f, indent: indent)
        case .binary(let op, let l, let r):
            return operand(l, indent: indent) + " \(op) " + operand(r, indent: indent)
        case .not(let e):
            return "!" + operand(e, indent: indent)
        case .index(let e, let i):
            return operand(e, indent: indent) + "[" + expression(i, indent: indent) + "]"
        }
    }

    private static func operand(_ expr: HCLExpr, indent: Int) -> String {
        switch expr {
        case .conditional, .binary, .not: return "(" + expression(expr, indent: indent) + ")"
        default: return expression(expr, indent: indent)
        }
    }

    private static func template(_ parts: [HCLExpr.TemplatePart], indent: Int) -> String {
        var merged: [HCLExpr.TemplatePart] = []
        for part in parts {
            if case .literal(let s) = part, case .literal(let previous)? = merged.last {
                merged[merged.count - 1] = .literal(previous + s)
            } else if case .literal(let s) = part, s.isEmpty {
                continue
            } else {
                merged.append(part)
            }
        }
        if merged.isEmpty { return "\"\"" }
        // fmt rewrites "${x}" to x; print it that way from the start.
        if merged.count == 1, case .interpolation(let only) = merged[0] { return expression(only, indent: indent) }
        var out = "\""
        for part in merged {
            switch part {
            case .literal(let s): out += escape(s)
            case .interpolation(let e): out += "${" + expression(e, indent: indent).replacingOccurrences(of: "\n", with: " ") + "}"
            }
        }
        return out + "\""
    }

    public static func number(_ n: Double) -> String {
        if n.rounded() == n, abs(n) < 1e15 { return String(Int64(n)) }
        return "\(n)"
    }

    public static func quote(_ s: String) -> String { "\"" + escape(s) + "\"" }

    static func escape(_ s: String) -> String {
        // Unicode scalars, not Characters: "\r\n" is one Character and must still become two escapes.
        var out = String.UnicodeScalarView()
        var previous: Unicode.Scalar?
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\\": out.append(contentsOf: "\\\\".unicodeScalars)
            case "\"": out.append(contentsOf: "\\\"".unicodeScalars)
            case "\n": out.append(contentsOf: "\\n".unicodeScalars)
            case "\r": out.append(contentsOf: "\\r".unicodeScalars)
            case "\t": out.append(contentsOf: "\\t".unicodeScalars)
            case "{" where previous == "$" || previous == "%":
                // `${` and `%{` start template sequences; doubling the sigil makes them literal.
                out.append(previous ?? "$")
                out.append("{")
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out.append(contentsOf: String(format: "\\u%04X", scalar.value).unicodeScalars)
                } else {
                    out.append(scalar)
                }
            }
            previous = scalar
        }
        return String(out)
    }

    static let keywords: Set<String> = ["true", "false", "null", "for", "in", "if", "endif", "endfor"]

    public static func isIdentifier(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, first.isASCIILetter || first == "_" else { return false }
        return s.unicodeScalars.allSatisfy { $0.isASCIILetter || $0.isASCIIDigit || $0 == "_" || $0 == "-" }
    }

    static func objectKey(_ key: String) -> String {
        isIdentifier(key) && !keywords.contains(key) ? key : quote(key)
    }
}

extension Unicode.Scalar {
    var isASCIILetter: Bool { (0x41...0x5A).contains(value) || (0x61...0x7A).contains(value) }
    var isASCIIDigit: Bool { (0x30...0x39).contains(value) }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
