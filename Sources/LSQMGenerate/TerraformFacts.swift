import Foundation
import LSQMBasics
import LSQMTemplates

/// What the generators need to know about an architecture's Terraform: its resources (type, name, the
/// attributes whose values are written out literally or as references) and its outputs (name and what they
/// point at). Nothing is evaluated; `var.x` and `local.x` are resolved only when their value is a literal.
///
/// Read with the project's HCL reader (`LSQMTemplates.HCLReader`); this type only keeps what the generators use.
public struct TerraformFacts: Sendable, Equatable {
    /// An attribute's value as written.
    public enum Value: Sendable, Equatable {
        /// A string without interpolation, a number or a bool, as text.
        case literal(String)
        /// A bare reference such as `aws_sqs_queue.jobs.arn` or `var.name`.
        case reference(String)
        /// A string with interpolations: literal text and the references (or nil for other expressions) between.
        case template([TemplatePart])
        /// Anything else (a function call, a list, an object), as its tokens.
        case expression([HCLToken])

        public var literal: String? { if case .literal(let s) = self { return s }; return nil }
        public var reference: String? { if case .reference(let s) = self { return s }; return nil }

        public enum TemplatePart: Sendable, Equatable {
            case text(String)
            /// `${var.x}`: the reference, or nil when the interpolation is not a bare reference.
            case interpolation(String?)
        }

        /// Classifies an attribute's tokens.
        init(_ tokens: [HCLToken]) {
            if tokens.count == 1 {
                switch tokens[0].kind {
                case .template(let template):
                    if let literal = template.literalValue { self = .literal(literal); return }
                    self = .template(
                        template.parts.map { part in
                            switch part {
                            case .literal(let text): return .text(text)
                            case .interpolation(let inner): return .interpolation(Value.referenceText(inner))
                            case .directive: return .interpolation(nil)
                            }
                        })
                    return
                case .number(let number): self = .literal(number); return
                case .identifier(let word) where word == "true" || word == "false": self = .literal(word); return
                default: break
                }
            }
            if let reference = Value.referenceText(tokens) { self = .reference(reference); return }
            self = .expression(tokens)
        }

        /// `a.b.c` when the tokens are identifiers joined by dots (at least two).
        static func referenceText(_ tokens: [HCLToken]) -> String? {
            guard tokens.count >= 3, tokens.count % 2 == 1 else { return nil }
            var names: [String] = []
            for (index, token) in tokens.enumerated() {
                if index % 2 == 1 { guard token.isSymbol(".") else { return nil }; continue }
                guard case .identifier(let name) = token.kind else { return nil }
                names.append(name)
            }
            return names.joined(separator: ".")
        }

        /// The keys of an object expression `{ A = x, "B" = y }` (top level only).
        public var objectKeys: [String] {
            guard case .expression(let tokens) = self, tokens.first?.isSymbol("{") == true else { return [] }
            var keys: [String] = []
            var depth = 0
            for (index, token) in tokens.enumerated() {
                if case .symbol(let symbol) = token.kind {
                    if ["{", "[", "("].contains(symbol) { depth += 1 } else if ["}", "]", ")"].contains(symbol) { depth -= 1 }
                }
                guard depth == 1, index + 1 < tokens.count, tokens[index + 1].isSymbol("=") || tokens[index + 1].isSymbol(":") else { continue }
                switch token.kind {
                case .identifier(let key): keys.append(key)
                case .template(let template): if let key = template.literalValue { keys.append(key) }
                default: break
                }
            }
            return keys
        }
    }

    /// A block's attributes and nested blocks.
    public struct Body: Sendable, Equatable {
        public var attributes: [String: Value] = [:]
        public var blocks: [(type: String, labels: [String], body: Body)] = []

        public init() {}

        init(_ hcl: HCLBody) {
            for attribute in hcl.attributes { attributes[attribute.name] = Value(attribute.expression) }
            blocks = hcl.blocks.map { ($0.type, $0.labels, Body($0.body)) }
        }

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
        /// The file that declares it, relative to the architecture.
        public var path = ""
        /// `type.name`, how other blocks refer to it.
        public var address: String { "\(type).\(name)" }
        /// True with `count` or `for_each`: one block, several (or no) real resources.
        public var isRepeated: Bool { body.attributes["count"] != nil || body.attributes["for_each"] != nil }
    }

    public struct Output: Sendable, Equatable {
        public var name: String
        public var value: Value?
    }

