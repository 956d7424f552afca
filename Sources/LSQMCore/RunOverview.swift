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
        /// True when this regression was already reported for an earlier run and is still open: notifiers
        /// follow up on it instead of announcing it as new.
        public var ongoing: Bool
        /// False when this run could not check it (an ERROR, not run, the deploy failed before its test): still
        /// open, "not checked this week".
        public var checked: Bool
        /// The failing checks with their signatures ("test test_app.py::test_x: emulator sns:Publish 500").
        public var signatures: [String]
    }

    /// An architecture that had open regressions before this run and has none after it.
    public struct Resolved: Codable, Sendable, Equatable {
        public var arch: String
        public var name: String
        /// The checks that passed again, each with the signature it was confirmed with.
        public var signatures: [String]
        /// The run in which the oldest of them was confirmed.
        public var openedRunID: String

        enum CodingKeys: String, CodingKey {
            case arch, name, signatures
            case openedRunID = "opened_run_id"
        }
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
    /// Architectures whose open regressions this run closed, every one of them (their checks passed again).
    public var resolved: [Resolved]
    public var flaky: Int
    public var emulator: EmulatorInfo?

    /// Reads run `runID` (default: the newest) with its comparison; `newArchitectureIDs` are the ones this
    /// pipeline run mined (the mine summary's `added`).
    public static func load(store: ArtifactStore, runID: String? = nil, newArchitectureIDs: [String] = []) throws -> RunOverview {
        let runs = store.runIDs()
        guard let id = runID ?? runs.last else {
            throw LSQMError(
                .usage, action: "summarize the latest run", cause: "the artifact repository has no runs yet", hint: "run 'lsqm validate' first")
        }
        let run = try store.loadRun(id)
        let comparison = try store.loadComparison(id)
        let previousID = comparison?.previousRunID ?? runs.last(where: { $0 < id })
        let previous = try previousID.map { try store.loadRun($0) }
        let index = try store.loadIndex()
        let results = ComparisonRules.index(run.results)
        // Every regression still open after this run, one entry per architecture: a confirmed regression stays
        // open until its check passes again, and an ERROR week carries it forward unchecked.
        let regressions = Dictionary(grouping: comparison?.open ?? [], by: \.arch).sorted { $0.key < $1.key }.map { arch, open -> Regression in
            let result = results[arch]
            let first = open.min { $0.openedRunID < $1.openedRunID } ?? open[0]
            return Regression(
                arch: arch, name: first.name, sourceURL: first.sourceURL, services: first.services,
                previousRunID: first.baselineRunID, status: result?.status ?? first.status ?? .error,
                failedStep: result?.failedStep ?? first.signature.step,
                logExcerpt: logExcerpt(store: store, runID: id, result: result),
                ongoing: open.allSatisfy { $0.openedRunID != id }, checked: open.allSatisfy(\.checked),
                signatures: open.map { ($0.currentSignature ?? $0.signature).description })
        }
        // An architecture counts as resolved only once none of its regressions is open: its issue can be closed.
        let stillOpen = Set(regressions.map(\.arch))
        let resolved = Dictionary(grouping: comparison?.closed ?? [], by: \.arch).filter { !stillOpen.contains($0.key) }
            .sorted { $0.key < $1.key }.map { arch, closed in
                Resolved(
                    arch: arch, name: closed[0].name, signatures: closed.map(\.signature.description).sorted(),
                    openedRunID: closed.map(\.openedRunID).min() ?? closed[0].openedRunID)
            }
        return RunOverview(
            runID: id, startedAt: run.startedAt, finishedAt: run.finishedAt, counts: run.counts, passRate: run.counts.passRate,
            previousRunID: previousID, previousPassRate: previous?.counts.passRate,
            newArchitectures: newArchitectureIDs.compactMap { index.architectures[$0] },
            regressions: regressions, resolved: resolved, flaky: comparison?.flaky.count ?? 0, emulator: run.emulator)
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
        let regressionText =
            regressions.isEmpty
            ? "no regressions"
            : "\(regressions.count) regression\(regressions.count == 1 ? "" : "s")" + (new == regressions.count ? "" : " (\(new) new)")
        let title =
            "lsqm run \(runID): \(counts.total) validated, pass rate \(RunOverview.describe(rate: passRate, previous: previousPassRate)), \(regressionText)"
        var body =
            "passed \(counts.passed), partial \(counts.partial), failed \(counts.failed), timeout \(counts.timeout), error \(counts.error), "
            + "not the emulator's fault \(counts.notEmulator)\n"
        body += "new architectures: \(newArchitectures.count)\n"
        if let previousRunID { body += "compared with: \(previousRunID)\n" }
        if flaky > 0 { body += "flaky (passed on re-run): \(flaky)\n" }
        for fixed in resolved { body += "regression closed (passes again): \(fixed.name) [\(fixed.arch.prefix(12))]\n" }
        for regression in regressions {
            body +=
                "\(regression.ongoing ? "still regressed" : "regression"): \(regression.name) [\(regression.arch.prefix(12))] \(regression.status.rawValue)\(regression.failedStep.map { " at \($0)" } ?? "")"
                + (regression.checked ? "" : " (not checked this week)") + "\n"
        }
        if let emulator { body += "emulator: \(emulator.name) \(emulator.version ?? "")\(emulator.imageDigest.map { " \($0)" } ?? "")\n" }
        return (title, body)
    }

    enum CodingKeys: String, CodingKey {
        case counts, regressions, resolved, flaky, emulator
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
        case ongoing, checked, signatures
        case failedStep = "failed_step"
        case logExcerpt = "log_excerpt"
    }
}
