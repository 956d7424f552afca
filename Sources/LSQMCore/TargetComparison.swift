import Foundation
import LSQMBasics

// The difference view (issue 17): the same architectures and tests on two emulator targets of one run — a
// release and its candidate, LocalStack and moto — and where they disagree, differences first.
//
// A disagreement is an architecture that passes on one target and not on the other, whatever the other did
// (failed, timed out, hit an infrastructure error, or was not run for want of a service): each side is shown
// with its status and cause, so an ERROR of the machine reads as such. The pre-release gate is narrower: only
// a verdict that is the candidate's own doing (FAILED/PARTIAL/TIMEOUT with an emulator cause) where the
// release passed can stop a release, and only once re-runs in fresh emulators reproduce its signature.

/// What one target made of one architecture.
public struct TargetOutcome: Codable, Sendable, Equatable {
    public static let notRunStatus = "NOT_RUN"
    /// A `ValidationStatus` raw value, or `NOT_RUN`.
    public var status: String
    public var cause: FailureCause?
    /// The error, or why it was not run.
    public var detail: String?

    public init(status: String, cause: FailureCause? = nil, detail: String? = nil) {
        self.status = status; self.cause = cause; self.detail = detail
    }

    init(_ result: ValidationResult) { self.init(status: result.status.rawValue, cause: result.cause, detail: result.error) }
    init(_ notRun: NotRun) { self.init(status: Self.notRunStatus, detail: notRun.reason) }

    public var passed: Bool { status == ValidationStatus.passed.rawValue }

    /// `FAILED emulator sqs:CreateQueue (InternalError)`, `NOT_RUN`, `PASSED`: what groups differences.
    public var summary: String {
        guard let cause else { return status }
        let api = cause.apiName.map { " \($0)" } ?? ""
        return "\(status) \(cause.kind.rawValue)\(api)" + (cause.code.map { " (\($0))" } ?? "")
    }
}

/// One architecture the two targets disagree on.
public struct TargetDisagreement: Codable, Sendable, Equatable {
    public var arch: String
    public var name: String
    public var services: [String]
    public var a: TargetOutcome
    public var b: TargetOutcome
    /// The pre-release gate's decision when B's failure is a candidate (A passed, B failed by its own doing).
    public var gate: CheckedChange?

    /// True when it passes on A and not on B.
    public var passesOnlyOnA: Bool { a.passed && !b.passed }

    /// A candidate for the gate: the release passed, the candidate's verdict is its own doing.
    public var isGateCandidate: Bool {
        a.passed && ComparisonRules.regressingStatuses.map(\.rawValue).contains(b.status) && b.cause.map { $0.kind == .emulator } ?? true
    }

    enum CodingKeys: String, CodingKey { case arch, name, services, a, b, gate }
}

/// Disagreements that read the same (the same outcome on each side), with how many architectures they affect.
public struct DifferenceGroup: Codable, Sendable, Equatable {
    /// `a` when it passes on A only, `b` when on B only.
    public var passesOn: String
    public var a: String
    public var b: String
    public var architectures: [String]
    public var count: Int { architectures.count }

    enum CodingKeys: String, CodingKey {
        case a, b, architectures
        case passesOn = "passes_on"
    }
}

/// One service's disagreements: how many of the architectures using it pass only on A, only on B.
public struct ServiceDifference: Codable, Sendable, Equatable {
    public var service: String
    public var passesOnlyOnA: Int
    public var passesOnlyOnB: Int

    public init(service: String, passesOnlyOnA: Int, passesOnlyOnB: Int) {
        self.service = service; self.passesOnlyOnA = passesOnlyOnA; self.passesOnlyOnB = passesOnlyOnB
    }

    enum CodingKeys: String, CodingKey {
        case service
        case passesOnlyOnA = "passes_only_on_a"
        case passesOnlyOnB = "passes_only_on_b"
    }
}

/// How many architectures the targets agree on.
public struct TargetAgreement: Codable, Sendable, Equatable {
    public var bothPassed = 0
    /// Neither passed, and both verdicts are the emulators' own (FAILED/PARTIAL/TIMEOUT).
    public var bothFailed = 0
    /// Neither passed, and at least one side was an ERROR or not run: nothing to compare.
    public var neitherJudged = 0
    public var differ = 0

