import CLSQMSystem
import Foundation
// swift-subprocess. Inside this module `Subprocess` names lsqm's enum below, so the library's API is used
// unqualified (`run`, `Configuration`, …) and only from code outside that enum.
import Subprocess
import SystemPackage

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
        let process = try await SpawnedProcess.start(
            executable: executable, arguments: arguments, environment: env, workingDirectory: workingDirectory,
            output: .capture, stdin: stdin)
        let stopwatch = Stopwatch()
        // A timeout kills the group, as cancellation does; `killed` says the timeout did.
        let (status, timedOut): ((exitCode: Int32, signal: Int32?), Bool) = await withTaskCancellationHandler {
            guard let timeout else { return (await process.wait(), false) }
            let outcome = await process.wait(killingAfter: timeout)
            return (outcome.status, outcome.killed)
        } onCancel: {
            process.killGroup()
        }
        let (out, err) = await process.collectOutput(limit: outputLimit)
        return Result(
            exitCode: status.exitCode, signal: status.signal, stdout: out, stderr: err,
            timedOut: timedOut, durationMs: stopwatch.milliseconds)
    }
}

/// Where a child's standard streams go.
public enum ChildOutput: Sendable {
    /// stdout and stderr are kept in memory (their tails) for `collectOutput`; stdin is `stdin` data or empty.
    case capture
    /// stdout and stderr both go to this file, truncated first (emulators: the log tail is read from it).
    case logFile(URL)
    /// stdout goes to /dev/null; stderr is kept (its tail) for `stderrTail`.
    case discardOutput
    /// stdin and stdout are pipes the caller speaks a framed protocol over (`stdinFD`, `stdoutFD`, raw
    /// descriptors read and written by threads); stderr is kept (its tail) for `stderrTail`.
    case protocolPipes
}

/// A child process in its own process group, known to `ChildProcesses` (watchdog and records) while it runs.
///
/// Spawning, exit monitoring (a pidfd watched by the library's epoll thread) and output collection are
/// swift-subprocess's; this type adds what lsqm needs around it: the group (kill the child *and* what it
/// started), the watchdog registration, a handle that outlives the call that started it (emulators and plugin
/// workers live across stages), and tails of output instead of a hard limit.
///
/// Not through the library: `PR_SET_PDEATHSIG`. It cannot be set through posix_spawn, and it fires when the
/// spawning *thread* exits, which for the library's spawn threads is not when lsqm exits. The watchdog
/// (`ChildProcesses`) covers a kill -9 of lsqm instead: it kills every registered group when lsqm is gone.
public final class SpawnedProcess: Sendable {
    public let pid: pid_t
    public let executable: String
    /// Pipes kept open for protocol use (`.protocolPipes`); nil otherwise.
    public let stdinFD: Int32?
    public let stdoutFD: Int32?
    /// The library's `run`, from spawn to reaped; its value is how the child ended.
    private let running: Task<Ended, Never>
    private let ended: Locked<Ended?>

    struct Ended: Sendable {
        var exitCode: Int32
        var signal: Int32?
        var stdout = OutputTail()
        var stderr = OutputTail()
    }

    private init(pid: pid_t, executable: String, pipes: (stdin: Int32, stdout: Int32)?, running: Task<Ended, Never>, ended: Locked<Ended?>) {
        self.pid = pid
        self.executable = executable
        self.stdinFD = pipes?.stdin
        self.stdoutFD = pipes?.stdout
        self.running = running
        self.ended = ended
    }

