import CLSQMSystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs child processes the way lsqm needs them run: in their own process group (so a timeout or Ctrl-C
/// kills terraform *and* the provider it spawned), with an explicit environment (secrets stay out unless
/// passed on purpose), with a hard timeout, and with output captured up to a cap.
public enum Subprocess {
    public struct Result: Sendable {
        public var exitCode: Int32
        /// The signal that killed the process, if one did.
        public var signal: Int32?
        public var stdout: String
        public var stderr: String
        public var timedOut: Bool
        public var durationMs: Int
        public var succeeded: Bool { exitCode == 0 && signal == nil && !timedOut }
        /// stdout and stderr together, for logs.
        public var combinedOutput: String { stderr.isEmpty ? stdout : (stdout.isEmpty ? stderr : stdout + "\n" + stderr) }
    }

    /// Finds an executable on PATH (or returns the path if it already has a slash).
    public static func which(_ name: String, path: String? = ProcessInfo.processInfo.environment["PATH"]) -> String? {
        if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        for dir in (path ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Runs `arguments[0]` (looked up on PATH) to completion or until `timeout`, then kills its process group.
    ///
    /// - Parameters:
    ///   - environment: the child's whole environment; nil means this process's environment without secrets.
    ///   - outputLimit: bytes kept of each stream (the tail is kept: that is where errors are).
    public static func run(_ arguments: [String], environment: [String: String]? = nil, workingDirectory: URL? = nil,
                           timeout: Duration? = nil, outputLimit: Int = 1 << 20, stdin: Data? = nil) async throws -> Result {
        guard let first = arguments.first else {
            throw LSQMError(.usage, action: "run a process", cause: "no command given")
        }
        let env = environment ?? SecretEnvironment.scrubbed()
        guard let executable = which(first, path: env["PATH"] ?? ProcessInfo.processInfo.environment["PATH"]) else {
            throw LSQMError(.environment, action: "run \(first)", cause: "'\(first)' was not found on PATH",
                            hint: "install \(first) or put it on PATH")
        }
        let process = try SpawnedProcess(executable: executable, arguments: arguments, environment: env,
                                         workingDirectory: workingDirectory, captureOutput: true, stdinData: stdin)
        let stopwatch = Stopwatch()
        let timedOut = Locked(false)
        let timer: Task<Void, Never>? = timeout.map { limit in
            Task.detached {
                try? await Task.sleep(for: limit)
                if !Task.isCancelled {
                    timedOut.withLock { $0 = true }
                    process.killGroup()
                }
            }
        }
        let status = await withTaskCancellationHandler {
            await process.wait()
        } onCancel: {
            process.killGroup()
        }
        timer?.cancel()
        // Anything the child left in its group (a provider plugin, a server) goes with it; this also closes
        // pipes a grandchild may still hold, so collecting output cannot hang.
        process.killGroup()
        let (out, err) = process.collectOutput(limit: outputLimit)
        return Result(exitCode: status.exitCode, signal: status.signal, stdout: out, stderr: err,
                      timedOut: timedOut.value, durationMs: stopwatch.milliseconds)
    }
}

/// A child process started with posix_spawn in a new process group.
///
/// Used directly for long-lived children (emulators, plugin workers) and through `Subprocess.run` for
/// commands. Output is drained by background threads so a chatty child never blocks on a full pipe.
public final class SpawnedProcess: @unchecked Sendable {
    public let pid: pid_t
    public let executable: String
    private var stdoutCollector: PipeCollector?
    private var stderrCollector: PipeCollector?
    /// Pipes kept open for protocol use (worker processes) when output is not captured.
    public let stdinFD: Int32?
    public let stdoutFD: Int32?
    private let waitLock = NSLock()
    private var cachedStatus: (exitCode: Int32, signal: Int32?)?

    /// - Parameters:
    ///   - captureOutput: true drains stdout/stderr into memory; false hands stdout and stdin to the caller as
    ///     raw file descriptors (for a framed protocol) and sends stderr to `stderrPath` or captures it.
    ///   - logPath: when set, stdout and stderr both go to this file (emulators: the log tail is read from it).
    public init(executable: String, arguments: [String], environment: [String: String], workingDirectory: URL? = nil,
                captureOutput: Bool = true, stdinData: Data? = nil, logPath: URL? = nil, keepPipes: Bool = false) throws {
        self.executable = executable
        var fileActions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fileActions)
        defer { posix_spawn_file_actions_destroy(&fileActions) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // A new process group, so the whole tree can be signalled at once.
        posix_spawnattr_setpgroup(&attributes, 0)
        var flags = Int16(POSIX_SPAWN_SETPGROUP)
        // Reset signal mask and dispositions: the child must not inherit an ignored SIGINT/SIGPIPE.
        var defaultSignals = sigset_t()
        sigemptyset(&defaultSignals)
        sigaddset(&defaultSignals, SIGPIPE)
        sigaddset(&defaultSignals, SIGINT)
        sigaddset(&defaultSignals, SIGTERM)
        posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        flags |= Int16(POSIX_SPAWN_SETSIGDEF) | Int16(POSIX_SPAWN_SETSIGMASK)
        posix_spawnattr_setflags(&attributes, flags)

        var toClose: [Int32] = []
        var parentStdin: Int32?
        var parentStdout: Int32?
        var parentStderr: Int32?
        func makePipe() throws -> (read: Int32, write: Int32) {
            var fds: [Int32] = [0, 0]
            guard clsqm_pipe_cloexec(&fds) == 0 else {
                throw LSQMError(.environment, action: "start \(executable)", cause: "pipe: \(String(cString: strerror(errno)))")
            }
            return (fds[0], fds[1])
        }

        if keepPipes || stdinData != nil {
            let p = try makePipe()
            posix_spawn_file_actions_adddup2(&fileActions, p.read, 0)
            toClose.append(p.read)
            parentStdin = p.write
        } else {
            posix_spawn_file_actions_addopen(&fileActions, 0, "/dev/null", O_RDONLY, 0)
        }
        if let logPath {
            FileManager.default.createFile(atPath: logPath.path, contents: nil)
            posix_spawn_file_actions_addopen(&fileActions, 1, logPath.path, O_WRONLY | O_APPEND, 0o644)
            posix_spawn_file_actions_adddup2(&fileActions, 1, 2)
        } else {
            if captureOutput || keepPipes {
                let out = try makePipe()
                posix_spawn_file_actions_adddup2(&fileActions, out.write, 1)
                toClose.append(out.write)
                parentStdout = out.read
            } else {
                posix_spawn_file_actions_addopen(&fileActions, 1, "/dev/null", O_WRONLY, 0)
            }
            let err = try makePipe()
            posix_spawn_file_actions_adddup2(&fileActions, err.write, 2)
            toClose.append(err.write)
            parentStderr = err.read
        }
        if let workingDirectory {
            clsqm_spawn_file_actions_addchdir(&fileActions, workingDirectory.path)
        }

        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var childPID: pid_t = 0
        let rc = posix_spawn(&childPID, executable, &fileActions, &attributes, argv, envp)
        toClose.forEach { close($0) }
        guard rc == 0 else {
            [parentStdin, parentStdout, parentStderr].compactMap { $0 }.forEach { close($0) }
            throw LSQMError(.environment, action: "start \(executable)", cause: String(cString: strerror(rc)))
        }
        pid = childPID
        if keepPipes {
            stdinFD = parentStdin
            stdoutFD = parentStdout
        } else {
            stdinFD = nil
            stdoutFD = nil
            if let parentStdout { stdoutCollector = PipeCollector(fd: parentStdout) }
            if let parentStdin {
                if let stdinData { SpawnedProcess.writeAll(fd: parentStdin, data: stdinData) }
                close(parentStdin)
            }
        }
        if let parentStderr { stderrCollector = PipeCollector(fd: parentStderr) }
    }

    static func writeAll(fd: Int32, data: Data) {
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 { if errno == EINTR { continue }; return }
                offset += n
            }
        }
    }

    /// Sends `signal` to the child's whole process group.
    public func signalGroup(_ signal: Int32) { kill(-pid, signal) }

    /// SIGKILL to the whole process group. Safe to call more than once and after exit.
    public func killGroup() { kill(-pid, SIGKILL) }

    /// SIGTERM to the group, then SIGKILL after `grace` if the leader is still alive.
    public func terminate(grace: Duration = .seconds(5)) async {
        kill(-pid, SIGTERM)
        let deadline = ContinuousClock.now + grace
        while !hasExited, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        killGroup()
        _ = await wait()
    }

    /// `terminate(grace:)`, except under cancellation: then there is no grace and the group is killed at once.
    public func stop(grace: Duration) async {
        if Task.isCancelled {
            killGroup()
            _ = waitBlocking()
        } else {
            await terminate(grace: grace)
        }
    }

    public var hasExited: Bool {
        waitLock.lock()
        defer { waitLock.unlock() }
        if cachedStatus != nil { return true }
        var status: Int32 = 0
        let rc = waitpid(pid, &status, WNOHANG)
        if rc == pid {
            cachedStatus = SpawnedProcess.decode(status)
            return true
        }
        return rc < 0
    }

    /// Waits for exit without blocking a Swift concurrency thread.
    public func wait() async -> (exitCode: Int32, signal: Int32?) {
        while true {
            if hasExited, let status = waitLock.withLock({ cachedStatus }) { return status }
            if hasExited { return (-1, nil) }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Blocking wait, for threads that are not part of Swift concurrency.
    public func waitBlocking() -> (exitCode: Int32, signal: Int32?) {
        waitLock.lock()
        defer { waitLock.unlock() }
        if let cachedStatus { return cachedStatus }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { cachedStatus = (-1, nil); return (-1, nil) }
        }
        cachedStatus = SpawnedProcess.decode(status)
        return cachedStatus!
    }

    private static func decode(_ status: Int32) -> (exitCode: Int32, signal: Int32?) {
        // WIFEXITED / WTERMSIG are macros Swift does not import.
        let signal = status & 0x7f
        if signal == 0 { return ((status >> 8) & 0xff, nil) }
        return (128 + signal, signal)
    }

    /// Captured output (tails of at most `limit` bytes each). Waits for the pipes to close.
    public func collectOutput(limit: Int = 1 << 20) -> (stdout: String, stderr: String) {
        (stdoutCollector?.finish(limit: limit) ?? "", stderrCollector?.finish(limit: limit) ?? "")
    }

    /// Captured stderr so far is not available until exit; for workers, the tail after exit.
    public func stderrTail(limit: Int = 4096) -> String { stderrCollector?.finish(limit: limit) ?? "" }
}

/// Drains a pipe on a background thread, keeping the tail up to a cap.
final class PipeCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    private var done = false
    private let finished = DispatchSemaphore(value: 0)
    private static let retainedCap = 8 << 20

    init(fd: Int32) {
        let thread = Thread { [self] in
            var chunk = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = read(fd, &chunk, chunk.count)
                if n < 0, errno == EINTR { continue }
                if n <= 0 { break }
                lock.lock()
                data.append(contentsOf: chunk[0..<n])
                if data.count > PipeCollector.retainedCap { data = data.suffix(PipeCollector.retainedCap / 2) }
                lock.unlock()
            }
            close(fd)
            finished.signal()
        }
        thread.start()
    }

    func finish(limit: Int) -> String {
        lock.lock()
        let alreadyDone = done
        lock.unlock()
        if !alreadyDone {
            finished.wait()
            lock.lock(); done = true; lock.unlock()
        }
        lock.lock()
        defer { lock.unlock() }
        let tail = data.count > limit ? data.suffix(limit) : data
        return String(decoding: tail, as: UTF8.self)
    }
}
