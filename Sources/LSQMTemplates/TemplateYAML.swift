import Foundation
import LSQMBasics
import Yams

/// Loads CloudFormation, SAM and Serverless templates (YAML or JSON) into `JSONValue`.
///
/// CloudFormation's YAML short tags become their long JSON form, exactly as CloudFormation reads them:
/// `!Ref X` → `{"Ref": "X"}`, `!GetAtt A.B` → `{"Fn::GetAtt": ["A", "B"]}`, `!Sub s` → `{"Fn::Sub": "s"}`,
/// `!Condition C` → `{"Condition": "C"}`, any other `!Name v` → `{"Fn::Name": v}`. Templates are hostile
/// input: size, nesting and alias expansion are bounded so a YAML bomb is an error, not an out-of-memory.
public enum TemplateYAML {
    public struct Limits: Sendable {
        /// Nodes visited while converting (aliases count every time they are expanded).
        public var maxNodes: Int
        public var maxDepth: Int
        public var maxBytes: Int
        /// Seconds one file may take to parse and convert.
        public var maxSeconds: Double
        public init(maxNodes: Int = 2_000_000, maxDepth: Int = 200, maxBytes: Int = 5 << 20, maxSeconds: Double = 20) {
            self.maxNodes = maxNodes; self.maxDepth = maxDepth; self.maxBytes = maxBytes; self.maxSeconds = maxSeconds
        }
        public static let `default` = Limits()
    }

    /// The hint carried by every limit error, so callers can tell hostile input (skip the file) from a plain
    /// syntax error (report it) without matching message text.
    public static let limitHint = "the file is over lsqm's safety limits for templates (a YAML bomb, or machine-generated); it is skipped"

    /// True when `error` is one of `load`'s limit errors (size, node budget, nesting depth).
    public static func isLimitError(_ error: any Error) -> Bool {
        (error as? LSQMError)?.hint == limitHint
    }

    private static func limitError(_ cause: String) -> LSQMError {
        LSQMError(.invalidInput, action: "parse template", cause: cause, hint: limitHint)
    }

    /// Writes a value as block-style YAML with sorted keys (what `lsqm config show` prints: the config file's
    /// own format, so the output can be pasted back into a config).
    public static func dump(_ value: JSONValue) throws -> String {
        let encoder = YAMLEncoder()
        encoder.options.sortKeys = true
        return try encoder.encode(value)
    }

    /// Parses YAML (a superset of JSON) with CloudFormation tags. `format` names the syntax in errors: a
    /// `.json` file that fails is reported as JSON, not as YAML.
    public static func load(_ data: Data, limits: Limits = .default, format: String = "YAML") throws -> JSONValue {
        guard data.count <= limits.maxBytes else {
            throw limitError("it is \(data.count) bytes, over the \(limits.maxBytes)-byte limit")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw LSQMError(.invalidInput, action: "parse template", cause: "it is not UTF-8 text")
        }
        return try load(text, limits: limits, format: format)
    }

    public static func load(_ text: String, limits: Limits = .default, format: String = "YAML") throws -> JSONValue {
        guard text.utf8.count <= limits.maxBytes else {
            throw limitError("it is \(text.utf8.count) bytes, over the \(limits.maxBytes)-byte limit")
        }
        let deadline = Deadline(seconds: limits.maxSeconds)
        // libyaml itself stops at 1000 levels of nesting, so composing cannot recurse without bound.
        var text = text
        var node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch YamlError.duplicatedKeysInMapping {
            // Every repeated key found in one pass and renamed at once, then one more compose.
            try deadline.check()
            guard let earlier = YAMLDuplicateKeys.earlierOccurrences(in: text), renameKeys(earlier, in: &text) else {
                throw LSQMError(.invalidInput, action: "parse \(format)", cause: "a mapping repeats a key in a form lsqm cannot rename")
            }
            do { node = try Yams.compose(yaml: text) } catch { throw parseError(error, format: format) }
        } catch {
            throw parseError(error, format: format)
        }
        try deadline.check()
        guard let node else { return .null }
        var sizes: [MarkKey: Int] = [:]
        guard expandedSize(node, sizes: &sizes, cap: limits.maxNodes) <= limits.maxNodes else {
            throw limitError("the document expands to more than \(limits.maxNodes) nodes (a YAML alias bomb?)")
        }
        var budget = limits.maxNodes
        return try convert(node, depth: 0, budget: &budget, limits: limits, deadline: deadline)
    }

