import Foundation
import LSQMBasics

/// What the generators need to know about an architecture's Terraform: its resources (type, name, the
/// attributes whose values are written out literally or as references) and its outputs (name and what they
/// point at). Nothing is evaluated; `var.x` and `local.x` are resolved only when their value is a literal.
///
/// This is a deliberately small scan, not a full HCL parser: the project's HCL reader (LSQMTemplates,
/// `HCLReader`) was not merged when this stage was written. Swapping it in only changes `TerraformScanner`.
public struct TerraformFacts: Sendable, Equatable {
    /// An attribute's value as written.
    public enum Value: Sendable, Equatable {
        /// A string without interpolation, a number or a bool, as text.
        case literal(String)
        /// A bare reference such as `aws_sqs_queue.jobs.arn` or `var.name`.
        case reference(String)
        /// Anything else (a function call, an interpolated string, a list), as its source text.
        case expression(String)

        public var literal: String? { if case .literal(let s) = self { return s }; return nil }
        public var reference: String? { if case .reference(let s) = self { return s }; return nil }
    }

    /// A block's attributes and nested blocks.
    public struct Body: Sendable, Equatable {
        public var attributes: [String: Value] = [:]
        public var blocks: [(type: String, labels: [String], body: Body)] = []

        public init() {}

        public func blocks(_ type: String) -> [Body] { blocks.filter { $0.type == type }.map(\.body) }

        public static func == (lhs: Body, rhs: Body) -> Bool {
            lhs.attributes == rhs.attributes && lhs.blocks.count == rhs.blocks.count
                && zip(lhs.blocks, rhs.blocks).allSatisfy { $0.type == $1.type && $0.labels == $1.labels && $0.body == $1.body }
        }
    }

    public struct Resource: Sendable, Equatable {
        public var type: String
        public var name: String
        public var body: Body
        /// `type.name`, how other blocks refer to it.
        public var address: String { "\(type).\(name)" }
        /// True with `count` or `for_each`: one block, several (or no) real resources.
        public var isRepeated: Bool { body.attributes["count"] != nil || body.attributes["for_each"] != nil }
    }

    public struct Output: Sendable, Equatable {
        public var name: String
        public var value: Value?
    }

    public var resources: [Resource] = []
    public var outputs: [Output] = []
    /// Variables and locals whose value is a literal (tfvars override variable defaults).
    public var literals: [String: String] = [:]
    /// Files that could not be scanned, with the reason.
    public var problems: [String] = []

    public init() {}

    public func resources(ofType type: String) -> [Resource] { resources.filter { $0.type == type } }

    public func resource(at address: String) -> Resource? { resources.first { $0.address == address } }

    /// The literal text of an attribute, resolving `var.x`, `local.x` and `"${var.x}-suffix"` when every part is
    /// known. Nil when the value is computed.
    public func literal(_ value: Value?) -> String? {
        switch value {
        case .literal(let text): return text
        case .reference(let ref): return literals[ref]
        case .expression(let source): return resolveTemplate(source)
        case nil: return nil
        }
    }

    /// The resource a reference such as `aws_sqs_queue.jobs.arn` names, and the attribute it reads.
    public func target(of value: Value?) -> (resource: Resource, attribute: String)? {
        guard let ref = value?.reference else { return nil }
        let parts = ref.split(separator: ".").map(String.init)
        guard parts.count >= 3, let resource = resource(at: "\(parts[0]).\(parts[1])") else { return nil }
        return (resource, parts[2])
    }

