import Foundation
import LSQMBasics

// Comparing two runs (design.md "Regressions").
//
// A regression is an architecture that PASSED in the previous run and now FAILED, PARTIAL or TIMEOUT, run
// against the same architecture hash AND the same test app. Anything else that changed is reported, but is not
// a regression: a false regression costs engineers a day, a missed one is caught next week.
//
// Identity: results are matched by architecture hash (`ValidationResult.arch`), the sha256 of the content, so
// "same architecture hash" holds by construction; an edited architecture is a new hash, listed as new + removed.
//
// App identity: the same app means equal, non-nil `appHash`es with the same deploy-only flag. Two results with
// no app hash count as the same app only when BOTH were deploy-only (no app existed: the deploy is the whole
// test, and the deploy is the architecture). A non-deploy-only result without an app hash cannot prove its app
// did not change, so it is excluded ("app unknown") rather than guessed.

/// One architecture's result in two runs.
public struct ResultChange: Codable, Sendable, Equatable {
    public var arch: String
    public var name: String
    public var sourceURL: String
    public var services: [String]
    /// Nil when the architecture was not in the previous run.
    public var previous: ValidationStatus?
    /// Nil when the architecture is not in the current run.
    public var current: ValidationStatus?
    public var previousAppHash: String?
    public var currentAppHash: String?

    public init(arch: String, name: String, sourceURL: String, services: [String], previous: ValidationStatus?,
                current: ValidationStatus?, previousAppHash: String? = nil, currentAppHash: String? = nil) {
        self.arch = arch; self.name = name; self.sourceURL = sourceURL; self.services = services
        self.previous = previous; self.current = current
        self.previousAppHash = previousAppHash; self.currentAppHash = currentAppHash
    }

    init(previous: ValidationResult?, current: ValidationResult?) {
        // At least one side exists; the current side names the architecture when both do.
        let named = current ?? previous
        self.init(arch: named?.arch ?? "", name: named?.name ?? "", sourceURL: named?.sourceURL ?? "",
                  services: named?.services ?? [], previous: previous?.status, current: current?.status,
                  previousAppHash: previous?.appHash, currentAppHash: current?.appHash)
    }

    enum CodingKeys: String, CodingKey {
        case arch, name, services, previous, current
        case sourceURL = "source_url"
        case previousAppHash = "previous_app_hash"
        case currentAppHash = "current_app_hash"
    }
}

/// Why a status change between two runs is not a regression candidate.
public enum ExclusionReason: String, Codable, Sendable, CaseIterable {
    /// The test app differs between the runs: the change may be the app's, not the emulator's.
    case appChanged = "app_changed"
    /// No app hash recorded for a run that had an app: sameness cannot be shown.
    case appUnknown = "app_unknown"
    /// The current run hit an infrastructure ERROR: says nothing about the architecture.
    case infrastructureError = "infrastructure_error"
    /// The current verdict's cause is not the emulator (the architecture, the test app, the environment,
    /// lsqm): it says nothing about the emulator, so it cannot be the emulator's regression.
    case notEmulator = "not_emulator"
}

public struct ExcludedChange: Codable, Sendable, Equatable {
    public var change: ResultChange
    public var reason: ExclusionReason
    public init(change: ResultChange, reason: ExclusionReason) { self.change = change; self.reason = reason }
}

/// What the regression rules find in two runs, before any confirmation.
public struct RunDiff: Codable, Sendable, Equatable {
    public var previousRunID: String?
    public var currentRunID: String
    /// PASSED before, FAILED/PARTIAL/TIMEOUT now, same architecture and app: to be confirmed by re-validation.
    public var candidates: [ResultChange]
    /// FAILED/PARTIAL/TIMEOUT before, PASSED now (whatever the app: the flag says if it changed).
    public var fixes: [ResultChange]
    public var new: [ResultChange]
    public var removed: [ResultChange]
    /// Changes away from PASSED that the rules refuse to call regressions, with the reason.
    public var excluded: [ExcludedChange]

    enum CodingKeys: String, CodingKey {
        case candidates, fixes, new, removed, excluded
        case previousRunID = "previous_run_id"
        case currentRunID = "current_run_id"
    }
}