    public init() {}

    enum CodingKeys: String, CodingKey {
        case differ
        case bothPassed = "both_passed"
        case bothFailed = "both_failed"
        case neitherJudged = "neither_judged"
    }

    /// One line: `agree on 12 of 15 (10 pass on both, 2 fail on both); 1 judged on neither; 2 differ`.
    public var line: String {
        let total = bothPassed + bothFailed + neitherJudged + differ
        return "agree on \(bothPassed + bothFailed) of \(total) (\(bothPassed) pass on both, \(bothFailed) fail on both); "
            + "\(neitherJudged) judged on neither (an error or not run); \(differ) differ"
    }
}

/// `lsqm compare --targets A B` of one run.
public struct TargetComparison: Codable, Sendable, Equatable {
    public static let fileName = "targets-comparison.json"
    public var runID: String
    public var targetA: String
    public var targetB: String
    public var emulatorA: EmulatorInfo?
    public var emulatorB: EmulatorInfo?
    public var agreement: TargetAgreement
    /// Grouped by outcome pair, the groups affecting most architectures first.
    public var differences: [DifferenceGroup]
    /// Services with disagreements, the most affected first.
    public var services: [ServiceDifference]
    /// Every disagreement, in the order of `differences`.
    public var architectures: [TargetDisagreement]
    /// Re-validations per gate candidate (0: not confirmed).
    public var confirmAttempts: Int

    enum CodingKeys: String, CodingKey {
        case agreement, differences, services, architectures
        case runID = "run_id"
        case targetA = "target_a"
        case targetB = "target_b"
        case emulatorA = "emulator_a"
        case emulatorB = "emulator_b"
        case confirmAttempts = "confirm_attempts"
    }

    /// Architectures B fails by its own doing where A passes, confirmed by re-runs: what stops a release.
    public var confirmedRegressions: [TargetDisagreement] { architectures.filter { $0.gate?.state == .confirmed } }

    /// Compares targets `a` and `b` of `run`; nil names a target the run did not validate.
    public static func compare(_ run: RunRecord, a: String, b: String) throws -> TargetComparison {
        func part(_ name: String) throws -> TargetResults {
            guard let part = run.allTargets.first(where: { $0.target == name }) else {
                throw LSQMError(
                    .usage, action: "compare target \(name) of run \(run.runID)",
                    cause: "the run validated only \(run.targetNames.joined(separator: ", "))",
                    hint: "name two of those targets, or validate with --target \(name)")
            }
            return part
        }
        guard a != b else {
            throw LSQMError(.usage, action: "compare targets \(a) and \(b)", cause: "they are the same target", hint: "name two different targets")
        }
        let (left, right) = (try part(a), try part(b))
        let resultsA = ComparisonRules.index(left.results), resultsB = ComparisonRules.index(right.results)
        let notRunA = Dictionary(left.notRun.map { ($0.arch, $0) }, uniquingKeysWith: { x, _ in x })
        let notRunB = Dictionary(right.notRun.map { ($0.arch, $0) }, uniquingKeysWith: { x, _ in x })
        var agreement = TargetAgreement()
        var disagreements: [TargetDisagreement] = []
        for arch in Set(resultsA.keys).union(resultsB.keys).union(notRunA.keys).union(notRunB.keys).sorted() {
            guard let outcomeA = resultsA[arch].map(TargetOutcome.init) ?? notRunA[arch].map(TargetOutcome.init),
                let outcomeB = resultsB[arch].map(TargetOutcome.init) ?? notRunB[arch].map(TargetOutcome.init)
            else {
                continue  // validated on one target only (a shard or --arch run): nothing to compare
            }
            if outcomeA.passed && outcomeB.passed {
                agreement.bothPassed += 1
            } else if outcomeA.passed != outcomeB.passed {
                agreement.differ += 1
                let named = resultsA[arch] ?? resultsB[arch]
                disagreements.append(
                    TargetDisagreement(
                        arch: arch, name: named?.name ?? notRunA[arch]?.name ?? notRunB[arch]?.name ?? arch,
                        services: named?.services ?? [], a: outcomeA, b: outcomeB))
            } else if [outcomeA, outcomeB].allSatisfy({ ComparisonRules.regressingStatuses.map(\.rawValue).contains($0.status) }) {
                agreement.bothFailed += 1
            } else {
                agreement.neitherJudged += 1
            }
        }
        var groups: [String: DifferenceGroup] = [:]
        for disagreement in disagreements {
            let group = DifferenceGroup(
                passesOn: disagreement.passesOnlyOnA ? "a" : "b", a: disagreement.a.summary, b: disagreement.b.summary,
                architectures: [])
            let key = "\(group.passesOn)\u{0}\(group.a)\u{0}\(group.b)"
            groups[key, default: group].architectures.append(disagreement.arch)
        }
        let differences = groups.values.sorted { ($1.count, $0.passesOn, $0.a, $0.b) < ($0.count, $1.passesOn, $1.a, $1.b) }
        let position = Dictionary(uniqueKeysWithValues: differences.enumerated().flatMap { index, group in group.architectures.map { ($0, index) } })
        var services: [String: ServiceDifference] = [:]
        for disagreement in disagreements {
            for service in Set(disagreement.services) {
                var entry = services[service] ?? ServiceDifference(service: service, passesOnlyOnA: 0, passesOnlyOnB: 0)
                if disagreement.passesOnlyOnA { entry.passesOnlyOnA += 1 } else { entry.passesOnlyOnB += 1 }
                services[service] = entry
            }
        }
        return TargetComparison(
            runID: run.runID, targetA: a, targetB: b, emulatorA: left.emulator, emulatorB: right.emulator, agreement: agreement,
            differences: differences,
            services: services.values.sorted {
                ($1.passesOnlyOnA + $1.passesOnlyOnB, $0.service) < ($0.passesOnlyOnA + $0.passesOnlyOnB, $1.service)
            },
            architectures: disagreements.sorted { (position[$0.arch] ?? 0, $0.name, $0.arch) < (position[$1.arch] ?? 0, $1.name, $1.arch) },
            confirmAttempts: 0)
    }

