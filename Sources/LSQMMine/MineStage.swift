import Foundation
import LSQMBasics
import LSQMCore
import LSQMHost
import LSQMPluginKit

/// Stage 2: discover architectures with every configured source plugin, normalize them, index what is new.
///
/// Sources run one after another; each page a source returns is indexed before the next is asked for, so a
/// source that fails keeps its earlier pages and the other sources still run. Results are incremental: the
/// sources get the known source URLs and content hashes, and the indexer skips what the index knows.
public enum MineStage {
    public struct Input: Sendable {
        public var store: ArtifactStore
        public var sources: [PluginSelection]
        public var normalizers: [PluginSelection]
        public var manager: PluginManager
        public var dryRun: Bool
        public var pageLimit: Int
        public var logger: Logger

        public init(
            store: ArtifactStore, sources: [PluginSelection], normalizers: [PluginSelection], manager: PluginManager,
            dryRun: Bool = false, pageLimit: Int = 50, logger: Logger = .silent
        ) {
            self.store = store; self.sources = sources; self.normalizers = normalizers; self.manager = manager
            self.dryRun = dryRun; self.pageLimit = pageLimit; self.logger = logger
        }
    }

    public struct Output: Codable, Sendable, Equatable {
        public var sources: [SourceOutcome]
        public var summary: MineSummary
        /// In a dry run: architectures that would be added (new source URL and new content).
        public var wouldAdd: Int?
        public var durationMs: Int

        enum CodingKeys: String, CodingKey {
            case sources, summary
            case wouldAdd = "would_add"
            case durationMs = "duration_ms"
        }

        /// The sources that failed (what they found before failing is kept).
        public var failedSources: [SourceOutcome] { sources.filter { $0.error != nil } }

        /// Mine failed as a stage only when every source failed: one that answered is a result, the rest warnings.
        public var everySourceFailed: LSQMError? {
            let failed = failedSources
            guard !failed.isEmpty, failed.count == sources.count else { return nil }
            return LSQMError(
                .plugin, action: "mine", cause: "every source failed: " + failed.map { "\($0.source): \($0.error ?? "")" }.joined(separator: "; "))
        }
    }

    public static func run(_ input: Input) async throws -> Output {
        let stopwatch = Stopwatch()
        guard !input.sources.isEmpty else {
            throw LSQMError(
                .usage, action: "mine", cause: "no sources are configured",
                hint: "pass --local DIR, or list sources in the config file (see README \"Configuration\")")
        }
        let dispatch = NormalizerDispatch(manager: input.manager, selections: input.normalizers, logger: input.logger)
        let indexer = ArchitectureIndexer(
            store: input.store,
            normalizer: { architecture, kind in
                try await dispatch.normalize(architecture, kind: kind)
            }, logger: input.logger)
        let totals = Locked(MineSummary())
        let dryRunNew = Locked<(urls: Set<String>, hashes: Set<String>)>(([], []))
        var outcomes: [SourceOutcome] = []

        for selection in input.sources {
            let index = try input.store.loadIndex()
            let known = (urls: index.knownSourceURLs.union(dryRunNew.value.urls), hashes: index.knownHashes.union(dryRunNew.value.hashes))
            input.logger.info("mine", "source_start", "running source \(selection.name)", fields: ["source": .string(selection.name)])
            let outcome = await SourceRunner.run(
                selection, manager: input.manager, knownSourceURLs: known.urls, knownHashes: known.hashes,
                dryRun: input.dryRun, pageLimit: input.pageLimit, logger: input.logger
            ) { batch, skipped in
                if input.dryRun {
                    // Nothing is written: count what is new by URL and content.
                    dryRunNew.withLock { seen in
                        for architecture in batch where !known.urls.contains(architecture.sourceURL) && !seen.urls.contains(architecture.sourceURL) {
                            let hash = architecture.contentHash
                            seen.urls.insert(architecture.sourceURL)
                            if !known.hashes.contains(hash) { seen.hashes.insert(hash) }
                        }
                    }
                    return
                }
                try recordSkipped(skipped, store: input.store)
                let summary = try await indexer.index(batch)
                totals.withLock { $0.merge(summary) }
            }
            outcomes.append(outcome)
        }
        await dispatch.shutdown()
        var summary = totals.value
        summary.durations.totalMs = stopwatch.milliseconds
        let wouldAdd = input.dryRun ? dryRunNew.value.hashes.count : nil
        // Sources pass over known source URLs without returning them; those count as known here too, so a second
        // week reads "found 3, 3 already known" rather than "found 0".
        let known = summary.alreadyKnown + outcomes.map(\.alreadyKnown).reduce(0, +)
        let found = outcomes.map { $0.discovered + $0.alreadyKnown }.reduce(0, +)
        input.logger.info(
            "mine", "summary",
            input.dryRun
                ? "dry run: found \(found), \(wouldAdd ?? 0) would be added, \(known) already known"
                : "found \(found): \(summary.added.count) added\(Self.perKind(summary)), \(known) already known, \(summary.duplicates.count) duplicates, \(summary.skipped.count) skipped",
            fields: [
                "added": .number(Double(summary.added.count)), "found": .number(Double(found)), "already_known": .number(Double(known)),
                "failed_sources": .number(Double(outcomes.filter { $0.error != nil }.count)),
            ])
        return Output(sources: outcomes, summary: summary, wouldAdd: wouldAdd, durationMs: stopwatch.milliseconds)
    }

    /// " (terraform 2, sam 1)" after the count added; nothing when none was added (not "0 added ()").
    static func perKind(_ summary: MineSummary) -> String {
        summary.perKind.isEmpty ? "" : " (" + summary.perKind.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")"
    }

    /// Things a source saw and refused (a symlink, a binary file, a filtered architecture) go into the index's
    /// `skipped` map with their reason, so they are visible and not fetched again.
    static func recordSkipped(_ skipped: [SkippedItem], store: ArtifactStore) throws {
        guard !skipped.isEmpty else { return }
        var index = try store.loadIndex()
        for item in skipped where index.skipped[item.sourceURL] == nil { index.skipped[item.sourceURL] = item.reason }
        try store.saveIndex(index)
    }
}

extension MineSummary {
    /// Adds another page's summary to this one.
    mutating func merge(_ other: MineSummary) {
        added += other.added
        alreadyKnown += other.alreadyKnown
        skipped.merge(other.skipped) { first, _ in first }
        duplicates.merge(other.duplicates) { first, _ in first }
        perKind.merge(other.perKind, uniquingKeysWith: +)
        normalization.merge(other.normalization, uniquingKeysWith: +)
        durations.inspectMs += other.durations.inspectMs
        durations.normalizeMs += other.durations.normalizeMs
        durations.writeMs += other.durations.writeMs
    }
}