public enum ComparisonRules {
    /// Statuses that turn a PASSED architecture into a regression candidate. ERROR is infrastructure.
    public static let regressingStatuses: Set<ValidationStatus> = [.failed, .partial, .timeout]

    /// True when two results ran the same test app (see the file comment for the nil rules).
    public static func sameApp(_ a: ValidationResult, _ b: ValidationResult) -> Bool? {
        guard a.deployOnly == b.deployOnly else { return false }
        switch (a.appHash, b.appHash) {
        case let (x?, y?): return x == y
        case (nil, nil): return a.deployOnly ? true : nil
        default: return false
        }
    }

    /// Applies the regression rules to two runs. `previous` is nil for the first run ever.
    public static func diff(previous: RunRecord?, current: RunRecord) -> RunDiff {
        let before = index(previous?.results ?? [])
        let after = index(current.results)
        var result = RunDiff(previousRunID: previous?.runID, currentRunID: current.runID, candidates: [], fixes: [],
                             new: [], removed: [], excluded: [])
        for (arch, now) in after.sorted(by: { $0.key < $1.key }) {
            guard let then = before[arch] else {
                result.new.append(ResultChange(previous: nil, current: now))
                continue
            }
            let change = ResultChange(previous: then, current: now)
            if then.status == .passed, now.status != .passed {
                if now.status == .error {
                    result.excluded.append(ExcludedChange(change: change, reason: .infrastructureError))
                } else if !now.isEmulatorVerdict {
                    result.excluded.append(ExcludedChange(change: change, reason: .notEmulator))
                } else if regressingStatuses.contains(now.status) {
                    switch sameApp(then, now) {
                    case true?: result.candidates.append(change)
                    case false?: result.excluded.append(ExcludedChange(change: change, reason: .appChanged))
                    case nil: result.excluded.append(ExcludedChange(change: change, reason: .appUnknown))
                    }
                }
            } else if regressingStatuses.contains(then.status), now.status == .passed {
                result.fixes.append(change)
            }
        }
        for (arch, then) in before.sorted(by: { $0.key < $1.key }) where after[arch] == nil {
            result.removed.append(ResultChange(previous: then, current: nil))
        }
        return result
    }

    /// Results by architecture hash. A run should hold each architecture once; if a bad merge left duplicates,
    /// the worst verdict is kept so a failure is never hidden behind a pass.
    static func index(_ results: [ValidationResult]) -> [String: ValidationResult] {
        var byArch: [String: ValidationResult] = [:]
        for result in results {
            if let existing = byArch[result.arch], existing.status >= result.status { continue }
            byArch[result.arch] = result
        }
        return byArch
    }
}

// MARK: - Confirmation

/// Re-validates one architecture the way the validate stage does and returns the new verdict. Injected so the
/// domain needs no processes; `lsqm compare --confirm N` wires the validate stage in.
public typealias Revalidation = @Sendable (ValidationResult) async throws -> ValidationStatus

/// The outcome of re-validating a regression candidate.
public enum ConfirmationState: String, Codable, Sendable {
    /// Every re-run that reached a verdict failed again: a regression.
    case confirmed
    /// A re-run passed: flaky, not a regression.
    case flaky
    /// Not re-validated (`--confirm 0`), or every re-run hit an infrastructure ERROR.
    case unconfirmed
}

public struct CheckedChange: Codable, Sendable, Equatable {
    public var change: ResultChange
    public var state: ConfirmationState
    /// The verdict of each re-run, in order.
    public var reruns: [ValidationStatus]

    public init(change: ResultChange, state: ConfirmationState, reruns: [ValidationStatus]) {
        self.change = change; self.state = state; self.reruns = reruns
    }

    /// The rule: any PASSED re-run → flaky; otherwise any FAILED/PARTIAL/TIMEOUT re-run → confirmed;
    /// otherwise (no re-run, or only ERRORs) → unconfirmed.
    public static func state(for reruns: [ValidationStatus]) -> ConfirmationState {
        if reruns.contains(.passed) { return .flaky }
        if reruns.contains(where: ComparisonRules.regressingStatuses.contains) { return .confirmed }
        return .unconfirmed
    }
}

