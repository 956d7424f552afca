import Foundation
import LSQMBasics
import LSQMPluginKit

/// The pipe protocol between the host and a plugin worker process.
///
/// A frame is a 4-byte big-endian length, then a fixed 16-byte header — type, flags, function, a reserved
/// byte, a 4-byte id, a 4-byte status, the 4-byte length of the error text — then the error text and the
/// payload bytes. A plugin's request and answer travel as the payload, byte for byte: never escaped inside
/// another JSON document.
///
/// The host sends operations (`describe`, `create`, `call`, `destroy`, `cancel`, `hostReply`); the worker
/// answers each operation with exactly one `result` (or `described`/`refused`), and may send `log` and
/// `hostCall` frames while a call runs (the plugin logging or asking the host for HTTP). The host answers
/// each `hostCall` with a `hostReply` carrying the same id.
enum WorkerFrameType: UInt8, Sendable {
    // Host → worker.
    case describe = 1, create, call, destroy, cancel, hostReply
    // Worker → host.
    case described = 16, refused, result, log, hostCall
}

struct WorkerFrame: Sendable {
    var type: WorkerFrameType
    /// Pairs a `hostCall` with its `hostReply`.
    var id: UInt32 = 0
    /// The function of a `call`.
    var function: PluginFunction?
    /// A `result`'s or `hostReply`'s ABI status; a `log` frame's level.
    var status: Int32 = 0
    /// A `refused` library is not an lsqm plugin at all (not ELF, no entry symbol).
    var notAPlugin = false
    /// The ABI error object of a failed `result` or `hostReply`, or a `refused` library's reason.
    var error: String?
    /// The request or answer itself (a `call`'s request JSON, a `result`'s response JSON, a log line, the
    /// `described` PluginInfo, the `create` operation); nil and empty are different (a NULL response).
    var payload: Data?

    init(
        _ type: WorkerFrameType, id: UInt32 = 0, function: PluginFunction? = nil, status: Int32 = 0, notAPlugin: Bool = false,
        error: String? = nil, payload: Data? = nil
    ) {
        self.type = type; self.id = id; self.function = function; self.status = status; self.notAPlugin = notAPlugin
        self.error = error; self.payload = payload
    }

    init(_ type: WorkerFrameType, id: UInt32 = 0, function: PluginFunction? = nil, status: Int32 = 0, error: String? = nil, text: String?) {
        self.init(type, id: id, function: function, status: status, error: error, payload: text.map { Data($0.utf8) })
    }

    /// The payload as UTF-8 text (requests, answers and log lines are text).
    var text: String? { payload.map { String(decoding: $0, as: UTF8.self) } }

    static let headerSize = 16

    private enum Flag {
        static let hasError: UInt8 = 1
        static let hasPayload: UInt8 = 2
        static let notAPlugin: UInt8 = 4
    }

    /// The function numbers on the wire (0: none); a new function is appended, never renumbered.
    private static let functions: [PluginFunction] = [.discover, .normalize, .notify]

    /// The frame without its length prefix.
    func encoded() -> Data {
        let errorBytes = error.map { Data($0.utf8) } ?? Data()
        var flags: UInt8 = 0
        if error != nil { flags |= Flag.hasError }
        if payload != nil { flags |= Flag.hasPayload }
        if notAPlugin { flags |= Flag.notAPlugin }
        let functionCode = function.flatMap { Self.functions.firstIndex(of: $0) }.map { UInt8($0 + 1) } ?? 0
        var data = Data(capacity: Self.headerSize + errorBytes.count + (payload?.count ?? 0))
        data.append(contentsOf: [type.rawValue, flags, functionCode, 0])
        data.appendBigEndian(id)
        data.appendBigEndian(UInt32(bitPattern: status))
        data.appendBigEndian(UInt32(errorBytes.count))
        data.append(errorBytes)
        if let payload { data.append(payload) }
        return data
    }

    /// Reads a frame body; nil when it is malformed (unknown type or function, lengths that do not add up).
    init?(decoding body: Data) {
        let bytes = [UInt8](body.prefix(Self.headerSize))
        guard bytes.count == Self.headerSize, let type = WorkerFrameType(rawValue: bytes[0]) else { return nil }
        func word(_ at: Int) -> UInt32 { UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3]) }
        let flags = bytes[1]
        let functionCode = Int(bytes[2])
        guard functionCode <= Self.functions.count else { return nil }
        let errorLength = Int(word(12))
        guard errorLength <= body.count - Self.headerSize else { return nil }
        let errorStart = body.startIndex + Self.headerSize
        let payloadStart = errorStart + errorLength
        self.init(
            type, id: word(4), function: functionCode == 0 ? nil : Self.functions[functionCode - 1], status: Int32(bitPattern: word(8)),
            notAPlugin: flags & Flag.notAPlugin != 0,
            error: flags & Flag.hasError != 0 ? String(decoding: body[errorStart..<payloadStart], as: UTF8.self) : nil,
            payload: flags & Flag.hasPayload != 0 ? Data(body[payloadStart...]) : nil)
    }
}

/// What `create` carries to the worker: the plugin's config (as the object it is) and what the relayed host
/// API answers from inside the worker without asking the host (config values, the cache folder).
struct WorkerCreate: Codable, Sendable {
    var pluginConfig: JSONValue
    var cacheDirectory: String
    var config: [String: String]

    enum CodingKeys: String, CodingKey {
        case pluginConfig = "plugin_config", cacheDirectory = "cache_dir", config
    }
}

extension Data {
    fileprivate mutating func appendBigEndian(_ value: UInt32) {
        append(contentsOf: [UInt8(value >> 24), UInt8((value >> 16) & 0xff), UInt8((value >> 8) & 0xff), UInt8(value & 0xff)])
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

    func send(_ message: WorkerFrame) -> Bool {
        let body = message.encoded()
        var frame = Data(capacity: body.count + 4)
        frame.appendBigEndian(UInt32(body.count))
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
    func receive() -> WorkerFrame? {
        guard let header = readExactly(4) else { return nil }
        let length = Int(header[0]) << 24 | Int(header[1]) << 16 | Int(header[2]) << 8 | Int(header[3])
        guard length <= maxFrame else {
            oversizedFrame = length
            return nil
        }
        guard let body = readExactly(length) else { return nil }
        return WorkerFrame(decoding: body)
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
