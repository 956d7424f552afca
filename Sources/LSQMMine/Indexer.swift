import Foundation
import LSQMBasics
import LSQMCore
import LSQMTemplates

/// A normalizer's result: the Terraform that deploys a CloudFormation/SAM/Serverless architecture, and the
/// record of what was and was not translated.
public struct NormalizedOutput: Sendable, Equatable {
    public var terraformFiles: [ArchitectureFile]
    public var record: NormalizationRecord
    public init(terraformFiles: [ArchitectureFile], record: NormalizationRecord) {
        self.terraformFiles = terraformFiles; self.record = record
    }
}

/// Turns a non-Terraform architecture into Terraform. Returns nil when no normalizer handles the kind;
/// throws when one tried and failed. The mine command wires this to the normalizer plugins.
public typealias ArchitectureNormalizer = @Sendable (DiscoveredArchitecture, ArchitectureKind) async throws -> NormalizedOutput?

/// What one indexing run did.
public struct MineSummary: Codable, Sendable, Equatable {
    /// Ids of the architectures added, in the order they were added.
    public var added: [String] = []
    /// Source URLs that were already in the index (incremental mining), not looked at again.
    public var alreadyKnown = 0
    /// Source URL → why it was not indexed (unreadable template, no template), recorded in `index.skipped`.
    public var skipped: [String: String] = [:]
    /// Source URL → the id of the architecture with identical content, recorded in `index.skipped`.
    public var duplicates: [String: String] = [:]
    /// Added architectures per kind.
    public var perKind: [String: Int] = [:]
    /// Added architectures per normalization status (`full`, `partial`, `needs_input`, `failed`, `none` when no normalizer ran).
    public var normalization: [String: Int] = [:]
    public var durations = Durations()

    public struct Durations: Codable, Sendable, Equatable {
        public var inspectMs = 0
        public var normalizeMs = 0
        public var writeMs = 0
        public var totalMs = 0
        enum CodingKeys: String, CodingKey {
            case inspectMs = "inspect_ms", normalizeMs = "normalize_ms", writeMs = "write_ms", totalMs = "total_ms"
        }
    }

    public init() {}

    enum CodingKeys: String, CodingKey {
        case added, skipped, duplicates, normalization, durations
        case alreadyKnown = "already_known"
        case perKind = "per_kind"
    }
}

/// The mine stage's indexing core: discovered architectures in, index entries and stored files out.
///
/// Per architecture, in order: skip a source URL the index already knows (incremental); hash the content and
/// record a duplicate of an indexed architecture in `index.skipped`; inspect it (kind, services, resources),
/// recording an unreadable one in `index.skipped`; normalize non-Terraform kinds through the injected
/// normalizer; write its files and metadata; add it to the index. The index is saved atomically every
/// `saveEvery` architectures and at the end, and an architecture's files are written before the index names
/// it, so a run killed at any point leaves an index that loads and never names missing files. Nothing about
/// one architecture stops the run; only a failure to write the store does (the index is saved first).
public struct ArchitectureIndexer: Sendable {
    public let store: ArtifactStore
    public let normalizer: ArchitectureNormalizer?
    public let logger: Logger
    public let saveEvery: Int
    public let now: @Sendable () -> Date

    public init(
        store: ArtifactStore, normalizer: ArchitectureNormalizer? = nil, logger: Logger = .silent, saveEvery: Int = 50,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.store = store; self.normalizer = normalizer; self.logger = logger
        self.saveEvery = max(1, saveEvery); self.now = now
    }

