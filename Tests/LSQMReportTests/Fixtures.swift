import Foundation
import LSQMBasics
import LSQMCore
import XCTest

/// Constructed runs for the regression, trend and report tests.
enum Fixture {
    static let day: TimeInterval = 86_400
    static let epoch = Date(timeIntervalSince1970: 1_767_225_600) // 2026-01-01T00:00:00Z

    /// A 64-hex architecture hash derived from a short readable name.
    static func hash(_ name: String) -> String { SHA256.hex(name) }

    static func result(_ name: String, _ status: ValidationStatus, services: [String] = ["s3"], app: String? = "app-v1",
                       deployOnly: Bool = false, kind: ArchitectureKind = .terraform) -> ValidationResult {
        ValidationResult(arch: hash(name), appHash: app.map { hash("\(name)/\($0)") }, sourceURL: "https://github.com/example/\(name)",
                         name: name, kind: kind, services: services, status: status, deployOnly: deployOnly,
                         failedStep: status == .passed ? nil : "tests", error: status == .passed ? nil : "\(name) failed",
                         startedAt: epoch, durationMs: 1_000)
    }

    static func run(_ index: Int, _ results: [ValidationResult], emulator: EmulatorInfo? = nil) -> RunRecord {
        let started = epoch.addingTimeInterval(Double(index) * 7 * day)
        return RunRecord(runID: String(format: "20260101T%06dZ-run%02d", index, index), startedAt: started,
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

/// Counts re-validation calls and answers from a script of verdicts, one list per architecture name.
final class ScriptedRevalidation: @unchecked Sendable {
    private let lock = NSLock()
    private var answers: [String: [ValidationStatus]]
    private(set) var calls: [String] = []

    init(_ answers: [String: [ValidationStatus]]) { self.answers = answers }

    var closure: Revalidation {
        { [self] result in try next(for: result.name) }
    }

    private func next(for name: String) throws -> ValidationStatus {
        lock.lock(); defer { lock.unlock() }
        calls.append(name)
        guard var queue = answers[name], !queue.isEmpty else {
            throw LSQMError(.internal, action: "re-validate \(name)", cause: "the test scripted no answer")
        }
        let answer = queue.removeFirst()
        answers[name] = queue
        return answer
    }

    var callCount: Int { lock.lock(); defer { lock.unlock() }; return calls.count }
}
