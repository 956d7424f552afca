import Foundation
import LSQMBasics
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A request as a fake service received it.
public struct HTTPTestRequest: Sendable, Equatable {
    public var method: String
    /// The path without the query string, percent-decoded ("/repos/o/n/issues").
    public var path: String
    /// The raw request target as sent ("/repos/o/n/issues?state=open").
    public var target: String
    public var queryItems: [URLQueryItem]
    /// Header names are lower-cased; repeated headers are joined with ", ".
    public var headers: [String: String]
    public var body: Data

    public init(method: String, path: String, target: String, queryItems: [URLQueryItem] = [], headers: [String: String] = [:], body: Data = Data()) {
        self.method = method; self.path = path; self.target = target; self.queryItems = queryItems
        self.headers = headers; self.body = body
    }

    /// The first value of a query parameter.
    public func query(_ name: String) -> String? { queryItems.first { $0.name == name }?.value }

    /// The body as UTF-8 text.
    public var text: String { String(decoding: body, as: UTF8.self) }

    /// The body decoded as JSON (nil when it is not JSON).
    public var json: JSONValue? { try? JSONCoding.decode(JSONValue.self, from: body) }
}

/// What a fake service answers.
public struct HTTPTestResponse: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: Data
    /// When set, the body is sent with `Transfer-Encoding: chunked`, one chunk per element, each written as
    /// soon as it is ready (after `chunkDelay`): streamed Docker logs, server-sent events.
    public var chunks: [Data]?
    public var chunkDelay: Duration
    /// When set, nothing is answered: the connection is reset (RST), as a crashing server's is.
    public var resetsConnection = false

    public init(status: Int = 200, headers: [String: String] = [:], body: Data = Data(), chunks: [Data]? = nil, chunkDelay: Duration = .zero) {
        self.status = status; self.headers = headers; self.body = body; self.chunks = chunks; self.chunkDelay = chunkDelay
    }

    /// No answer: the connection is reset.
    public static var reset: HTTPTestResponse {
        var response = HTTPTestResponse(status: 0)
        response.resetsConnection = true
        return response
    }

    /// A JSON body with `Content-Type: application/json`.
    public static func json(_ value: JSONValue, status: Int = 200, headers: [String: String] = [:]) -> HTTPTestResponse {
        let body = (try? JSONCoding.encode(value, pretty: false)) ?? Data("null".utf8)
        return HTTPTestResponse(status: status, headers: headers.merging(["Content-Type": "application/json"]) { mine, _ in mine }, body: body)
    }

    /// A plain-text body.
    public static func text(_ text: String, status: Int = 200, headers: [String: String] = [:]) -> HTTPTestResponse {
        HTTPTestResponse(
            status: status, headers: headers.merging(["Content-Type": "text/plain; charset=utf-8"]) { mine, _ in mine }, body: Data(text.utf8))
    }

    /// No body.
    public static func empty(_ status: Int = 204) -> HTTPTestResponse { HTTPTestResponse(status: status) }
}

/// A small, real HTTP/1.1 server for tests: every fake remote service (GitHub, Terraform Registry, Anthropic,
/// Slack, the Docker Engine API) is one of these with a handler.
///
/// It listens on 127.0.0.1 with an ephemeral port, or on a unix socket path (the Docker Engine API), serves
/// each connection on its own thread (so a handler may block, as Docker's `wait` does), honours keep-alive and
/// `Connection: close`, reads Content-Length and chunked request bodies, answers `Expect: 100-continue`, and
/// records every request for assertions. Its threads keep it alive until `stop()`: always call it (a
/// `defer` right after creating the server). Real clients (URLSession, terraform, boto3, curl) talk to it, so a
/// test exercises the real wire format rather than a mock.
///
/// ```swift
/// let server = try HTTPTestServer { request in
///     request.path == "/health" ? .json(["ok": true]) : .empty(404)
/// }
/// defer { server.stop() }
/// // … point the code under test at server.baseURL …
/// XCTAssertEqual(server.requests.map(\.path), ["/health"])
/// ```
public final class HTTPTestServer: Sendable {
    public typealias Handler = @Sendable (HTTPTestRequest) -> HTTPTestResponse
    /// Decides, from a request's method and target alone, to give up on it after its head: the server never
    /// reads the body, never answers and never closes (a backend gone behind a proxy that keeps the client's
    /// connection open). A client's upload then stalls once the socket buffers are full.
    public typealias HangUp = @Sendable (_ method: String, _ target: String) -> Bool

