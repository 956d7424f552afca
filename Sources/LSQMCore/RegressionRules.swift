import Foundation
import LSQMBasics

// The regression rules of issue 14, check by check (the deploy, each test):
//
// - A check's baseline is its own last conclusive outcome in an earlier run of the same identity (architecture,
//   deployed Terraform, test app). ERROR results, not-the-emulator's failures, unreached or skipped checks, and
//   failures that confirmation did not accept (flaky, unconfirmed) are not conclusive: they never move a baseline.
// - A candidate is a check whose baseline passed and that now fails because of the emulator: PASSED → PARTIAL,
//   but also PARTIAL → PARTIAL with a new failing test, and ERROR → FAILED across an outage.
// - A candidate is confirmed only when re-runs reproduce its signature (ConfirmationRules).
// - A confirmed regression stays open until the same check passes again; weeks that cannot check it (ERROR,
//   not run, not reached) carry it forward.
// - Upgrades: a result recorded before lsqm recorded `terraform_hash` stands as a baseline for a result of the
//   same architecture and app hash (its deployed Terraform is unknown, and the decision's reason says so), unless a
//   newer result of that architecture recorded a different Terraform: the first week after an upgrade is judged,
//   not blind.

/// One earlier run as the rules see it.
public struct RunHistoryEntry: Sendable {
    public var run: RunRecord
    public var comparison: RunComparison?
    public init(run: RunRecord, comparison: RunComparison?) { self.run = run; self.comparison = comparison }
}

/// A check that passed at its baseline and fails now.
public struct CandidateCheck: Codable, Sendable, Equatable {
    public var signature: FailureSignature
    /// The run whose passing outcome is this check's baseline.
    public var baselineRunID: String
    /// The check's recent flakiness (nil when it has no conclusive history in the window).
    public var flakeScore: Double?
    /// It flaked in the flakiness window: every confirmation must reproduce its signature.
    public var recentlyFlaky: Bool
    /// The baseline was recorded before lsqm recorded `terraform_hash`: its deployed Terraform is assumed, not known,
    /// to be today's (nil when it was known).
    public var baselineTerraformUnrecorded: Bool?

    public init(
        signature: FailureSignature, baselineRunID: String, flakeScore: Double? = nil, recentlyFlaky: Bool = false,
        baselineTerraformUnrecorded: Bool? = nil
    ) {
        self.signature = signature; self.baselineRunID = baselineRunID; self.flakeScore = flakeScore; self.recentlyFlaky = recentlyFlaky
        self.baselineTerraformUnrecorded = baselineTerraformUnrecorded
    }

    enum CodingKeys: String, CodingKey {
        case signature
        case baselineRunID = "baseline_run_id"
        case flakeScore = "flake_score"
        case recentlyFlaky = "recently_flaky"
        case baselineTerraformUnrecorded = "baseline_terraform_unrecorded"
    }
}

/// An architecture with at least one candidate check: what confirmation re-validates.
public struct RegressionCandidate: Sendable, Equatable {
    public var change: ResultChange
    /// The newest baseline among its checks.
    public var baselineRunID: String?
    public var checks: [CandidateCheck]
}

/// A check's outcomes over the flakiness window.
public struct CheckFlakiness: Codable, Sendable, Equatable {
    public var arch: String
    public var name: String
    public var check: String
    /// Oldest first, one letter a run: P passed, F failed (the emulator's), ? no verdict.
    public var outcomes: String
    /// Failures that confirmation found flaky, or that passed again in the next conclusive run without having
    /// been confirmed.
    public var flakes: Int
    /// flakes / conclusive outcomes.
    public var score: Double
    /// The distinct failure signatures this check failed with in the window, sorted (absent in files written
    /// before they were recorded).
    public var signatures: [FailureSignature]?

    enum CodingKeys: String, CodingKey { case arch, name, check, outcomes, flakes, score, signatures }
}

/// `trends/flakiness.json`: the checks that failed at least once in the last `window` runs.
public struct FlakinessFile: Codable, Sendable, Equatable {
    public static let fileName = "flakiness.json"
    public var runID: String
    public var window: Int
    public var checks: [CheckFlakiness]

