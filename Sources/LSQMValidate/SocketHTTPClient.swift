import Foundation
import LSQMBasics
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A tiny HTTP/1.1 client over a unix socket or a loopback TCP port.
///
/// The Docker Engine API listens on a unix socket, which URLSession cannot reach on Linux; emulator health
/// checks poll a loopback port many times a second. Both need only one request per connection
/// (`Connection: close`), a Content-Length body out and a Content-Length, chunked or close-delimited body
/// back — so this is a few dozen lines over `HTTPWireReader` rather than a dependency. Blocking socket work
/// runs on its own thread; cancelling the calling task shuts the socket down so nothing is left waiting.
public struct SocketHTTPClient: Sendable {
    public enum Endpoint: Sendable, Equatable, CustomStringConvertible {
        case unix(path: String)
        case tcp(host: String, port: Int)

        public var description: String {
            switch self {
            case .unix(let path): "unix://\(path)"
            case .tcp(let host, let port): "http://\(host):\(port)"
            }
        }
    }

    public struct Response: Sendable {
        public var status: Int
        /// Lower-cased names.
        public var headers: [String: String]
        public var body: Data
        public var text: String { String(decoding: body, as: UTF8.self) }
        public func json() throws -> JSONValue { try JSONCoding.decode(JSONValue.self, from: body) }
    }

    public let endpoint: Endpoint
    /// Bounds connecting and every read: a peer that stops answering is an error, not a hang.
    public var timeout: Duration

    public init(endpoint: Endpoint, timeout: Duration = .seconds(30)) {
        self.endpoint = endpoint
        self.timeout = timeout
    }

    /// Sends one request and returns the whole response.
    public func send(_ method: String, _ target: String, headers: [String: String] = [:], body: Data? = nil) async throws -> Response {
        let connection = Connection()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Response, any Error>) in
                let thread = Thread {
                    continuation.resume(
                        with: Result {
                            try sendBlocking(method, target, headers: headers, body: body, connection: connection)
                        })
                }
                thread.name = "SocketHTTPClient"
                thread.start()
            }
        } onCancel: {
            connection.cancel()
        }
    }

    /// A JSON request body, sorted keys.
    public func send(_ method: String, _ target: String, json: JSONValue) async throws -> Response {
        try await send(method, target, headers: ["Content-Type": "application/json"], body: try JSONCoding.encode(json, pretty: false))
    }

    private func sendBlocking(_ method: String, _ target: String, headers: [String: String], body: Data?, connection: Connection) throws -> Response {
        let action = "\(method) \(target) on \(endpoint)"
        let fd = try connect(action: action)
        guard connection.attach(fd) else {
            close(fd)
            throw LSQMError(.cancelled, action: action, cause: "cancelled")
        }
        defer { connection.detach() }
        var head: [(String, String)] = [("Host", hostHeader), ("User-Agent", "lsqm"), ("Connection", "close")]
        head += headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        if let body { head.append(("Content-Length", String(body.count))) }
        do {
            try HTTPWire.send(fd: fd, HTTPWire.head("\(method) \(target) HTTP/1.1", headers: head) + (body ?? Data()))
            let reader = HTTPWireReader(fd: fd)
            // Skip interim 1xx answers.
            while true {
                guard let (statusLine, responseHeaders) = try reader.readHead() else {
                    throw LSQMError(.remote, action: action, cause: "the server closed the connection without answering")
                }
                let parts = statusLine.split(separator: " ", maxSplits: 2)
                guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), let status = Int(parts[1]) else {
                    throw LSQMError(.remote, action: action, cause: "malformed status line '\(statusLine)'")
                }
                if (100..<200).contains(status) { continue }
                let noBody = method == "HEAD" || status == 204 || status == 304
                let responseBody = noBody ? Data() : try reader.readBody(headers: responseHeaders, untilCloseWhenUnframed: true)
                return Response(status: status, headers: responseHeaders, body: responseBody)
            }
        } catch let error as LSQMError {
            if connection.isCancelled { throw LSQMError(.cancelled, action: action, cause: "cancelled") }
            throw LSQMError(error.kind, action: action, cause: error.cause, hint: error.hint)
        }
    }

    private var hostHeader: String {
        switch endpoint {
        case .unix: "localhost"
        case .tcp(let host, let port): "\(host):\(port)"
        }
    }

    private func connect(action: String) throws -> Int32 {
        func failure(_ cause: String) -> LSQMError { LSQMError(.environment, action: action, cause: cause) }
        let fd: Int32
        let rc: Int32
        switch endpoint {
        case .unix(let path):
            fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { throw failure(String(cString: strerror(errno))) }
            guard var address = UnixSocketAddress.make(path) else { close(fd); throw failure("the socket path is too long") }
            setTimeouts(fd)
            rc = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
        case .tcp(let host, let port):
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { throw failure(String(cString: strerror(errno))) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = UInt16(clamping: port).bigEndian
            // Only numeric addresses: emulators are reached on loopback, and a resolver call could block.
            guard inet_pton(AF_INET, host == "localhost" ? "127.0.0.1" : host, &address.sin_addr) == 1 else {
                close(fd)
                throw failure("'\(host)' is not an IPv4 address")
            }
            setTimeouts(fd)
            rc = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        guard rc == 0 else {
            let cause = String(cString: strerror(errno))
            close(fd)
            throw failure(cause)
        }
        return fd
    }

    private func setTimeouts(_ fd: Int32) {
        let (seconds, attoseconds) = timeout.components
        var value = timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
    }
}

/// The socket of one in-flight request, so a cancelling task can shut it down from another thread.
private final class Connection: Sendable {
    private struct State { var fd: Int32?; var cancelled = false }
    private let state = Mutex(State())

    /// False when the request was cancelled before it connected.
    func attach(_ fd: Int32) -> Bool {
        state.withLock { state in
            if state.cancelled { return false }
            state.fd = fd
            return true
        }
    }

    func detach() {
        state.withLock { state in
            if let fd = state.fd { close(fd) }
            state.fd = nil
        }
    }

    func cancel() {
        state.withLock { state in
            state.cancelled = true
            // shutdown (not close) wakes the blocked reader; the reader's thread closes the descriptor.
            if let fd = state.fd { shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }

    var isCancelled: Bool { state.withLock { $0.cancelled } }
}
