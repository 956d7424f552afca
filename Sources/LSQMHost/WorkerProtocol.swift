import Foundation
import LSQMBasics
import LSQMPluginKit

/// The pipe protocol between the host and a plugin worker process.
///
/// Frames are a 4-byte big-endian length followed by one JSON `WorkerMessage`. The host sends operations
/// (`describe`, `create`, `call`, `destroy`, `cancel`, `host_reply`); the worker answers each operation with
/// exactly one `result` (or `described`/`refused`), and may send `log` and `host_call` frames while a call runs
/// (the plugin logging or asking the host for HTTP). The host answers each `host_call` with a `host_reply`
/// carrying the same id.
struct WorkerMessage: Codable, Sendable {
    var type: String
    var id: Int?
    var function: String?
    var payload: String?
    var error: String?
    var status: Int32?
    var level: Int32?
    var info: PluginInfo?
    var cacheDir: String?
    var config: [String: String]?

    init(
        type: String, id: Int? = nil, function: String? = nil, payload: String? = nil, error: String? = nil, status: Int32? = nil,
        level: Int32? = nil, info: PluginInfo? = nil, cacheDir: String? = nil, config: [String: String]? = nil
    ) {
        self.type = type; self.id = id; self.function = function; self.payload = payload; self.error = error
        self.status = status; self.level = level; self.info = info; self.cacheDir = cacheDir; self.config = config
    }

    enum CodingKeys: String, CodingKey {
        case type, id, function, payload, error, status, level, info, config
        case cacheDir = "cache_dir"
    }
}

/// Length-prefixed frames over file descriptors. Writes are serialized by a lock (plugins may log from
/// several threads); reads happen on one thread.
// @unchecked Sendable: writes are serialized by `writeLock`; reads, and `oversizedFrame`, belong to the one reader thread.
final class FrameChannel: @unchecked Sendable {
    private let readFD: Int32
    private let writeFD: Int32
    private let writeLock = NSLock()
    /// Frames over this size are refused (a corrupted or hostile stream must not allocate gigabytes).
    let maxFrame: Int
    /// The length of a frame refused for its size, once one was: the reader stops there, and the host kills
    /// the worker at once rather than wait for a call timeout while the worker blocks writing the rest.
    private(set) var oversizedFrame: Int?

    init(readFD: Int32, writeFD: Int32, maxFrame: Int = PluginLimits.maxFrameBytes) {
        self.readFD = readFD
        self.writeFD = writeFD
        self.maxFrame = maxFrame
    }

    func send(_ message: WorkerMessage) -> Bool {
        guard let body = try? JSONCoding.encode(message, pretty: false) else { return false }
        var frame = Data(capacity: body.count + 4)
        let length = UInt32(body.count)
        frame.append(contentsOf: [UInt8(length >> 24), UInt8((length >> 16) & 0xff), UInt8((length >> 8) & 0xff), UInt8(length & 0xff)])
        frame.append(body)
        writeLock.lock()
        defer { writeLock.unlock() }
        return frame.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(writeFD, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 { if errno == EINTR { continue }; return false }
                offset += n
            }
            return true
        }
    }

    /// The next message, or nil at end of stream (the peer exited) or on a malformed frame.
    func receive() -> WorkerMessage? {
        guard let header = readExactly(4) else { return nil }
        let length = Int(header[0]) << 24 | Int(header[1]) << 16 | Int(header[2]) << 8 | Int(header[3])
        guard length <= maxFrame else {
            oversizedFrame = length
            return nil
        }
        guard let body = readExactly(length) else { return nil }
        return try? JSONCoding.decode(WorkerMessage.self, from: body)
    }

    private func readExactly(_ count: Int) -> Data? {
        var data = Data(count: count)
        var offset = 0
        while offset < count {
            let n = data.withUnsafeMutableBytes { raw in read(readFD, raw.baseAddress! + offset, count - offset) }
            if n < 0, errno == EINTR { continue }
            if n <= 0 { return nil }
            offset += n
        }
        return data
    }

    func closeWrite() { close(writeFD) }
}
