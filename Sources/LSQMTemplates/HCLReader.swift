import Foundation

/// An attribute `name = expression`; the expression is kept as tokens (lsqm never evaluates Terraform).
public struct HCLAttribute: Sendable, Equatable {
    public var name: String
    public var expression: [HCLToken]
    public var position: HCLPosition

    /// The value when the expression is a single string without interpolation (`source = "./modules/x"`).
    public var stringValue: String? {
        guard expression.count == 1, case .template(let template) = expression[0].kind else { return nil }
        return template.literalValue
    }
}

/// A block `type "label" "label" { body }`.
public struct HCLBlock: Sendable, Equatable {
    public var type: String
    public var labels: [String]
    public var body: HCLBody
    public var position: HCLPosition
}

/// The structure of a file or a block: its attributes and nested blocks in source order.
public struct HCLBody: Sendable, Equatable {
    public var attributes: [HCLAttribute] = []
    public var blocks: [HCLBlock] = []

    public init(attributes: [HCLAttribute] = [], blocks: [HCLBlock] = []) {
        self.attributes = attributes; self.blocks = blocks
    }

    public func attribute(_ name: String) -> HCLAttribute? { attributes.first { $0.name == name } }
    public func blocks(_ type: String) -> [HCLBlock] { blocks.filter { $0.type == type } }
}

/// Reads the structure of an HCL2 file (attributes and nested blocks) from `HCLTokenizer` tokens.
public enum HCLReader {
    public static func parse(_ text: String) throws -> HCLBody {
        var parser = Parser(tokens: try HCLTokenizer.tokenize(text))
        return try parser.parseBody(closedByBrace: false)
    }

    private struct Parser {
        let tokens: [HCLToken]
        var index = 0
        var blockDepth = 0

        var current: HCLToken { tokens[min(index, tokens.count - 1)] }

        mutating func skipNewlines() {
            while current.kind == .newline { index += 1 }
        }

        mutating func parseBody(closedByBrace: Bool) throws -> HCLBody {
            var body = HCLBody()
            while true {
                skipNewlines()
                let token = current
                switch token.kind {
                case .endOfFile:
                    if closedByBrace { throw HCLSyntaxError("missing '}' to close a block", at: token.position) }
                    return body
                case .symbol("}") where closedByBrace:
                    index += 1
                    return body
                case .identifier(let name):
                    index += 1
                    if current.isSymbol("=") {
                        index += 1
                        let expression = try parseExpression(closedByBrace: closedByBrace)
                        body.attributes.append(HCLAttribute(name: name, expression: expression, position: token.position))
                    } else {
                        body.blocks.append(try parseBlock(type: name, at: token.position))
                    }
                    try expectItemEnd(closedByBrace: closedByBrace)
                default:
                    throw HCLSyntaxError("expected an attribute or a block, found \(describe(token))", at: token.position)
                }
            }
        }

        /// An item ends at a newline, at end of file, or — for one-line blocks `x { a = 1 }` — at the `}`.
        mutating func expectItemEnd(closedByBrace: Bool) throws {
            switch current.kind {
            case .newline, .endOfFile: return
            case .symbol("}") where closedByBrace: return
            default: throw HCLSyntaxError("expected a newline after an attribute or block, found \(describe(current))", at: current.position)
            }
        }

        mutating func parseBlock(type: String, at position: HCLPosition) throws -> HCLBlock {
            var labels: [String] = []
            while true {
                let token = current
                switch token.kind {
                case .identifier(let label):
                    labels.append(label)
                case .template(let template):
                    guard let label = template.literalValue else {
                        throw HCLSyntaxError("a block label cannot contain interpolation", at: token.position)
                    }
                    labels.append(label)
                case .symbol("{"):
                    guard blockDepth < hclMaxNesting else {
                        throw HCLSyntaxError("blocks nested deeper than \(hclMaxNesting) levels", at: token.position)
                    }
                    index += 1
                    blockDepth += 1
                    defer { blockDepth -= 1 }
                    let body = try parseBody(closedByBrace: true)
                    return HCLBlock(type: type, labels: labels, body: body, position: position)
                default:
                    throw HCLSyntaxError("expected a block label, '{' or '=', found \(describe(token))", at: token.position)
                }
                index += 1
            }
        }

        /// Collects an expression's tokens: up to a newline outside brackets, end of file, or the `}` that
        /// closes the enclosing block. Brackets must balance.
        mutating func parseExpression(closedByBrace: Bool) throws -> [HCLToken] {
            var expression: [HCLToken] = []
            var open: [String] = []
            let closing = ["(": ")", "[": "]", "{": "}"]
            while true {
                let token = current
                switch token.kind {
                case .endOfFile:
                    if let unclosed = open.last { throw HCLSyntaxError("missing '\(closing[unclosed] ?? "")'", at: token.position) }
                    return expression
                case .newline where open.isEmpty:
                    return expression
                case .newline:
                    index += 1
                    continue
                case .symbol(let symbol) where closing[symbol] != nil:
                    open.append(symbol)
                case .symbol(let symbol) where [")", "]", "}"].contains(symbol):
                    if open.isEmpty, symbol == "}", closedByBrace { return expression }
                    guard let last = open.popLast(), closing[last] == symbol else {
                        throw HCLSyntaxError("unbalanced '\(symbol)'", at: token.position)
                    }
                default:
                    break
                }
                expression.append(token)
                index += 1
            }
        }

        func describe(_ token: HCLToken) -> String {
            switch token.kind {
            case .identifier(let name): return "'\(name)'"
            case .number(let number): return "number \(number)"
            case .template: return "a string"
            case .symbol(let symbol): return "'\(symbol)'"
            case .newline: return "a newline"
            case .endOfFile: return "end of file"
            }
        }
    }
}
