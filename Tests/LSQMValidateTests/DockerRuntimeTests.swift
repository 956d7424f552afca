import Foundation
import LSQMBasics
import LSQMCore
import LSQMTestSupport
import XCTest

@testable import LSQMValidate

/// No Docker engine runs here: the Docker runtime is driven against FakeDockerEngine, a real HTTP server on
/// a unix socket speaking the Engine API JSON.
final class DockerRuntimeTests: XCTestCase {
    var directory: URL!
    var socket: String { directory.appendingPathComponent("docker.sock").path }

    override func setUpWithError() throws { directory = try Files.makeTemporaryDirectory(prefix: "lsqm-docker") }
    override func tearDown() { Files.remove(directory) }

    private func request(_ arch: String = String(repeating: "a", count: 64)) -> EmulatorRequest {
        EmulatorRequest(runID: "20260101T000000Z-0000abcd", arch: arch, services: ["s3", "sqs"], workDirectory: directory)
    }

    func testPullsThePinnedImageAndRunsALabelledContainerThatIsAlwaysRemoved() async throws {
        let engine = try FakeDockerEngine(socketPath: socket)
        defer { engine.stop() }
        let detected = await DockerRuntime.detectSocket(environment: ["DOCKER_HOST": "unix://\(socket)"])
        XCTAssertEqual(detected, socket)
        let runtime = try DockerRuntime(socketPath: socket, version: "4.14.0", authToken: "ls-secret-token-123")
        try await runtime.prepare(logger: .silent)
        XCTAssertEqual(engine.pulledImages, ["localstack/localstack:4.14.0"])
        let info = await runtime.info
        XCTAssertEqual(info.imageDigest, FakeDockerEngine.fakeDigest)
        XCTAssertEqual(info.version, "4.14.0")

        let emulator = try await runtime.start(request())
        try await HealthCheck.wait(for: emulator, services: ["s3", "sqs"], timeout: .seconds(10))
        let container = try XCTUnwrap(engine.containers.first)
        XCTAssertTrue(container.env.contains("LOCALSTACK_AUTH_TOKEN=ls-secret-token-123"), "the token goes to the container")
        XCTAssertTrue(container.env.contains("SERVICES=s3,sqs"))
        XCTAssertTrue(container.env.contains("STRICT_SERVICE_LOADING=0"), "services the architecture does not list still answer")
        XCTAssertEqual(container.labels, ["lsqm.run_id": "20260101T000000Z-0000abcd", "lsqm.arch": String(repeating: "a", count: 64)])
        XCTAssertEqual(emulator.endpoint.port, container.hostPort)
        let tail = await emulator.logTail(limit: 4096)
        XCTAssertTrue(tail.contains("LocalStack version: 4.14.0\n"), tail)
        XCTAssertFalse(tail.contains("\u{1}\u{0}"), "log frames are demultiplexed")

        await emulator.stop()
        let stopped = try XCTUnwrap(engine.containers.first)
        XCTAssertTrue(stopped.stopped && stopped.removed)
        XCTAssertFalse(engine.requests.contains { $0.target.contains("latest") }, "never the latest tag")
        XCTAssertTrue(engine.requests.filter { $0.path != "/_ping" }.allSatisfy { $0.path.hasPrefix("/v1.41/") })
    }

    func testLatestIsRefused() {
        XCTAssertThrowsError(try DockerRuntime(socketPath: socket, version: "latest", authToken: nil)) { error in
            XCTAssertTrue("\(error)".contains("pinned version"), "\(error)")
        }
    }

    func testAPullErrorInTheProgressStreamFailsPrepare() async throws {
        let engine = try FakeDockerEngine(socketPath: socket, behaviour: .init(pullError: "manifest for localstack/localstack:9.9.9 not found"))
        defer { engine.stop() }
        let runtime = try DockerRuntime(socketPath: socket, version: "9.9.9", authToken: nil)
        do {
            try await runtime.prepare(logger: .silent)
            XCTFail("prepare should fail")
        } catch {
            XCTAssertTrue("\(error)".contains("failed to pull localstack/localstack:9.9.9: manifest for"), "\(error)")
        }
    }

    func testAStartFailureIsAnErrorAndTheCreatedContainerIsRemoved() async throws {
        let engine = try FakeDockerEngine(socketPath: socket, behaviour: .init(startFailure: "driver failed programming external connectivity"))
        defer { engine.stop() }
        let runtime = try DockerRuntime(socketPath: socket, version: "4.14.0", authToken: nil)
        try await runtime.prepare(logger: .silent)
        do {
            _ = try await runtime.start(request())
            XCTFail("start should fail")
        } catch {
            XCTAssertTrue("\(error)".contains("Docker answered 500: driver failed programming external connectivity"), "\(error)")
        }
        XCTAssertEqual(engine.containers.count, 1)
        XCTAssertTrue(engine.containers[0].removed)
        XCTAssertFalse(engine.containers[0].env.contains { $0.hasPrefix("LOCALSTACK_AUTH_TOKEN") }, "no token set, none passed")
    }

