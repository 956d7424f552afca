import Foundation
import LSQMBasics

// Comparing two runs (design.md "Regressions").
//
// `ComparisonRules.diff` describes what changed between a run and the one before it (fixes, new, removed, and
// the PASSED → not passing changes it refuses to call regressions). Which failures are regression candidates
// is decided check by check against each check's own baseline by `RegressionRules` (issue 14), and confirmed by
// reproducing the failure signature (`ConfirmationRules`).
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

    public init(
        arch: String, name: String, sourceURL: String, services: [String], previous: ValidationStatus?,
        current: ValidationStatus?, previousAppHash: String? = nil, currentAppHash: String? = nil
    ) {
        self.arch = arch; self.name = name; self.sourceURL = sourceURL; self.services = services
        self.previous = previous; self.current = current
        self.previousAppHash = previousAppHash; self.currentAppHash = currentAppHash
    }

    init(previous: ValidationResult?, current: ValidationResult?) {
        // At least one side exists; the current side names the architecture when both do.
        let named = current ?? previous
        self.init(
            arch: named?.arch ?? "", name: named?.name ?? "", sourceURL: named?.sourceURL ?? "",
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
        var result = RunDiff(
            previousRunID: previous?.runID, currentRunID: current.runID, candidates: [], fixes: [],
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

/// Re-validates one architecture the way the validate stage does, in a fresh emulator state, and returns the
/// whole result: confirmation compares its failure signatures with the candidate's. Injected so the domain needs
/// no processes; `lsqm compare --confirm N` wires the validate stage in.
public typealias Revalidation = @Sendable (ValidationResult) async throws -> ValidationResult

/// Thrown by a `Revalidation` that cannot give a re-run a fresh emulator state (an external emulator that
/// cannot be reset): the candidate stays unconfirmed with this reason instead of being judged on leftovers.
public struct ConfirmationRefused: Error, Sendable {
    public var reason: String
    public init(reason: String) { self.reason = reason }
}

/// The outcome of re-validating a regression candidate.
public enum ConfirmationState: String, Codable, Sendable {
    /// The re-runs reproduced the failure signature: a regression.
    case confirmed
    /// A re-run passed the check, or failed it differently: flaky, not a regression.
    case flaky
    /// Not re-validated (`--confirm 0`, refused), or too few re-runs reached a verdict.
    case unconfirmed
}

/// What one re-run did to a candidate check.
public struct RerunObservation: Codable, Sendable, Equatable {
    public enum Outcome: String, Codable, Sendable {
        /// Failed again with the same signature.
        case reproduced
        case passed
        /// Failed with another signature (another operation, code or step).
        case different
        /// No verdict on this check: the re-run hit an ERROR, or did not reach or judge the check.
        case unknown
    }
    public var outcome: Outcome
    /// The re-run's signature for this check when it failed.
    public var signature: FailureSignature?

    public init(_ outcome: Outcome, signature: FailureSignature? = nil) { self.outcome = outcome; self.signature = signature }

    /// What `rerun` says about a check that failed with `signature`.
    public static func observe(_ signature: FailureSignature, in rerun: ValidationResult) -> RerunObservation {
        guard let outcomes = rerun.checkOutcomes else { return RerunObservation(.unknown) }
        if rerun.status == .passed { return RerunObservation(.passed) }
        switch outcomes[signature.check] {
        case .passed?: return RerunObservation(.passed)
        case .failed(let again)?: return RerunObservation(again == signature ? .reproduced : .different, signature: again)
        case .unknown?: return RerunObservation(.unknown)
        case nil:
            // Not reached: the deploy failed before the tests. That is another failure, not this one.
            if let deploy = outcomes[ValidationResult.deployCheck]?.signature { return RerunObservation(.different, signature: deploy) }
            return RerunObservation(.unknown)
        }
    }
}

/// The decision on one candidate check, with its reason.
public struct CheckDecision: Codable, Sendable, Equatable {
    public var signature: FailureSignature
    public var baselineRunID: String
    public var recentlyFlaky: Bool
    public var flakeScore: Double?
    /// What each re-run did to this check, in order.
    public var reruns: [RerunObservation]
    public var state: ConfirmationState
    public var reason: String
    /// True when the baseline predates `terraform_hash` (see `CandidateCheck`); absent otherwise.
    public var baselineTerraformUnrecorded: Bool?

    enum CodingKeys: String, CodingKey {
        case signature, reruns, state, reason
        case baselineRunID = "baseline_run_id"
        case recentlyFlaky = "recently_flaky"
        case flakeScore = "flake_score"
        case baselineTerraformUnrecorded = "baseline_terraform_unrecorded"
    }
}

public enum ConfirmationRules {
    /// Re-runs a recently flaky check needs at least, whatever `--confirm` says: one reproduction of a check
    /// known to flake is as likely luck as a regression.
    public static let flakyMinimumAttempts = 2

    /// How many re-runs a candidate architecture gets.
    public static func attempts(for checks: [CandidateCheck], requested: Int) -> Int {
        guard requested > 0 else { return 0 }
        return checks.contains(where: \.recentlyFlaky) ? max(requested, flakyMinimumAttempts) : requested
    }

    /// True once a check's re-runs settle it (a pass or a different failure): later re-runs cannot change it.
    static func settled(_ observations: [RerunObservation]) -> Bool {
        observations.contains { $0.outcome == .passed || $0.outcome == .different }
    }

    /// The rule: any re-run that passes the check or fails it differently → flaky (with both signatures).
    /// Otherwise, confirmed when the re-runs that reached a verdict all reproduced the signature and at least
    /// one did; a recently flaky check needs every one of its `attempts` re-runs to reproduce it.
    public static func decide(_ check: CandidateCheck, observations: [RerunObservation], attempts: Int, refused: String? = nil) -> CheckDecision {
        func decision(_ state: ConfirmationState, _ reason: String) -> CheckDecision {
            // A reader must know the baseline's Terraform was assumed, not compared.
            let caveat =
                check.baselineTerraformUnrecorded == true
                ? "; baseline run \(check.baselineRunID) predates terraform_hash, so its deployed Terraform is unknown and was taken to be this run's (same architecture and app hash)"
                : ""
            return CheckDecision(
                signature: check.signature, baselineRunID: check.baselineRunID, recentlyFlaky: check.recentlyFlaky,
                flakeScore: check.flakeScore, reruns: observations, state: state, reason: reason + caveat,
                baselineTerraformUnrecorded: check.baselineTerraformUnrecorded)
        }
        if let passed = observations.firstIndex(where: { $0.outcome == .passed }) {
            return decision(.flaky, "re-run \(passed + 1) passed in a fresh emulator state")
        }
        if let other = observations.firstIndex(where: { $0.outcome == .different }) {
            return decision(
                .flaky,
                "re-run \(other + 1) failed differently: \(observations[other].signature?.description ?? "?") instead of \(check.signature.description)"
            )
        }
        if let refused { return decision(.unconfirmed, "not re-validated: \(refused)") }
        if attempts == 0 { return decision(.unconfirmed, "not re-validated (--confirm 0)") }
        let reproduced = observations.filter { $0.outcome == .reproduced }.count
        if check.recentlyFlaky {
            return reproduced == attempts
                ? decision(
                    .confirmed,
                    "the same failure reproduced \(attempts)/\(attempts) times in a fresh emulator state (a recently flaky check needs every one)")
                : decision(
                    .unconfirmed,
                    "\(reproduced) of \(attempts) re-runs reproduced the signature, the others reached no verdict; a recently flaky check needs every one"
                )
        }
        return reproduced > 0
            ? decision(
                .confirmed,
                "the same failure reproduced \(reproduced)/\(observations.count) times in a fresh emulator state; no re-run passed or failed differently"
            )
            : decision(.unconfirmed, "no re-run reached a verdict")
    }
}

public struct CheckedChange: Codable, Sendable, Equatable {
    public var change: ResultChange
    public var state: ConfirmationState
    /// The verdict of each re-run, in order.
    public var reruns: [ValidationStatus]
    /// The run the candidate's newest check baseline comes from.
    public var baselineRunID: String?
    /// The decision on each candidate check.
    public var checks: [CheckDecision]
    /// Every failure signature of each re-run, in order (empty for a passing re-run; nil for an ERROR re-run).
    public var rerunSignatures: [[FailureSignature]?]

    public init(
        change: ResultChange, state: ConfirmationState, reruns: [ValidationStatus], baselineRunID: String? = nil,
        checks: [CheckDecision] = [], rerunSignatures: [[FailureSignature]?] = []
    ) {
        self.change = change; self.state = state; self.reruns = reruns
        self.baselineRunID = baselineRunID; self.checks = checks; self.rerunSignatures = rerunSignatures
    }

    /// An architecture is a regression when any of its checks is confirmed; flaky when none is and one is flaky.
    public static func state(for checks: [CheckDecision]) -> ConfirmationState {
        if checks.contains(where: { $0.state == .confirmed }) { return .confirmed }
        if checks.contains(where: { $0.state == .flaky }) { return .flaky }
        return .unconfirmed
    }

    enum CodingKeys: String, CodingKey {
        case change, state, reruns, checks
        case baselineRunID = "baseline_run_id"
        case rerunSignatures = "rerun_signatures"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        change = try container.decode(ResultChange.self, forKey: .change)
        state = try container.decode(ConfirmationState.self, forKey: .state)
        reruns = try container.decode([ValidationStatus].self, forKey: .reruns)
        // Absent in comparisons saved before checks were compared one by one.
        baselineRunID = try container.decodeIfPresent(String.self, forKey: .baselineRunID)
        checks = try container.decodeIfPresent([CheckDecision].self, forKey: .checks) ?? []
        rerunSignatures = try container.decodeIfPresent([[FailureSignature]?].self, forKey: .rerunSignatures) ?? []
    }
}

/// `runs/<run_id>/comparison.json`: the comparison of a run with its baselines, confirmation included, and the
/// regressions open after it. Report and notify read this file; they never re-run the rules themselves.
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
    /// Every regression open after this run: confirmed now or earlier and not passed since.
    public var open: [OpenRegression]
    /// The regressions open before this run that it closed: their check passed again (or its test is gone).
    public var closed: [OpenRegression]

    public var hasConfirmedRegressions: Bool { !regressions.isEmpty }

    enum CodingKeys: String, CodingKey {
        case regressions, flaky, unconfirmed, fixes, new, removed, excluded, open, closed
        case previousRunID = "previous_run_id"
        case currentRunID = "current_run_id"
        case comparedAt = "compared_at"
        case confirmAttempts = "confirm_attempts"
    }

    public init(
        previousRunID: String?, currentRunID: String, comparedAt: Date, confirmAttempts: Int, regressions: [CheckedChange],
        flaky: [CheckedChange], unconfirmed: [CheckedChange], fixes: [ResultChange], new: [ResultChange],
        removed: [ResultChange], excluded: [ExcludedChange], open: [OpenRegression] = [], closed: [OpenRegression] = []
    ) {
        self.previousRunID = previousRunID; self.currentRunID = currentRunID; self.comparedAt = comparedAt
        self.confirmAttempts = confirmAttempts; self.regressions = regressions; self.flaky = flaky; self.unconfirmed = unconfirmed
        self.fixes = fixes; self.new = new; self.removed = removed; self.excluded = excluded; self.open = open; self.closed = closed
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        previousRunID = try container.decodeIfPresent(String.self, forKey: .previousRunID)
        currentRunID = try container.decode(String.self, forKey: .currentRunID)
        comparedAt = try container.decode(Date.self, forKey: .comparedAt)
        confirmAttempts = try container.decode(Int.self, forKey: .confirmAttempts)
        regressions = try container.decode([CheckedChange].self, forKey: .regressions)
        flaky = try container.decode([CheckedChange].self, forKey: .flaky)
        unconfirmed = try container.decode([CheckedChange].self, forKey: .unconfirmed)
        fixes = try container.decode([ResultChange].self, forKey: .fixes)
        new = try container.decode([ResultChange].self, forKey: .new)
        removed = try container.decode([ResultChange].self, forKey: .removed)
        excluded = try container.decode([ExcludedChange].self, forKey: .excluded)
        // Absent in comparisons saved before open regressions were carried from run to run.
        open = try container.decodeIfPresent([OpenRegression].self, forKey: .open) ?? []
        // Absent in comparisons saved before closed regressions were recorded.
        closed = try container.decodeIfPresent([OpenRegression].self, forKey: .closed) ?? []
    }

    /// The decision this comparison made on one check of an architecture, if it was a candidate.
    public func state(arch: String, check: String) -> ConfirmationState? {
        for checked in regressions + flaky + unconfirmed where checked.change.arch == arch {
            // Comparisons from before checks were judged one by one decided for the whole architecture.
            if checked.checks.isEmpty { return checked.state }
            if let decision = checked.checks.first(where: { $0.signature.check == check }) { return decision.state }
        }
        return nil
    }

    /// True when this comparison did not accept a check's failure as a fact (flaky or unconfirmed): such a
    /// failure is no baseline, so the check is judged against its last accepted outcome next time.
    public func rejected(arch: String, check: String) -> Bool {
        guard let state = state(arch: arch, check: check) else { return false }
        return state != .confirmed
    }

    /// Re-validates one candidate architecture (`result`, its current result) until its checks are settled or
    /// `requested` attempts (more for a recently flaky check) are used. Once a re-run is refused, `refused`
    /// holds why and no later candidate is re-validated.
    public static func confirm(
        _ candidate: RegressionCandidate, result: ValidationResult?, attempts requested: Int,
        revalidate: Revalidation, refused: inout String?
    ) async throws -> CheckedChange {
        let attempts = ConfirmationRules.attempts(for: candidate.checks, requested: requested)
        var observations = Array(repeating: [RerunObservation](), count: candidate.checks.count)
        var statuses: [ValidationStatus] = []
        var signatures: [[FailureSignature]?] = []
        if let result, refused == nil {
            for _ in 0..<attempts {
                try Task.checkCancellation()
                let rerun: ValidationResult
                do { rerun = try await revalidate(result) } catch let refusal as ConfirmationRefused {
                    refused = refusal.reason
                    break
                }
                statuses.append(rerun.status)
                signatures.append(rerun.checkOutcomes == nil ? nil : rerun.failureSignatures)
                for (index, check) in candidate.checks.enumerated() {
                    observations[index].append(RerunObservation.observe(check.signature, in: rerun))
                }
                if observations.allSatisfy(ConfirmationRules.settled) { break }
            }
        }
        let decisions = candidate.checks.enumerated().map { index, check in
            ConfirmationRules.decide(check, observations: observations[index], attempts: attempts, refused: refused)
        }
        return CheckedChange(
            change: candidate.change, state: CheckedChange.state(for: decisions), reruns: statuses,
            baselineRunID: candidate.baselineRunID, checks: decisions, rerunSignatures: signatures)
    }

    /// Re-validates every candidate (each architecture once per attempt, judging all its candidate checks on
    /// that re-run) and sorts it into regressions, flaky or unconfirmed. Re-running stops once every check is
    /// settled. A throwing `revalidate` is a tool failure and propagates, except `ConfirmationRefused`.
    public static func confirm(
        _ candidates: [RegressionCandidate], diff: RunDiff, current: RunRecord, previousOpen: [OpenRegression],
        attempts requested: Int, revalidate: Revalidation, comparedAt: Date = Date()
    ) async throws -> RunComparison {
        let byArch = ComparisonRules.index(current.results)
        // Whole seconds: the file stores ISO-8601 seconds, and a saved comparison must read back equal.
        let comparedAt = Date(timeIntervalSince1970: comparedAt.timeIntervalSince1970.rounded(.down))
        var checked: [CheckedChange] = []
        var refused: String?
        for candidate in candidates {
            checked.append(
                try await confirm(
                    candidate, result: byArch[candidate.change.arch], attempts: requested,
                    revalidate: revalidate, refused: &refused))
        }
        let regressions = checked.filter { $0.state == .confirmed }
        let open = RegressionRules.open(previous: previousOpen, current: current, confirmed: regressions)
        let stillOpen = Set(open.map { "\($0.arch)\u{0}\($0.check)" })
        return RunComparison(
            previousRunID: diff.previousRunID, currentRunID: diff.currentRunID, comparedAt: comparedAt,
            confirmAttempts: max(0, requested), regressions: regressions,
            flaky: checked.filter { $0.state == .flaky }, unconfirmed: checked.filter { $0.state == .unconfirmed },
            fixes: diff.fixes, new: diff.new, removed: diff.removed, excluded: diff.excluded, open: open,
            closed: previousOpen.filter { !stillOpen.contains("\($0.arch)\u{0}\($0.check)") })
    }

    /// The comparison without re-validation: every candidate is unconfirmed.
    public static func unconfirmed(_ diff: RunDiff, comparedAt: Date = Date()) -> RunComparison {
        RunComparison(
            previousRunID: diff.previousRunID, currentRunID: diff.currentRunID, comparedAt: comparedAt,
            confirmAttempts: 0, regressions: [], flaky: [],
            unconfirmed: diff.candidates.map { CheckedChange(change: $0, state: .unconfirmed, reruns: []) },
            fixes: diff.fixes, new: diff.new, removed: diff.removed, excluded: diff.excluded)
    }
}

extension ArtifactStore {
    /// `runs/<id>/comparison.json` for the run's primary target; `comparison.<target slug>.json` for another
    /// target (`targetSlug`), whose regressions are judged against that target's own baselines.
    public func comparisonFile(_ runID: String, targetSlug: String? = nil) -> URL {
        runDirectory(runID).appendingPathComponent(targetSlug.map { "comparison.\($0).json" } ?? RunComparison.fileName)
    }

    public func saveComparison(_ comparison: RunComparison, targetSlug: String? = nil) throws {
        try AtomicFile.writeJSON(comparison, to: comparisonFile(comparison.currentRunID, targetSlug: targetSlug))
    }

    /// The stored comparison of a run (of one of its non-primary targets), or nil when it was never compared.
    public func loadComparison(_ runID: String, targetSlug: String? = nil) throws -> RunComparison? {
        let url = comparisonFile(runID, targetSlug: targetSlug)
        guard Files.exists(url) else { return nil }
        do { return try JSONCoding.decode(RunComparison.self, from: try Files.read(url)) } catch {
            throw LSQMError.wrap(
                error, action: "load comparison of run \(runID)", kind: .invalidInput,
                hint: "re-create it with 'lsqm compare'")
        }
    }
}