    public var resources: [Resource] = [] { didSet { index = ResourceIndex(resources) } }
    /// Lookups by address and by type, so the generator's cost stays linear in the number of resources.
    private var index = ResourceIndex([])
    public var outputs: [Output] = []
    /// Variables and locals whose value is a literal (tfvars override variable defaults).
    public var literals: [String: String] = [:]
    /// Files that could not be scanned, with the reason.
    public var problems: [String] = []
    /// How many instances each resource block makes, by `TerraformCounts.address`: from the index when it
    /// records them, else evaluated while scanning.
    public var instances: [String: TerraformCounts.Instances] = [:]

    public init() {}

    /// The instance count of a resource block; nil when nothing says (it is then taken to exist once).
    public func instances(of resource: Resource) -> TerraformCounts.Instances? {
        instances[TerraformCounts.address(type: resource.type, name: resource.name, path: resource.path)]
    }

    /// Whether the block certainly makes at least one instance (a block nothing counts is taken to exist).
    public func exists(_ resource: Resource) -> Bool {
        guard let counted = instances(of: resource) else { return true }
        return (counted.count ?? 0) > 0
    }

    /// Whether exactly one instance of the block exists, so its literal attributes name the deployed resource.
    public func isSingle(_ resource: Resource) -> Bool {
        guard resource.isRepeated else { return true }
        return resource.body.attributes["for_each"] == nil && instances(of: resource)?.count == 1
    }

    public func resources(ofType type: String) -> [Resource] { index.byType[type]?.map { resources[$0] } ?? [] }

    public func resource(at address: String) -> Resource? { index.byAddress[address].map { resources[$0] } }

    /// Positions in `resources`: the first block of each address, every block of each type in order.
    private struct ResourceIndex: Sendable, Equatable {
        var byAddress: [String: Int] = [:]
        var byType: [String: [Int]] = [:]
        init(_ resources: [Resource]) {
            for (position, resource) in resources.enumerated() {
                if byAddress[resource.address] == nil { byAddress[resource.address] = position }
                byType[resource.type, default: []].append(position)
            }
        }
    }

    /// The literal text of an attribute, resolving `var.x`, `local.x` and `"${var.x}-suffix"` when every part is
    /// known. Nil when the value is computed.
    public func literal(_ value: Value?) -> String? {
        switch value {
        case .literal(let text): return text
        case .reference(let ref): return literals[ref]
        case .template(let parts): return resolveTemplate(parts)
        case .expression, nil: return nil
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
    private func resolveTemplate(_ parts: [Value.TemplatePart]) -> String? {
        var text = ""
        for part in parts {
            switch part {
            case .text(let literal): text += literal
            case .interpolation(let reference):
                guard let reference, let value = literals[reference] else { return nil }
                text += value
            }
        }
        return text
    }

    /// Scans every `*.tf` and `*.tfvars` file under a directory.
    /// - Parameter evaluateCounts: false when the caller has the instance counts already (the index's).
    public static func scan(directory: URL, evaluateCounts: Bool = true) -> TerraformFacts {
        let files = Files.regularFiles(under: directory).compactMap { path -> (String, String)? in
            guard path.hasSuffix(".tf") || path.hasSuffix(".tfvars"),
                let data = try? Files.read(directory.appendingPathComponent(path))
            else { return nil }
            return (path, String(decoding: data, as: UTF8.self))
        }
        return scan(files: files, evaluateCounts: evaluateCounts)
    }

    /// Scans Terraform sources given as (relative path, text). Only root-module files feed variables: a
    /// nested module's variables take values from its caller, not from their defaults.
    public static func scan(files: [(path: String, text: String)], evaluateCounts: Bool = true) -> TerraformFacts {
        var facts = TerraformFacts()
        var variableDefaults: [String: String] = [:]
        var tfvars: [String: String] = [:]
        var parsed: [(path: String, body: HCLBody)] = []
        // Collected apart and assigned once: every assignment to `facts.resources` rebuilds its index.
        var resources: [Resource] = []
        for (path, text) in files.sorted(by: { $0.path < $1.path }) {
            let body: Body
            do {
                let hcl = try HCLReader.parse(text)
                if path.hasSuffix(".tf") || TerraformCounts.isAutoLoadedVariables(path) { parsed.append((path, hcl)) }
                body = Body(hcl)
            } catch {
                facts.problems.append("\(path): \(error)")
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
                    resources.append(Resource(type: block.labels[0], name: block.labels[1], body: block.body, path: path))
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
        facts.resources = resources
        facts.literals.merge(variableDefaults) { existing, _ in existing }
        facts.literals.merge(tfvars) { _, override in override }
        if evaluateCounts {
            for counted in TerraformCounts.evaluate(parsed: parsed) { facts.instances[counted.address] = counted }
        }
        return facts
    }
}
