import Foundation
import LSQMBasics
import LSQMCore
import LSQMTestSupport
import XCTest

/// How lsqm stops and what it leaves behind, with the real binary.
extension CommandLineTests {
    /// SIGTERM while a source plugin hangs inside discover (holding the repository lock): lsqm exits 143 in
    /// seconds, its plugin worker is gone, and the lock is free for the next run.
    func testSIGTERMDuringAHungPluginCallLeavesNoWorkerAndReleasesTheLock() async throws {
        let marker = scratch.appendingPathComponent("in-discover")
        // A source's function table has the notifier's shape (struct_size, one function): only the kind differs.
        let hang = "FILE *f = fopen(\"\(marker.path)\", \"w\"); if (f) fclose(f); for (;;) pause(); return LSQM_OK;"
        let plugins = scratch.appendingPathComponent("plugins")
        try Files.createDirectory(plugins)
        _ = try await CPluginCompiler.compile(
            "#include <stdio.h>\n" + CPluginCompiler.notifierSource(name: "Hanger", notifyBody: hang, kind: "LSQM_KIND_SOURCE"),
            name: "hanger", into: plugins)
        let config = scratch.appendingPathComponent("config.yaml")
        // A long call timeout, so only the stop can end the call.
        try AtomicFile.write("plugin_timeout: 600\nsources:\n  - name: Hanger\n", to: config)
        let cache = scratch.appendingPathComponent("cache")
        let log = scratch.appendingPathComponent("lsqm.log")
        let lsqm = try await LSQMProcess.start(
            ["mine", "--config", config.path, "--plugin-dir", plugins.path],
            environment: ["ARTIFACT_REPO": scratch.appendingPathComponent("repo").path, "LSQM_CACHE_DIR": cache.path], log: log)
        for _ in 0..<600 where !Files.exists(marker) && !lsqm.hasExited { try await Task.sleep(for: .milliseconds(100)) }
        XCTAssertTrue(Files.exists(marker), "the plugin never got to discover: \(LogFile.read(log))")
        let tree = ProcessTree.descendants(of: lsqm.pid)
        XCTAssertTrue(tree.contains { $0.command.contains("plugin-worker") }, "\(tree)")

        let stopwatch = Stopwatch()
        kill(lsqm.pid, SIGTERM)
        let status = await lsqm.wait()
        XCTAssertEqual(status.exitCode, 143, LogFile.read(log))
        XCTAssertLessThan(stopwatch.seconds, 15, "stopping waited for the hung call")
        XCTAssertEqual(ProcessTree.stillRunning(tree), [], "a plugin worker outlived lsqm")
        let locks = Files.regularFiles(under: cache.appendingPathComponent("locks"))
        XCTAssertFalse(locks.isEmpty, "mine took the repository lock")
        for name in locks {
            let fd = open(cache.appendingPathComponent("locks/\(name)").path, O_RDWR)
            defer { close(fd) }
            XCTAssertEqual(flock(fd, LOCK_EX | LOCK_NB), 0, "the lock \(name) is still held")
        }
    }
}

enum LogFile {
    static func read(_ url: URL) -> String { (try? String(contentsOf: url, encoding: .utf8)) ?? "" }
}

extension CommandLineTests {
    /// What a killed lsqm left (its watchdog killed too, say by an OOM killer): `lsqm clean` stops the process
    /// groups its record lists, and removes scratch folders whose owner is gone, not those of a live owner.
    func testCleanStopsLeftoversOfADeadRunAndRemovesItsScratchFolders() async throws {
        let cache = scratch.appendingPathComponent("cache")
        let tmp = scratch.appendingPathComponent("tmp")
        try Files.createDirectory(tmp)
        // An owner that is gone: a process that ran and was reaped.
        let owner = try await SpawnedProcess.start(executable: "/bin/true", arguments: ["true"], environment: [:])
        _ = await owner.wait()
        let leftover = try await SpawnedProcess.start(
            executable: "/bin/sleep", arguments: ["sleep", "603"], environment: [:], output: .discardOutput)
        defer { leftover.killGroup() }
        let entry = try XCTUnwrap(ProcessTree.all().first { $0.pid == leftover.pid })
        let record: JSONValue = [
            "owner": .number(Double(owner.pid)), "owner_start": 1,
            "children": [["pgid": .number(Double(leftover.pid)), "start": .number(Double(entry.start)), "command": "sleep"]],
        ]
        try AtomicFile.write(try JSONCoding.encode(record), to: cache.appendingPathComponent("processes/\(owner.pid).json"))
        let dead = tmp.appendingPathComponent("lsqm-validate-\(owner.pid)-abcdef")
        let live = tmp.appendingPathComponent("lsqm-check-\(getpid())-abcdef")
        let notOurs = tmp.appendingPathComponent("lsqm-validate-test-cache")
        for folder in [dead, live, notOurs] { try Files.createDirectory(folder) }

        let result = try await LSQMProcess.run(["clean"], environment: ["LSQM_CACHE_DIR": cache.path, "TMPDIR": tmp.path])
        XCTAssertEqual(result.exitCode, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("stopped sleep (pid \(leftover.pid)"), result.stdout)
        let status = await leftover.wait()
        XCTAssertEqual(status.signal, SIGKILL, "the leftover was stopped")
        XCTAssertFalse(Files.exists(dead), "the scratch folder of a gone lsqm is removed")
        XCTAssertTrue(Files.exists(live), "a live lsqm's scratch folder stays")
        XCTAssertTrue(Files.exists(notOurs), "a folder that only starts alike is not lsqm's")
    }
}

extension CommandLineTests {
    /// `lsqm sync` on the user's own repository: refused with one clear line and exit 2, accepted with
    /// --init-existing; the repository lock is in the cache, never a stray file beside the repository.
    func testSyncRefusesTheUsersRepositoryUnlessToldAndLeavesNoLockBesideIt() async throws {
        let repo = scratch.appendingPathComponent("data")
        let cache = scratch.appendingPathComponent("cache")
        try AtomicFile.write("mine\n", to: repo.appendingPathComponent("README.md"))
        _ = try await Subprocess.run(["git", "init", "--quiet"], workingDirectory: repo)
        let environment = ["ARTIFACT_REPO": repo.path, "LSQM_CACHE_DIR": cache.path]
        let refused = try await LSQMProcess.run(["sync"], environment: environment)
        XCTAssertEqual(refused.exitCode, 2, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("lsqm: failed to sync") && refused.stderr.contains("--init-existing"), refused.stderr)
        let accepted = try await LSQMProcess.run(["sync", "--init-existing"], environment: environment)
        XCTAssertEqual(accepted.exitCode, 0, accepted.stderr)
        XCTAssertTrue(ArtifactStore(root: repo).isInitialized)
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: scratch.path).sorted(), ["cache", "data"], "a stray lock file beside the repository")
        XCTAssertEqual(Files.regularFiles(under: cache.appendingPathComponent("locks")).count, 1, "sync takes the repository lock")
    }
}