    /// libyaml's own nesting limit is a limit error like lsqm's, named as such; anything else is a syntax error.
    private static func parseError(_ error: any Error, format: String) -> LSQMError {
        let cause = (error as? YamlError).map(describe) ?? LSQMError.describe(error)
        if "\(error)".contains("Maximum nesting level") {  // said on a later line than describe's first
            return LSQMError(
                .invalidInput, action: "parse \(format)", cause: "nesting deeper than libyaml's depth limit of 1000 levels", hint: limitHint)
        }
        return LSQMError(.invalidInput, action: "parse \(format)", cause: cause)
    }

    /// The per-file parse time limit.
    struct Deadline {
        let seconds: Double
        let start = ContinuousClock.now
        init(seconds: Double) { self.seconds = seconds }
        func check() throws {
            let elapsed = ContinuousClock.now - start
            guard elapsed <= .milliseconds(Int64(seconds * 1000)) else {
                throw TemplateYAML.limitError("parsing took more than \(Int(seconds)) s (lsqm's per-file parse time limit)")
            }
        }
    }

    // Duplicate keys: Yams refuses them, but PyYAML (and so SAM CLI and cfn-flip) keeps the last one, and
    // real templates have them. Earlier occurrences are renamed with a marker and dropped when converting,
    // so the last occurrence wins as it does there.
    private static let duplicateKeyMarker = "__lsqm_duplicate_key__"

    /// Renames each key at its occurrence's mark (1-based line, column in Unicode scalars). False when the text
    /// there is not that key (a key written with escapes): the duplicate error then stands.
    private static func renameKeys(_ occurrences: [YAMLDuplicateKeys.Occurrence], in text: inout String) -> Bool {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { Array(String($0).unicodeScalars) }
        // Right to left within a line, so an insertion never moves a mark still to be used.
        for (number, occurrence) in occurrences.enumerated().sorted(by: {
            ($0.element.line, -$0.element.column) < ($1.element.line, -$1.element.column)
        }) {
            guard occurrence.line >= 1, occurrence.line <= lines.count else { return false }
            var line = lines[occurrence.line - 1]
            var start = occurrence.column - 1
            guard start >= 0, start < line.count else { return false }
            if line[start] == "\"" || line[start] == "'" { start += 1 }
            let keyScalars = Array(occurrence.key.unicodeScalars)
            guard start + keyScalars.count <= line.count, Array(line[start..<start + keyScalars.count]) == keyScalars else { return false }
            line.insert(contentsOf: Array("\(duplicateKeyMarker)\(number)".unicodeScalars), at: start + keyScalars.count)
            lines[occurrence.line - 1] = line
        }
        text = lines.map { String(String.UnicodeScalarView($0)) }.joined(separator: "\n")
        return true
    }

    private static func describe(_ error: YamlError) -> String {
        let text = "\(error)"
        // Yams prints multi-line context; the first line says what and where.
        return text.split(separator: "\n").first.map(String.init) ?? text
    }

    /// A collection's start mark; the kind tells apart a block mapping and a complex key starting with it.
    private struct MarkKey: Hashable { var line: Int; var column: Int; var isMapping: Bool }

    /// How many nodes converting `node` would visit, with aliases expanded, computed without expanding them:
    /// an alias is a copy of its anchored node and keeps that node's source mark, so sizes are remembered per
    /// mark and each distinct node is measured once. A billion-laughs document is refused in microseconds
    /// instead of after millions of conversions. Stops counting past `cap`.
    private static func expandedSize(_ node: Node, sizes: inout [MarkKey: Int], cap: Int) -> Int {
        let children: [Node]
        switch node {
        case .scalar, .alias: return 1
        case .sequence(let sequence): children = Array(sequence)
        case .mapping(let mapping): children = mapping.flatMap { [$0.key, $0.value] }
        }
        let isMapping: Bool
        if case .mapping = node { isMapping = true } else { isMapping = false }
        let key = node.mark.map { MarkKey(line: $0.line, column: $0.column, isMapping: isMapping) }
        if let key, let known = sizes[key] { return known }
        var total = 1
        for child in children {
            total += expandedSize(child, sizes: &sizes, cap: cap)
            if total > cap { break }
        }
        if let key { sizes[key] = total }
        return total
    }