    public init(runID: String, window: Int, checks: [CheckFlakiness]) { self.runID = runID; self.window = window; self.checks = checks }

    enum CodingKeys: String, CodingKey {
        case window, checks
        case runID = "run_id"
    }
}

public enum RegressionRules {
    /// How many runs a check's flakiness looks back on.
    public static let flakinessWindow = 12

    /// The candidates of `current` against `history` (earlier runs, oldest first). Checks already open as
    /// regressions are not candidates again: their failure is known.
    public static func candidates(current: RunRecord, history: [RunHistoryEntry], open: [OpenRegression] = []) -> [RegressionCandidate] {
        let newestFirst = Array(history.reversed())
        let flakiness = Dictionary(self.flakiness(history: history).map { ("\($0.arch)\u{0}\($0.check)", $0) }, uniquingKeysWith: { a, _ in a })
        let alreadyOpen = Set(open.map { "\($0.arch)\u{0}\($0.check)" })
        var found: [RegressionCandidate] = []
        for result in ComparisonRules.index(current.results).values.sorted(by: { $0.arch < $1.arch }) {
            guard let outcomes = result.checkOutcomes else { continue }
            var checks: [CandidateCheck] = []
            var baselineResult: (runID: String, result: ValidationResult)?
            for (check, outcome) in outcomes.sorted(by: { $0.key < $1.key }) {
                guard let signature = outcome.signature, !alreadyOpen.contains("\(result.arch)\u{0}\(check)"),
                    let baseline = baseline(of: check, for: result, newestFirst: newestFirst), baseline.outcome == .passed
                else { continue }
                let flaky = flakiness["\(result.arch)\u{0}\(check)"]
                checks.append(
                    CandidateCheck(
                        signature: signature, baselineRunID: baseline.runID, flakeScore: flaky?.score,
                        recentlyFlaky: (flaky?.flakes ?? 0) > 0,
                        baselineTerraformUnrecorded: baseline.match == .terraformUnrecorded ? true : nil))
                if baselineResult.map({ $0.runID < baseline.runID }) ?? true { baselineResult = (baseline.runID, baseline.result) }
            }
            guard !checks.isEmpty else { continue }
            found.append(
                RegressionCandidate(
                    change: ResultChange(previous: baselineResult?.result, current: result),
                    baselineRunID: baselineResult?.runID, checks: checks))
        }
        return found
    }

    /// How an earlier result stands for the identity of a current one.
    public enum IdentityMatch: Sendable, Equatable {
        /// Same architecture, deployed Terraform and app.
        case same
        /// Same architecture and app; the earlier result predates `terraform_hash`, so its Terraform is unknown.
        case terraformUnrecorded
    }

    /// Whether `earlier` may stand as a baseline for `current`. `newerTerraformDiffers`: a result of the
    /// architecture newer than `earlier` recorded a Terraform other than `current`'s — then an unrecorded one
    /// cannot be assumed to be today's.
    public static func identityMatch(
        _ earlier: ValidationResult, _ current: ValidationResult,
        newerTerraformDiffers: Bool
    ) -> IdentityMatch? {
        let then = ResultIdentity(earlier), now = ResultIdentity(current)
        if then == now { return .same }
        guard earlier.terraformHash == nil, current.terraformHash != nil, !newerTerraformDiffers else { return nil }
        var assumed = then
        assumed.terraformHash = now.terraformHash
        return assumed == now ? .terraformUnrecorded : nil
    }

    /// A check's baseline: its last conclusive outcome in an earlier run of the same identity (see `identityMatch`).
    public static func baseline(
        of check: String, for result: ValidationResult, newestFirst: [RunHistoryEntry]
    )
        -> (runID: String, outcome: CheckOutcome, result: ValidationResult, match: IdentityMatch)?
    {
        var newerTerraformDiffers = false
        for entry in newestFirst {
            guard let earlier = ComparisonRules.index(entry.run.results)[result.arch] else { continue }
            defer { if let hash = earlier.terraformHash, hash != result.terraformHash { newerTerraformDiffers = true } }
            guard let match = identityMatch(earlier, result, newerTerraformDiffers: newerTerraformDiffers),
                let outcome = conclusiveOutcome(of: check, in: earlier, comparison: entry.comparison)
            else { continue }
            return (entry.run.runID, outcome, earlier, match)
        }
        return nil
    }