/// `runs/<run_id>/comparison.json`: the comparison of a run with the one before it, confirmation included.
/// Report and notify read this file; they never re-run the rules themselves.
public struct RunComparison: Codable, Sendable, Equatable {
    public static let fileName = "comparison.json"
    public var previousRunID: String?
    public var currentRunID: String
    public var comparedAt: Date
    /// Re-validations allowed per candidate (`--confirm N`).
    public var confirmAttempts: Int
    public var regressions: [CheckedChange]
    public var flaky: [CheckedChange]
    public var unconfirmed: [CheckedChange]
    public var fixes: [ResultChange]
    public var new: [ResultChange]
    public var removed: [ResultChange]
    public var excluded: [ExcludedChange]

    public var hasConfirmedRegressions: Bool { !regressions.isEmpty }

    enum CodingKeys: String, CodingKey {
        case regressions, flaky, unconfirmed, fixes, new, removed, excluded
        case previousRunID = "previous_run_id"
        case currentRunID = "current_run_id"
        case comparedAt = "compared_at"
        case confirmAttempts = "confirm_attempts"
    }

    /// Re-validates every candidate up to `attempts` times (stopping at the first pass) and sorts it into
    /// regressions, flaky or unconfirmed. A throwing `revalidate` is a tool failure and propagates.
    public static func confirm(_ diff: RunDiff, currentResults: [ValidationResult], attempts: Int,
                               revalidate: Revalidation, comparedAt: Date = Date()) async throws -> RunComparison {
        let byArch = ComparisonRules.index(currentResults)
        // Whole seconds: the file stores ISO-8601 seconds, and a saved comparison must read back equal.
        let comparedAt = Date(timeIntervalSince1970: comparedAt.timeIntervalSince1970.rounded(.down))
        var checked: [CheckedChange] = []
        for candidate in diff.candidates {
            var reruns: [ValidationStatus] = []
            if attempts > 0, let result = byArch[candidate.arch] {
                for _ in 0..<attempts {
                    try Task.checkCancellation()
                    let status = try await revalidate(result)
                    reruns.append(status)
                    if status == .passed { break }
                }
            }
            checked.append(CheckedChange(change: candidate, state: CheckedChange.state(for: reruns), reruns: reruns))
        }
        return RunComparison(previousRunID: diff.previousRunID, currentRunID: diff.currentRunID, comparedAt: comparedAt,
                             confirmAttempts: max(0, attempts),
                             regressions: checked.filter { $0.state == .confirmed },
                             flaky: checked.filter { $0.state == .flaky },
                             unconfirmed: checked.filter { $0.state == .unconfirmed },
                             fixes: diff.fixes, new: diff.new, removed: diff.removed, excluded: diff.excluded)
    }

    /// The comparison without re-validation: every candidate is unconfirmed.
    public static func unconfirmed(_ diff: RunDiff, comparedAt: Date = Date()) -> RunComparison {
        RunComparison(previousRunID: diff.previousRunID, currentRunID: diff.currentRunID, comparedAt: comparedAt,
                      confirmAttempts: 0, regressions: [], flaky: [],
                      unconfirmed: diff.candidates.map { CheckedChange(change: $0, state: .unconfirmed, reruns: []) },
                      fixes: diff.fixes, new: diff.new, removed: diff.removed, excluded: diff.excluded)
    }
}

extension ArtifactStore {
    public func comparisonFile(_ runID: String) -> URL {
        runDirectory(runID).appendingPathComponent(RunComparison.fileName)
    }

    public func saveComparison(_ comparison: RunComparison) throws {
        try AtomicFile.writeJSON(comparison, to: comparisonFile(comparison.currentRunID))
    }

    /// The stored comparison of a run, or nil when it was never compared.
    public func loadComparison(_ runID: String) throws -> RunComparison? {
        let url = comparisonFile(runID)
        guard Files.exists(url) else { return nil }
        do { return try JSONCoding.decode(RunComparison.self, from: try Files.read(url)) } catch {
            throw LSQMError.wrap(error, action: "load comparison of run \(runID)", kind: .invalidInput,
                                 hint: "re-create it with 'lsqm compare'")
        }
    }
}
