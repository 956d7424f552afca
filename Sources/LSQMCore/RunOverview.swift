import Foundation
import LSQMBasics

/// What a run amounted to, for people: counts and pass rate with the delta from the previous run, new
/// architectures and confirmed regressions. Built from the stored run, its comparison and the index; used for
/// the push commit message and the notifiers' summary.
public struct RunOverview: Codable, Sendable, Equatable {
    public struct Regression: Codable, Sendable, Equatable {
        public var arch: String
        public var name: String
        public var sourceURL: String
        public var services: [String]
        public var previousRunID: String
        public var status: ValidationStatus
        public var failedStep: String?
        public var logExcerpt: String?
        /// True when this regression was already reported for an earlier run and still fails (same
        /// architecture and app): notifiers follow up on it instead of announcing it as new.
        public var ongoing: Bool
    }

    public var runID: String
    public var startedAt: Date
    public var finishedAt: Date?
    public var counts: StatusCounts
    public var passRate: Double?
    public var previousRunID: String?
    public var previousPassRate: Double?
    public var newArchitectures: [Architecture]
    public var regressions: [Regression]
    public var flaky: Int
    public var emulator: EmulatorInfo?

    /// Reads run `runID` (default: the newest) with its comparison; `newArchitectureIDs` are the ones this
    /// pipeline run mined (the mine summary's `added`).
    public static func load(store: ArtifactStore, runID: String? = nil, newArchitectureIDs: [String] = []) throws -> RunOverview {
        let runs = store.runIDs()
        guard let id = runID ?? runs.last else {
            throw LSQMError(.usage, action: "summarize the latest run", cause: "the artifact repository has no runs yet", hint: "run 'lsqm validate' first")
        }
        let run = try store.loadRun(id)
        let comparison = try store.loadComparison(id)
        let previousID = comparison?.previousRunID ?? runs.last(where: { $0 < id })
        let previous = try previousID.map { try store.loadRun($0) }
        let index = try store.loadIndex()
        let results = Dictionary(run.results.map { ($0.arch, $0) }, uniquingKeysWith: { first, _ in first })
        var regressions = (comparison?.regressions ?? []).map { checked -> Regression in
            let result = results[checked.change.arch]
            return Regression(arch: checked.change.arch, name: checked.change.name, sourceURL: checked.change.sourceURL,
                              services: checked.change.services, previousRunID: previousID ?? "",
                              status: checked.change.current ?? .failed, failedStep: result?.failedStep,
                              logExcerpt: logExcerpt(store: store, runID: id, result: result), ongoing: false)
        }
        let reported = Set(regressions.map(\.arch))
        for (arch, since) in try openRegressions(store: store, runID: id, runs: runs) where !reported.contains(arch) {
            guard let result = results[arch] else { continue }
            regressions.append(Regression(arch: arch, name: result.name, sourceURL: result.sourceURL, services: result.services,
                                          previousRunID: since, status: result.status, failedStep: result.failedStep,
                                          logExcerpt: logExcerpt(store: store, runID: id, result: result), ongoing: true))
        }
        return RunOverview(runID: id, startedAt: run.startedAt, finishedAt: run.finishedAt, counts: run.counts, passRate: run.counts.passRate,
                           previousRunID: previousID, previousPassRate: previous?.counts.passRate,
                           newArchitectures: newArchitectureIDs.compactMap { index.architectures[$0] },
                           regressions: regressions, flaky: comparison?.flaky.count ?? 0, emulator: run.emulator)
    }

    /// Regressions confirmed in an earlier run that still fail in run `runID` with the same architecture and
    /// app, by architecture, with the run that last passed. A regression stays open until the architecture
    /// passes, errors (no verdict), changes its app, or leaves the runs.
    static func openRegressions(store: ArtifactStore, runID: String, runs: [String]) throws -> [String: String] {
        guard let position = runs.firstIndex(of: runID) else { return [:] }
        var open: [String: (since: String, appHash: String?)] = [:]
        for id in runs[...position] {
            let run = try store.loadRun(id)
            let results = Dictionary(run.results.map { ($0.arch, $0) }, uniquingKeysWith: { first, _ in first })
            // Carried from earlier runs: still open only while it keeps failing the same way.
            open = open.filter { arch, entry in
                guard let result = results[arch] else { return false }
                return ComparisonRules.regressingStatuses.contains(result.status) && result.appHash == entry.appHash
            }
            if id == runID { break }
            if let comparison = try store.loadComparison(id) {
                for checked in comparison.regressions {
                    open[checked.change.arch] = (comparison.previousRunID ?? "", results[checked.change.arch]?.appHash)
                }
            }
        }
        return open.mapValues(\.since)
    }

    /// The last lines of what went wrong: the error, then the pytest or terraform output tail.
    static func logExcerpt(store: ArtifactStore, runID: String, result: ValidationResult?) -> String? {
        guard let result else { return nil }
        let parts = [result.error, result.pytestOutput ?? result.terraformOutput].compactMap { $0 }.filter { !$0.isEmpty }
        guard !parts.isEmpty else { return nil }
        let text = parts.joined(separator: "\n")
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        return lines.suffix(40).joined(separator: "\n")
    }

    /// "81.0% (+2.0 pts)".
    public static func describe(rate: Double?, previous: Double?) -> String {
        guard let rate else { return "n/a" }
        var text = String(format: "%.1f%%", rate * 100)
        if let previous { text += String(format: " (%@%.1f pts)", rate >= previous ? "+" : "", (rate - previous) * 100) }
        return text
    }

    /// The push commit's first line and body.
    public var commitMessage: (title: String, body: String) {
        let new = regressions.filter { !$0.ongoing }.count
        let regressionText = regressions.isEmpty ? "no regressions"
            : "\(regressions.count) regression\(regressions.count == 1 ? "" : "s")" + (new == regressions.count ? "" : " (\(new) new)")
        let title = "lsqm run \(runID): \(counts.total) validated, pass rate \(RunOverview.describe(rate: passRate, previous: previousPassRate)), \(regressionText)"
        var body = "passed \(counts.passed), partial \(counts.partial), failed \(counts.failed), timeout \(counts.timeout), error \(counts.error), "
            + "not the emulator's fault \(counts.notEmulator)\n"
        body += "new architectures: \(newArchitectures.count)\n"
        if let previousRunID { body += "compared with: \(previousRunID)\n" }
        if flaky > 0 { body += "flaky (passed on re-run): \(flaky)\n" }
        for regression in regressions {
            body += "\(regression.ongoing ? "still regressed" : "regression"): \(regression.name) [\(regression.arch.prefix(12))] \(regression.status.rawValue)\(regression.failedStep.map { " at \($0)" } ?? "")\n"
        }
        if let emulator { body += "emulator: \(emulator.name) \(emulator.version ?? "")\(emulator.imageDigest.map { " \($0)" } ?? "")\n" }
        return (title, body)
    }

    enum CodingKeys: String, CodingKey {
        case counts, regressions, flaky, emulator
        case runID = "run_id"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case passRate = "pass_rate"
        case previousRunID = "previous_run_id"
        case previousPassRate = "previous_pass_rate"
        case newArchitectures = "new_architectures"
    }
}

extension RunOverview.Regression {
    enum CodingKeys: String, CodingKey {
        case arch, name, services, status
        case sourceURL = "source_url"
        case previousRunID = "previous_run_id"
        case ongoing
        case failedStep = "failed_step"
        case logExcerpt = "log_excerpt"
    }
}
