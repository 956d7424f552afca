import Foundation

// An HCL2 (Terraform native syntax) tokenizer.
//
// lsqm reads Terraform only for metadata (which resources, modules, providers), but it must read it
// correctly: a `resource` inside a heredoc, a comment or a `"${...}"` string is text, not a block. So this is a
// real scanner over the grammar of https://github.com/hashicorp/hcl/blob/main/hclsyntax/spec.md — comments
// (`#`, `//`, `/* */`), quoted templates with escapes and `${…}` / `%{…}` sequences whose expressions may hold
// nested strings and braces, heredocs (`<<EOF`, `<<-EOF`), numbers, identifiers and operators — not a set of
// line regexes. Expressions are tokenized but not evaluated.

/// Where a token starts; 1-based.
public struct HCLPosition: Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public init(line: Int, column: Int) { self.line = line; self.column = column }
    public var description: String { "\(line):\(column)" }
}

/// A quoted string or heredoc: literal text interleaved with `${…}` interpolations and `%{…}` directives.
public struct HCLTemplate: Sendable, Equatable {
    public enum Part: Sendable, Equatable {
        case literal(String)
        /// The tokens of the expression between `${` and `}` (strip markers `~` removed).
        case interpolation([HCLToken])
        /// The tokens between `%{` and `}`: `if cond`, `else`, `endif`, `for x in xs`, `endfor`.
        case directive([HCLToken])
    }
    public var parts: [Part]
    public var isHeredoc: Bool

    public init(parts: [Part], isHeredoc: Bool = false) { self.parts = parts; self.isHeredoc = isHeredoc }

    /// The string when the template is pure text (no interpolation or directive), else nil.
    public var literalValue: String? {
        var result = ""
        for part in parts {
            guard case .literal(let text) = part else { return nil }
            result += text
        }
        return result
    }
}

public struct HCLToken: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case identifier(String)
        case number(String)
        case template(HCLTemplate)
        /// Brackets and operators: `{ } [ ] ( ) = == != < <= > >= && || ! + - * / % ? : . , ... =>`.
        case symbol(String)
        /// Newlines end attributes in bodies; inside brackets and `${}` they are insignificant.
        case newline
        case endOfFile
    }
    public var kind: Kind
    public var position: HCLPosition

    public init(_ kind: Kind, at position: HCLPosition) { self.kind = kind; self.position = position }

    public func isSymbol(_ symbol: String) -> Bool { kind == .symbol(symbol) }
}

/// A syntax error with its position, e.g. `main.tf:12:3: unterminated string`.
public struct HCLSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public var position: HCLPosition
    public var message: String
    public init(_ message: String, at position: HCLPosition) { self.message = message; self.position = position }
    public var description: String { "\(position): \(message)" }
}

public enum HCLTokenizer {
    /// Tokenizes a whole file. Throws `HCLSyntaxError` on malformed input (unterminated string, heredoc,
    /// comment or interpolation; a stray character).
    public static func tokenize(_ text: String) throws -> [HCLToken] {
        var scanner = Scanner(Array(text.utf8))
        return try scanner.scanTokens(insideTemplate: false)
    }
}

private extension UInt8 {
    static let newline = UInt8(ascii: "\n")
    static let quote = UInt8(ascii: "\"")
    static let backslash = UInt8(ascii: "\\")
    static let dollar = UInt8(ascii: "$")
    static let percent = UInt8(ascii: "%")
    static let openBrace = UInt8(ascii: "{")
    static let closeBrace = UInt8(ascii: "}")
    static let tilde = UInt8(ascii: "~")

    var isDigit: Bool { self >= 0x30 && self <= 0x39 }
    var isLetter: Bool { (self | 0x20) >= 0x61 && (self | 0x20) <= 0x7A }
    /// HCL identifiers are Unicode ID_Start/ID_Continue plus `-`; any non-ASCII byte is accepted as part of one.
    var startsIdentifier: Bool { isLetter || self == UInt8(ascii: "_") || self >= 0x80 }
    var continuesIdentifier: Bool { startsIdentifier || isDigit || self == UInt8(ascii: "-") }
    var isBlank: Bool { self == 0x20 || self == 0x09 || self == 0x0D }
}

