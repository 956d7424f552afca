import Foundation
import LSQMBasics
import LSQMCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Which API an emulator speaks for its health check.
public enum EmulatorFlavor: String, Sendable, Codable {
    /// `/_localstack/health` lists services as "available" / "running".
    case localstack
    /// `GET /moto-api/` answers 200 when moto is up.
    case moto
    /// Not known in advance (an external URL): whichever of the two answers.
    case detect
}

/// What one validation asks of a runtime.
public struct EmulatorRequest: Sendable {
    public var runID: String
    public var arch: String
    /// AWS services the architecture uses (LocalStack starts only these when it can).
    public var services: [String]
    /// Where the emulator may keep its log and scratch files; removed with the validation's temp dir.
    public var workDirectory: URL

    public init(runID: String, arch: String, services: [String], workDirectory: URL) {
        self.runID = runID; self.arch = arch; self.services = services; self.workDirectory = workDirectory
    }
}

/// Provides a fresh emulator per validation (design.md "Validation"): LocalStack in Docker, an emulator as a
/// host process, or an external endpoint.
public protocol EmulatorRuntime: Sendable {
    /// What the run record says it validated against. Known after `prepare` (image digest, version).
    var info: EmulatorInfo { get async }
    /// Once per run, before any validation: pull an image, check that a command exists.
    func prepare(logger: Logger) async throws
    /// Starts an emulator for one validation. The caller always calls `stop` on what this returns.
    func start(_ request: EmulatorRequest) async throws -> any RunningEmulator
}

/// One started emulator.
public protocol RunningEmulator: Sendable {
    /// Where AWS clients send requests (`http://127.0.0.1:<port>`).
    var endpoint: URL { get }
    var flavor: EmulatorFlavor { get }
    /// Non-nil once the emulator has exited on its own: the health wait stops early and says why.
    func exitDescription() async -> String?
    /// The last `limit` bytes of the emulator's log.
    func logTail(limit: Int) async -> String
    /// Stops and removes it. Called exactly once, also after failures and cancellation.
    func stop() async
}

extension RunningEmulator {
    public func exitDescription() async -> String? { nil }
}

/// Hands out loopback ports that are free now and not handed to another validation of this process.
///
/// The kernel picks an unused port (bind to port 0); remembering what was handed out keeps two parallel
/// validations from being given the same port before either emulator has bound it.
public enum FreePort {
    private static let handedOut = Mutex(Set<Int>())

    public static func next() throws -> Int {
        for _ in 0..<50 {
            let port = try kernelChosenPort()
            let fresh = handedOut.withLock { $0.insert(port).inserted }
            if fresh { return port }
        }
        throw LSQMError(.environment, action: "find a free port", cause: "the kernel kept offering ports already in use")
    }

    private static func kernelChosenPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw LSQMError(.environment, action: "find a free port", cause: String(cString: strerror(errno))) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let rc = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 ? getsockname(fd, pointer, &length) : -1
            }
        }
        guard rc == 0 else { throw LSQMError(.environment, action: "find a free port", cause: String(cString: strerror(errno))) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// Reads the tail of a log file without loading all of it.
enum LogFile {
    static func tail(_ url: URL, limit: Int) -> String {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return "" }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        let start = size > UInt64(limit) ? size - UInt64(limit) : 0
        try? handle.seek(toOffset: start)
        let data = (try? handle.readToEnd()) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
