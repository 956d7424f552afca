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
        public init(maxNodes: Int = 2_000_000, maxDepth: Int = 200, maxBytes: Int = 5 << 20) {
            self.maxNodes = maxNodes; self.maxDepth = maxDepth; self.maxBytes = maxBytes
        }
        public static let `default` = Limits()
    }

    /// Parses YAML (a superset of JSON) with CloudFormation tags.
    public static func load(_ data: Data, limits: Limits = .default) throws -> JSONValue {
        guard data.count <= limits.maxBytes else {
            throw LSQMError(.invalidInput, action: "parse template", cause: "it is \(data.count) bytes, over the \(limits.maxBytes)-byte limit")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw LSQMError(.invalidInput, action: "parse template", cause: "it is not UTF-8 text")
        }
        return try load(text, limits: limits)
    }

    public static func load(_ text: String, limits: Limits = .default) throws -> JSONValue {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw LSQMError(.invalidInput, action: "parse YAML", cause: describe(error))
        } catch {
            throw LSQMError(.invalidInput, action: "parse YAML", cause: LSQMError.describe(error))
        }
        guard let node else { return .null }
        var budget = limits.maxNodes
        return try convert(node, depth: 0, budget: &budget, limits: limits)
    }

    private static func describe(_ error: YamlError) -> String {
        let text = "\(error)"
        // Yams prints multi-line context; the first line says what and where.
        return text.split(separator: "\n").first.map(String.init) ?? text
    }

    private static func convert(_ node: Node, depth: Int, budget: inout Int, limits: Limits) throws -> JSONValue {
        budget -= 1
        guard budget >= 0 else {
            throw LSQMError(.invalidInput, action: "parse YAML", cause: "the document expands to more than \(limits.maxNodes) nodes (a YAML alias bomb?)")
        }
        guard depth <= limits.maxDepth else {
            throw LSQMError(.invalidInput, action: "parse YAML", cause: "nesting deeper than \(limits.maxDepth) levels")
        }
        let tag = node.tag.description
        let plain: JSONValue
        switch node {
        case .scalar(let scalar):
            plain = scalarValue(scalar, tag: tag)
        case .sequence(let sequence):
            var items: [JSONValue] = []
            items.reserveCapacity(sequence.count)
            for item in sequence { items.append(try convert(item, depth: depth + 1, budget: &budget, limits: limits)) }
            plain = .array(items)
        case .mapping(let mapping):
            var object: [String: JSONValue] = [:]
            for (key, value) in mapping {
                // YAML merge keys (`<<: *base`) fold the referenced mapping in, as YAML 1.1 loaders do.
                if key.string == "<<", case .mapping = value {
                    if case .object(let merged) = try convert(value, depth: depth + 1, budget: &budget, limits: limits) {
                        for (k, v) in merged where object[k] == nil { object[k] = v }
                    }
                    continue
                }
                let keyString = key.string ?? "\(key)"
                object[keyString] = try convert(value, depth: depth + 1, budget: &budget, limits: limits)
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