    /// The outcome of a check in a result when it is conclusive, else nil. A PASSED result passed every check
    /// (also the whole test phase); a failure that confirmation did not accept is not a fact.
    static func conclusiveOutcome(of check: String, in result: ValidationResult, comparison: RunComparison?) -> CheckOutcome? {
        guard let outcomes = result.checkOutcomes else { return nil }
        switch outcomes[check] ?? (result.status == .passed ? .passed : .unknown) {
        case .passed: return .passed
        case .unknown: return nil
        case .failed(let signature):
            return comparison?.rejected(arch: result.arch, check: check) == true ? nil : .failed(signature)
        }
    }

    /// Every check that failed at least once in the last `flakinessWindow` runs of `history`, with its score.
    public static func flakiness(history: [RunHistoryEntry]) -> [CheckFlakiness] {
        let window = history.suffix(flakinessWindow)
        var failing: [String: (arch: String, name: String, check: String)] = [:]
        for entry in window {
            for result in entry.run.results {
                for (check, outcome) in result.checkOutcomes ?? [:] where outcome.signature != nil {
                    failing["\(result.arch)\u{0}\(check)"] = (result.arch, result.name, check)
                }
            }
        }
        let indexed = window.map { (entry: $0, byArch: ComparisonRules.index($0.run.results)) }
        return failing.values.sorted { ($0.arch, $0.check) < ($1.arch, $1.check) }.map { key in
            var letters = ""
            var signatures: Set<FailureSignature> = []
            var flakes = 0
            var pendingFailure = false
            var conclusive = 0
            for (entry, byArch) in indexed {
                guard let result = byArch[key.arch], let outcomes = result.checkOutcomes else { letters += "?"; continue }
                switch outcomes[key.check] ?? (result.status == .passed ? .passed : .unknown) {
                case .passed:
                    letters += "P"; conclusive += 1
                    if pendingFailure { flakes += 1 }
                    pendingFailure = false
                case .failed(let signature):
                    letters += "F"; conclusive += 1
                    signatures.insert(signature)
                    let state = entry.comparison?.state(arch: key.arch, check: key.check)
                    if state == .flaky { flakes += 1; pendingFailure = false } else { pendingFailure = state != .confirmed }
                case .unknown:
                    letters += "?"
                }
            }
            return CheckFlakiness(
                arch: key.arch, name: key.name, check: key.check, outcomes: letters, flakes: flakes,
                score: conclusive > 0 ? Double(flakes) / Double(conclusive) : 0, signatures: signatures.sorted())
        }
    }

    /// The regressions open after `current`: those open before, minus the ones whose check passed again (or
    /// whose test no longer exists in a run that reached the tests), plus the newly confirmed ones. A week that
    /// cannot check one (ERROR, not run, deploy failed before the test) carries it, marked not checked.
    public static func open(previous: [OpenRegression], current: RunRecord, confirmed: [CheckedChange]) -> [OpenRegression] {
        let results = ComparisonRules.index(current.results)
        var open: [OpenRegression] = []
        for var regression in previous {
            regression.status = results[regression.arch]?.status
            guard let result = results[regression.arch], let outcomes = result.checkOutcomes else {
                regression.checked = false
                open.append(regression)
                continue
            }
            switch outcomes[regression.check] {
            case .passed?: continue
            case .failed(let signature)?:
                regression.checked = true
                regression.currentSignature = signature
                regression.lastCheckedRunID = current.runID
            case .unknown?:
                regression.checked = false
            case nil:
                // A passing run passed every check; a run whose tests ran without this test no longer has it.
                if result.status == .passed || outcomes[ValidationResult.deployCheck] == .passed { continue }
                regression.checked = false
            }
            open.append(regression)
        }
        let known = Set(open.map { "\($0.arch)\u{0}\($0.check)" })
        for checked in confirmed {
            for decision in checked.checks
            where decision.state == .confirmed && !known.contains("\(checked.change.arch)\u{0}\(decision.signature.check)") {
                open.append(
                    OpenRegression(
                        arch: checked.change.arch, name: checked.change.name, sourceURL: checked.change.sourceURL,
                        services: checked.change.services, check: decision.signature.check, signature: decision.signature,
                        openedRunID: current.runID, baselineRunID: decision.baselineRunID,
                        status: checked.change.current, checked: true, lastCheckedRunID: current.runID,
                        currentSignature: decision.signature))
            }
        }
        return open.sorted { ($0.arch, $0.check) < ($1.arch, $1.check) }
    }
}