/// Templates nest inside template expressions (`"${"${x}"}"`) and blocks inside blocks; hostile input could
/// nest deep enough to overflow the stack of these recursive scanners, so both stop at this depth.
let hclMaxNesting = 128

private struct Scanner {
    let bytes: [UInt8]
    var offset = 0
    var templateDepth = 0
    /// Offsets where each line starts, for turning offsets into line:column only when a token is made.
    let lineStarts: [Int]

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        var starts = [0]
        for (index, byte) in bytes.enumerated() where byte == .newline { starts.append(index + 1) }
        lineStarts = starts
        // A UTF-8 byte-order mark is not part of the first token.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { offset = 3 }
    }

    func position(_ at: Int) -> HCLPosition {
        var low = 0, high = lineStarts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if lineStarts[mid] <= at { low = mid } else { high = mid - 1 }
        }
        return HCLPosition(line: low + 1, column: at - lineStarts[low] + 1)
    }

    func peek(_ ahead: Int = 0) -> UInt8? {
        let index = offset + ahead
        return index < bytes.count ? bytes[index] : nil
    }

    func text(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }

    func error(_ message: String, at: Int? = nil) -> HCLSyntaxError { HCLSyntaxError(message, at: position(at ?? offset)) }

    private static let threeCharSymbols = ["..."]
    private static let twoCharSymbols: Set<String> = ["==", "!=", "<=", ">=", "&&", "||", "=>"]
    private static let oneCharSymbols: Set<UInt8> = Set("{}[]()=<>!+-*/%?:.,".utf8)

    /// Scans tokens until end of file, or — inside a `${`/`%{` sequence — until the `}` that closes it
    /// (braces of object constructors inside the expression are counted, strings inside are scanned as
    /// templates of their own, so `"${jsonencode({a = "}"})}"` ends where it should).
    mutating func scanTokens(insideTemplate: Bool) throws -> [HCLToken] {
        var tokens: [HCLToken] = []
        var braceDepth = 0
        let opened = offset
        while true {
            while let byte = peek(), byte.isBlank { offset += 1 }
            guard let byte = peek() else {
                if insideTemplate { throw error("unterminated template sequence (missing '}')", at: opened - 2) }
                tokens.append(HCLToken(.endOfFile, at: position(offset)))
                return tokens
            }
            let start = offset
            switch byte {
            case .newline:
                offset += 1
                if !insideTemplate { tokens.append(HCLToken(.newline, at: position(start))) }
            case UInt8(ascii: "#"):
                skipLineComment()
            case UInt8(ascii: "/") where peek(1) == UInt8(ascii: "/"):
                skipLineComment()
            case UInt8(ascii: "/") where peek(1) == UInt8(ascii: "*"):
                try skipBlockComment()
            case .quote:
                offset += 1
                tokens.append(HCLToken(.template(try scanQuotedTemplate(start: start)), at: position(start)))
            case UInt8(ascii: "<") where peek(1) == UInt8(ascii: "<") && startsHeredocMarker():
                tokens.append(HCLToken(.template(try scanHeredoc()), at: position(start)))
            case .tilde where insideTemplate:
                // A strip marker (`~}` or `${~`): whitespace control only.
                offset += 1
            case .closeBrace where insideTemplate && braceDepth == 0:
                offset += 1
                return tokens
            case _ where byte.isDigit:
                tokens.append(HCLToken(.number(scanNumber()), at: position(start)))
            case _ where byte.startsIdentifier:
                while let next = peek(), next.continuesIdentifier { offset += 1 }
                tokens.append(HCLToken(.identifier(text(start..<offset)), at: position(start)))
            default:
                let symbol = try scanSymbol()
                if symbol == "{" { braceDepth += 1 } else if symbol == "}" { braceDepth -= 1 }
                tokens.append(HCLToken(.symbol(symbol), at: position(start)))
            }
        }
    }

    mutating func skipLineComment() {
        while let byte = peek(), byte != .newline { offset += 1 }
    }

    mutating func skipBlockComment() throws {
        let start = offset
        offset += 2
        while offset + 1 < bytes.count {
            if bytes[offset] == UInt8(ascii: "*") && bytes[offset + 1] == UInt8(ascii: "/") {
                offset += 2
                return
            }
            offset += 1
        }
        throw error("unterminated /* comment", at: start)
    }

    mutating func scanNumber() -> String {
        let start = offset
        while let byte = peek(), byte.isDigit { offset += 1 }
        // A fraction needs a digit after the dot: `list.0.name` is a traversal, not the number `0.`.
        if peek() == UInt8(ascii: "."), let next = peek(1), next.isDigit {
            offset += 1
            while let byte = peek(), byte.isDigit { offset += 1 }
        }
        if let e = peek(), e | 0x20 == UInt8(ascii: "e") {
            var ahead = 1
            if let sign = peek(1), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { ahead = 2 }
            if let digit = peek(ahead), digit.isDigit {
                offset += ahead
                while let byte = peek(), byte.isDigit { offset += 1 }
            }
        }
        return text(start..<offset)
    }

    mutating func scanSymbol() throws -> String {
        for length in [3, 2] where offset + length <= bytes.count {
            let candidate = text(offset..<offset + length)
            if Scanner.threeCharSymbols.contains(candidate) || Scanner.twoCharSymbols.contains(candidate) {
                offset += length
                return candidate
            }
        }
        guard let byte = peek(), Scanner.oneCharSymbols.contains(byte) else {
            let shown = peek().map { $0 < 0x80 ? String(UnicodeScalar($0)) : String(format: "\\x%02X", $0) } ?? "end of file"
            throw error("unexpected character '\(shown)'")
        }
        offset += 1
        return String(UnicodeScalar(byte))
    }

    // MARK: Templates

    /// Accumulates a template's parts; literal bytes are buffered so multi-byte UTF-8 stays intact.
    struct TemplateBuilder {
        var parts: [HCLTemplate.Part] = []
        var literal: [UInt8] = []
        mutating func flush() {
            if !literal.isEmpty { parts.append(.literal(String(decoding: literal, as: UTF8.self))) }
            literal.removeAll(keepingCapacity: true)
        }
        mutating func finish(isHeredoc: Bool) -> HCLTemplate {
            flush()
            return HCLTemplate(parts: parts, isHeredoc: isHeredoc)
        }
    }

    /// Handles `${`, `%{`, and their escapes `$${`, `%%{` at the current offset. Returns false when the
    /// current byte starts none of them.
    mutating func scanTemplateSequence(into builder: inout TemplateBuilder) throws -> Bool {
        guard let byte = peek(), byte == .dollar || byte == .percent else { return false }
        if peek(1) == .openBrace {
            builder.flush()
            guard templateDepth < hclMaxNesting else { throw error("template sequences nested deeper than \(hclMaxNesting) levels") }
            offset += 2
            templateDepth += 1
            defer { templateDepth -= 1 }
            let tokens = try scanTokens(insideTemplate: true)
            builder.parts.append(byte == .dollar ? .interpolation(tokens) : .directive(tokens))
            return true
        }
        if peek(1) == byte, peek(2) == .openBrace {
            builder.literal.append(contentsOf: [byte, .openBrace])
            offset += 3
            return true
        }
        return false
    }

    /// A `"…"` template; the opening quote is consumed.
    mutating func scanQuotedTemplate(start: Int) throws -> HCLTemplate {
        var builder = TemplateBuilder()
        while true {
            guard let byte = peek() else { throw error("unterminated string", at: start) }
            switch byte {
            case .quote:
                offset += 1
                return builder.finish(isHeredoc: false)
            case .newline:
                throw error("unterminated string (quoted strings cannot span lines)", at: start)
            case .backslash:
                try scanEscape(into: &builder.literal)
            default:
                if try scanTemplateSequence(into: &builder) { continue }
                builder.literal.append(byte)
                offset += 1
            }
        }
    }

    mutating func scanEscape(into literal: inout [UInt8]) throws {
        let start = offset
        offset += 1
        guard let code = peek() else { throw error("unterminated string", at: start) }
        offset += 1
        switch code {
        case UInt8(ascii: "n"): literal.append(.newline)
        case UInt8(ascii: "r"): literal.append(0x0D)
        case UInt8(ascii: "t"): literal.append(0x09)
        case .quote, .backslash: literal.append(code)
        case UInt8(ascii: "u"), UInt8(ascii: "U"):
            let count = code == UInt8(ascii: "u") ? 4 : 8
            guard offset + count <= bytes.count, let value = UInt32(text(offset..<offset + count), radix: 16),
                let scalar = UnicodeScalar(value)
            else {
                throw error("invalid \\\(UnicodeScalar(code)) escape", at: start)
            }
            offset += count
            literal.append(contentsOf: Array(String(Character(scalar)).utf8))
        default:
            throw error("invalid escape '\\\(UnicodeScalar(code))'", at: start)
        }
    }

    /// True when `<<` at the offset opens a heredoc: `<<` or `<<-` followed by an identifier.
    func startsHeredocMarker() -> Bool {
        let markerStart = peek(2) == UInt8(ascii: "-") ? 3 : 2
        return peek(markerStart)?.startsIdentifier == true
    }

    /// `<<EOF` … `EOF` or `<<-EOF` … `EOF`. The closing marker sits alone on its line (indentation allowed);
    /// `<<-` removes the common leading whitespace of the body's lines. No escapes apply in heredocs, but
    /// `${…}` and `%{…}` do.
    mutating func scanHeredoc() throws -> HCLTemplate {
        let start = offset
        offset += 2
        let indented = peek() == UInt8(ascii: "-")
        if indented { offset += 1 }
        let markerStart = offset
        while let byte = peek(), byte.continuesIdentifier { offset += 1 }
        let marker = Array(bytes[markerStart..<offset])
        while let byte = peek(), byte.isBlank { offset += 1 }
        guard peek() == .newline else { throw error("a heredoc marker must end its line", at: start) }
        offset += 1

        var builder = TemplateBuilder()
        var atLineStart = true
        while true {
            guard let byte = peek() else {
                throw error("unterminated heredoc (no closing '\(String(decoding: marker, as: UTF8.self))' line)", at: start)
            }
            if atLineStart, closesHeredoc(marker) { break }
            atLineStart = false
            if try scanTemplateSequence(into: &builder) { continue }
            builder.literal.append(byte)
            offset += 1
            atLineStart = byte == .newline
        }
        var template = builder.finish(isHeredoc: true)
        if indented { template = Scanner.removeCommonIndentation(template) }
        return template
    }

    /// At a line start: if the line is the closing marker, consumes it (not its newline) and returns true.
    mutating func closesHeredoc(_ marker: [UInt8]) -> Bool {
        var index = offset
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 { index += 1 }
        guard index + marker.count <= bytes.count, Array(bytes[index..<index + marker.count]) == marker else { return false }
        var end = index + marker.count
        while end < bytes.count, bytes[end].isBlank { end += 1 }
        guard end == bytes.count || bytes[end] == .newline else { return false }
        offset = end
        return true
    }

    /// `<<-` semantics: the smallest indentation over non-blank lines is removed from every line.
    static func removeCommonIndentation(_ template: HCLTemplate) -> HCLTemplate {
        // Lines start at the beginning and after each newline inside literal parts; interpolations are
        // never at a line start for the purpose of measuring, which matches how HCL measures literal text.
        var minimum = Int.max
        var atLineStart = true
        for part in template.parts {
            guard case .literal(let text) = part else { atLineStart = false; continue }
            for line in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                if line.offset > 0 { atLineStart = true }
                guard atLineStart else { continue }
                let indent = line.element.prefix { $0 == " " || $0 == "\t" }.count
                if indent < line.element.count { minimum = min(minimum, indent) }
                atLineStart = false
            }
            if text.hasSuffix("\n") { atLineStart = true }
        }
        guard minimum != Int.max, minimum > 0 else { return template }
        var parts: [HCLTemplate.Part] = []
        atLineStart = true
        for part in template.parts {
            guard case .literal(let text) = part else { parts.append(part); atLineStart = false; continue }
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().map { line -> Substring in
                let strip = line.offset > 0 || atLineStart
                guard strip else { return line.element }
                let indent = line.element.prefix { $0 == " " || $0 == "\t" }.count
                return line.element.dropFirst(min(indent, minimum))
            }
            parts.append(.literal(lines.joined(separator: "\n")))
            atLineStart = text.hasSuffix("\n")
        }
        return HCLTemplate(parts: parts, isHeredoc: true)
    }
}
