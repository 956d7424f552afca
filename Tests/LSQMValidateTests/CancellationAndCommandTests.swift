import Foundation
import LSQMBasics
import LSQMCore
import LSQMTestSupport
import XCTest

@testable import LSQMValidate

final class CancellationAndCommandTests: XCTestCase {
    /// Ctrl-C cancels the stage's task: the validation in flight is torn down (terraform, the provider and
    /// the emulator killed), the run is written with the interrupted architecture as not run, and no process
    /// is left behind.
    func testCancellationLeavesNothingRunning() async throws {
        try ValidateFixtures.skipUnlessInstalled(["terraform", "moto_server"])
        let fixtures = try ValidateFixtures()
        defer { fixtures.remove() }
        let architecture = try fixtures.add(
            name: "queue", services: ["sqs"],
            terraform: [
                ValidateFixtures.text(
                    "main.tf",
                    """
                    resource "aws_sqs_queue" "q" { name = "lsqm-cancelled" }
                    """)
            ])
        var options = fixtures.options()
        // Its own scratch folder, so processes of other lsqm runs on this machine are not mistaken for ours.
        let scratch = fixtures.root.appendingPathComponent("scratch")
        options.scratchDirectory = scratch
        let store = fixtures.store
        let stage = Task {
            try await ValidateStage.run(
                architectures: [architecture], store: store, runtime: HostRuntime(emulator: .moto),
                options: options, logger: .silent)
        }
        // Cancel once terraform is running (or after a minute, which the test also accepts).
        for _ in 0..<600 where !Self.processes(workingUnder: scratch).contains(where: { $0.contains("terraform") }) {
            try await Task.sleep(for: .milliseconds(100))
        }
        stage.cancel()
        do {
            _ = try await stage.value
        } catch let error as LSQMError {
            XCTAssertEqual(error.kind, .cancelled, "\(error)")
        }
        XCTAssertEqual(Self.processes(workingUnder: scratch), [], "processes still running in a validation workspace")
        // Cancelled is not a verdict: the interrupted architecture is recorded as not run, never FAILED, so
        // compare sees no regression and trends get no point for it.
        let run = try store.loadRun(options.runID)
        XCTAssertEqual(run.results.map(\.arch), [], "an interrupted validation is no result")
        XCTAssertEqual(run.notRun.map(\.arch), [architecture.id])
        XCTAssertEqual(run.notRun.first?.reason, ValidateStage.interruptedReason)
        XCTAssertNil(run.counts.passRate, "nothing judged: no pass rate, so no 0% trend point")
        let log = try String(contentsOf: store.runDirectory(run.runID).appendingPathComponent("logs/\(architecture.id).log"), encoding: .utf8)
        let port = try XCTUnwrap(ValidateFixtures.emulatorPort(inLog: log))
        let listening = await ValidateFixtures.isListening(port)
        XCTAssertFalse(listening, "the emulator on \(port) is still running")
    }

    /// Processes whose working directory is under `directory` (the emulator, terraform, its provider, pytest).
    static func processes(workingUnder directory: URL) -> [String] {
        ProcessTree.all().compactMap { process in
            guard let cwd = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(process.pid)/cwd"),
                cwd.hasPrefix(directory.path + "/")
            else { return nil }
            return "\(process.pid) \(cwd): \(process.command)"
        }
    }

    /// `lsqm validate --json` prints one object per architecture with the documented keys and writes the run.
    func testValidateCommandPrintsJSONAndWritesTheRun() async throws {
        guard FileManager.default.isExecutableFile(atPath: BuildProducts.lsqm.path) else { throw XCTSkip("build lsqm first (swift build)") }
        let unhealthy = try HTTPTestServer { _ in .text("no", status: 503) }
        defer { unhealthy.stop() }
        let fixtures = try ValidateFixtures()
        defer { fixtures.remove() }
        let architecture = try fixtures.add(name: "bucket", services: ["s3"], terraform: [ValidateFixtures.text("main.tf", "# nothing\n")])
        let environment = ["ARTIFACT_REPO": fixtures.store.root.path, "LSQM_CACHE_DIR": fixtures.cache.path, "LSQM_HEALTH_TIMEOUT": "1"]
        let result = try await LSQMProcess.run(
            [
                "validate", "--emulator", unhealthy.baseURL.absoluteString, "--json",
                "--arch", String(architecture.id.prefix(8)), "--log-format", "json",
            ],
            environment: environment, timeout: .seconds(300))
        XCTAssertEqual(result.exitCode, 0, result.stderr)
        // JSON Lines: one compact object per architecture.
        let printed = try result.stdout.split(separator: "\n").map { try JSONCoding.decode(JSONValue.self, from: Data($0.utf8)) }
        XCTAssertEqual(printed.count, 1, result.stdout)
        for key in ["arch", "source_url", "status", "durations", "error", "cause"] { XCTAssertNotNil(printed[0][key], key) }
        XCTAssertEqual(printed[0]["arch"]?.stringValue, architecture.id)
        XCTAssertEqual(printed[0]["status"]?.stringValue, "ERROR")
        XCTAssertEqual(printed[0]["cause"]?["class"]?.stringValue, "environment", "an emulator that never gets healthy is the machine's")
        XCTAssertEqual(fixtures.store.runIDs().count, 1, "runs/<run_id>/results.json is written")
        XCTAssertTrue(result.stderr.contains("\"event\":\"emulator\""), "the log says which emulator: \(result.stderr)")

        let bad = try await LSQMProcess.run(["validate", "--shard", "5/4"], environment: environment, timeout: .seconds(60))
        XCTAssertEqual(bad.exitCode, 2)
        XCTAssertTrue(bad.stderr.contains("expected I/N"), bad.stderr)
    }
}