/// A confirmed regression of one check that has not passed again.
public struct OpenRegression: Codable, Sendable, Equatable {
    public var arch: String
    public var name: String
    public var sourceURL: String
    public var services: [String]
    public var check: String
    /// The signature confirmed when it opened.
    public var signature: FailureSignature
    /// The run in which it was confirmed.
    public var openedRunID: String
    /// The run in which the check last passed.
    public var baselineRunID: String
    /// The architecture's status in the latest run (nil: not in it).
    public var status: ValidationStatus?
    /// False when the latest run could not check it ("not checked this week": ERROR, not run, not reached).
    public var checked: Bool
    public var lastCheckedRunID: String
    /// How the check failed in the latest run that checked it.
    public var currentSignature: FailureSignature?

    enum CodingKeys: String, CodingKey {
        case arch, name, services, check, signature, status, checked
        case sourceURL = "source_url"
        case openedRunID = "opened_run_id"
        case baselineRunID = "baseline_run_id"
        case lastCheckedRunID = "last_checked_run_id"
        case currentSignature = "current_signature"
    }
}

extension ArtifactStore {
    public var flakinessFile: URL { trendsDirectory.appendingPathComponent(FlakinessFile.fileName) }

    public func saveFlakiness(_ file: FlakinessFile) throws {
        try AtomicFile.writeJSON(file, to: flakinessFile)
    }

    /// The earlier runs the regression rules need for `current`: the flakiness window, then further back only
    /// while a check of the current run still has no conclusive baseline (an outage of many weeks), oldest first.
    /// `newest` (a run named to compare with) is where the look back starts instead of the run before `current`.
    ///
    /// `current` is one target's part of a run (`RunRecord.only(target:)`): each earlier run is read as that
    /// target's part, with that target's comparison, so every target has its own baselines. A run that did not
    /// validate the target is not history for it.
    public func regressionHistory(for current: RunRecord, startingAt newest: String? = nil) throws -> [RunHistoryEntry] {
        let target = current.target
        let earlier = runIDs().filter { id in id != current.runID && (newest.map { id <= $0 } ?? (id < current.runID)) }
            .suffix(ArtifactStore.keptRuns)
        var entries: [RunHistoryEntry] = []
        var unresolved = Set(current.results.filter { $0.checkOutcomes != nil }.map(\.arch))
        for (position, id) in earlier.reversed().enumerated() {
            if position >= RegressionRules.flakinessWindow && unresolved.isEmpty { break }
            // One unreadable old run must not block every later comparison: it is skipped (compare warns).
            guard let stored = try? loadRun(id) else { continue }
            var run = stored
            if let target {
                guard let part = stored.only(target: target) else { continue }
                run = part
            }
            let entry = RunHistoryEntry(run: run, comparison: try loadComparison(id, targetSlug: target.flatMap(stored.slug(of:))))
            entries.append(entry)
            // An architecture is resolved once an earlier result that may stand for its identity reached a verdict
            // (an unrecorded Terraform further back is no better than this one).
            let byArch = ComparisonRules.index(run.results)
            for result in current.results where unresolved.contains(result.arch) {
                if let earlierResult = byArch[result.arch], RegressionRules.identityMatch(earlierResult, result, newerTerraformDiffers: false) != nil,
                    earlierResult.checkOutcomes != nil
                {
                    unresolved.remove(result.arch)
                }
            }
        }
        return entries.reversed()
    }
}
