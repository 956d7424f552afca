import Foundation
import LSQMBasics
import LSQMPluginKit

/// The worker side of isolated mode: `lsqm plugin-worker LIBRARY` runs this.
///
/// It loads one library and serves the host's operations through the same C ABI as in-process mode. If the
/// plugin crashes, aborts or hangs, only this process dies; the host records the failure.
public enum PluginWorker {
    public static func run(libraryPath: String) -> Int32 {
        // The protocol owns the original stdout; anything the plugin prints goes to stderr instead, so a
        // stray printf cannot corrupt the frame stream.
        let protocolOut = dup(STDOUT_FILENO)
        dup2(STDERR_FILENO, STDOUT_FILENO)
        signal(SIGPIPE, SIG_IGN)
        let channel = FrameChannel(readFD: STDIN_FILENO, writeFD: protocolOut)
        let relay = HostRelay(channel: channel)
        var loaded: LoadedPlugin?
        var instance: DirectPlugin?
        let queue = MessageQueue()

        // Reader thread: replies to host calls and cancellation are handled here, immediately, even while
        // the main thread is inside a plugin call; operations are queued for the main thread.
        let reader = Thread {
            while let message = channel.receive() {
                switch message.type {
                case .hostReply: relay.deliver(message)
                case .cancel: relay.cancel()
                default: queue.push(message)
                }
            }
            relay.cancel()
            queue.close()
        }
        reader.start()

        func answer(status: Int32, error: String? = nil, payload: String? = nil) {
            _ = channel.send(WorkerFrame(.result, status: status, error: error, text: payload))
        }

        while true {
            // nil: the host closed the pipe (or sent a frame this worker cannot read).
            guard let message = queue.pop() else {
                instance?.destroy()
                return 0
            }
            switch message.type {
            case .describe:
                switch LoadedPlugin.load(path: libraryPath) {
                case .success(let plugin):
                    loaded = plugin
                    _ = channel.send(WorkerFrame(.described, payload: try? JSONCoding.encode(plugin.info, pretty: false)))
                case .failure(let refusal):
                    _ = channel.send(WorkerFrame(.refused, notAPlugin: refusal.isNotAPlugin, error: refusal.reason))
                }
            case .create:
                guard let plugin = loaded else {
                    answer(status: 1, error: PluginErrorText.json("failed to create: describe first"))
                    continue
                }
                do {
                    let create = try JSONCoding.decode(WorkerCreate.self, from: message.payload ?? Data())
                    relay.configure(cacheDirectory: create.cacheDirectory, config: create.config)
                    instance = try DirectPlugin(plugin: plugin, callbacks: relay, configJSON: try JSONCoding.string(create.pluginConfig))
                    answer(status: 0)
                } catch {
                    answer(status: 1, error: PluginErrorText.json(LSQMError.describe(error)))
                }
            case .call:
                guard let instance, let function = message.function else {
                    answer(status: 1, error: PluginErrorText.json("failed to call: no instance or no function"))
                    continue
                }
                let outcome = instance.call(function, request: message.text ?? "{}")
                answer(status: outcome.status, error: outcome.error, payload: outcome.response)
            case .destroy:
                instance?.destroy()
                instance = nil
                answer(status: 0)
                return 0
            default:
                answer(status: 1, error: PluginErrorText.json("failed to run '\(message.type)': not an operation a worker serves"))
            }
        }
    }
}

/// Host callbacks inside the worker: each one is relayed to the real host over the pipe. Config values and
/// the cache directory arrive with `create`, so only log and HTTP cross the pipe during calls.
// @unchecked Sendable: `nextID`, `waiting`, `cancelled`, `config` and `directory` are only touched under `lock`.
// Its semaphores block worker threads inside synchronous C calls, never a Swift concurrency thread.
final class HostRelay: HostCallbacks, @unchecked Sendable {
    private let channel: FrameChannel
    private let lock = NSLock()
    private var nextID: UInt32 = 1
    private var waiting: [UInt32: (DispatchSemaphore, WorkerFrame?)] = [:]
    private var cancelled = false
    private var config: [String: String] = [:]
    private var directory: String = NSTemporaryDirectory()
    var cacheDirectory: String { lock.withLock { directory } }

    init(channel: FrameChannel) { self.channel = channel }

    func configure(cacheDirectory: String, config: [String: String]) {
        lock.lock(); defer { lock.unlock() }
        directory = cacheDirectory
        self.config = config
    }

    func log(level: Int32, message: String) {
        _ = channel.send(WorkerFrame(.log, status: level, text: message))
    }

    func httpRequest(_ requestJSON: String) -> (status: Int32, response: String?, error: String?) {
        let semaphore = DispatchSemaphore(value: 0)
        lock.lock()
        let id = nextID
        nextID += 1
        waiting[id] = (semaphore, nil)
        lock.unlock()
        guard channel.send(WorkerFrame(.hostCall, id: id, text: requestJSON)) else {
            return (1, nil, PluginErrorText.json("failed to send the request to the host: the pipe is closed"))
        }
        semaphore.wait()
        lock.lock()
        let reply = waiting.removeValue(forKey: id)?.1
        lock.unlock()
        guard let reply else { return (1, nil, PluginErrorText.json("failed to request: the host went away")) }
        return (reply.status, reply.text, reply.error)
    }

    func deliver(_ reply: WorkerFrame) {
        lock.lock()
        defer { lock.unlock() }
        guard let entry = waiting[reply.id] else { return }
        waiting[reply.id] = (entry.0, reply)
        entry.0.signal()
    }

    /// Cancellation also releases every HTTP call still waiting, so a plugin blocked on the host returns.
    func cancel() {
        lock.lock()
        cancelled = true
        let semaphores = waiting.values.map(\.0)
        lock.unlock()
        semaphores.forEach { $0.signal() }
    }

    func configValue(_ key: String) -> String? { lock.withLock { config[key] } }

    var isCancelled: Bool { lock.withLock { cancelled } }
}

/// A blocking FIFO between the worker's reader thread and its main thread.
// @unchecked Sendable: `items` is only touched under `lock`. `pop` blocks the worker's main thread, which is not
// part of Swift concurrency (the worker runs plugin calls synchronously).
final class MessageQueue: @unchecked Sendable {
    private let lock = NSLock()
    private let available = DispatchSemaphore(value: 0)
    private var items: [WorkerFrame] = []

    func push(_ message: WorkerFrame) {
        lock.withLock { items.append(message) }
        available.signal()
    }

    /// The input ended: `pop` answers nil once the queued operations are taken.
    func close() { available.signal() }

    func pop() -> WorkerFrame? {
        available.wait()
        return lock.withLock { items.isEmpty ? nil : items.removeFirst() }
    }
}