    /// LocalStack images after 2026-03-23 exit with 55 without an auth token: the run says exactly that, as
    /// ERROR (infrastructure), and the container is still removed.
    func testExitCode55IsReportedWithItsCauseAsError() async throws {
        let engine = try FakeDockerEngine(socketPath: socket, behaviour: .init(exitCodeOnStart: 55))
        defer { engine.stop() }
        let fixtures = try ValidateFixtures()
        defer { fixtures.remove() }
        let architecture = try fixtures.addExample("s3-sqs", services: ["s3", "sqs"], withApp: false)
        let runtime = try DockerRuntime(socketPath: socket, version: "2026.3.0", authToken: nil)
        let run = try await ValidateStage.run(
            architectures: [architecture], store: fixtures.store, runtime: runtime,
            options: fixtures.options(), logger: .silent)
        let result = try XCTUnwrap(run.results.first)
        XCTAssertEqual(result.status, .error)
        XCTAssertEqual(result.failedStep, "health")
        XCTAssertTrue(result.error?.contains("exited with code 55: license activation failed") == true, result.error ?? "")
        XCTAssertTrue(result.error?.contains("LOCALSTACK_AUTH_TOKEN") == true)
        XCTAssertTrue(result.emulatorLogTail?.contains("License activation failed") == true, result.emulatorLogTail ?? "")
        XCTAssertTrue(engine.containers.allSatisfy(\.removed))
        XCTAssertEqual(run.emulator?.imageDigest, FakeDockerEngine.fakeDigest)
        let saved = try fixtures.store.loadRun(run.runID)
        XCTAssertEqual(saved.results.map(\.status), [.error], "results.json holds the run")
        XCTAssertEqual(saved.emulator, run.emulator)
        XCTAssertTrue(Files.exists(fixtures.store.runDirectory(run.runID).appendingPathComponent("logs/\(architecture.id).log")))
    }

    /// A release and its candidate in one run: `docker:IMAGE:TAG` targets pull each image, run each
    /// validation in a container of its own target's image, and keep each target's results, logs and the
    /// version its LocalStack reported apart.
    func testTwoImagesInOneRunKeepTheirResultsApart() async throws {
        let engine = try FakeDockerEngine(socketPath: socket)
        defer { engine.stop() }
        let fixtures = try ValidateFixtures()
        defer { fixtures.remove() }
        // Invalid Terraform ends each validation at init, fast, after the emulator answered: what is under
        // test is where each target's validation ran and what was recorded, not the deploy.
        let architecture = try fixtures.add(name: "broken", services: ["s3"], terraform: [ValidateFixtures.text("main.tf", "resource {")])
        let environment = ["DOCKER_HOST": "unix://\(socket)", "PATH": ProcessInfo.processInfo.environment["PATH"] ?? ""]
        var targets: [ValidationTarget] = []
        for spec in ["docker:localstack/localstack:4.14.0", "docker:example.org:5000/localstack/localstack:4.15.0rc1"] {
            targets.append(try await EmulatorSelection.target(for: spec, configuration: Configuration(), environment: environment))
        }
        var options = fixtures.options(environment: ProcessInfo.processInfo.environment)
        options.healthTimeout = .seconds(10)
        let run = try await ValidateStage.run(
            architectures: [architecture], store: fixtures.store, targets: targets, options: options, logger: .silent)

        XCTAssertEqual(engine.pulledImages, ["localstack/localstack:4.14.0", "example.org:5000/localstack/localstack:4.15.0rc1"])
        XCTAssertEqual(engine.containers.map(\.image), engine.pulledImages, "one container per target, of that target's image")
        XCTAssertTrue(engine.containers.allSatisfy(\.removed))
        XCTAssertEqual(run.targetNames, ["docker:localstack/localstack:4.14.0", "docker:example.org:5000/localstack/localstack:4.15.0rc1"])
        XCTAssertEqual(run.allTargets.map { $0.emulator?.version }, ["4.14.0", "4.15.0rc1"])
        XCTAssertEqual(run.allTargets.map { $0.emulator?.edition }, ["community", "community"])
        XCTAssertEqual(run.allTargets.map { $0.results.map(\.arch) }, [[architecture.id], [architecture.id]])
        let saved = try fixtures.store.loadRun(run.runID)
        XCTAssertEqual(saved.targetNames, run.targetNames, "both targets are on disk")
        XCTAssertEqual(saved.allTargets.map(\.emulator), run.allTargets.map(\.emulator))
        let logs = fixtures.store.runDirectory(run.runID).appendingPathComponent("logs")
        let candidateSlug = try XCTUnwrap(run.slug(of: run.targetNames[1]))
        XCTAssertTrue(Files.exists(logs.appendingPathComponent("\(architecture.id).log")))
        XCTAssertTrue(Files.exists(logs.appendingPathComponent("\(candidateSlug)/\(architecture.id).log")))

        for bad in ["docker:localstack/localstack", "docker:localstack/localstack:latest", "docker:"] {
            do {
                _ = try await EmulatorSelection.target(for: bad, configuration: Configuration(), environment: environment)
                XCTFail("\(bad) should be refused")
            } catch {
                XCTAssertTrue("\(error)".contains("failed to use"), "\(bad): \(error)")
            }
        }
    }

    func testStaleContainersAreFoundByLabelAndRemoved() async throws {
        let engine = try FakeDockerEngine(socketPath: socket)
        defer { engine.stop() }
        let runtime = try DockerRuntime(socketPath: socket, version: "4.14.0", authToken: nil)
        try await runtime.prepare(logger: .silent)
        _ = try await runtime.start(request(String(repeating: "b", count: 64)))
        _ = try await runtime.start(request(String(repeating: "c", count: 64)))
        let removed = try await runtime.removeStaleContainers()
        XCTAssertEqual(removed.count, 2)
        XCTAssertTrue(engine.containers.allSatisfy(\.removed))
    }

    func testLogStreamDemultiplexing() {
        let frame: (UInt8, String) -> Data = { stream, text in
            Data([stream, 0, 0, 0, 0, 0, 0, UInt8(text.utf8.count)]) + Data(text.utf8)
        }
        XCTAssertEqual(DockerLogStream.demultiplex(frame(1, "out\n") + frame(2, "err\n")), "out\nerr\n")
        XCTAssertEqual(DockerLogStream.demultiplex(Data("plain tty text\n".utf8)), "plain tty text\n")
    }
}
