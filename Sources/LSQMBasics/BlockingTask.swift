import Foundation

/// Runs async work to completion from a thread that must block: the plugin C ABI is synchronous, so host
/// callbacks (HTTP for a plugin) and plugin-side helpers wait here. Never call it from a Swift concurrency
/// thread: blocking one of those can starve the pool the work itself needs.
public enum BlockingTask {
    public static func run<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) throws -> T {
        let result = Locked<Result<T, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            let outcome: Result<T, any Error>
            do { outcome = .success(try await work()) } catch { outcome = .failure(error) }
            result.withLock { $0 = outcome }
            done.signal()
        }
        done.wait()
        guard let outcome = result.value else {
            throw LSQMError(.internal, action: "wait for a task", cause: "it finished without a result")
        }
        return try outcome.get()
    }
}