    /// The TCP port (0 for a unix socket server).
    public let port: Int
    /// The unix socket path, when listening on one.
    public let socketPath: String?
    private let listenFD: Int32
    private let handler: Handler
    private let hangUp: HangUp?
    private let state = Mutex(State())

    private struct State {
        var requests: [HTTPTestRequest] = []
        var openConnections: Set<Int32> = []
        var stopped = false
    }

    /// `http://127.0.0.1:<port>` (for a unix socket server, `http://localhost`: the host is not used).
    public var baseURL: URL { URL(string: socketPath == nil ? "http://127.0.0.1:\(port)" : "http://localhost")! }

    /// Starts a server on 127.0.0.1 with a port chosen by the kernel.
    public convenience init(handler: @escaping Handler) throws {
        try self.init(unixSocketPath: nil, handler: handler)
    }

    /// Starts a server on a unix socket at `unixSocketPath` (an existing file there is replaced), or on
    /// 127.0.0.1 with an ephemeral port when the path is nil.
    public init(unixSocketPath: String?, hangUp: HangUp? = nil, handler: @escaping Handler) throws {
        self.handler = handler
        self.hangUp = hangUp
        self.socketPath = unixSocketPath
        let fd: Int32
        if let unixSocketPath {
            fd = try HTTPTestServer.listenUnix(path: unixSocketPath)
            port = 0
        } else {
            (fd, port) = try HTTPTestServer.listenLoopback()
        }
        listenFD = fd
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "HTTPTestServer.accept"
        thread.start()
    }

    /// Every request received so far, in arrival order.
    public var requests: [HTTPTestRequest] { state.withLock { $0.requests } }

    /// Forgets the recorded requests.
    public func clearRequests() { state.withLock { $0.requests.removeAll() } }

    /// Stops accepting, closes every open connection and removes the unix socket file. Safe to call twice.
    public func stop() {
        let connections: Set<Int32>? = state.withLock { state in
            if state.stopped { return nil }
            state.stopped = true
            return state.openConnections
        }
        guard let connections else { return }
        // shutdown wakes threads blocked in accept/read; each thread closes its own descriptor.
        shutdown(listenFD, Int32(SHUT_RDWR))
        for fd in connections { shutdown(fd, Int32(SHUT_RDWR)) }
        close(listenFD)
        if let socketPath { unlink(socketPath) }
    }

    // MARK: Listening