    public func index(_ architectures: [DiscoveredArchitecture]) async throws -> MineSummary {
        let total = Stopwatch()
        var index = try store.loadIndex()
        var summary = MineSummary()
        var unsaved = 0
        var seenURLs = index.knownSourceURLs
        // Source URLs are namespaced by source: the first source to index a URL owns it, and another source that
        // claims it (to shadow or replace that architecture) is refused.
        var owners = Dictionary(index.architectures.values.map { ($0.sourceURL, $0.source) }, uniquingKeysWith: { first, _ in first })

        func save() throws {
            let watch = Stopwatch()
            try store.saveIndex(index)
            summary.durations.writeMs += watch.milliseconds
            unsaved = 0
        }

        for discovered in architectures {
            if Task.isCancelled {
                try save()
                throw LSQMError(
                    .cancelled, action: "index architectures", cause: "cancelled after \(summary.added.count) were added; those are saved")
            }
            if let owner = owners[discovered.sourceURL], owner != discovered.source {
                let reason = "refused: source \(discovered.source) claims \(discovered.sourceURL), which belongs to source \(owner)"
                logger.warning(
                    "mine", "source_url_refused", reason, fields: ["source": .string(discovered.source), "source_url": .string(discovered.sourceURL)])
                summary.skipped[discovered.sourceURL] = reason
                continue
            }
            guard !seenURLs.contains(discovered.sourceURL) else {
                summary.alreadyKnown += 1
                continue
            }
            seenURLs.insert(discovered.sourceURL)
            let outcome: Outcome
            do {
                outcome = try await indexOne(discovered, index: index, summary: &summary)
            } catch {
                // The store could not be written: keep what is done, then stop.
                if unsaved > 0 { try? save() }
                throw error
            }
            switch outcome {
            case .added(let architecture):
                index.architectures[architecture.id] = architecture
                owners[architecture.sourceURL] = architecture.source
                summary.added.append(architecture.id)
                summary.perKind[architecture.kind.rawValue, default: 0] += 1
                summary.normalization[architecture.normalization?.status.rawValue ?? "none", default: 0] += 1
            case .duplicate(let existing):
                index.skipped[discovered.sourceURL] = "duplicate of \(existing)"
                summary.duplicates[discovered.sourceURL] = existing
            case .skipped(let reason):
                index.skipped[discovered.sourceURL] = reason
                summary.skipped[discovered.sourceURL] = reason
            }
            unsaved += 1
            if unsaved >= saveEvery { try save() }
        }
        if unsaved > 0 || !store.isInitialized { try save() }
        summary.durations.totalMs = total.milliseconds
        logger.info(
            "mine", "indexed",
            "\(summary.added.count) added, \(summary.alreadyKnown) already known, \(summary.duplicates.count) duplicates, \(summary.skipped.count) skipped",
            fields: [
                "added": .number(Double(summary.added.count)), "skipped": .number(Double(summary.skipped.count)),
                "duplicates": .number(Double(summary.duplicates.count)), "already_known": .number(Double(summary.alreadyKnown)),
            ])
        return summary
    }

    enum Outcome {
        case added(Architecture)
        case duplicate(of: String)
        case skipped(String)
    }

