import Foundation
import LSQMBasics
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The fault-injecting proxy's listener: a loopback HTTP/1.1 server on plain sockets, one thread per connection.
///
/// Every other fake stands on `HTTPTestServer` (FlyingFox). The proxy cannot: its `reset` and `unreachable` faults
/// close the client's connection with an RST and no byte of answer (SO_LINGER 0 on the accepted socket), as a
/// crashing emulator does. A handler-level HTTP server API never hands out the connection's socket, and FlyingFox
/// answers a handler's error with a 500, which boto3 would retry as an HTTP error rather than a connection error.
/// So this stays hand-written, small: it reads requests with LSQMBasics' `HTTPWireReader` (the code lsqm's own
/// client uses), answers `Expect: 100-continue`, honours keep-alive, answers 400 to a malformed request line,
/// and writes whole (unchunked) answers, which is all a forwarding proxy sends.
final class RawHTTPListener: Sendable {
    typealias Handler = @Sendable (HTTPTestRequest) -> HTTPTestResponse

    let port: Int
    private let listenFD: Int32
    private let handler: Handler
    private let state = Mutex(State())

    private struct State {
        var openConnections: Set<Int32> = []
        var stopped = false
    }

    var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }

    /// Starts listening on 127.0.0.1 with a port chosen by the kernel.
    init(handler: @escaping Handler) throws {
        self.handler = handler
        (listenFD, port) = try RawHTTPListener.listenLoopback()
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "RawHTTPListener.accept"
        thread.start()
    }

    /// Stops accepting and closes every open connection. Safe to call twice.
    func stop() {
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
    }

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
            thread.name = "RawHTTPListener.connection"
            thread.start()
        }
    }

    private func serve(_ fd: Int32) {
        let reader = HTTPWireReader(fd: fd)
        do {
            while let (startLine, headers) = try reader.readHead() {
                let parts = startLine.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
                guard parts.count == 3, parts[2].hasPrefix("HTTP/") else {
                    try write(HTTPTestResponse.text("malformed request line\n", status: 400), to: fd, close: true, headOnly: false)
                    return
                }
                if headers["expect"]?.lowercased() == "100-continue" {
                    try HTTPWire.send(fd: fd, HTTPWire.head("HTTP/1.1 100 Continue", headers: []))
                }
                let body = try reader.readBody(headers: headers, untilCloseWhenUnframed: false)
                let response = handler(HTTPTestServer.makeRequest(method: parts[0], target: parts[1], headers: headers, body: body))
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
            // The peer went away or sent garbage: this connection ends, the listener keeps serving others.
        }
    }

    private func write(_ response: HTTPTestResponse, to fd: Int32, close: Bool, headOnly: Bool) throws {
        var headers: [(String, String)] = response.headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        if !response.headers.keys.contains(where: { $0.lowercased() == "content-length" }) {
            headers.append(("Content-Length", String(response.body.count)))
        }
        if close { headers.append(("Connection", "close")) }
        try HTTPWire.send(fd: fd, HTTPWire.head("HTTP/1.1 \(response.status) \(HTTPWire.reason(response.status))", headers: headers))
        if !headOnly { try HTTPWire.send(fd: fd, response.body) }
    }
}
