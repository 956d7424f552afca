import Foundation
import LSQMBasics
import LSQMCore
import LSQMPipeline
import LSQMTestSupport
import XCTest

/// The application layer in process: whole runs through `Application.run`, their outcomes (stage records,
/// verdict counts, open regressions, the exit decision) asserted without launching the binary. Only the plugin
/// workers run as the built `lsqm` (`Options.executable`), and the built-in plugins are found next to it.
final class ApplicationTests: XCTestCase {
    var scratch: URL!
    var moto: SpawnedProcess?

    static let stages = ["sync", "mine", "generate", "validate", "compare", "report", "push", "notify"]

    override func setUpWithError() throws {
        try XCTSkipUnless(Files.exists(BuildProducts.lsqm), "build the package first (swift build)")
        scratch = try Files.makeTemporaryDirectory(prefix: "lsqm-application")
    }

    override func tearDown() {
        moto?.killGroup()
        // The application records this process's children in its cache; that cache goes now.
        ChildProcesses.setRecordDirectory(nil)
        if let scratch { Files.remove(scratch) }
    }

    /// An application over a new local artifact repository and cache in the scratch folder, the process's
    /// environment without its secrets or lsqm settings (terraform and pytest still need PATH and the mirror).
    func makeApplication(dryRun: Bool = false) throws -> Application {
        var environment = SecretEnvironment.scrubbed().filter { $0.key != "ARTIFACT_REPO" && $0.key != "LSQM_CONFIG" }
        environment["ARTIFACT_REPO"] = scratch.appendingPathComponent("repo").path
        environment["LSQM_CACHE_DIR"] = scratch.appendingPathComponent("cache").path
        environment["LSQM_TIMEOUT"] = "240"
        return try Application(
            Application.Options(dryRun: dryRun, logFormat: .json, executable: BuildProducts.lsqm), environment: environment)
    }

    /// One folder to mine holding one architecture: a DynamoDB table, which deploys on moto in seconds.
    func architectures() throws -> URL {
        let folder = scratch.appendingPathComponent("architectures")
        try AtomicFile.write(
            MotoFixture.dynamoDBTable(resource: "orders", name: "lsqm-application-orders"), to: folder.appendingPathComponent("orders/main.tf"))
        return folder
    }

