import Foundation
import LSQMBasics
import LSQMCore
import Mustache

public struct ReportInput: Sendable {
    public var store: ArtifactStore
    /// The run to report; nil means the newest.
    public var runID: String?
    /// Where to write the HTML; nil means `reports/latest/index.html` in the artifact repository.
    public var output: URL?
    /// Writes `trends/*.json` too (only when reporting the newest run: trends describe the whole history).
    public var writeTrends: Bool
    public var generatedAt: Date
    public var version: String

    public init(
        store: ArtifactStore, runID: String? = nil, output: URL? = nil, writeTrends: Bool = true,
        generatedAt: Date = Date(), version: String = "dev"
    ) {
        self.store = store; self.runID = runID; self.output = output; self.writeTrends = writeTrends
        self.generatedAt = generatedAt; self.version = version
    }
}

public struct ReportOutput: Sendable {
    public var path: URL
    public var runID: String
    public var bytes: Int
    public var trends: TrendSet
    public var confirmedRegressions: Int
    /// False when the run had no comparison.json and the banner shows unconfirmed candidates instead.
    public var compared: Bool
    /// The figures, API gaps and causes the dashboard shows (what `lsqm report --json` prints).
    public var summary: ReportSummary
}

/// The report stage: computes trends over the kept runs, writes them, and renders the dashboard.
public enum ReportStage {
    public static func defaultOutput(_ store: ArtifactStore) -> URL {
        store.reportsDirectory.appendingPathComponent("latest/index.html")
    }

    public static func run(_ input: ReportInput, logger: Logger = .silent) throws -> ReportOutput {
        let history = try RunHistory.load(input.store, runID: input.runID, logger: logger)
        let trends = TrendRules.trends(history.tallies)
        if input.writeTrends && history.currentIsLatest {
            try input.store.saveTrends(trends)
        }
        let stored = try input.store.loadComparison(history.current.runID)
        let diagnosis = RunDiagnosis(history.current)
        let html = try render(history: history, trends: trends, comparison: stored, diagnosis: diagnosis, input: input, logger: logger)
        let output = input.output ?? defaultOutput(input.store)
        let data = Data(html.utf8)
        try AtomicFile.write(data, to: output)
        logger.info("report", "written", output.path, fields: ["bytes": .number(Double(data.count)), "run": .string(history.current.runID)])
        return ReportOutput(
            path: output, runID: history.current.runID, bytes: data.count, trends: trends,
            confirmedRegressions: stored?.regressions.count ?? 0, compared: stored != nil,
            summary: ReportSummary(
                run: history.current, previousRunID: history.previous?.runID, diagnosis: diagnosis,
                report: output))
    }

    /// The summary alone, read-only (no HTML, no trends, no tally cache written): for `lsqm report --json --dry-run`.
    public static func summary(store: ArtifactStore, runID: String?, logger: Logger = .silent) throws -> ReportSummary {
        let history = try RunHistory.load(store, runID: runID, tallies: false, logger: logger)
        return ReportSummary(run: history.current, previousRunID: history.previous?.runID)
    }

