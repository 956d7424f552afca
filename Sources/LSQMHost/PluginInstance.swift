import Foundation
import LSQMBasics
import LSQMPluginKit

/// One created plugin instance, in whichever isolation mode. Calls take and return the ABI's JSON texts.
public protocol PluginInstance: AnyObject, Sendable {
    var info: PluginInfo { get }
    /// Calls the kind's function with the request's JSON text; stages use the typed clients (`SourceClient`…)
    /// instead. Throws an `LSQMError` of kind `.plugin` naming the plugin and the call when the plugin fails
    /// (`.pluginFailed`), crashes (`.pluginCrashed`) or does not answer in time (`.pluginTimedOut`).
    func call(_ function: PluginFunction, request: String) async throws -> String
    /// Destroys the instance (and stops its worker). Safe to call twice.
    func shutdown() async
    /// Asks a running call to stop (the plugin sees host_api->is_cancelled()).
    func cancel()
}

public enum PluginIsolation: String, Sendable, Codable {
    /// Each plugin in a worker child process: a crash or hang is a recorded failure.
    case isolated
    /// In the host process: faster, for debugging; a crash takes the host down.
    case inProcess = "in-process"
}

enum PluginCallErrors {
    /// The answer of a call, or the error it is. A NULL response with LSQM_OK is allowed for notify (the header
    /// says it may be left NULL on success: delivered) and a contract violation for every other function.
    static func answer(_ info: PluginInfo, _ function: PluginFunction, _ outcome: PluginCallOutcome) throws -> String {
        guard outcome.status == 0 else { throw failed(info, function, outcome) }
        if let response = outcome.response { return response }
        if function == .notify { return #"{"delivered":true}"# }
        throw LSQMError(
            .plugin, code: .pluginNullResponse, action: "\(function) with plugin \(info.name)",
            cause: "it returned LSQM_OK without a response (response_json left NULL)")
    }

    static func failed(_ info: PluginInfo, _ function: PluginFunction, _ outcome: PluginCallOutcome) -> LSQMError {
        let message = PluginErrorText.message(outcome.error) ?? "status \(outcome.status) without an error message"
        let kind: LSQMError.Kind = outcome.status == 2 ? .cancelled : .plugin
        return LSQMError(kind, code: .pluginFailed, action: "\(function) with plugin \(info.name)", cause: message)
    }
}

/// In-process mode: the plugin's functions are called on a dedicated thread of this process (never on a
/// Swift concurrency thread, because a plugin may block for a long time inside a call).
// @unchecked Sendable: `direct` (not thread-safe) is only used under `lock`; the other properties are immutable.
public final class InProcessPluginInstance: PluginInstance, @unchecked Sendable {
    public let info: PluginInfo
    private let direct: DirectPlugin
    private let services: PluginServices
    private let lock = NSLock()

    init(plugin: LoadedPlugin, services: PluginServices, configJSON: String) throws {
        info = plugin.info
        self.services = services
        direct = try DirectPlugin(plugin: plugin, callbacks: services, configJSON: configJSON)
    }

