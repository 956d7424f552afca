import Foundation
import LSQMBasics

/// Plugin calls are synchronous (the C ABI); these run lsqm's async helpers to completion on a worker thread.
public enum BlockingProcess {
    public static func run(_ arguments: [String], environment: [String: String], workingDirectory: URL?, timeout: Duration) throws -> Subprocess.Result {
        let box = ResultBox<Subprocess.Result>()
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            do { box.set(.success(try await Subprocess.run(arguments, environment: environment, workingDirectory: workingDirectory, timeout: timeout))) }
            catch { box.set(.failure(error)) }
            done.signal()
        }
        done.wait()
        return try box.get()
    }
}

final class ResultBox<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Result<T, any Error>?
    func set(_ value: Result<T, any Error>) { lock.withLock { stored = value } }
    func get() throws -> T {
        guard let stored = lock.withLock({ stored }) else {
            throw LSQMError(.internal, action: "wait for a task", cause: "it finished without a result")
        }
        return try stored.get()
    }
}

extension Files {
    /// A temporary directory for the duration of a synchronous body, removed afterwards.
    public static func withTemporaryDirectoryBlocking<T>(prefix: String, _ body: (URL) throws -> T) throws -> T {
        let directory = try makeTemporaryDirectory(prefix: prefix)
        defer { remove(directory) }
        return try body(directory)
    }
}