    static func render(
        history: RunHistory, trends: TrendSet, comparison stored: RunComparison?, diagnosis: RunDiagnosis,
        input: ReportInput, logger: Logger
    ) throws -> String {
        let current = history.current
        let counts = current.counts
        let comparison =
            stored
            ?? RunComparison.unconfirmed(
                ComparisonRules.diff(previous: history.previous, current: current),
                comparedAt: input.generatedAt)
        let chartPoints = Array(trends.overall.points.suffix(ReportView.chartRuns))
        let chartRunIDs = chartPoints.map(\.runID)

        // The index names the source plugin; a broken index must not cost the whole dashboard.
        var sourceByArch: [String: String] = [:]
        do {
            for (id, architecture) in try input.store.loadIndex().architectures { sourceByArch[id] = architecture.source }
        } catch {
            logger.warning("report", "index", "sources shown as hosts", error: LSQMError.wrap(error, action: "read the architecture index"))
        }
        let sourceOf = { (result: ValidationResult) -> String in
            sourceByArch[result.arch] ?? URL(string: result.sourceURL)?.host ?? "unknown"
        }
        let logsExist = Files.isDirectory(input.store.runDirectory(current.runID).appendingPathComponent("logs"))
        let logBase = logsExist && input.output == nil && isPathSafe(current.runID) ? "../../runs/\(current.runID)/logs/" : nil
        let table = TableData(current: current, previous: history.previous, sourceOf: sourceOf, logBase: logBase)

        let recentComparisons = chartRunIDs.compactMap { id -> RunComparison? in
            if id == current.runID { return comparison }
            return try? input.store.loadComparison(id)
        }
        let flaky = ReportView.flaky(recentComparisons)
        let declining = trends.services.filter(\.declining).map(\.service)
        let script = ReportAssets.script
        let regressions = comparison.regressions.map { ReportView.change($0.change, reruns: $0.reruns) }
        // Decisions exist only once the run was compared; before that the banner lists unconfirmed candidates.
        let decisions = stored.map(ReportView.decisions) ?? []
        let open = ReportView.openItems(comparison.open, current: current)
        let carried = open.filter { !$0.isNew }.count
        let flakiness = loadFlakiness(input.store, logger: logger)
        let flakyTests = ReportView.flakyTests(flakiness)
        let unconfirmed = comparison.unconfirmed.map { ReportView.change($0.change, reruns: $0.reruns) }

        var view = ReportView(
            title: "lsqm report \(current.runID)",
            runID: current.runID,
            startedAt: timestamp(current.startedAt),
            finishedAt: current.finishedAt.map(timestamp) ?? "not recorded",
            generatedAt: timestamp(input.generatedAt),
            previousRunID: history.previous?.runID,
            emulator: current.emulator.map {
                ReportView.Emulator(
                    name: $0.name, runtime: $0.runtime, version: $0.version ?? "version not recorded",
                    digest: $0.imageDigest ?? "not recorded")
            },
            cards: ReportView.cards(current: counts, previous: history.previous?.counts),
            regressions: Array(regressions.prefix(ReportView.bannerLimit)), regressionCount: regressions.count,
            hasRegressions: !regressions.isEmpty, regressionsMore: max(0, regressions.count - ReportView.bannerLimit),
            hasRegressionsMore: regressions.count > ReportView.bannerLimit,
            unconfirmed: Array(unconfirmed.prefix(ReportView.bannerLimit)), unconfirmedCount: unconfirmed.count,
            hasUnconfirmed: !unconfirmed.isEmpty, unconfirmedMore: max(0, unconfirmed.count - ReportView.bannerLimit),
            hasUnconfirmedMore: unconfirmed.count > ReportView.bannerLimit,
            unconfirmedNote: stored == nil
                ? "This run has not been compared yet: run 'lsqm compare' to re-validate these before trusting them."
                : "Re-validation could not decide these (not re-run, or the emulator failed on the re-run).",
            comparisonNote: stored.map { "Compared \($0.comparedAt.formatted(.iso8601)) with \($0.confirmAttempts) re-validation(s) per candidate." }
                ?? "This run has not been compared yet.",
            decisions: decisions, hasDecisions: !decisions.isEmpty,
            open: open, openCount: open.count, hasOpen: !open.isEmpty,
            openNone: stored == nil ? "Not known yet: this run has not been compared ('lsqm compare')." : "None.", carriedCount: carried,
            hasCarried: carried > 0,
            flakyTests: flakyTests, hasFlakyTests: !flakyTests.isEmpty,
            flakinessNote: flakiness.map { "Over the last \($0.window) runs up to run \($0.runID) (trends/flakiness.json)." }
                ?? "No run has been compared yet: trends/flakiness.json does not exist.",
            matrix: ReportView.matrix(trends: trends, currentRunID: current.runID, chartRunIDs: chartRunIDs),
            decliningServices: declining, hasDeclining: !declining.isEmpty,
            passChart: Charts.passRateChart(chartPoints), statusChart: Charts.statusChart(chartPoints),
            chartRuns: chartPoints.count,
            changes: [
                ReportView.changeList(id: "fixes", title: "Fixed (failed before, pass now)", comparison.fixes),
                ReportView.changeList(id: "new", title: "New architectures", comparison.new),
                ReportView.changeList(id: "removed", title: "Removed architectures", comparison.removed),
                ReportView.changeList(
                    id: "excluded", title: "Changed but not regressions (app changed, app unknown or infrastructure error)",
                    comparison.excluded.map(\.change)),
            ],
            flaky: flaky, hasFlaky: !flaky.isEmpty,
            notEmulatorCount: counts.notEmulator,
            gaps: ReportView.gapViews(diagnosis.gaps), hasGaps: !diagnosis.gaps.isEmpty,
            gapsUnattributed: diagnosis.unattributed, hasGapsUnattributed: diagnosis.unattributed > 0,
            causeGroups: ReportView.causeGroupViews(diagnosis.notEmulator),
            notRun: ReportView.notRunItems(diagnosis.notRun),
            totalRows: table.rows.count,
            version: input.version,
            css: ReportAssets.css,
            script: script,
            contentSecurityPolicy: contentSecurityPolicy(script: script),
            dataJSON: try ReportText.scriptSafeJSON(table),
            detailsJSON: try ReportText.scriptSafeJSON(table.details)
        )
        view.targetsSection = TargetsSection.render(store: input.store, run: current, logger: logger)
        let template: MustacheTemplate
        do { template = try MustacheTemplate(string: ReportTemplate.html) } catch {
            throw LSQMError(.internal, action: "parse the report template", cause: LSQMError.describe(error))
        }
        return template.render(view)
    }

    /// `trends/flakiness.json`, or nil when no comparison wrote it; a broken file costs its section, not the dashboard.
    static func loadFlakiness(_ store: ArtifactStore, logger: Logger) -> FlakinessFile? {
        guard Files.exists(store.flakinessFile) else { return nil }
        do { return try JSONCoding.decode(FlakinessFile.self, from: try Files.read(store.flakinessFile)) } catch {
            logger.warning(
                "report", "flakiness", "flaky tests not shown",
                error: LSQMError.wrap(error, action: "read \(store.flakinessFile.path)", hint: "the next 'lsqm compare' rewrites it"))
            return nil
        }
    }

    /// Nothing may be loaded from anywhere: no connections, fonts, images or frames; only this page's own inline
    /// style and exactly this script (by hash), so even a markup injection could not run code.
    static func contentSecurityPolicy(script: String) -> String {
        var hasher = SHA256()
        hasher.update(script)
        let digest = Data(hasher.finalize()).base64EncodedString()
        return "default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-\(digest)'; base-uri 'none'; form-action 'none'"
    }

    static func timestamp(_ date: Date) -> String { date.formatted(.iso8601) }

    static func isPathSafe(_ text: String) -> Bool {
        !text.isEmpty && text != "." && text != ".."
            && text.unicodeScalars.allSatisfy {
                CharacterSet.alphanumerics.contains($0) && $0.isASCII || "-_.".unicodeScalars.contains($0)
            }
    }
}
