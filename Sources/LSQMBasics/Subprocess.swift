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
    public static func run(
        _ arguments: [String], environment: [String: String]? = nil, workingDirectory: URL? = nil,
        timeout: Duration? = nil, outputLimit: Int = 1 << 20, stdin: Data? = nil
    ) async throws -> Result {
        guard let first = arguments.first else {
            throw LSQMError(.usage, action: "run a process", cause: "no command given")
        }
        let env = environment ?? SecretEnvironment.scrubbed()
        guard let executable = which(first, path: env["PATH"] ?? ProcessInfo.processInfo.environment["PATH"]) else {
            throw LSQMError(
                .environment, action: "run \(first)", cause: "'\(first)' was not found on PATH",
                hint: "install \(first) or put it on PATH")
        }
        let process = try SpawnedProcess(
            executable: executable, arguments: arguments, environment: env,
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
        return Result(
            exitCode: status.exitCode, signal: status.signal, stdout: out, stderr: err,
            timedOut: timedOut.value, durationMs: stopwatch.milliseconds)
    }
}

/// What the spawn thread reads while the spawning thread waits for it.
private struct SpawnPointers: @unchecked Sendable {
    let argv: [UnsafeMutablePointer<CChar>?]
    let envp: [UnsafeMutablePointer<CChar>?]
    let directory: UnsafeMutablePointer<CChar>?
}

/// A child process in a new process group that dies with lsqm (see `ChildProcesses`).
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
    public init(
        executable: String, arguments: [String], environment: [String: String], workingDirectory: URL? = nil,
        captureOutput: Bool = true, stdinData: Data? = nil, logPath: URL? = nil, keepPipes: Bool = false
    ) throws {
        self.executable = executable
        var toClose: [Int32] = []
        var parentStdin: Int32?
        var parentStdout: Int32?
        var parentStderr: Int32?
        func fail(_ cause: String) -> LSQMError {
            (toClose + [parentStdin, parentStdout, parentStderr].compactMap { $0 }).forEach { close($0) }
            return LSQMError(.environment, action: "start \(executable)", cause: cause)
        }
        func makePipe() throws -> (read: Int32, write: Int32) {
            var fds: [Int32] = [0, 0]
            guard clsqm_pipe_cloexec(&fds) == 0 else { throw fail("pipe: \(String(cString: strerror(errno)))") }
            return (fds[0], fds[1])
        }
        /// Opened close-on-exec here and dup'ed onto 0/1/2 in the child.
        func openFile(_ path: String, _ flags: Int32) throws -> Int32 {
            let fd = open(path, flags | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw fail("open \(path): \(String(cString: strerror(errno)))") }
            toClose.append(fd)
            return fd
        }

        let childStdin: Int32
        if keepPipes || stdinData != nil {
            let p = try makePipe()
            toClose.append(p.read)
            parentStdin = p.write
            childStdin = p.read
        } else {
            childStdin = try openFile("/dev/null", O_RDONLY)
        }
        let childStdout: Int32
        let childStderr: Int32
        if let logPath {
            childStdout = try openFile(logPath.path, O_WRONLY | O_APPEND | O_CREAT | O_TRUNC)
            childStderr = childStdout
        } else {
            if captureOutput || keepPipes {
                let out = try makePipe()
                toClose.append(out.write)
                parentStdout = out.read
                childStdout = out.write
            } else {
                childStdout = try openFile("/dev/null", O_WRONLY)
            }
            let err = try makePipe()
            toClose.append(err.write)
            parentStderr = err.read
            childStderr = err.write
        }

        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        let directory = workingDirectory.map { strdup($0.path) } ?? nil
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
            free(directory)
        }
        let pointers = SpawnPointers(argv: argv, envp: envp, directory: directory)
        let (childPID, spawnErrno) = SpawnThread.run {
            pointers.argv.withUnsafeBufferPointer { argvBuffer in
                pointers.envp.withUnsafeBufferPointer { envpBuffer in
                    let pid = clsqm_spawn(
                        executable, argvBuffer.baseAddress, envpBuffer.baseAddress, pointers.directory,
                        childStdin, childStdout, childStderr)
                    let error = errno
                    if pid > 0 { ChildProcesses.register(pid, command: URL(fileURLWithPath: executable).lastPathComponent) }
                    return (pid, error)
                }
            }
        }
        toClose.forEach { close($0) }
        toClose = []
        guard childPID > 0 else { throw fail(String(cString: strerror(spawnErrno))) }
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
            reaped()
            return true
        }
        if rc < 0 { ChildProcesses.unregister(pid) }
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
            if errno != EINTR { cachedStatus = (-1, nil); ChildProcesses.unregister(pid); return (-1, nil) }
        }
        cachedStatus = SpawnedProcess.decode(status)
        reaped()
        return cachedStatus!
    }

    /// The leader is gone: whatever it left in its group goes too (the pgid cannot be reused while members
    /// remain, so this never hits a stranger), and the watchdog forgets the group.
    private func reaped() {
        kill(-pid, SIGKILL)
        ChildProcesses.unregister(pid)
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