    /// `"${var.prefix}-jobs"` with every interpolation a known literal.
    private func resolveTemplate(_ source: String) -> String? {
        guard source.count >= 2, source.hasPrefix("\""), source.hasSuffix("\"") else { return nil }
        var text = String(source.dropFirst().dropLast())
        while let open = text.range(of: "${") {
            guard let close = text.range(of: "}", range: open.upperBound..<text.endIndex) else { return nil }
            let name = text[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            guard let value = literals[name] else { return nil }
            text.replaceSubrange(open.lowerBound..<close.upperBound, with: value)
        }
        return text
    }

    /// Scans every `*.tf` and `*.tfvars` file under a directory.
    public static func scan(directory: URL) -> TerraformFacts {
        let files = Files.regularFiles(under: directory).compactMap { path -> (String, String)? in
            guard path.hasSuffix(".tf") || path.hasSuffix(".tfvars"),
                  let data = try? Files.read(directory.appendingPathComponent(path)) else { return nil }
            return (path, String(decoding: data, as: UTF8.self))
        }
        return scan(files: files)
    }

    /// Scans Terraform sources given as (relative path, text). Only root-module files feed variables: a
    /// nested module's variables take values from its caller, not from their defaults.
    public static func scan(files: [(path: String, text: String)]) -> TerraformFacts {
        var facts = TerraformFacts()
        var variableDefaults: [String: String] = [:]
        var tfvars: [String: String] = [:]
        for (path, text) in files.sorted(by: { $0.path < $1.path }) {
            let body: Body
            do { body = try TerraformScanner.parse(text) } catch {
                facts.problems.append("\(path): \(LSQMError.describe(error))")
                continue
            }
            let isRoot = !path.contains("/")
            if path.hasSuffix(".tfvars") {
                if isRoot { for (key, value) in body.attributes { if let literal = value.literal { tfvars["var.\(key)"] = literal } } }
                continue
            }
            for block in body.blocks {
                switch (block.type, block.labels.count) {
                case ("resource", 2):
                    facts.resources.append(Resource(type: block.labels[0], name: block.labels[1], body: block.body))
                case ("output", 1) where isRoot:
                    facts.outputs.append(Output(name: block.labels[0], value: block.body.attributes["value"]))
                case ("variable", 1) where isRoot:
                    if let literal = block.body.attributes["default"]?.literal { variableDefaults["var.\(block.labels[0])"] = literal }
                case ("locals", 0) where isRoot:
                    for (key, value) in block.body.attributes { if let literal = value.literal { facts.literals["local.\(key)"] = literal } }
                default:
                    continue
                }
            }
        }
        facts.literals.merge(variableDefaults) { existing, _ in existing }
        facts.literals.merge(tfvars) { _, override in override }
        return facts
    }
}

/// A small HCL2 structure scanner: blocks, attributes, and each attribute's value classified as a literal,
/// a reference or other source text. Comments, heredocs and nested brackets are skipped correctly.
enum TerraformScanner {
    struct SyntaxError: Error, CustomStringConvertible {
        var message: String
        var line: Int
        var description: String { "line \(line): \(message)" }
    }

    static func parse(_ text: String) throws -> TerraformFacts.Body {
        var scanner = Cursor(Array(text.unicodeScalars))
        return try scanner.body(closedByBrace: false)
    }

    private struct Cursor {
        let chars: [Unicode.Scalar]
        var index = 0
        var line = 1

        init(_ chars: [Unicode.Scalar]) { self.chars = chars }

        var atEnd: Bool { index >= chars.count }
        func peek(_ offset: Int = 0) -> Unicode.Scalar? { index + offset < chars.count ? chars[index + offset] : nil }

        mutating func advance() {
            if chars[index] == "\n" { line += 1 }
            index += 1
        }

        func error(_ message: String) -> SyntaxError { SyntaxError(message: message, line: line) }

        /// Skips spaces, tabs and comments; newlines too when `newlines` is true.
        mutating func skipTrivia(newlines: Bool) {
            while let c = peek() {
                if c == " " || c == "\t" || c == "\r" || (newlines && c == "\n") { advance() }
                else if c == "#" || (c == "/" && peek(1) == "/") { while let d = peek(), d != "\n" { advance() } }
                else if c == "/" && peek(1) == "*" {
                    advance(); advance()
                    while !atEnd, !(peek() == "*" && peek(1) == "/") { advance() }
                    if !atEnd { advance(); advance() }
                } else { return }
            }
        }

        static func isIdentifierStart(_ c: Unicode.Scalar) -> Bool { c.properties.isAlphabetic || c == "_" }
        static func isIdentifierPart(_ c: Unicode.Scalar) -> Bool { isIdentifierStart(c) || ("0"..."9").contains(c) || c == "-" }

        mutating func identifier() -> String? {
            guard let c = peek(), Cursor.isIdentifierStart(c) else { return nil }
            var name = ""
            while let c = peek(), Cursor.isIdentifierPart(c) { name.unicodeScalars.append(c); advance() }
            return name
        }