    private static func listenLoopback() throws -> (Int32, Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw failure("create a socket") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 128) == 0 else { close(fd); throw failure("listen on 127.0.0.1") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    private static func listenUnix(path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw failure("create a unix socket") }
        unlink(path)
        guard var address = UnixSocketAddress.make(path) else {
            close(fd)
            throw LSQMError(.usage, action: "listen on \(path)", cause: "the socket path is longer than the system allows")
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, listen(fd, 128) == 0 else { close(fd); throw failure("listen on \(path)") }
        return fd
    }

    private static func failure(_ action: String) -> LSQMError {
        LSQMError(.environment, action: action, cause: String(cString: strerror(errno)))
    }

    private func acceptLoop() {
        while true {
            let connection = accept(listenFD, nil, nil)
            if connection < 0 {
                if errno == EINTR { continue }
                return
            }
            // accept4 sits behind _GNU_SOURCE; close-on-exec right after accept keeps spawned children from
            // holding connections open in all but a vanishing window.
            _ = fcntl(connection, F_SETFD, FD_CLOEXEC)
            let accepted = state.withLock { state -> Bool in
                if state.stopped { return false }
                state.openConnections.insert(connection)
                return true
            }
            guard accepted else { close(connection); return }
            let thread = Thread { [self] in
                serve(connection)
                state.withLock { _ = $0.openConnections.remove(connection) }
                close(connection)
            }
            thread.name = "HTTPTestServer.connection"
            thread.start()
        }
    }

    // MARK: Serving

    private func serve(_ fd: Int32) {
        let reader = HTTPWireReader(fd: fd)
        do {
            while let (startLine, headers) = try reader.readHead() {
                let parts = startLine.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
                guard parts.count == 3, parts[2].hasPrefix("HTTP/") else {
                    try write(HTTPTestResponse.text("malformed request line\n", status: 400), to: fd, close: true, headOnly: false)
                    return
                }
                if let hangUp, hangUp(parts[0], parts[1]) {
                    // Not closed: a close would tell the client (RST or FIN), and URLSession notices those.
                    while !state.withLock({ $0.stopped }) { Thread.sleep(forTimeInterval: 0.05) }
                    return
                }
                if headers["expect"]?.lowercased() == "100-continue" {
                    try HTTPWire.send(fd: fd, HTTPWire.head("HTTP/1.1 100 Continue", headers: []))
                }
                let body = try reader.readBody(headers: headers, untilCloseWhenUnframed: false)
                let request = HTTPTestServer.makeRequest(method: parts[0], target: parts[1], headers: headers, body: body)
                state.withLock { $0.requests.append(request) }
                let response = handler(request)
                if response.resetsConnection {
                    // Linger 0: close sends RST instead of FIN, so the client sees "connection reset by peer".
                    var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
                    setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
                    return
                }
                let connectionHeader = headers["connection"]?.lowercased() ?? ""
                let closeAfter = connectionHeader.contains("close") || (parts[2] == "HTTP/1.0" && !connectionHeader.contains("keep-alive"))
                try write(response, to: fd, close: closeAfter, headOnly: parts[0] == "HEAD")
                if closeAfter { return }
            }
        } catch {
            // The peer went away or sent garbage: this connection ends, the server keeps serving others.
        }
    }

    static func makeRequest(method: String, target: String, headers: [String: String], body: Data) -> HTTPTestRequest {
        let components = URLComponents(string: target)
        let rawPath = target.split(separator: "?", maxSplits: 1).first.map(String.init) ?? target
        return HTTPTestRequest(
            method: method, path: components?.path ?? rawPath.removingPercentEncoding ?? rawPath, target: target,
            queryItems: components?.queryItems ?? [], headers: headers, body: body)
    }

    private func write(_ response: HTTPTestResponse, to fd: Int32, close: Bool, headOnly: Bool) throws {
        var headers: [(String, String)] = response.headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        let names = Set(response.headers.keys.map { $0.lowercased() })
        if response.chunks != nil {
            headers.append(("Transfer-Encoding", "chunked"))
        } else if !names.contains("content-length") {
            headers.append(("Content-Length", String(response.body.count)))
        }
        if close { headers.append(("Connection", "close")) }
        try HTTPWire.send(fd: fd, HTTPWire.head("HTTP/1.1 \(response.status) \(HTTPWire.reason(response.status))", headers: headers))
        if headOnly { return }
        guard let chunks = response.chunks else {
            try HTTPWire.send(fd: fd, response.body)
            return
        }
        for chunk in chunks where !chunk.isEmpty {
            if response.chunkDelay > .zero { Thread.sleep(forTimeInterval: response.chunkDelay.seconds) }
            try HTTPWire.send(fd: fd, HTTPWire.chunk(chunk))
        }
        try HTTPWire.send(fd: fd, HTTPWire.chunk(Data()))
    }
}

extension Duration {
    /// The duration in seconds, for APIs that take a TimeInterval.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