    /// Starts `executable` (a path) with `arguments` (`arguments[0]` is the child's argv[0]) and exactly
    /// `environment` in a new process group, with default signal dispositions, an empty signal mask and no
    /// descriptor of lsqm's but its standard streams.
    public static func start(
        executable: String, arguments: [String], environment: [String: String], workingDirectory: URL? = nil,
        output: ChildOutput = .capture, stdin: Data? = nil
    ) async throws -> SpawnedProcess {
        func failure(_ cause: String) -> LSQMError {
            LSQMError(
                .environment, action: "start \(executable)", cause: cause,
                hint: "check that it exists and is executable, and that this machine is not out of processes or file descriptors")
        }
        var options = PlatformOptions()
        options.processGroupID = 0  // a new group whose id is the child's pid
        // Only used if the run is cancelled, which this type never does (it kills the group itself).
        options.teardownSequence = [.send(signal: .kill, toProcessGroup: true, allowedDurationToNextStep: .seconds(1))]
        let configuration = Configuration(
            executable: .path(FilePath(executable)),
            arguments: Arguments(executablePathOverride: arguments.first, remainingValues: Array(arguments.dropFirst())),
            // Raw `KEY=VALUE` entries (`Environment.Key` has no public initializer from a String). The library strdup()s
            // each entry's bytes, so each must end in NUL itself.
            environment: .custom(environment.map { Array("\($0.key)=\($0.value)".utf8) + [0] }),
            workingDirectory: workingDirectory.map { FilePath($0.path) }, platformOptions: options)
        let command = URL(fileURLWithPath: executable).lastPathComponent
        // The watchdog must exist before the child does, so the child is covered from its first instant on.
        ChildProcesses.startWatchdog()

        let parentPipes: (stdin: Int32, stdout: Int32)?
        let childPipes: (stdin: Int32, stdout: Int32)?
        let logFD: Int32?
        switch output {
        case .protocolPipes:
            var input: [Int32] = [-1, -1]
            var output: [Int32] = [-1, -1]
            guard clsqm_pipe_cloexec(&input) == 0 else { throw failure("pipe: \(String(cString: strerror(errno)))") }
            guard clsqm_pipe_cloexec(&output) == 0 else {
                input.forEach { close($0) }
                throw failure("pipe: \(String(cString: strerror(errno)))")
            }
            (parentPipes, childPipes, logFD) = ((input[1], output[0]), (input[0], output[1]), nil)
        case .logFile(let path):
            let fd = open(path.path, O_WRONLY | O_APPEND | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw failure("open \(path.path): \(String(cString: strerror(errno)))") }
            (parentPipes, childPipes, logFD) = (nil, nil, fd)
        case .capture, .discardOutput:
            (parentPipes, childPipes, logFD) = (nil, nil, nil)
        }

        // The library reports the pid from inside its run, which lasts as long as the child: it is handed out
        // through a continuation (not cancellable: a caller cancelled meanwhile still gets the handle, to kill).
        let ended = Locked<Ended?>(nil)
        let resumed = Locked(false)
        var running: Task<Ended, Never>?
        do {
            let pid: pid_t = try await withCheckedThrowingContinuation { continuation in
                let resume: @Sendable (Result<pid_t, any Error>) -> Void = { result in
                    let first = resumed.withLock { done in
                        let wasDone = done
                        done = true
                        return !wasDone
                    }
                    if first { continuation.resume(with: result) }
                }
                running = Task.detached {
                    let spawned = Locked<pid_t?>(nil)
                    var result: Ended
                    do {
                        result = try await launch(configuration, output: output, stdin: stdin, childPipes: childPipes, logFD: logFD) { pid in
                            spawned.withLock { $0 = pid }
                            ChildProcesses.register(pid, command: command)
                            resume(.success(pid))
                        }
                    } catch {
                        resume(.failure(error))  // nothing if the child had started
                        result = Ended(exitCode: -1, signal: nil)
                    }
                    if let pid = spawned.value {
                        // Whatever the child left in its group (terraform's provider, a server's workers) goes
                        // with it; the group id cannot be reused while members remain, so this never hits a stranger.
                        kill(-pid, SIGKILL)
                        ChildProcesses.unregister(pid)
                    }
                    let final = result
                    ended.withLock { $0 = final }
                    return final
                }
            }
            return SpawnedProcess(pid: pid, executable: executable, pipes: parentPipes, running: running!, ended: ended)
        } catch {
            if let parentPipes { close(parentPipes.stdin); close(parentPipes.stdout) }
            throw failure(Self.describe(error))
        }
    }

    /// The library's `run` for each way of handling output (each one is another set of generic types).
    private static func launch(
        _ configuration: Configuration, output: ChildOutput, stdin: Data?, childPipes: (stdin: Int32, stdout: Int32)?, logFD: Int32?,
        onSpawn: @escaping @Sendable (pid_t) -> Void
    ) async throws -> Ended {
        switch output {
        case .capture:
            let result = try await run(configuration, input: .data(stdin ?? Data()), output: .sequence, error: .sequence) { execution in
                onSpawn(execution.processIdentifier.value)
                async let out = OutputTail.collect(execution.standardOutput)
                async let err = OutputTail.collect(execution.standardError)
                return await (out, err)
            }
            return Ended(result.terminationStatus, stdout: result.closureResult.0, stderr: result.closureResult.1)
        case .logFile:
            let result = try await run(
                configuration, input: .none, output: .fileDescriptor(FileDescriptor(rawValue: logFD!), closeAfterSpawningProcess: true),
                error: .combinedWithOutput
            ) { execution in onSpawn(execution.processIdentifier.value) }
            return Ended(result.terminationStatus)
        case .discardOutput:
            let result = try await run(configuration, input: .none, output: .discarded, error: .sequence) { execution in
                onSpawn(execution.processIdentifier.value)
                return await OutputTail.collect(execution.standardError)
            }
            return Ended(result.terminationStatus, stderr: result.closureResult)
        case .protocolPipes:
            let result = try await run(
                configuration, input: .fileDescriptor(FileDescriptor(rawValue: childPipes!.stdin), closeAfterSpawningProcess: true),
                output: .fileDescriptor(FileDescriptor(rawValue: childPipes!.stdout), closeAfterSpawningProcess: true), error: .sequence
            ) { execution in
                onSpawn(execution.processIdentifier.value)
                return await OutputTail.collect(execution.standardError)
            }
            return Ended(result.terminationStatus, stderr: result.closureResult)
        }
    }

