import Foundation
import LSQMBasics

/// What an architecture's templates are written in: the one kind enum of lsqm. It lives here, below the domain,
/// because the normalizer plugins and the remote sources classify templates without the domain layer; the raw
/// values are the wire and index spelling.
public enum ArchitectureKind: String, Sendable, Codable, CaseIterable, Comparable {
    case terraform, cloudformation, sam, serverless
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    /// True when the kind must be normalized to Terraform before it can be deployed.
    public var needsNormalization: Bool { self != .terraform }

    /// When one folder holds several kinds of marker, the one that deploys the folder wins: Terraform
    /// (a `.tf` file makes the folder a Terraform configuration, any YAML is data for it), then a
    /// `serverless.yml` (its `resources` are CloudFormation fragments), then SAM over plain CloudFormation.
    var precedence: Int {
        switch self {
        case .terraform: return 0
        case .serverless: return 1
        case .sam: return 2
        case .cloudformation: return 3
        }
    }
}

/// Decides, file by file, whether a file marks a folder as an architecture and of which kind.
public enum TemplateClassifier {
    public enum Verdict: Sendable, Equatable {
        /// A template of this kind.
        case template(ArchitectureKind)
        /// Named like a template but unreadable as one (`template.yaml` with a syntax error): it still marks
        /// its folder, so the architecture is found and its problem recorded instead of silently vanishing.
        case brokenTemplate(ArchitectureKind, reason: String)
        /// Hostile input (alias bomb, nesting, size): the file must be skipped.
        case hostile(reason: String)
        /// Any other file.
        case other
    }

    static let serverlessNames: Set<String> = ["serverless.yml", "serverless.yaml"]
    static let templateExtensions: Set<String> = ["yaml", "yml", "json", "template"]
    /// File names that only ever hold CloudFormation/SAM templates.
    static func isConventionalTemplateName(_ name: String) -> Bool {
        let lower = name.lowercased()
        return ["template.yaml", "template.yml", "template.json"].contains(lower) || lower.hasSuffix(".template")
            || lower.contains(".template.") || lower.contains(".cfn.") || lower.hasSuffix("-template.yaml")
            || lower.hasSuffix("-template.yml") || lower.hasSuffix("-template.json")
    }

    public static func classify(path: String, content: Data) -> Verdict {
        let name = (path as NSString).lastPathComponent
        if TerraformConfiguration.isTerraformFile(name) { return .template(.terraform) }
        let lowerName = name.lowercased()
        if serverlessNames.contains(lowerName) { return classifyServerless(content) }
        guard templateExtensions.contains((lowerName as NSString).pathExtension) else { return .other }
        // Cheap pre-check: a template must say one of these words; most YAML/JSON files are never parsed.
        guard contains(content, "Resources") || contains(content, "AWSTemplateFormatVersion") else {
            return isConventionalTemplateName(name) ? .brokenTemplate(.cloudformation, reason: "it has no Resources section") : .other
        }
        let document: JSONValue
        do {
            document = try load(content, json: lowerName.hasSuffix(".json"))
        } catch {
            if TemplateYAML.isLimitError(error) { return .hostile(reason: LSQMError.describe(error)) }
            guard isConventionalTemplateName(name) else { return .other }
            // Unparsable, so the kind is a best guess from the text: SAM says so in its transform or types.
            return .brokenTemplate(contains(content, "AWS::Serverless") ? .sam : .cloudformation, reason: LSQMError.describe(error))
        }
        return cloudFormationKind(document).map { .template($0) } ?? .other
    }

    /// Loads a template: JSON files with Foundation's decoder first (fast, and tabs are legal in JSON but not
    /// YAML), everything else — and JSON that fails — through `TemplateYAML` with its limits.
    public static func load(_ content: Data, json: Bool) throws -> JSONValue {
        // `.template` files are JSON as often as YAML.
        let looksLikeJSON = json || content.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) } == UInt8(ascii: "{")
        if looksLikeJSON, content.count <= TemplateYAML.Limits.default.maxBytes,
            let value = try? JSONDecoder().decode(JSONValue.self, from: content)
        {
            return value
        }
        return try TemplateYAML.load(content, format: json ? "JSON" : "YAML")
    }

    /// `cloudformation` or `sam` when `document` is a CloudFormation template: it declares
    /// `AWSTemplateFormatVersion`, or its `Resources` map logical ids to objects with a `Type` like `AWS::S3::Bucket`.
    public static func cloudFormationKind(_ document: JSONValue) -> ArchitectureKind? {
        guard let object = document.objectValue else { return nil }
        let types = resourceTypes(document)
        guard object["AWSTemplateFormatVersion"] != nil || !types.isEmpty else { return nil }
        return isSAM(document, types: types) ? .sam : .cloudformation
    }

    /// `Resources.*.Type` values, sorted by logical id.
    public static func resourceTypes(_ document: JSONValue) -> [(logicalID: String, type: String)] {
        guard let resources = document["Resources"]?.objectValue else { return [] }
        return resources.sorted { $0.key < $1.key }.compactMap { id, body in
            guard let type = body["Type"]?.stringValue, type.contains("::") else { return nil }
            return (id, type)
        }
    }

    static func isSAM(_ document: JSONValue, types: [(logicalID: String, type: String)]) -> Bool {
        let transforms: [JSONValue] = document["Transform"].map { $0.arrayValue ?? [$0] } ?? []
        if transforms.contains(where: { $0.stringValue?.hasPrefix("AWS::Serverless") == true }) { return true }
        return types.contains { $0.type.hasPrefix("AWS::Serverless::") }
    }

    /// A Serverless Framework service counts when its provider is AWS (`provider: aws` or `provider: {name: aws}`).
    /// One that does not parse is still a marker: its folder is found and the problem is recorded.
    static func classifyServerless(_ content: Data) -> Verdict {
        do {
            let document = try TemplateYAML.load(content)
            let provider = document["provider"]
            let name = provider?.stringValue ?? provider?["name"]?.stringValue
            return name?.lowercased() == "aws" ? .template(.serverless) : .other
        } catch {
            if TemplateYAML.isLimitError(error) { return .hostile(reason: LSQMError.describe(error)) }
            return .brokenTemplate(.serverless, reason: LSQMError.describe(error))
        }
    }

    static func contains(_ content: Data, _ word: String) -> Bool {
        content.range(of: Data(word.utf8)) != nil
    }
}