    /// Inspects, normalizes and stores one architecture. Throws only when the store cannot be written.
    func indexOne(_ discovered: DiscoveredArchitecture, index: ArchitectureIndex, summary: inout MineSummary) async throws -> Outcome {
        let hash = discovered.contentHash
        if index.architectures[hash] != nil { return .duplicate(of: hash) }

        let inspectWatch = Stopwatch()
        let inspection: ArchitectureInspection
        do {
            inspection = try ArchitectureInspector.inspect(files: discovered.files.map { ($0.path, $0.content) })
        } catch {
            summary.durations.inspectMs += inspectWatch.milliseconds
            let reason = LSQMError.describe(error)
            logger.warning("mine", "skipped", "\(discovered.name): \(reason)", fields: ["source_url": .string(discovered.sourceURL)])
            return .skipped(reason)
        }
        summary.durations.inspectMs += inspectWatch.milliseconds
        let kind = inspection.kind
        if let declared = discovered.declaredKind, declared != kind {
            logger.warning(
                "mine", "kind_mismatch", "\(discovered.name): the source says \(declared.rawValue), the content is \(kind.rawValue)",
                fields: ["source_url": .string(discovered.sourceURL)])
        }

        var normalization: NormalizationRecord?
        var skipReason: String?
        var terraformFiles: [ArchitectureFile]
        if kind.needsNormalization {
            let normalizeWatch = Stopwatch()
            (terraformFiles, normalization, skipReason) = await normalize(discovered, kind: kind)
            summary.durations.normalizeMs += normalizeWatch.milliseconds
        } else {
            // The whole folder is the Terraform to deploy, not only its .tf files: configurations read
            // neighbours through file(), templatefile() and archive_file (policies, .tftpl, handler code).
            terraformFiles = discovered.files
        }

        if skipReason == nil, kind == .terraform {
            // A sources plugin may have filtered already; a local folder has not.
            skipReason = TerraformStandalone.problem(discovered.files.map { ($0.path, $0.content) })
        }
        // Counted from the Terraform that will be deployed, so generate tests only what exists.
        let counted =
            kind == .terraform
            ? inspection.terraformResources
            : ArchitectureInspector.terraformResources(files: terraformFiles.map { ($0.path, $0.content) })
        if skipReason == nil, kind.needsNormalization, counted.isEmpty {
            // Every resource was left out as untranslatable: deploying the empty rest would PASS an architecture
            // lsqm never tried (read from a bench-signal run: a Service Catalog portfolio PASSED on no resource).
            let dropped = Set((normalization?.unsupported ?? []).map(\.type)).sorted()
            skipReason =
                "nothing to deploy: lsqm translated none of its resources"
                + (dropped.isEmpty ? "" : " (unsupported: \(dropped.joined(separator: ", ")))")
        }
        let architecture = Architecture(
            id: hash, name: discovered.name, kind: kind, sourceURL: discovered.sourceURL, source: discovered.source,
            services: inspection.services, resourceCount: inspection.resourceCount, files: discovered.files.map(\.path).sorted(),
            discoveredAt: now(), normalization: normalization, skipReason: skipReason, provenance: discovered.provenance,
            terraformResources: counted.map {
                ResourceInstances(address: $0.address, type: $0.type, count: $0.count, unknownReason: $0.unknownReason)
            })
        let writeWatch = Stopwatch()
        defer { summary.durations.writeMs += writeWatch.milliseconds }
        do {
            try store.saveArchitecture(
                architecture, originalFiles: discovered.files.map { ($0.path, $0.content) },
                terraformFiles: terraformFiles.map { ($0.path, $0.content) })
        } catch let error as LSQMError where error.kind == .invalidInput {
            // A file name that would escape its folder: the architecture is bad, not the store.
            return .skipped(error.message)
        }
        return .added(architecture)
    }

    /// Runs the normalizer; its failure is recorded on the architecture (which is still indexed, so the
    /// report shows what could not be normalized) rather than stopping the run.
    func normalize(_ discovered: DiscoveredArchitecture, kind: ArchitectureKind) async -> ([ArchitectureFile], NormalizationRecord?, String?) {
        guard let normalizer else {
            return ([], nil, "not normalized: no normalizer is configured for \(kind.rawValue)")
        }
        do {
            guard let output = try await normalizer(discovered, kind) else {
                return ([], nil, "not normalized: no normalizer handles \(kind.rawValue)")
            }
            // needs_input is not a failure, but it must never be deployed: the skip reason keeps it out of
            // validate and generate and says what its author has to give.
            let reason =
                output.record.status == .failed
                ? "normalization failed"
                : output.record.missingInputs.map { "needs input: \($0)" }
            return (output.terraformFiles, output.record, reason)
        } catch {
            let message = LSQMError.describe(error)
            logger.warning("mine", "normalize_failed", "\(discovered.name): \(message)", fields: ["source_url": .string(discovered.sourceURL)])
            return ([], NormalizationRecord(status: .failed, warnings: [message]), "normalization failed: \(message)")
        }
    }
}
