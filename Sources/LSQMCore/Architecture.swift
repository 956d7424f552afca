import Foundation
import LSQMBasics
import LSQMTemplates

/// The record of turning a non-Terraform template into Terraform.
public struct NormalizationRecord: Codable, Sendable, Equatable {
    /// `needsInput`: the template needs something only its author can give (see `inputs` without a value); it
    /// is indexed with that reason and never deployed, and it is not a failure.
    public enum Status: String, Codable, Sendable { case full, partial, needsInput = "needs_input", failed }
    public struct Unsupported: Codable, Sendable, Equatable {
        public var resource: String
        public var type: String
        public var reason: String
        public init(resource: String, type: String, reason: String) {
            self.resource = resource; self.type = type; self.reason = reason
        }
    }
    /// A value the template expects from its deployer: what the normalizer chose (`value`) and how, or, with no
    /// value, what only the template's author can give.
    public struct Input: Codable, Sendable, Equatable {
        public var parameter: String
        public var value: String?
        public var how: String
        public init(parameter: String, value: String?, how: String) { self.parameter = parameter; self.value = value; self.how = how }
    }
    public var status: Status
    public var unsupported: [Unsupported]
    public var warnings: [String]
    /// Absent from records written before inputs were tracked.
    public var inputs: [Input]?
    public var normalizer: String?
    public var normalizerVersion: String?

    public init(
        status: Status, unsupported: [Unsupported] = [], warnings: [String] = [], inputs: [Input]? = nil,
        normalizer: String? = nil, normalizerVersion: String? = nil
    ) {
        self.status = status; self.unsupported = unsupported; self.warnings = warnings; self.inputs = inputs
        self.normalizer = normalizer; self.normalizerVersion = normalizerVersion
    }

    /// Why a `needsInput` architecture cannot be deployed: the inputs only its author can give.
    public var missingInputs: String? {
        guard status == .needsInput else { return nil }
        let missing = (inputs ?? []).filter { $0.value == nil }.map { "\($0.parameter) (\($0.how))" }
        return missing.isEmpty ? "an input only the template's author can give" : missing.joined(separator: "; ")
    }

    enum CodingKeys: String, CodingKey {
        case status, unsupported, warnings, inputs, normalizer
        case normalizerVersion = "normalizer_version"
    }
}

/// One resource block of an architecture's (possibly normalized) Terraform and how many instances it makes,
/// evaluated statically when it was indexed: generate tests only what exists.
public struct ResourceInstances: Codable, Sendable, Equatable {
    /// `aws_s3_bucket.b` in the root module; `folder/aws_s3_bucket.b` inside a local module's folder.
    public var address: String
    public var type: String
    /// Instances Terraform will create; nil when that is known only when planning.
    public var count: Int?
    /// Why `count` is nil.
    public var unknownReason: String?

    public init(address: String, type: String, count: Int?, unknownReason: String? = nil) {
        self.address = address; self.type = type; self.count = count; self.unknownReason = unknownReason
    }

    enum CodingKeys: String, CodingKey {
        case address, type, count
        case unknownReason = "unknown_reason"
    }
}

/// One indexed architecture: identity, provenance and what it uses.
public struct Architecture: Codable, Sendable, Equatable, Identifiable {
    /// Full sha256 of the canonical content (see `ContentHash.architecture`).
    public var id: String
    public var name: String
    public var kind: ArchitectureKind
    /// Where it came from; stable across runs (incremental mining skips known URLs).
    public var sourceURL: String
    /// The source plugin that found it.
    public var source: String
    /// AWS services it uses, lower-case service ids ("s3", "lambda"), sorted.
    public var services: [String]
    public var resourceCount: Int
    /// Relative paths of its original files, sorted.
    public var files: [String]
    public var discoveredAt: Date
    public var normalization: NormalizationRecord?
    /// Why it will not be validated (unsupported service, not standalone), if it will not.
    public var skipReason: String?
    /// Free-form provenance from the source (repo, commit, license).
    public var provenance: JSONValue?
    /// The Terraform's resource blocks with their instance counts, sorted by address; nil in indexes written
    /// before lsqm recorded them (generate then reads the Terraform itself).
    public var terraformResources: [ResourceInstances]?

    public init(
        id: String, name: String, kind: ArchitectureKind, sourceURL: String, source: String, services: [String],
        resourceCount: Int, files: [String], discoveredAt: Date, normalization: NormalizationRecord? = nil,
        skipReason: String? = nil, provenance: JSONValue? = nil, terraformResources: [ResourceInstances]? = nil
    ) {
        self.id = id; self.name = name; self.kind = kind; self.sourceURL = sourceURL; self.source = source
        self.services = services; self.resourceCount = resourceCount; self.files = files
        self.discoveredAt = discoveredAt; self.normalization = normalization; self.skipReason = skipReason
        self.provenance = provenance; self.terraformResources = terraformResources
    }

    enum CodingKeys: String, CodingKey {
        case id, name, kind, source, services, files, normalization, provenance
        case sourceURL = "source_url"
        case resourceCount = "resource_count"
        case discoveredAt = "discovered_at"
        case skipReason = "skip_reason"
        case terraformResources = "terraform_resources"
    }
}

extension Architecture {
    /// The services a translation dropped whole: every resource of theirs was left out as unsupported, so nothing
    /// of them was deployed and a verdict says nothing about them. Read from a bench-signal run: a SAM AppSync
    /// architecture PASSED on its IAM role alone, its GraphQL API and data source dropped, and AppSync's pass rate
    /// was credited with it. Empty for Terraform, for full translations and for indexes without resource counts.
    public var untranslatedServices: [String] {
        guard let normalization, !normalization.unsupported.isEmpty, let deployed = terraformResources else { return [] }
        let dropped = Set(normalization.unsupported.flatMap { AWSServices.cloudFormationServices($0.type) })
        let kept = Set(deployed.compactMap { AWSServices.terraformService($0.type) })
        // Only services the architecture is listed under: a dropped type is never a new service.
        return services.filter { dropped.contains($0) && !kept.contains($0) }
    }

    /// The services a validation of this architecture exercises: its services less the untranslated ones.
    public var testedServices: [String] {
        let untranslated = Set(untranslatedServices)
        return services.filter { !untranslated.contains($0) }
    }
}

/// `architectures/index.json`: every known architecture and every source URL ever seen.
public struct ArchitectureIndex: Codable, Sendable, Equatable {
    public static let currentVersion = 1
    public var version: Int
    public var architectures: [String: Architecture]
    /// Source URLs seen but not indexed, with the reason (bad template, duplicate, filtered). Incremental
    /// mining skips these too, so a bad file is not re-downloaded every week.
    public var skipped: [String: String]

    public init(architectures: [String: Architecture] = [:], skipped: [String: String] = [:]) {
        self.version = ArchitectureIndex.currentVersion
        self.architectures = architectures
        self.skipped = skipped
    }

    public var knownSourceURLs: Set<String> {
        Set(architectures.values.map(\.sourceURL)).union(skipped.keys)
    }

    public var knownHashes: Set<String> { Set(architectures.keys) }

    /// Architectures sorted by id, for stable iteration.
    public var sorted: [Architecture] { architectures.values.sorted { $0.id < $1.id } }
}
