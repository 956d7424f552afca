import Foundation
import LSQMPluginKit
import LSQMBasics

/// Where one CloudFormation resource went: its Terraform address (nil when it could not be translated).
struct ResourcePlan {
    let logicalID: String
    let cfnType: String
    let mapping: TypeMapping?
    let condition: String?
    /// For resources that live inside another one in Terraform (a Lambda version is its function, published).
    var redirect: String? = nil
    var address: String? { mapping.map { "\($0.tfType).\(Naming.identifier(redirect ?? logicalID))" } }
}

struct ParameterInfo {
    let variable: String
    let valueType: ValueType
}

enum DataSource: String, CaseIterable, Comparable {
    case region, callerIdentity, partition, availabilityZones
    static func < (a: DataSource, b: DataSource) -> Bool { a.rawValue < b.rawValue }
}

/// Everything one translation learns and collects: the plan for every resource, parameters, what was used,
/// and every warning and unsupported resource (so nothing is dropped silently).
final class TranslationContext {
    let architectureName: String
    let files: [String: Data]
    let baseDirectory: String
    var parameters: [String: ParameterInfo] = [:]
    var mappings: [String: JSONValue] = [:]
    var conditions: [String: JSONValue] = [:]
    var plans: [String: ResourcePlan] = [:]
    /// The template's resources after SAM expansion, for mappings that wire one resource to its neighbours
    /// (an API Gateway deployment depends on every method of its API).
    var resources: [String: JSONValue] = [:]
    var usedData: Set<DataSource> = []
    var imports: [String: String] = [:]
    /// Resources whose type is mapped but whose shape is not (logical id → reason).
    var unsupportedShapes: [String: String] = [:]
    /// Functions an AWS::Lambda::Version publishes.
    var publishedFunctions: Set<String> = []
    var warnings: [String] = []
    var unsupported: [NormalizationResult.Unsupported] = []
    var outputFiles: [PluginFile] = []
    /// The resource being translated, so warnings name it.
    var currentResource: String?

    init(architectureName: String, files: [String: Data], baseDirectory: String) {
        self.architectureName = architectureName; self.files = files; self.baseDirectory = baseDirectory
    }

    func warn(_ message: String) {
        let text = currentResource.map { "\($0): \(message)" } ?? message
        if !warnings.contains(text) { warnings.append(text) }
    }

    func unsupported(_ resource: String, _ type: String, _ reason: String) {
        unsupported.append(.init(resource: resource, type: type, reason: reason))
    }

    /// A path relative to the template's folder, normalized; nil when it leaves the architecture.
    func resolvePath(_ relative: String) -> String? {
        var parts: [Substring] = baseDirectory.isEmpty ? [] : baseDirectory.split(separator: "/")
        for piece in relative.split(separator: "/") {
            if piece == "." || piece.isEmpty { continue }
            if piece == ".." { guard !parts.isEmpty else { return nil }; parts.removeLast(); continue }
            parts.append(piece)
        }
        return parts.joined(separator: "/")
    }
}
