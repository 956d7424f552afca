import Foundation
import LSQMBasics
import LSQMCore
import LSQMHost
import LSQMPluginKit
import LSQMTemplates

/// What one source did during a mine run.
public struct SourceOutcome: Codable, Sendable, Equatable {
    public var source: String
    public var pages: Int = 0
    public var discovered: Int = 0
    /// Architectures the source passed over because their source URL is already indexed.
    public var alreadyKnown: Int = 0
    public var skipped: Int = 0
    public var warnings: [String] = []
    /// Set when the source failed (refused, crashed, timed out, errored). Results of earlier pages are kept.
    public var error: String?
    public var durationMs: Int = 0

    public init(source: String) { self.source = source }

    enum CodingKeys: String, CodingKey {
        case source, pages, discovered, skipped, warnings, error
        case alreadyKnown = "already_known"
        case durationMs = "duration_ms"
    }
}

/// Runs one source plugin's discovery to the end, page by page, handing each page on as it arrives so a
/// source that fails on page 7 keeps pages 1–6.
public enum SourceRunner {
    public typealias PageHandler = @Sendable ([DiscoveredArchitecture], [SkippedItem]) async throws -> Void

    public static func run(
        _ selection: PluginSelection, manager: PluginManager, knownSourceURLs: Set<String>, knownHashes: Set<String>,
        dryRun: Bool, pageLimit: Int = 50, logger: Logger, onPage: PageHandler
    ) async -> SourceOutcome {
        var outcome = SourceOutcome(source: selection.name)
        let stopwatch = Stopwatch()
        defer { outcome.durationMs = stopwatch.milliseconds }
        let source: SourceClient
        do {
            source = try await manager.source(named: selection.name, config: selection.config)
        } catch {
            outcome.error = LSQMError.describe(error)
            logger.error("mine", "source_failed", "source \(selection.name) could not start", error: error as? LSQMError)
            return outcome
        }
        var request = DiscoverRequest(knownSourceURLs: knownSourceURLs.sorted(), knownHashes: knownHashes.sorted(), limit: pageLimit, dryRun: dryRun)
        do {
            repeat {
                try Task.checkCancellation()
                let response = try await source.discover(request)
                outcome.pages += 1
                outcome.discovered += response.architectures.count
                outcome.alreadyKnown += response.alreadyKnown
                outcome.skipped += response.skipped.count
                outcome.warnings += response.warnings
                var batch: [DiscoveredArchitecture] = []
                var skipped = response.skipped
                for item in response.architectures {
                    do {
                        batch.append(try convert(item, source: selection.name))
                    } catch {
                        // One bad architecture is refused (and remembered as skipped); the rest of the page goes on.
                        let refusal = SkippedItem(sourceURL: item.sourceURL, reason: "refused by the host: \(LSQMError.describe(error))")
                        logger.warning(
                            "mine", "architecture_refused", "\(selection.name): \(refusal.reason)",
                            fields: ["source": .string(selection.name), "source_url": .string(item.sourceURL)])
                        outcome.warnings.append(refusal.reason)
                        skipped.append(refusal)
                    }
                }
                try await onPage(batch, skipped)
                logger.info(
                    "mine", "page", "\(selection.name): page \(outcome.pages), \(outcome.discovered) found so far",
                    fields: ["source": .string(selection.name), "page": .number(Double(outcome.pages))])
                // A source that hands back the same cursor would loop forever.
                if let next = response.nextCursor, next == request.cursor {
                    throw LSQMError(.plugin, action: "page through source \(selection.name)", cause: "it returned the same cursor twice (\(next))")
                }
                request.cursor = response.nextCursor
            } while request.cursor != nil
        } catch {
            outcome.error = LSQMError.describe(error)
            logger.error(
                "mine", "source_failed", "source \(selection.name) failed after \(outcome.pages) pages; keeping what it found",
                error: error as? LSQMError ?? LSQMError.wrap(error, action: "run source \(selection.name)"))
        }
        await source.shutdown()
        return outcome
    }

    /// The architecture a source returned; throws why the host refuses it (PluginOutputCheck).
    static func convert(_ item: DiscoveredItem, source: String) throws -> DiscoveredArchitecture {
        let files = try PluginOutputCheck.files(item.files, action: "read architecture \(item.sourceURL) from source \(source)")
        return DiscoveredArchitecture(
            sourceURL: item.sourceURL, name: item.name, declaredKind: item.kind.flatMap(ArchitectureKind.init(rawValue:)),
            files: files, source: source, provenance: item.metadata)
    }
}
