import Foundation
import LSQMBasics
import LSQMCore
import LSQMHost
import LSQMPluginKit
import LSQMTemplates

/// Routes each architecture to the configured normalizer plugin for its kind.
///
/// Instances are created on first use and reused. A normalizer whose worker crashed is dropped, so the next
/// architecture gets a fresh worker: one poisonous template costs one architecture, not the whole run.
public actor NormalizerDispatch {
    private let manager: PluginManager
    private let selections: [PluginSelection]
    private let logger: Logger
    private var listings: [PluginListing]?
    private var instances: [String: NormalizerClient] = [:]

    public init(manager: PluginManager, selections: [PluginSelection], logger: Logger = .silent) {
        self.manager = manager
        self.selections = selections
        self.logger = logger
    }

    /// Normalizer plugins merged into another, by their old name: a config written before the merge keeps
    /// working. ServerlessNormalizer joined CloudFormationNormalizer, so the translation tables are linked once.
    static let mergedNames = ["ServerlessNormalizer": "CloudFormationNormalizer"]
    private var warnedMerged: Set<String> = []

    /// The configured normalizer plugin that accepts `kind`, as (selection, listing).
    private func plugin(for kind: ArchitectureKind) async throws -> (PluginSelection, PluginListing) {
        if listings == nil { listings = await manager.list() }
        let loaded = (listings ?? []).filter { $0.loaded && $0.kind == .normalizer }
        for selection in selections {
            var found = loaded.first(where: { $0.name == selection.name })
            if found == nil, let merged = Self.mergedNames[selection.name] {
                found = loaded.first(where: { $0.name == merged })
                if found != nil, warnedMerged.insert(selection.name).inserted {
                    logger.warning(
                        "mine", "normalizer_renamed",
                        "the normalizer \(selection.name) is now part of \(merged): using it (name \(merged) in the config's normalizers)",
                        fields: ["plugin": .string(selection.name)])
                }
            }
            guard let listing = found else { continue }
            if listing.kinds?.contains(kind.rawValue) ?? false { return (selection, listing) }
        }
        throw LSQMError(
            .plugin, action: "normalize a \(kind.rawValue) architecture",
            cause:
                "no configured normalizer plugin accepts the kind '\(kind.rawValue)' (configured: \(selections.map(\.name).joined(separator: ", ")))",
            hint: "build the normalizer plugins (swift build) and list them under 'normalizers' in the config")
    }

    public func normalize(_ architecture: DiscoveredArchitecture, kind: ArchitectureKind) async throws -> NormalizedOutput {
        let (selection, listing) = try await plugin(for: kind)
        let normalizer: NormalizerClient
        if let existing = instances[selection.name] {
            normalizer = existing
        } else {
            normalizer = try await manager.normalizer(path: listing.path, name: selection.name, config: selection.config)
            instances[selection.name] = normalizer
        }
        let request = NormalizeRequest(
            kind: kind.rawValue, name: architecture.name, sourceURL: architecture.sourceURL,
            files: architecture.files.map { PluginFile(path: $0.path, data: $0.content) })
        let response: NormalizeResponse
        do {
            response = try await normalizer.normalize(request)
        } catch {
            // The worker may be dead (or answers nonsense); start a fresh one next time.
            instances[selection.name] = nil
            await normalizer.shutdown()
            throw error
        }
        let files = try PluginOutputCheck.files(response.files, action: "read the answer of normalizer \(selection.name)")
        let status = NormalizationRecord.Status(rawValue: response.normalization.status) ?? .failed
        let record = NormalizationRecord(
            status: status,
            unsupported: response.normalization.unsupported.map { .init(resource: $0.resource, type: $0.type, reason: $0.reason) },
            warnings: response.normalization.warnings,
            inputs: response.normalization.inputs?.map { .init(parameter: $0.parameter, value: $0.value, how: $0.how) },
            normalizer: listing.name, normalizerVersion: listing.version)
        return NormalizedOutput(terraformFiles: files, record: record)
    }

    public func shutdown() async {
        for normalizer in instances.values { await normalizer.shutdown() }
        instances.removeAll()
    }
}
