import Foundation
import LSQMBasics
import LSQMTemplates

/// The five verdicts of a validation (design.md "Validation").
public enum ValidationStatus: String, Codable, Sendable, CaseIterable, Comparable {
    /// Deployed and every test passed.
    case passed = "PASSED"
    /// Deployed; some tests passed, some failed.
    case partial = "PARTIAL"
    /// The deploy failed, or every test failed.
    case failed = "FAILED"
    /// The whole validation ran past its time limit.
    case timeout = "TIMEOUT"
    /// Infrastructure failed (the emulator, a tool, a missing provider): says nothing about the architecture.
    case error = "ERROR"

    public static func < (lhs: Self, rhs: Self) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// The steps of one validation, in order; durations are recorded per step.
public enum ValidationStep: String, Codable, Sendable, CaseIterable {
    case emulatorStart = "emulator_start"
    case health
    case initialize = "init"
    case apply
    case tests
    case destroy
}

public struct TestCaseResult: Codable, Sendable, Equatable {
    public enum Outcome: String, Codable, Sendable { case passed, failed, error, skipped }
    public var name: String
    public var outcome: Outcome
    public var durationMs: Int
    public var message: String?
    /// Why a failed or errored test failed (nil for passed and skipped tests, and in runs before causes).
    public var cause: FailureCause?

    public init(name: String, outcome: Outcome, durationMs: Int, message: String? = nil, cause: FailureCause? = nil) {
        self.name = name; self.outcome = outcome; self.durationMs = durationMs; self.message = message; self.cause = cause
    }

    enum CodingKeys: String, CodingKey {
        case name, outcome, message, cause
        case durationMs = "duration_ms"
    }
}

/// Everything one validation found out.
public struct ValidationResult: Codable, Sendable, Equatable {
    public var arch: String
    public var appHash: String?
    /// sha256 of the normalized Terraform that was deployed (`ArtifactStore.terraformHash`). The architecture
    /// hash names the original files; this names what a normalizer made of them, so a normalizer change starts
    /// a new baseline instead of looking like the emulator's regression. Nil in runs recorded before it existed.
    public var terraformHash: String?
    public var sourceURL: String
    public var name: String
    public var kind: ArchitectureKind
    /// The services this validation exercised (`Architecture.testedServices`): trends credit these only.
    public var services: [String]
    /// Services of the architecture that were not deployed because lsqm could not translate any of their
    /// resources: the verdict says nothing about them. Nil when there are none (and in older runs).
    public var untestedServices: [String]?
    public var status: ValidationStatus
    /// Milliseconds per step (`ValidationStep` raw values as keys).
    public var durations: [String: Int]
    public var tests: [TestCaseResult]
    /// True when no test app existed and only the deploy was checked.
    public var deployOnly: Bool
    /// The step that decided a non-PASSED verdict ("apply", "tests", "health").
    public var failedStep: String?
    public var error: String?
    /// Why a non-PASSED verdict happened (nil for PASSED, and in runs recorded before causes existed).
    public var cause: FailureCause?
    public var warnings: [String]
    public var terraformOutput: String?
    public var pytestOutput: String?
    public var emulatorLogTail: String?
    public var startedAt: Date
    public var durationMs: Int

    public init(
        arch: String, appHash: String? = nil, sourceURL: String, name: String, kind: ArchitectureKind, services: [String],
        status: ValidationStatus, durations: [String: Int] = [:], tests: [TestCaseResult] = [], deployOnly: Bool = false,
        failedStep: String? = nil, error: String? = nil, cause: FailureCause? = nil, warnings: [String] = [], terraformOutput: String? = nil,
        pytestOutput: String? = nil, emulatorLogTail: String? = nil, startedAt: Date = Date(), durationMs: Int = 0
    ) {
        self.arch = arch; self.appHash = appHash; self.sourceURL = sourceURL; self.name = name; self.kind = kind
        self.services = services; self.status = status; self.durations = durations; self.tests = tests
        self.deployOnly = deployOnly; self.failedStep = failedStep; self.error = error; self.cause = cause; self.warnings = warnings
        self.terraformOutput = terraformOutput; self.pytestOutput = pytestOutput; self.emulatorLogTail = emulatorLogTail
        self.startedAt = startedAt; self.durationMs = durationMs
    }

