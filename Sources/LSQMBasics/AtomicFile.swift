import CLSQMSystem
import Foundation

/// Atomic file writes: a killed run never leaves a torn file.
///
/// Data goes to a temporary file in the same directory (same filesystem, so rename is atomic), is fsynced,
/// then renamed over the destination. Readers see the old file or the new one, never half of either.
///
/// `durable: false` skips the per-file fsync: the rename is still atomic against a killed process (the page
/// cache survives it). Bulk writers use it and then make everything durable at once with `flushFileSystem`
/// before writing their commit point (the index) durably — one filesystem flush instead of thousands of fsyncs.
public enum AtomicFile {
    public static func write(_ data: Data, to url: URL, createDirectories: Bool = true, durable: Bool = true) throws {
        let directory = url.deletingLastPathComponent()
        if createDirectories {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw LSQMError(.environment, action: "write \(url.path)", cause: String(cString: strerror(errno)))
        }
        var ok = false
        defer {
            if !ok { unlink(temporary.path) }
        }
        do {
            try data.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let written = Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        throw LSQMError(.environment, action: "write \(url.path)", cause: String(cString: strerror(errno)))
                    }
                    offset += written
                }
            }
            guard !durable || fsync(fd) == 0 else {
                throw LSQMError(.environment, action: "write \(url.path)", cause: "fsync: \(String(cString: strerror(errno)))")
            }
        } catch {
            close(fd)
            throw error
        }
        close(fd)
        guard rename(temporary.path, url.path) == 0 else {
            throw LSQMError(.environment, action: "write \(url.path)", cause: "rename: \(String(cString: strerror(errno)))")
        }
        ok = true
    }

    /// Encodes `value` as sorted-key JSON and writes it atomically.
    public static func writeJSON<T: Encodable>(_ value: T, to url: URL, durable: Bool = true) throws {
        try write(try JSONCoding.encode(value), to: url, durable: durable)
    }

    /// Flushes every pending write of the filesystem holding `url` to disk (syncfs).
    public static func flushFileSystem(containing url: URL) {
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = clsqm_syncfs(fd)
        close(fd)
    }

    public static func write(_ string: String, to url: URL) throws {
        try write(Data(string.utf8), to: url)
    }
}