    public func call(_ function: PluginFunction, request: String) async throws -> String {
        let outcome: PluginCallOutcome = await withCheckedContinuation { continuation in
            let thread = Thread { [self] in
                let result = lock.withLock { direct.call(function, request: request) }
                continuation.resume(returning: result)
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        return try PluginCallErrors.answer(info, function, outcome)
    }

    public func cancel() { services.cancel() }

    public func shutdown() async { lock.withLock { direct.destroy() } }
}

/// Isolated mode: the plugin lives in `lsqm plugin-worker LIBRARY`, a child process in its own process group,
/// spoken to over pipes. Its environment holds no secrets: the plugin gets HTTP through the host.
///
/// `@unchecked Sendable`: every mutable property (`described`, `attachedServices`, `pending`, `dead`,
/// `currentCall`, `requestNumber`) is read and written only under `lock`; the rest is immutable or Sendable.
public final class IsolatedPluginInstance: PluginInstance, @unchecked Sendable {
    /// Set by `start` from the worker's description before the instance is handed out; read under the lock.
    public var info: PluginInfo { lock.withLock { described! } }
    private var described: PluginInfo?
    /// What messages call the plugin before (and after) it described itself: the file, then the descriptor's name.
    private var label: (name: String, path: String) {
        lock.withLock { described.map { ($0.name, $0.path) } ?? (URL(fileURLWithPath: libraryPath).lastPathComponent, libraryPath) }
    }
    private let libraryPath: String
    private let process: SpawnedProcess
    private let channel: FrameChannel
    private var services: PluginServices? { lock.withLock { attachedServices } }
    private var attachedServices: PluginServices?
    private let callTimeout: Duration
    private let lock = NSLock()
    private var pending: CheckedContinuation<WorkerFrame, any Error>?
    private var dead: LSQMError?
    private var currentCall = "describe"
    /// Counts requests, so a stop timer of one call never kills the worker during a later one.
    private var requestNumber = 0

    /// Starts a worker and has it describe the library. Returns the worker ready for `create`.
    static func start(
        workerExecutable: URL, libraryPath: String, services: PluginServices?, callTimeout: Duration,
        maxFrameBytes: Int = PluginLimits.maxFrameBytes
    ) async throws -> IsolatedPluginInstance {
        var environment = SecretEnvironment.scrubbed()
        environment["LSQM_WORKER"] = "1"
        let process = try await SpawnedProcess.start(
            executable: workerExecutable.path, arguments: [workerExecutable.path, "plugin-worker", libraryPath],
            environment: environment, output: .protocolPipes)
        let instance = IsolatedPluginInstance(
            libraryPath: libraryPath, process: process, services: services, callTimeout: callTimeout, maxFrameBytes: maxFrameBytes)
        let reply = try await instance.request(WorkerFrame(.describe), function: "describe", timeout: .seconds(30))
        if reply.type == .refused {
            await instance.shutdown()
            throw PluginRefusal(path: libraryPath, reason: reply.error ?? "refused", isNotAPlugin: reply.notAPlugin)
        }
        guard reply.type == .described, let info = reply.payload.flatMap({ try? JSONCoding.decode(PluginInfo.self, from: $0) }) else {
            await instance.shutdown()
            throw PluginRefusal(path: libraryPath, reason: "the worker did not describe the plugin")
        }
        instance.lock.withLock { instance.described = info }
        return instance
    }

    private init(libraryPath: String, process: SpawnedProcess, services: PluginServices?, callTimeout: Duration, maxFrameBytes: Int) {
        self.libraryPath = libraryPath
        self.process = process
        self.attachedServices = services
        self.callTimeout = callTimeout
        channel = FrameChannel(readFD: process.stdoutFD!, writeFD: process.stdinFD!, maxFrame: maxFrameBytes)
        let reader = Thread { [self] in readLoop() }
        reader.start()
    }

    /// The host services for this instance, chosen once the worker said which plugin it is (identity, cache
    /// folder and grants follow the descriptor's name, not the file's).
    func attach(_ services: PluginServices) { lock.withLock { attachedServices = services } }

    func create(config: JSONValue, cacheDirectory: String, configTexts: [String: String]) async throws {
        let operation = try JSONCoding.encode(WorkerCreate(pluginConfig: config, cacheDirectory: cacheDirectory, config: configTexts), pretty: false)
        let reply = try await request(WorkerFrame(.create, payload: operation), function: "create", timeout: callTimeout)
        guard reply.status == 0 else {
            throw LSQMError(
                .plugin, code: .pluginFailed, action: "create plugin \(info.name)",
                cause: PluginErrorText.message(reply.error) ?? "status \(reply.status)")
        }
    }

    public func call(_ function: PluginFunction, request body: String) async throws -> String {
        let reply = try await request(WorkerFrame(.call, function: function, text: body), function: function.rawValue, timeout: callTimeout)
        let outcome = PluginCallOutcome(status: reply.status, response: reply.text, error: reply.error)
        return try PluginCallErrors.answer(info, function, outcome)
    }

    public func cancel() { _ = channel.send(WorkerFrame(.cancel)) }

    public func shutdown() async { _ = await shutdownReportingProblems() }

    /// Destroys the instance and stops the worker; returns what went wrong, if anything (for `plugins check`):
    /// destroy failed, crashed or hung, or the worker did not exit cleanly by itself afterwards.
    func shutdownReportingProblems() async -> String? {
        var problem: String?
        if let dead = lock.withLock({ dead }) {
            problem = "destroy was never called: \(dead.message)"
        } else if Task.isCancelled {
            // When lsqm is stopping (its task cancelled) the worker is killed, not asked: it may be the one hanging.
            problem = "destroy was not called: lsqm is stopping"
            process.killGroup()
        } else {
            do {
                let reply = try await request(WorkerFrame(.destroy), function: "destroy", timeout: .seconds(10))
                if reply.status != 0 { problem = "destroy answered status \(reply.status)" }
            } catch {
                problem = LSQMError.describe(error)
            }
        }
        channel.closeWrite()
        // A worker exits by itself once destroy returned and its input closed; give it a moment to, so that
        // a crash in destroy or in the plugin's unload shows instead of being hidden by our kill.
        let (status, killed) = await process.wait(killingAfter: .seconds(2))
        process.killGroup()
        if problem == nil {
            if killed {
                problem = "the worker did not exit within 2 s after destroy returned and was killed"
            } else if let signal = status.signal {
                problem = "the worker died with \(SignalNames.name(signal)) after destroy"
            } else if status.exitCode != 0 {
                problem = "the worker exited with code \(status.exitCode) after destroy"
            }
        }
        return problem
    }

    /// Sends one operation and waits for its answer, the worker's death, or the timeout (then kills it).
    private func request(_ message: WorkerFrame, function: String, timeout: Duration) async throws -> WorkerFrame {
        if let dead = lock.withLock({ dead }) { throw dead }
        let timer = Task.detached { [weak self] in
            try await Task.sleep(for: timeout)
            self?.fail(
                LSQMError(
                    .plugin, code: .pluginTimedOut, action: "\(function) with plugin \(self?.label.name ?? "?")",
                    cause: "no answer within \(timeout.components.seconds) s; the plugin worker was killed",
                    hint: "the plugin hangs or is too slow; raise plugin_timeout in the config if it is just slow"))
            self?.process.killGroup()
        }
        defer { timer.cancel() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                lock.lock()
                if let dead {
                    lock.unlock()
                    continuation.resume(throwing: dead)
                    return
                }
                pending = continuation
                currentCall = function
                requestNumber += 1
                lock.unlock()
                if !channel.send(message) { failWithCrash() }
            }
        } onCancel: {
            self.cancel()
            self.killIfStillWaiting(after: Self.stopGrace, function: function)
        }
    }

    /// How long a cancelled call may take to notice `is_cancelled()` before its worker is killed.
    static let stopGrace: Duration = .seconds(2)

    /// lsqm is stopping: a plugin that does not return soon after being told (it hangs, or never checks
    /// `is_cancelled`) is not waited for. Its worker's group is killed and the call fails as cancelled.
    private func killIfStillWaiting(after grace: Duration, function: String) {
        // Cancelled before the request went out (the task was already stopping): the timer is for that request.
        let number = lock.withLock { pending == nil ? requestNumber + 1 : requestNumber }
        Task.detached { [weak self] in
            try? await Task.sleep(for: grace)
            guard let self, self.lock.withLock({ self.pending != nil && self.requestNumber == number }) else { return }
            self.fail(
                LSQMError(
                    .cancelled, action: "\(function) with plugin \(self.label.name)",
                    cause: "lsqm was stopped and the plugin did not return within \(grace.components.seconds) s; its worker was killed"))
            self.process.killGroup()
        }
    }

    private func readLoop() {
        while let message = channel.receive() {
            switch message.type {
            case .log:
                services?.log(level: message.status, message: message.text ?? "")
            case .hostCall:
                // HTTP may take a while: answer on another thread so logs and replies keep flowing.
                let services = self.services
                let channel = self.channel
                Thread.detachNewThread {
                    let result =
                        services?.httpRequest(message.text ?? "{}")
                        ?? (1, nil, PluginErrorText.json("failed to request: no host services in this mode"))
                    _ = channel.send(WorkerFrame(.hostReply, id: message.id, status: result.status, error: result.error, text: result.response))
                }
            default:
                let continuation = lock.withLock { () -> CheckedContinuation<WorkerFrame, any Error>? in
                    defer { pending = nil }
                    return pending
                }
                continuation?.resume(returning: message)
            }
        }
        if let length = channel.oversizedFrame {
            let call = lock.withLock { currentCall }
            let label = self.label
            fail(
                LSQMError(
                    .plugin, code: .pluginAnswerTooLarge, action: "\(call) with plugin \(label.name) (\(label.path))",
                    cause:
                        "its answer is \(length) bytes, over the host's limit of \(channel.maxFrame) bytes per message; the plugin worker was killed",
                    hint:
                        "return less per call (a source: fewer architectures per page; files over \(PluginLimits.maxFileBytes) bytes are refused anyway)"
                ))
            process.killGroup()
            return
        }
        failWithCrash()
    }

    /// The worker stopped answering (its pipe closed): once it has exited — awaited, not waited for on the
    /// reader thread — the waiting call fails with how it died.
    private func failWithCrash() {
        Task { [self] in fail(await crashError()) }
    }

    /// How the worker died, with its last words.
    private func crashError() async -> LSQMError {
        let status = await process.wait()
        let call = lock.withLock { currentCall }
        let how: String
        if let signal = status.signal {
            how = "the plugin worker crashed with signal \(signal) (\(SignalNames.name(signal)))"
        } else {
            how = "the plugin worker exited with code \(status.exitCode)"
        }
        let tail = await process.stderrTail(limit: 2000).trimmingCharacters(in: .whitespacesAndNewlines)
        let label = self.label
        return LSQMError(
            .plugin, code: .pluginCrashed, action: "\(call) with plugin \(label.name) (\(label.path))", cause: how,
            hint: tail.isEmpty ? "the run goes on without this plugin" : "worker stderr: \(PluginErrorText.oneLine(String(tail.suffix(500))))")
    }

    private func fail(_ error: LSQMError) {
        let continuation = lock.withLock { () -> CheckedContinuation<WorkerFrame, any Error>? in
            if dead == nil { dead = error }
            defer { pending = nil }
            return pending
        }
        continuation?.resume(throwing: lock.withLock { dead ?? error })
    }
}

enum SignalNames {
    static func name(_ signal: Int32) -> String {
        switch signal {
        case SIGSEGV: "SIGSEGV"
        case SIGABRT: "SIGABRT"
        case SIGKILL: "SIGKILL"
        case SIGBUS: "SIGBUS"
        case SIGILL: "SIGILL"
        case SIGFPE: "SIGFPE"
        case SIGTERM: "SIGTERM"
        case SIGTRAP: "SIGTRAP"
        default: "signal \(signal)"
        }
    }
}
