import Foundation

/// An advisory lock on a file (flock), so two lsqm processes working on the same artifact repository take
/// turns instead of clobbering each other's index. The kernel releases it if the process dies.
public final class FileLock: Sendable {
    private let fd: Int32
    public let path: URL

    private init(fd: Int32, path: URL) { self.fd = fd; self.path = path }

    /// Takes the lock, waiting for another holder up to `timeout`, logging once while it waits.
    public static func acquire(
        _ path: URL, timeout: Duration = .seconds(3600), logger: Logger = .silent, stage: String = "lock"
    ) async throws -> FileLock {
        try Files.createDirectory(path.deletingLastPathComponent())
        let fd = open(path.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw LSQMError(.environment, action: "lock \(path.path)", cause: String(cString: strerror(errno)))
        }
        let deadline = ContinuousClock.now + timeout
        var announced = false
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                let cause = String(cString: strerror(errno))
                close(fd)
                throw LSQMError(.environment, action: "lock \(path.path)", cause: cause)
            }
            if ContinuousClock.now >= deadline {
                close(fd)
                throw LSQMError(
                    .environment, action: "lock \(path.path)", cause: "another lsqm process held it for longer than \(timeout.components.seconds) s",
                    hint: "wait for the other run to finish, or remove a stale lock only if no lsqm is running")
            }
            if !announced {
                logger.info(stage, "waiting_for_lock", "waiting for another lsqm process using \(path.deletingLastPathComponent().path)")
                announced = true
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        return FileLock(fd: fd, path: path)
    }

    public func release() {
        flock(fd, LOCK_UN)
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
