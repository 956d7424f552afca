import Foundation
import LSQMBasics
import LSQMCore
import LSQMTestSupport
import XCTest

@testable import LSQMValidate

/// Nothing lsqm starts outlives it, however it is stopped: the real binary, terraform, its provider and moto.
final class ProcessLifecycleTests: XCTestCase {
    /// Thirty queues: apply runs long enough to be caught in the middle.
    static let slowApply = ValidateFixtures.text(
        "main.tf",
        """
        resource "aws_sqs_queue" "q" {
          count = 30
          name  = "lsqm-lifecycle-${count.index}"
        }
        """)

    private func environment(_ fixtures: ValidateFixtures) throws -> [String: String] {
        // A scratch TMPDIR of the test's own: the validations' workspaces land there, and nowhere shared.
        let tmp = fixtures.root.appendingPathComponent("tmp")
        try Files.createDirectory(tmp)
        var environment = ["ARTIFACT_REPO": fixtures.store.root.path, "LSQM_CACHE_DIR": fixtures.cache.path, "TMPDIR": tmp.path]
        if let mirror = ProcessInfo.processInfo.environment["LSQM_TF_PLUGIN_MIRROR"] { environment["LSQM_TF_PLUGIN_MIRROR"] = mirror }
        return environment
    }

    /// Waits until lsqm (`pid`) has a descendant whose command line matches, and returns every descendant then.
    private func waitForDescendant(
        of process: SpawnedProcess, log: URL, seconds: Int = 120,
        matching predicate: (String) -> Bool
    ) async throws -> [ProcessTree.Entry] {
        for _ in 0..<(seconds * 10) {
            let tree = ProcessTree.descendants(of: process.pid)
            if tree.contains(where: { predicate($0.command) }) { return tree }
            if process.hasExited { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        XCTFail("the expected child never ran; lsqm's log:\n\(LogFile.tail(log, limit: 4000))")
        throw XCTSkip("no such child")
    }

    /// kill -9 gives lsqm no chance to clean up: the watchdog (process groups) must take terraform, the provider
    /// it runs and moto with it.
    func testKillDashNineDuringApplyLeavesNoProcess() async throws {
        try ValidateFixtures.skipUnlessInstalled(["terraform", "moto_server"])
        try XCTSkipUnless(Files.exists(BuildProducts.lsqm), "build lsqm first (swift build)")
        let fixtures = try ValidateFixtures()
        defer { fixtures.remove() }
        try fixtures.add(name: "queues", services: ["sqs"], terraform: [Self.slowApply])
        let log = fixtures.root.appendingPathComponent("lsqm.log")
        // Terraform starts the provider itself: a grandchild of lsqm, in terraform's process group.
        var environment = try environment(fixtures)
        environment["LSQM_TF_SHARE_PROVIDER"] = "0"
        let lsqm = try await LSQMProcess.start(["validate", "--emulator", "host:moto"], environment: environment, log: log)
        let tree = try await waitForDescendant(of: lsqm, log: log) { $0.contains("terraform-provider") }
        XCTAssertTrue(tree.contains { $0.command.contains("moto_server") }, "moto runs under lsqm: \(tree)")
        XCTAssertTrue(
            tree.contains {
                $0.command.contains("terraform-provider")
                    && !ProcessTree.descendants(of: lsqm.pid).filter { $0.parent == lsqm.pid }.map(\.pid).contains($0.pid)
            },
            "the provider is terraform's child, not lsqm's: \(tree)")
        kill(lsqm.pid, SIGKILL)
        _ = await lsqm.wait()
        try await Task.sleep(for: .seconds(5))
        XCTAssertEqual(ProcessTree.stillRunning(tree), [], "processes outlived lsqm by 5 s")
    }

    /// A grandchild that would outlive its parent (a server a tool starts in the background) is in the child's
    /// process group, which the watchdog kills when lsqm dies. The stand-in "terraform" here does what
    /// LocalStack's workers can do: its own child keeps running after it is killed. (Real terraform's provider
    /// exits by itself once terraform is gone, so it cannot show this.)
    func testKillDashNineAlsoStopsGrandchildrenThatWouldOutliveTheirParent() async throws {
        try ValidateFixtures.skipUnlessInstalled(["moto_server"])
        try XCTSkipUnless(Files.exists(BuildProducts.lsqm), "build lsqm first (swift build)")
        let fixtures = try ValidateFixtures()
        defer { fixtures.remove() }
        try fixtures.add(name: "queues", services: ["sqs"], terraform: [Self.slowApply])
        let bin = fixtures.root.appendingPathComponent("bin")
        try Files.createDirectory(bin)
        let fake = bin.appendingPathComponent("terraform")
        try AtomicFile.write("#!/bin/sh\nsleep 601 &\nexec sleep 602\n", to: fake)
        chmod(fake.path, 0o755)
        var environment = try environment(fixtures)
        environment["PATH"] = bin.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let log = fixtures.root.appendingPathComponent("lsqm.log")
        let lsqm = try await LSQMProcess.start(["validate", "--emulator", "host:moto"], environment: environment, log: log)
        let tree = try await waitForDescendant(of: lsqm, log: log) { $0.contains("sleep 601") }
        kill(lsqm.pid, SIGKILL)
        _ = await lsqm.wait()
        try await Task.sleep(for: .seconds(5))
        XCTAssertEqual(ProcessTree.stillRunning(tree), [], "processes outlived lsqm by 5 s")
    }

    /// Ctrl-C during compare's re-validation: the re-run is torn down, nothing is concluded or saved, exit 130.
    func testSIGINTDuringCompareRevalidationTearsDownAndExits130() async throws {
        try ValidateFixtures.skipUnlessInstalled(["terraform", "moto_server"])
        try XCTSkipUnless(Files.exists(BuildProducts.lsqm), "build lsqm first (swift build)")
        let fixtures = try ValidateFixtures()
        defer { fixtures.remove() }
        let architecture = try fixtures.add(name: "queues", services: ["sqs"], terraform: [Self.slowApply])
        // It passed last week and fails now: a regression candidate that compare re-validates.
        func result(_ status: ValidationStatus) -> ValidationResult {
            ValidationResult(
                arch: architecture.id, appHash: "app", sourceURL: architecture.sourceURL, name: architecture.name, kind: .terraform,
                services: ["sqs"], status: status, failedStep: status == .passed ? nil : "tests",
                error: status == .passed ? nil : "failed", startedAt: Date(), durationMs: 1_000)
        }
        let previous = RunID.make(date: Date().addingTimeInterval(-7 * 86_400))
        let current = RunID.make()
        for (id, status) in [(previous, ValidationStatus.passed), (current, .failed)] {
            try fixtures.store.saveRun(RunRecord(runID: id, startedAt: Date(), finishedAt: Date(), results: [result(status)]))
        }
        let log = fixtures.root.appendingPathComponent("lsqm.log")
        let lsqm = try await LSQMProcess.start(
            ["compare", "--emulator", "host:moto", "--confirm", "1"], environment: try environment(fixtures), log: log)
        let tree = try await waitForDescendant(of: lsqm, log: log) { $0.contains("terraform") }
        kill(lsqm.pid, SIGINT)
        let status = await lsqm.wait()
        XCTAssertEqual(status.exitCode, 130, LogFile.tail(log, limit: 4000))
        XCTAssertEqual(ProcessTree.stillRunning(tree), [], "processes outlived the stop")
        XCTAssertNil(try fixtures.store.loadComparison(current), "a stopped comparison concludes nothing")
    }
}