    private static func describe(_ error: any Error) -> String {
        if let error = error as? SubprocessError, let code = error.underlyingError {
            return String(cString: strerror(code.rawValue))
        }
        return "\(error)"
    }

    /// Sends `signal` to the child's whole process group, while the child runs. Once it is reaped its group was
    /// killed already (see `start`), and the number may soon name a stranger's group: pids wrap quickly here
    /// (pid_max 32768 on these machines), so a late signal must not be sent.
    public func signalGroup(_ signal: Int32) {
        guard !hasExited else { return }
        kill(-pid, signal)
    }

    /// SIGKILL to the whole process group. Safe to call more than once and after exit (then it does nothing).
    public func killGroup() { signalGroup(SIGKILL) }

    /// SIGTERM to the group, then SIGKILL after `grace` if the child has not exited by then.
    public func terminate(grace: Duration = .seconds(5)) async {
        signalGroup(SIGTERM)
        _ = await wait(killingAfter: grace)
    }

    /// `terminate(grace:)`, except under cancellation: then there is no grace and the group is killed at once.
    public func stop(grace: Duration) async {
        if Task.isCancelled {
            killGroup()
            _ = await wait()
        } else {
            await terminate(grace: grace)
        }
    }

    /// Whether the child has exited (and was reaped).
    public var hasExited: Bool { ended.value != nil }

    /// Waits for the child to exit. The library's monitor wakes this; nothing polls.
    public func wait() async -> (exitCode: Int32, signal: Int32?) {
        let ended = await running.value
        return (ended.exitCode, ended.signal)
    }

    /// Waits for the child to exit, killing its group if it is still running after `limit`.
    /// `killed` says whether the kill was needed.
    public func wait(killingAfter limit: Duration) async -> (status: (exitCode: Int32, signal: Int32?), killed: Bool) {
        let killed = Locked(false)
        let timer = Task { [self] in
            try await Task.sleep(for: limit)
            if !hasExited {
                killed.withLock { $0 = true }
                killGroup()
            }
        }
        let status = await wait()
        timer.cancel()
        return (status, killed.value)
    }

    /// Captured output (tails of at most `limit` bytes each), once the child has exited.
    public func collectOutput(limit: Int = 1 << 20) async -> (stdout: String, stderr: String) {
        let ended = await running.value
        return (ended.stdout.text(limit: limit), ended.stderr.text(limit: limit))
    }

    /// The tail of captured stderr, once the child has exited (workers: its last words).
    public func stderrTail(limit: Int = 4096) async -> String { await running.value.stderr.text(limit: limit) }
}

extension SpawnedProcess.Ended {
    init(_ status: TerminationStatus, stdout: OutputTail = OutputTail(), stderr: OutputTail = OutputTail()) {
        switch status {
        case .exited(let code): self.init(exitCode: code, signal: nil, stdout: stdout, stderr: stderr)
        case .signaled(let signal): self.init(exitCode: 128 + signal, signal: signal, stdout: stdout, stderr: stderr)
        }
    }
}

/// The last bytes of a stream, read as the child writes them so a chatty child never blocks on a full pipe.
struct OutputTail: Sendable {
    private static let retainedCap = 8 << 20
    private(set) var bytes: [UInt8] = []

    static func collect(_ stream: SubprocessOutputSequence) async -> OutputTail {
        var tail = OutputTail()
        do {
            for try await chunk in stream {
                chunk.withUnsafeBytes { tail.bytes.append(contentsOf: $0) }
                if tail.bytes.count > retainedCap { tail.bytes.removeFirst(tail.bytes.count - retainedCap / 2) }
            }
        } catch {
            // A read error ends the stream; what was read is still the best tail there is.
        }
        return tail
    }

    func text(limit: Int) -> String { String(decoding: bytes.suffix(limit), as: UTF8.self) }
}
