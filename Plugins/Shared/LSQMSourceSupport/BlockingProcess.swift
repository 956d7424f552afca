import Foundation
import LSQMBasics

/// Plugin calls are synchronous (the C ABI); these run lsqm's async helpers to completion on a worker thread.
public enum BlockingProcess {
    public static func run(
        _ arguments: [String], environment: [String: String], workingDirectory: URL?, timeout: Duration
    ) throws -> Subprocess.Result {
        try BlockingTask.run {
            try await Subprocess.run(arguments, environment: environment, workingDirectory: workingDirectory, timeout: timeout)
        }
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
