import Foundation
import LSQMBasics
import LSQMCore
import LSQMReport

/// What the compare stage needs.
public struct CompareInput: Sendable {
    public var store: ArtifactStore
    /// The run to judge; nil means the newest.
    public var currentRunID: String?
    /// The run to judge it against; nil means the one before `currentRunID`. Regression baselines are chosen
    /// check by check from this run and the kept runs before it.
    public var previousRunID: String?
    /// Re-validations per regression candidate (`--confirm N`). 0 reports every candidate as unconfirmed.
    public var confirmAttempts: Int
    /// Re-validates one architecture; called only for candidates, at most `confirmAttempts` times each (more for
    /// a recently flaky check, see `ConfirmationRules`).
    public var revalidate: Revalidation
    /// Writes `runs/<current>/comparison.json` and `trends/flakiness.json` (false for `--dry-run`).
    public var save: Bool
    /// The emulator target to judge (nil: the run's primary). Each target is compared with its own earlier
    /// results; another target's verdict goes to `comparison.<slug>.json` and leaves `trends/` alone.
    public var target: String?

    public init(
        store: ArtifactStore, currentRunID: String? = nil, previousRunID: String? = nil, confirmAttempts: Int = 1,
        revalidate: @escaping Revalidation, save: Bool = true, target: String? = nil
    ) {
        self.store = store; self.currentRunID = currentRunID; self.previousRunID = previousRunID
        self.confirmAttempts = confirmAttempts; self.revalidate = revalidate; self.save = save; self.target = target
    }
}

/// The compare stage: finds regression candidates check by check against their baselines, confirms them by
/// re-validating, carries open regressions forward, and persists the verdict for report and notify.
///
/// It lives in the application layer, not beside the other stages, because it is the one step that joins two
/// of them: it reads the run history the report stage owns and confirms candidates through the validate stage
/// (`revalidate`), and no stage imports another.
public enum CompareStage {
    public static func run(_ input: CompareInput, logger: Logger = .silent) async throws -> RunComparison {
        guard input.confirmAttempts >= 0 else {
            throw LSQMError(.usage, action: "compare runs", cause: "--confirm must be 0 or more")
        }
        let history = try RunHistory.load(input.store, runID: input.currentRunID, previousRunID: input.previousRunID, tallies: false, logger: logger)
        // One target's part of each run: the rules never see another target's results.
        var current = history.current
        var previous = history.previous
        let target = input.target ?? history.current.target
        if let target {
            guard let part = history.current.only(target: target) else {
                throw LSQMError(
                    .usage, action: "compare target \(target) of run \(history.current.runID)",
                    cause: "the run validated only \(history.current.targetNames.joined(separator: ", "))",
                    hint: "name one of those targets")
            }
            current = part
            previous = history.previous?.only(target: target)
        }
        let slug = target.flatMap(history.current.slug(of:))
        let earlier = try input.store.regressionHistory(for: current, startingAt: input.previousRunID)
        // Open regressions come from the newest earlier comparison: a run that was never compared carries nothing.
        let previousOpen = earlier.last(where: { $0.comparison != nil })?.comparison?.open ?? []
        let diff = ComparisonRules.diff(previous: previous, current: current)
        let candidates = RegressionRules.candidates(current: current, history: earlier, open: previousOpen)
        logger.info(
            "compare", "diff", "\(candidates.count) regression candidates (\(candidates.map(\.checks.count).reduce(0, +)) checks)",
            fields: [
                "current": .string(diff.currentRunID), "previous": diff.previousRunID.map(JSONValue.string) ?? .null,
                "fixes": .number(Double(diff.fixes.count)), "new": .number(Double(diff.new.count)),
                "removed": .number(Double(diff.removed.count)), "open_before": .number(Double(previousOpen.count)),
            ])
        let comparison = try await RunComparison.confirm(
            candidates, diff: diff, current: current, previousOpen: previousOpen,
            attempts: input.confirmAttempts, revalidate: input.revalidate)
        if input.save {
            try input.store.saveComparison(comparison, targetSlug: slug)
            guard slug == nil else { return comparison }
            // Flakiness as of this run, for people and the dashboard; the rules recompute it from the runs.
            let window = earlier + [RunHistoryEntry(run: current, comparison: comparison)]
            try input.store.saveFlakiness(
                FlakinessFile(
                    runID: current.runID, window: RegressionRules.flakinessWindow,
                    checks: RegressionRules.flakiness(history: window).filter { $0.flakes > 0 }))
        }
        return comparison
    }
}
