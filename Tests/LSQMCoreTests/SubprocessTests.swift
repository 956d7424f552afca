import Foundation
import LSQMBasics
import XCTest

/// lsqm's process layer over swift-subprocess: what every stage relies on when it runs terraform, pytest or git.
final class SubprocessTests: XCTestCase {
    private let path = ["PATH": "/usr/bin:/bin"]

    /// The child gets exactly the environment given (each entry ends where it should), its stdin, and both
    /// streams and its exit code come back.
    func testEnvironmentStdinOutputAndExitCodeRoundTrip() async throws {
        let result = try await Subprocess.run(
            ["sh", "-c", "printf '%s|%s|' \"$A\" \"$B\"; cat; echo err >&2; env | grep -c . >&2; exit 3"],
            environment: path.merging(["A": "one", "B": "two"]) { $1 }, stdin: Data("in".utf8))
        XCTAssertEqual(result.stdout, "one|two|in")
        XCTAssertEqual(result.stderr.split(separator: "\n").first, "err")
        // PATH, A and B, plus what sh itself exports (PWD, SHLVL, _): nothing of this process's environment.
        XCTAssertLessThanOrEqual(Int(result.stderr.split(separator: "\n").last ?? "") ?? 99, 6, result.stderr)
        XCTAssertEqual(result.exitCode, 3)
        XCTAssertNil(result.signal)
        XCTAssertFalse(result.succeeded)
    }

    /// A timeout kills the child's whole group: a grandchild that still holds the output pipe neither outlives
    /// it nor keeps `run` waiting for the pipe to close.
    func testATimeoutKillsTheGroupIncludingGrandchildren() async throws {
        let result = try await Subprocess.run(["sh", "-c", "sleep 600 & echo $!; wait"], environment: path, timeout: .seconds(1))
        XCTAssertTrue(result.timedOut)
        XCTAssertEqual(result.signal, SIGKILL)
        let grandchild = try XCTUnwrap(pid_t(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)), result.stdout)
        let gone = await Self.isGone(grandchild)
        XCTAssertTrue(gone, "the grandchild (pid \(grandchild)) outlived its group's kill")
    }

    /// `terminate` asks with SIGTERM and kills the group when the child ignores it; output goes to the log file.
    func testTerminateKillsAChildThatIgnoresSIGTERM() async throws {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("lsqm-subprocess-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: log) }
        let child = try await SpawnedProcess.start(
            executable: "/bin/sh", arguments: ["sh", "-c", "trap '' TERM; echo ready; sleep 600"], environment: path, output: .logFile(log))
        // SIGTERM before the trap is set would simply end sh: wait until it says it ignores it.
        for _ in 0..<100 where (try? String(contentsOf: log, encoding: .utf8)) != "ready\n" {
            try await Task.sleep(for: .milliseconds(50))
        }
        XCTAssertEqual(try String(contentsOf: log, encoding: .utf8), "ready\n")
        XCTAssertFalse(child.hasExited)
        await child.terminate(grace: .milliseconds(300))
        XCTAssertTrue(child.hasExited)
        let status = await child.wait()
        XCTAssertEqual(status.signal, SIGKILL, "SIGTERM was ignored, so the group was killed")
    }

    /// A program that cannot be started is an error naming it, not a child that exits 127.
    func testAMissingExecutableIsAnErrorNamingIt() async throws {
        do {
            _ = try await SpawnedProcess.start(executable: "/nonexistent/lsqm-tool", arguments: ["lsqm-tool"], environment: path)
            XCTFail("started a program that does not exist")
        } catch {
            XCTAssertTrue(LSQMError.describe(error).contains("start /nonexistent/lsqm-tool"), LSQMError.describe(error))
        }
    }

    /// Gone or a zombie (killed, not yet reaped by its new parent). SIGKILL lands at once but the kernel
    /// finishes the process asynchronously, so this looks a few times.
    private static func isGone(_ pid: pid_t) async -> Bool {
        for _ in 0..<50 {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return true }
            if stat[stat.index(close, offsetBy: 2)] == "Z" { return true }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return false
    }
}