    /// Week 1 passes and exits 0; in week 2 the emulator answers every DynamoDB PutItem with a 500, the
    /// architecture and app unchanged: the confirming re-run reproduces it, and the run exits 1 with it as the one
    /// open regression.
    func testAWholeRunPassesThenAConfirmedRegressionDecidesExitOne() async throws {
        try XCTSkipUnless(Subprocess.which("moto_server") != nil && Subprocess.which("terraform") != nil, "needs moto_server and terraform")
        let (process, upstream) = try await MotoFixture.start(logDirectory: scratch)
        moto = process
        let proxy = try FaultInjectingProxy(upstream: upstream, seed: 1, brokenOperations: ["PutItem": 2])
        defer { proxy.stop() }
        let application = try makeApplication()
        let request = RunRequest(local: [try architectures().path], emulator: proxy.url.absoluteString, generator: .rules, confirm: 1)

        let first = await application.run(request)
        XCTAssertEqual(first.stages.map(\.stage), Self.stages)
        XCTAssertEqual(first.stages.map(\.status), ["ok", "ok", "ok", "ok", "ok", "ok", "ok", "skipped"], "\(first.stages)")
        XCTAssertEqual(first.stages.last?.detail, "no notifiers configured")
        XCTAssertEqual(first.counts?.total, 1)
        XCTAssertEqual(first.counts?.passed, 1, "\(first.stages)")
        XCTAssertEqual(first.passRate, 1)
        XCTAssertEqual(first.newArchitectures, 1)
        XCTAssertEqual(first.regressions, [])
        XCTAssertEqual(first.exitCode, ExitStatus.success)
        XCTAssertEqual(first.exitStatus, ExitStatus.success)
        XCTAssertEqual(first.text, "", "a run prints only --json on stdout")
        let firstRun = try XCTUnwrap(first.runID)
        let store = application.store
        XCTAssertNotNil(try store.loadComparison(firstRun), "compare saved its verdict")
        XCTAssertTrue(Files.exists(store.reportsDirectory.appendingPathComponent("\(firstRun)/index.html")), "the report is archived")
        XCTAssertEqual(first.stages[6].detail, "no remote: committed locally")

        proxy.startWeek(2, faults: .none)
        let second = await application.run(request)
        XCTAssertEqual(second.stages.map(\.status), ["ok", "ok", "ok", "ok", "ok", "ok", "ok", "skipped"], "\(second.stages)")
        XCTAssertEqual(second.newArchitectures, 0)
        XCTAssertEqual(second.counts?.passed, 0)
        XCTAssertEqual(second.regressions.count, 1, "\(second.regressions)")
        XCTAssertTrue(second.regressions.first?.contains("orders") ?? false, "\(second.regressions)")
        XCTAssertTrue(second.stages[4].detail?.hasPrefix("1 confirmed regressions, 1 open") ?? false, "\(second.stages[4])")
        XCTAssertEqual(second.exitCode, ExitStatus.regressions)
        XCTAssertEqual(second.exitStatus, ExitStatus.regressions)
        let json = try JSONCoding.decode(JSONValue.self, from: Data(try second.json().utf8))
        XCTAssertEqual(json["exit_code"]?.intValue, 1)
        XCTAssertEqual(json["run_id"]?.stringValue, second.runID)
    }

    /// A failed stage is recorded and the later stages run on what exists: here validate refuses its arguments,
    /// so compare and report have no run, push still commits what mine and generate wrote, and the run exits 2.
    func testAFailedStageIsRecordedTheRestRunAndTheRunExitsTwo() async throws {
        let application = try makeApplication()
        let request = RunRequest(
            local: [try architectures().path], emulator: "host:moto", targets: ["host:moto", "host:localstack"], generator: .rules)
        let outcome = await application.run(request)
        XCTAssertEqual(outcome.stages.map(\.stage), Self.stages)
        XCTAssertEqual(outcome.stages.map(\.status), ["ok", "ok", "ok", "failed", "skipped", "skipped", "ok", "skipped"], "\(outcome.stages)")
        XCTAssertEqual(outcome.stages[3].error, "failed to validate: both --emulator and --target were given")
        XCTAssertEqual(outcome.stages[4].detail, "no run to compare")
        XCTAssertEqual(outcome.stages[7].detail, "no run to announce")
        XCTAssertEqual(outcome.newArchitectures, 1)
        XCTAssertNil(outcome.runID)
        XCTAssertNil(outcome.counts)
        XCTAssertEqual(outcome.exitCode, ExitStatus.toolFailure)
        XCTAssertEqual(try application.store.loadIndex().architectures.count, 1, "what mine found is kept")
    }

    /// A dry run writes nothing, not even the repository, and says what each stage would have done.
    func testADryRunWritesNothingAndSkipsTheStagesThatWould() async throws {
        let application = try makeApplication(dryRun: true)
        let outcome = await application.run(RunRequest(local: [try architectures().path], generator: .rules))
        XCTAssertEqual(
            outcome.stages.map(\.status), ["ok", "ok", "skipped", "skipped", "skipped", "skipped", "skipped", "skipped"], "\(outcome.stages)")
        XCTAssertEqual(outcome.stages[2].detail, "dry run: the artifact repository does not exist yet")
        XCTAssertEqual(outcome.exitCode, ExitStatus.success)
        XCTAssertFalse(Files.exists(scratch.appendingPathComponent("repo")))
        XCTAssertFalse(Files.exists(scratch.appendingPathComponent("cache/locks")), "not even the lock file")
    }
}
