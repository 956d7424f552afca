import Foundation
import LSQMBasics
import LSQMPluginKit

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
    /// What references read instead of the variable, when a prerequisite was made for the parameter.
    var expression: TypedExpr? = nil
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
    /// What the template expects to exist before it is deployed, and every input chosen for it.
    let prerequisites = Prerequisites()
    /// `Fn::ImportValue` argument → the property that reads it.
    var importUsage: [JSONValue: String] = [:]
    /// Terraform names of the template's secrets that get a value (`…_version`), for dynamic references to them.
    var secretsWithValue: Set<String> = []
    /// Names (the `Name` property) of the template's own secrets with a value and SSM parameters → their Terraform
    /// names: a dynamic reference to one of them reads it rather than a prerequisite of the same name.
    var templateSecretNames: [String: String] = [:]
    var templateParameterNames: [String: String] = [:]
    /// Resources whose type is mapped but whose shape is not (logical id → reason).
    var unsupportedShapes: [String: String] = [:]
    /// Functions an AWS::Lambda::Version publishes.
    var publishedFunctions: Set<String> = []
    var warnings: [String] = []
    var unsupported: [NormalizationResult.Unsupported] = []
    /// Resources left out while being emitted (logical id → why): a value they need cannot be translated. The
    /// translation runs again with them unsupported (`forcedUnsupported`), so that nothing refers to them.
    var droppedAtEmission: [String: String] = [:]
    var forcedUnsupported: [String: String] = [:]
    /// Why each unresolvable value (see `unresolvable(_:)`) could not be translated, by its number.
    private var unresolvableReasons: [String] = []
    var outputFiles: [PluginFile] = []
    /// The resource being translated, so warnings name it.
    var currentResource: String?

    init(architectureName: String, files: [String: Data], baseDirectory: String) {
        self.architectureName = architectureName; self.files = files; self.baseDirectory = baseDirectory
    }

    /// The same architecture, before any translation: what was learned before the template was translated
    /// (Serverless variables' warnings and inputs) is kept, everything the translation learns is not.
    func restarted(
        forcedUnsupported: [String: String],
        keeping snapshot: (warnings: [String], unsupported: [NormalizationResult.Unsupported], inputs: [NormalizationResult.Input])
    ) -> TranslationContext {
        let fresh = TranslationContext(architectureName: architectureName, files: files, baseDirectory: baseDirectory)
        fresh.warnings = snapshot.warnings
        fresh.unsupported = snapshot.unsupported
        for input in snapshot.inputs { fresh.prerequisites.record(input.parameter, input.value, input.how) }
        fresh.forcedUnsupported = forcedUnsupported
        return fresh
    }

    static let unresolvablePrefix = "lsqm_unresolvable.r"

    /// A value that cannot be translated. It never reaches the output: an optional argument holding it is left
    /// out, and a resource that needs it is dropped (and recorded as unsupported) instead of getting an invented value.
    func unresolvable(_ reason: String) -> TypedExpr {
        unresolvableReasons.append(reason)
        return TypedExpr(.ref(Self.unresolvablePrefix + String(unresolvableReasons.count - 1)), .any)
    }

    /// Why a printed expression or block cannot be translated, if it holds an unresolvable value.
    func unresolvableReason(_ printed: String) -> String? {
        guard let range = printed.range(of: Self.unresolvablePrefix) else { return nil }
        let digits = printed[range.upperBound...].prefix { $0.isNumber }
        return Int(digits).flatMap { $0 < unresolvableReasons.count ? unresolvableReasons[$0] : nil } ?? "a value lsqm cannot translate"
    }

    func unresolvableReason(_ expr: HCLExpr) -> String? { unresolvableReason(HCLPrinter.expression(expr, indent: 0)) }

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
