import Foundation
import LSQMBasics
import LSQMCore

/// What the compare stage needs.
public struct CompareInput: Sendable {
    public var store: ArtifactStore
    /// The run to judge; nil means the newest.
    public var currentRunID: String?
    /// The run to judge it against; nil means the one before `currentRunID`.
    public var previousRunID: String?
    /// Re-validations per regression candidate (`--confirm N`). 0 reports every candidate as unconfirmed.
    public var confirmAttempts: Int
    /// Re-validates one architecture; called only for candidates, at most `confirmAttempts` times each.
    public var revalidate: Revalidation
    /// Writes `runs/<current>/comparison.json` (false for `--dry-run`).
    public var save: Bool

    public init(store: ArtifactStore, currentRunID: String? = nil, previousRunID: String? = nil, confirmAttempts: Int = 1,
                revalidate: @escaping Revalidation, save: Bool = true) {
        self.store = store; self.currentRunID = currentRunID; self.previousRunID = previousRunID
        self.confirmAttempts = confirmAttempts; self.revalidate = revalidate; self.save = save
    }
}

/// The compare stage: applies the regression rules to two runs, confirms candidates by re-validating them, and
/// persists the verdict for report and notify.
public enum CompareStage {
    public static func run(_ input: CompareInput, logger: Logger = .silent) async throws -> RunComparison {
        guard input.confirmAttempts >= 0 else {
            throw LSQMError(.usage, action: "compare runs", cause: "--confirm must be 0 or more")
        }
        let history = try RunHistory.load(input.store, runID: input.currentRunID, previousRunID: input.previousRunID, tallies: false)
        let diff = ComparisonRules.diff(previous: history.previous, current: history.current)
        logger.info("compare", "diff", "\(diff.candidates.count) regression candidates",
                    fields: ["current": .string(diff.currentRunID), "previous": diff.previousRunID.map(JSONValue.string) ?? .null,
                             "fixes": .number(Double(diff.fixes.count)), "new": .number(Double(diff.new.count)),
                             "removed": .number(Double(diff.removed.count))])
        let comparison = try await RunComparison.confirm(diff, currentResults: history.current.results,
                                                         attempts: input.confirmAttempts, revalidate: input.revalidate)
        if input.save { try input.store.saveComparison(comparison) }
        return comparison
    }
}