    enum CodingKeys: String, CodingKey {
        case arch, name, kind, services, status, durations, tests, error, cause, warnings
        case appHash = "app_hash"
        case untestedServices = "untested_services"
        case terraformHash = "terraform_hash"
        case sourceURL = "source_url"
        case deployOnly = "deploy_only"
        case failedStep = "failed_step"
        case terraformOutput = "terraform_output"
        case pytestOutput = "pytest_output"
        case emulatorLogTail = "emulator_log_tail"
        case startedAt = "started_at"
        case durationMs = "duration_ms"
    }

    /// The verdict from test outcomes, for a deploy that succeeded (design.md: PASSED all pass, PARTIAL some,
    /// FAILED none). A run with no test cases at all is FAILED unless it was deploy-only by design.
    public static func verdict(forTests tests: [TestCaseResult], deployOnly: Bool) -> ValidationStatus {
        if deployOnly && tests.isEmpty { return .passed }
        let counted = tests.filter { $0.outcome != .skipped }
        guard !counted.isEmpty else { return .failed }
        let passed = counted.filter { $0.outcome == .passed }.count
        if passed == counted.count { return .passed }
        return passed == 0 ? .failed : .partial
    }
}

/// Counts per status, used by summaries, reports and notifiers.
///
/// `partial`, `failed` and `timeout` count only verdicts that are the emulator's doing; a non-passing verdict
/// whose cause lies elsewhere (the architecture, the test app, the environment, lsqm) is counted apart in
/// `notEmulator`, so it neither lowers the pass rate nor hides among the emulator's failures.
public struct StatusCounts: Codable, Sendable, Equatable {
    public var total = 0, passed = 0, partial = 0, failed = 0, timeout = 0, error = 0
    /// PARTIAL/FAILED/TIMEOUT verdicts whose cause is not the emulator ("not the emulator's fault").
    public var notEmulator = 0

    public init() {}

    /// Counts bare statuses, every non-passing one as the emulator's (for callers without causes).
    public init<S: Sequence>(_ statuses: S) where S.Element == ValidationStatus {
        for status in statuses { add(status) }
    }

    public init<S: Sequence>(results: S) where S.Element == ValidationResult {
        for result in results { add(result) }
    }

    public mutating func add(_ result: ValidationResult) {
        add(result.status, emulatorVerdict: result.isEmulatorVerdict)
    }

    public mutating func add(_ status: ValidationStatus, emulatorVerdict: Bool = true) {
        total += 1
        if status != .passed, status != .error, !emulatorVerdict {
            notEmulator += 1
            return
        }
        switch status {
        case .passed: passed += 1
        case .partial: partial += 1
        case .failed: failed += 1
        case .timeout: timeout += 1
        case .error: error += 1
        }
    }

    /// Passed over everything that was judged: ERROR (infrastructure) and verdicts that are not the
    /// emulator's doing say nothing about the emulator's compatibility.
    public var passRate: Double? {
        let judged = total - error - notEmulator
        return judged > 0 ? Double(passed) / Double(judged) : nil
    }

    enum CodingKeys: String, CodingKey {
        case total, passed, partial, failed, timeout, error
        case notEmulator = "not_emulator"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func count(_ key: CodingKeys) throws -> Int { try container.decodeIfPresent(Int.self, forKey: key) ?? 0 }
        total = try count(.total); passed = try count(.passed); partial = try count(.partial)
        failed = try count(.failed); timeout = try count(.timeout); error = try count(.error)
        // Absent in tallies written before causes were recorded.
        notEmulator = try count(.notEmulator)
    }
}

/// What a validation ran against.
public struct EmulatorInfo: Codable, Sendable, Equatable {
    public var runtime: String
    /// `localstack`, `moto`, or the URL of an emulator someone else runs.
    public var name: String
    public var version: String?
    /// LocalStack's `community` or `pro`; nil for emulators without editions.
    public var edition: String?
    public var imageDigest: String?

