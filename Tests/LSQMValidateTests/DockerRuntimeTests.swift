import Foundation
import LSQMBasics
import LSQMCore
import LSQMTestSupport
@testable import LSQMValidate
import XCTest

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
        let run = try await ValidateStage.run(architectures: [architecture], store: fixtures.store, runtime: runtime,
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
