import Foundation
import LSQMBasics
import LSQMCore
import LSQMTemplates
import XCTest

/// Constructed runs for the regression, trend and report tests.
enum Fixture {
    static let day: TimeInterval = 86_400
    static let epoch = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01T00:00:00Z

    /// A 64-hex architecture hash derived from a short readable name.
    static func hash(_ name: String) -> String { SHA256.hex(name) }

    static func result(
        _ name: String, _ status: ValidationStatus, services: [String] = ["s3"], app: String? = "app-v1",
        deployOnly: Bool = false, kind: ArchitectureKind = .terraform
    ) -> ValidationResult {
        ValidationResult(
            arch: hash(name), appHash: app.map { hash("\(name)/\($0)") }, sourceURL: "https://github.com/example/\(name)",
            name: name, kind: kind, services: services, status: status, deployOnly: deployOnly,
            failedStep: status == .passed ? nil : "tests", error: status == .passed ? nil : "\(name) failed",
            startedAt: epoch, durationMs: 1_000)
    }

    static func run(_ index: Int, _ results: [ValidationResult], emulator: EmulatorInfo? = nil) -> RunRecord {
        let started = epoch.addingTimeInterval(Double(index) * 7 * day)
        return RunRecord(
            runID: String(format: "20260101T%06dZ-run%02d", index, index), startedAt: started,
            finishedAt: started.addingTimeInterval(3_600), emulator: emulator, results: results)
    }

    /// A fresh artifact repository in a temporary directory holding these runs.
    static func store(_ runs: [RunRecord]) throws -> ArtifactStore {
        let store = ArtifactStore(root: try Files.makeTemporaryDirectory(prefix: "lsqm-report-test"))
        try store.initializeLayout()
        for run in runs { try store.saveRun(run) }
        return store
    }
}

extension XCTestCase {
    /// `Fixture.store`, removed again when the test ends.
    func makeStore(_ runs: [RunRecord]) throws -> ArtifactStore {
        let store = try Fixture.store(runs)
        addTeardownBlock { Files.remove(store.root) }
        return store
    }
}

/// Counts re-validation calls and answers from a script, one list per architecture name: a bare status re-runs
/// the candidate's own result with that status (FAILED, PARTIAL, TIMEOUT reproduce its failure signature;
/// PASSED passes every check; ERROR says nothing), a full result is answered as it is.
final class ScriptedRevalidation: @unchecked Sendable {
    enum Answer: ExpressibleByUnicodeScalarLiteral {
        case status(ValidationStatus)
        case result(ValidationResult)
        init(unicodeScalarLiteral value: String) { self = .status(ValidationStatus(rawValue: value)!) }
    }

    private let lock = NSLock()
    private var answers: [String: [Answer]]
    private(set) var calls: [String] = []

    init(_ answers: [String: [ValidationStatus]]) { self.answers = answers.mapValues { $0.map(Answer.status) } }
    init(results answers: [String: [Answer]]) { self.answers = answers }

    var closure: Revalidation {
        { [self] result in try next(for: result) }
    }

    private func next(for candidate: ValidationResult) throws -> ValidationResult {
        lock.lock(); defer { lock.unlock() }
        calls.append(candidate.name)
        guard var queue = answers[candidate.name], !queue.isEmpty else {
            throw LSQMError(.internal, action: "re-validate \(candidate.name)", cause: "the test scripted no answer")
        }
        let answer = queue.removeFirst()
        answers[candidate.name] = queue
        switch answer {
        case .result(let result): return result
        case .status(let status):
            var rerun = candidate
            rerun.status = status
            if status == .passed {
                rerun.failedStep = nil; rerun.error = nil; rerun.cause = nil
                rerun.tests = rerun.tests.map { TestCaseResult(name: $0.name, outcome: .passed, durationMs: $0.durationMs) }
            }
            return rerun
        }
    }

    var callCount: Int { lock.lock(); defer { lock.unlock() }; return calls.count }
}