        /// A quoted string starting at `"`: its source text (with quotes) and whether it interpolates.
        mutating func quotedString() throws -> (source: String, value: String, interpolates: Bool) {
            let start = index
            advance()
            var value = ""
            var interpolates = false
            var depth = 0
            while true {
                guard let c = peek() else { throw error("unterminated string") }
                if c == "\n" && depth == 0 { throw error("unterminated string") }
                if c == "\\" && depth == 0 {
                    advance()
                    guard let escaped = peek() else { throw error("unterminated string") }
                    switch escaped {
                    case "n": value += "\n"
                    case "t": value += "\t"
                    case "r": value += "\r"
                    default: value.unicodeScalars.append(escaped)
                    }
                    advance()
                    continue
                }
                if (c == "$" || c == "%") && peek(1) == "{" && depth == 0 {
                    if peek(-1) != c { interpolates = true }
                    depth = 1
                    advance(); advance()
                    continue
                }
                if depth > 0 {
                    if c == "{" { depth += 1 } else if c == "}" { depth -= 1 } else if c == "\"" {
                        // A string inside an interpolation: skip it whole.
                        _ = try quotedString()
                        continue
                    }
                    advance()
                    continue
                }
                if c == "\"" { advance(); break }
                value.unicodeScalars.append(c)
                advance()
            }
            let source = String(String.UnicodeScalarView(chars[start..<index]))
            return (source, value, interpolates)
        }

        /// Skips a heredoc whose `<<` is at the cursor, up to and including its closing marker line.
        mutating func heredoc() throws {
            advance(); advance()
            if peek() == "-" { advance() }
            guard let marker = identifier() else { throw error("heredoc without a marker") }
            while let c = peek(), c != "\n" { advance() }
            while !atEnd {
                advance() // the newline
                var lineText = ""
                while let c = peek(), c != "\n" { lineText.unicodeScalars.append(c); advance() }
                if lineText.trimmingCharacters(in: .whitespaces) == marker { return }
            }
            throw error("heredoc \(marker) is not closed")
        }

        mutating func body(closedByBrace: Bool) throws -> TerraformFacts.Body {
            var body = TerraformFacts.Body()
            while true {
                skipTrivia(newlines: true)
                guard let c = peek() else {
                    if closedByBrace { throw error("missing '}'") }
                    return body
                }
                if c == "}" {
                    guard closedByBrace else { throw error("unexpected '}'") }
                    advance()
                    return body
                }
                guard let name = identifier() else { throw error("expected an attribute or a block, found '\(c)'") }
                skipTrivia(newlines: false)
                if peek() == "=" && peek(1) != "=" {
                    advance()
                    body.attributes[name] = try expression()
                    continue
                }
                var labels: [String] = []
                while true {
                    skipTrivia(newlines: false)
                    if peek() == "\"" { labels.append(try quotedString().value) }
                    else if let label = identifier() { labels.append(label) }
                    else if peek() == "{" { advance(); break }
                    else { throw error("expected a block label or '{' after '\(name)'") }
                }
                body.blocks.append((name, labels, try self.body(closedByBrace: true)))
            }
        }

        /// An attribute value, up to a newline outside brackets or the `}` that closes the enclosing block.
        mutating func expression() throws -> TerraformFacts.Value {
            skipTrivia(newlines: false)
            let start = index
            var depth = 0
            var sawString: (value: String, interpolates: Bool)?
            var tokens = 0
            // Where the expression's last significant character ends (a trailing comment is not part of it).
            var end = index
            while let c = peek() {
                if c == "\n" && depth == 0 { break }
                if c == "}" && depth == 0 { break }
                if c == "#" || (c == "/" && (peek(1) == "/" || peek(1) == "*")) { skipTrivia(newlines: depth > 0); continue }
                if c == "\"" {
                    let string = try quotedString()
                    sawString = (string.value, string.interpolates)
                    tokens += 1
                    end = index
                    continue
                }
                if c == "<" && peek(1) == "<" { try heredoc(); tokens += 2; end = index; continue }
                if "([{".unicodeScalars.contains(c) { depth += 1 }
                if ")]}".unicodeScalars.contains(c) { depth -= 1 }
                let significant = !(c == " " || c == "\t" || c == "\r" || c == "\n")
                if significant { tokens += 1 }
                advance()
                if significant { end = index }
            }
            let source = String(String.UnicodeScalarView(chars[start..<end])).trimmingCharacters(in: .whitespaces)
            if let string = sawString, source.hasPrefix("\""), source.hasSuffix("\""), tokens == 1 {
                return string.interpolates ? .expression(source) : .literal(string.value)
            }
            if source == "true" || source == "false" || Double(source) != nil { return .literal(source) }
            if source.range(of: #"^[A-Za-z_][A-Za-z0-9_\-]*(\.[A-Za-z_][A-Za-z0-9_\-]*)+$"#, options: .regularExpression) != nil {
                return .reference(source)
            }
            return .expression(source)
        }
    }
}
