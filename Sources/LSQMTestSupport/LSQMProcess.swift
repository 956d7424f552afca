import Foundation
import LSQMBasics

/// Runs the built `lsqm` binary as a user would, for end-to-end tests of the command line.
public enum LSQMProcess {
    /// Runs `lsqm ARGS` with `environment` added to a secret-free copy of this process's environment.
    public static func run(
        _ arguments: [String], environment: [String: String] = [:], workingDirectory: URL? = nil,
        timeout: Duration = .seconds(600)
    ) async throws -> Subprocess.Result {
        try await Subprocess.run(
            [BuildProducts.lsqm.path] + arguments, environment: lsqmEnvironment(environment), workingDirectory: workingDirectory,
            timeout: timeout, outputLimit: 32 << 20)
    }

    /// Starts `lsqm ARGS` without waiting, its output in `log`: for tests that signal or kill it mid-way.
    public static func start(_ arguments: [String], environment: [String: String] = [:], log: URL) async throws -> SpawnedProcess {
        try await SpawnedProcess.start(
            executable: BuildProducts.lsqm.path, arguments: [BuildProducts.lsqm.path] + arguments,
            environment: lsqmEnvironment(environment), output: .logFile(log))
    }

    private static func lsqmEnvironment(_ environment: [String: String]) -> [String: String] {
        var env = SecretEnvironment.scrubbed()
        env["LSQM_LOG_FORMAT"] = "json"
        for (key, value) in environment { env[key] = value }
        return env
    }

    /// The JSON log lines an lsqm run wrote to stderr.
    public static func logLines(_ result: Subprocess.Result) -> [JSONValue] {
        result.stderr.split(separator: "\n").compactMap { try? JSONCoding.decode(JSONValue.self, from: Data($0.utf8)) }
    }
}

/// The processes on this machine, read from /proc: to find what a process started and whether it is gone.
public enum ProcessTree {
    public struct Entry: Sendable, Equatable, CustomStringConvertible {
        public var pid: Int32
        public var parent: Int32
        public var start: UInt64
        public var command: String
        public var description: String { "\(pid) \(command)" }
    }

    /// Every process now (those that vanish while being read are left out).
    public static func all() -> [Entry] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return names.compactMap { Int32($0) }.compactMap(entry)
    }

    static func entry(_ pid: Int32) -> Entry? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return nil }
        // Fields after the command name (which may hold spaces): state is field 3, ppid 4, start time 22.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 19, fields[0] != "Z", let parent = Int32(fields[1]), let start = UInt64(fields[19]) else { return nil }
        let command = (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8))?.replacingOccurrences(of: "\0", with: " ") ?? ""
        return Entry(pid: pid, parent: parent, start: start, command: command)
    }

    /// Every process descended from `pid` (children, their children, …), as of now.
    public static func descendants(of pid: Int32) -> [Entry] {
        let table = all()
        var found: [Entry] = []
        var frontier: Set<Int32> = [pid]
        while !frontier.isEmpty {
            let next = table.filter { frontier.contains($0.parent) }
            found += next
            frontier = Set(next.map(\.pid))
        }
        return found
    }

    /// The entries of `processes` still running (same pid and start time: not a reused pid).
    public static func stillRunning(_ processes: [Entry]) -> [Entry] {
        processes.filter { process in entry(process.pid).map { $0.start == process.start } ?? false }
    }
}