    private static func convert(_ node: Node, depth: Int, budget: inout Int, limits: Limits, deadline: Deadline) throws -> JSONValue {
        budget -= 1
        guard budget >= 0 else {
            throw limitError("the document expands to more than \(limits.maxNodes) nodes (a YAML alias bomb?)")
        }
        guard depth <= limits.maxDepth else {
            throw limitError("nesting deeper than lsqm's depth limit of \(limits.maxDepth) levels")
        }
        if budget % 4096 == 0 { try deadline.check() }
        let tag = node.tag.description
        let plain: JSONValue
        switch node {
        case .scalar(let scalar):
            plain = scalarValue(scalar, tag: tag)
        case .sequence(let sequence):
            var items: [JSONValue] = []
            items.reserveCapacity(sequence.count)
            for item in sequence { items.append(try convert(item, depth: depth + 1, budget: &budget, limits: limits, deadline: deadline)) }
            plain = .array(items)
        case .mapping(let mapping):
            var object: [String: JSONValue] = [:]
            for (key, value) in mapping {
                // YAML merge keys (`<<: *base`) fold the referenced mapping in, as YAML 1.1 loaders do.
                if key.string == "<<", case .mapping = value {
                    if case .object(let merged) = try convert(value, depth: depth + 1, budget: &budget, limits: limits, deadline: deadline) {
                        for (k, v) in merged where object[k] == nil { object[k] = v }
                    }
                    continue
                }
                let keyString = key.string ?? "\(key)"
                if keyString.contains(duplicateKeyMarker) { continue }
                object[keyString] = try convert(value, depth: depth + 1, budget: &budget, limits: limits, deadline: deadline)
            }
            plain = .object(object)
        case .alias:
            plain = .null
        }
        return intrinsic(tag: tag, value: plain)
    }

    /// Short tag → long form. Standard YAML tags (`tag:yaml.org,2002:…`) pass through.
    private static func intrinsic(tag: String, value: JSONValue) -> JSONValue {
        guard tag.hasPrefix("!"), !tag.hasPrefix("!!") else { return value }
        let name = String(tag.dropFirst())
        switch name {
        case "Ref": return ["Ref": value]
        case "Condition": return ["Condition": value]
        case "GetAtt":
            // `!GetAtt Resource.Attribute.Maybe.Dotted` splits at the first dot only.
            if case .string(let s) = value, let dot = s.firstIndex(of: ".") {
                return ["Fn::GetAtt": [.string(String(s[..<dot])), .string(String(s[s.index(after: dot)...]))]]
            }
            return ["Fn::GetAtt": value]
        default: return .object(["Fn::\(name)": value])
        }
    }

    private static func scalarValue(_ scalar: Node.Scalar, tag: String) -> JSONValue {
        let string = scalar.string
        // Quoted scalars and explicitly tagged ones are strings; only plain scalars resolve to other types.
        guard scalar.style == .plain, !tag.hasPrefix("!") || tag.hasPrefix("!!") else {
            return tag == "tag:yaml.org,2002:null" ? .null : .string(string)
        }
        switch tag {
        case "tag:yaml.org,2002:null": return .null
        case "tag:yaml.org,2002:bool":
            return .bool(["true", "yes", "on"].contains(string.lowercased()))
        case "tag:yaml.org,2002:int":
            if let value = Int64(string) { return .number(Double(value)) }
            return .string(string)
        case "tag:yaml.org,2002:float":
            if let value = Double(string), value.isFinite { return .number(value) }
            return .string(string)
        default:
            return .string(string)
        }
    }
}