    public init(runtime: String, name: String, version: String? = nil, edition: String? = nil, imageDigest: String? = nil) {
        self.runtime = runtime; self.name = name; self.version = version; self.edition = edition; self.imageDigest = imageDigest
    }

    enum CodingKeys: String, CodingKey {
        case runtime, name, version, edition
        case imageDigest = "image_digest"
    }
}

/// `runs/<run_id>/results.json`.
///
/// A run validates one or more emulator targets. The first (primary) target's results are the top-level
/// `emulator`, `results` and `not_run`, exactly where a run before targets kept them, so old runs load as one
/// target and every reader that knows one emulator keeps reading the primary; further targets are in
/// `targets`, each with its own emulator, results and not-run list (`RunRecord+Targets.swift`).
public struct RunRecord: Codable, Sendable, Equatable {
    public var runID: String
    public var startedAt: Date
    public var finishedAt: Date?
    public var emulator: EmulatorInfo?
    public var results: [ValidationResult]
    /// Architectures selected but not validated against this emulator, with the reason (not verdicts).
    public var notRun: [NotRun]
    public var shard: String?
    /// The primary target's name (`host:moto`, `docker`, `docker:IMAGE`, a URL); nil in runs recorded before
    /// targets, whose name is derived from `emulator` (`EmulatorTarget.name(for:)`).
    public var recordedTarget: String?
    /// The targets after the primary, in the order they were given.
    public var otherTargets: [TargetResults]

    public init(
        runID: String, startedAt: Date, finishedAt: Date? = nil, emulator: EmulatorInfo? = nil, results: [ValidationResult] = [],
        notRun: [NotRun] = [], shard: String? = nil, target: String? = nil, otherTargets: [TargetResults] = []
    ) {
        self.runID = runID; self.startedAt = startedAt; self.finishedAt = finishedAt; self.emulator = emulator
        self.results = results; self.notRun = notRun; self.shard = shard
        self.recordedTarget = target; self.otherTargets = otherTargets
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        runID = try container.decode(String.self, forKey: .runID)
        startedAt = try container.decode(Date.self, forKey: .startedAt)
        finishedAt = try container.decodeIfPresent(Date.self, forKey: .finishedAt)
        emulator = try container.decodeIfPresent(EmulatorInfo.self, forKey: .emulator)
        results = try container.decode([ValidationResult].self, forKey: .results)
        // Absent in runs recorded before not-run architectures were listed.
        notRun = try container.decodeIfPresent([NotRun].self, forKey: .notRun) ?? []
        shard = try container.decodeIfPresent(String.self, forKey: .shard)
        // Absent in runs recorded before targets: one target, named after its emulator.
        recordedTarget = try container.decodeIfPresent(String.self, forKey: .recordedTarget)
        otherTargets = try container.decodeIfPresent([TargetResults].self, forKey: .otherTargets) ?? []
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(runID, forKey: .runID)
        try container.encode(startedAt, forKey: .startedAt)
        try container.encodeIfPresent(finishedAt, forKey: .finishedAt)
        try container.encodeIfPresent(emulator, forKey: .emulator)
        try container.encode(results, forKey: .results)
        try container.encode(notRun, forKey: .notRun)
        try container.encodeIfPresent(shard, forKey: .shard)
        try container.encodeIfPresent(recordedTarget, forKey: .recordedTarget)
        // A one-target run is written as runs were before targets existed.
        if !otherTargets.isEmpty { try container.encode(otherTargets, forKey: .otherTargets) }
    }

    public var counts: StatusCounts { StatusCounts(results: results) }

    enum CodingKeys: String, CodingKey {
        case emulator, results, shard
        case notRun = "not_run"
        case recordedTarget = "target"
        case otherTargets = "targets"
        case runID = "run_id"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
    }
}