    /// Confirms each gate candidate as a regression is confirmed: `revalidate` re-runs it on B in a fresh
    /// emulator, up to `attempts` times, and a failing check is confirmed only when the re-runs fail it again
    /// with the same signature. The release's passing result is every check's baseline.
    public mutating func confirm(attempts: Int, on run: RunRecord, revalidate: Revalidation) async throws {
        confirmAttempts = attempts
        guard let resultsB = run.only(target: targetB).map({ ComparisonRules.index($0.results) }) else { return }
        var refused: String?
        for index in architectures.indices where architectures[index].isGateCandidate {
            guard let failed = resultsB[architectures[index].arch] else { continue }
            let checks = (failed.checkOutcomes ?? [:]).sorted { $0.key < $1.key }.compactMap { _, outcome in
                outcome.signature.map { CandidateCheck(signature: $0, baselineRunID: "\(runID) on \(targetA)") }
            }
            let change = ResultChange(
                arch: failed.arch, name: failed.name, sourceURL: failed.sourceURL, services: failed.services,
                previous: .passed, current: failed.status)
            let candidate = RegressionCandidate(change: change, baselineRunID: runID, checks: checks)
            architectures[index].gate = try await RunComparison.confirm(
                candidate, result: failed, attempts: attempts,
                revalidate: revalidate, refused: &refused)
        }
    }
}

extension ArtifactStore {
    public func saveTargetComparison(_ comparison: TargetComparison) throws {
        try AtomicFile.writeJSON(comparison, to: runDirectory(comparison.runID).appendingPathComponent(TargetComparison.fileName))
    }

    /// The stored difference view of a run, or nil when its targets were never compared.
    public func loadTargetComparison(_ runID: String) throws -> TargetComparison? {
        let url = runDirectory(runID).appendingPathComponent(TargetComparison.fileName)
        guard Files.exists(url) else { return nil }
        do { return try JSONCoding.decode(TargetComparison.self, from: try Files.read(url)) } catch {
            throw LSQMError.wrap(
                error, action: "load the target comparison of run \(runID)", kind: .invalidInput,
                hint: "re-create it with 'lsqm compare --targets A B'")
        }
    }
}
