import FlyingFox
import FlyingSocks
import Foundation
import LSQMBasics
import Synchronization

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
    /// When set, nothing is answered: the connection is reset (RST), as a crashing server's is. Only the
    /// fault-injecting proxy's listener can do that (see `RawHTTPListener`); `HTTPTestServer` answers 500.
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

/// A real HTTP/1.1 server for tests, on FlyingFox: every fake remote service (GitHub, Terraform Registry,
/// Anthropic, Slack, the Docker Engine API) is one of these with a handler.
///
/// It listens on 127.0.0.1 with an ephemeral port, or on a unix socket path (the Docker Engine API); FlyingFox
/// does the wire (keep-alive, `Connection: close`, Content-Length and chunked request bodies, chunked
/// responses). This adapter keeps the fakes' simple synchronous handlers: each request is handled on a thread
/// of its own (a handler may block, as Docker's `wait` does, or start another server, as the fake Docker
/// Engine's `start` does), and every request is recorded for assertions. Always call `stop()` (a `defer` right
/// after creating the server). Real clients (URLSession, terraform, boto3, curl) talk to it, so a test
/// exercises the real wire format rather than a mock.
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
    private let server: HTTPServer
    private let core: Core

    /// `http://127.0.0.1:<port>` (for a unix socket server, `http://localhost`: the host is not used).
    public var baseURL: URL { URL(string: socketPath == nil ? "http://127.0.0.1:\(port)" : "http://localhost")! }

    /// Starts a server on 127.0.0.1 with a port chosen by the kernel.
    public convenience init(handler: @escaping Handler) throws {
        try self.init(unixSocketPath: nil, handler: handler)
    }

    /// Starts a server on a unix socket at `unixSocketPath` (an existing file there is replaced), or on
    /// 127.0.0.1 with an ephemeral port when the path is nil. Returns once the server listens.
    public init(unixSocketPath: String?, hangUp: HangUp? = nil, handler: @escaping Handler) throws {
        let core = Core(handler: handler, hangUp: hangUp)
        let address: any SocketAddress
        if let unixSocketPath {
            unlink(unixSocketPath)
            address = sockaddr_un.unix(path: unixSocketPath)
        } else {
            address = try sockaddr_in.inet(ip4: "127.0.0.1", port: 0)
        }
        // No handler timeout worth the name: a fake's handler may block as long as its test wants (a hang).
        let server = HTTPServer(
            address: address, timeout: 24 * 3600, logger: .disabled, handler: ClosureHTTPHandler { try await core.respond(to: $0) })
        // The fakes' API is synchronous (handlers, `stop` in a `defer`), so this waits for the server on the
        // calling thread, even a test's async one: the server needs a cooperative thread only for a moment, and
        // its epoll loop runs on a dispatch queue of its own, so the wait cannot starve it.
        let listening = Result {
            try BlockingTask.run { () async throws -> Socket.Address? in
                let running = Task { try await server.run() }
                do {
                    try await server.waitUntilListening(timeout: 30)
                } catch {
                    running.cancel()
                    // The run's own error (a bind that failed) says more than the wait's timeout.
                    if case .failure(let failure) = await running.result { throw failure }
                    throw error
                }
                return await server.listeningAddress
            }
        }
        switch listening {
        case .success(.ip4(_, let port)?): self.port = Int(port)
        case .success: self.port = 0
        case .failure(let error):
            throw LSQMError(
                .environment, action: "start a test HTTP server on \(unixSocketPath ?? "127.0.0.1")", cause: "\(error)",
                hint: "check that the socket path's folder exists and is writable")
        }
        self.server = server
        self.core = core
        self.socketPath = unixSocketPath
    }

    /// Every request received so far, in arrival order.
    public var requests: [HTTPTestRequest] { core.state.withLock { $0.requests } }

    /// Forgets the recorded requests.
    public func clearRequests() { core.state.withLock { $0.requests.removeAll() } }

    /// Stops accepting, closes every open connection and removes the unix socket file. Safe to call twice.
    public func stop() {
        guard let hungUp = core.stop() else { return }
        hungUp.forEach { $0.resume() }
        let server = self.server
        _ = try? BlockingTask.run { await server.stop(timeout: 0) }
        if let socketPath { unlink(socketPath) }
    }

    static func makeRequest(method: String, target: String, headers: [String: String], body: Data) -> HTTPTestRequest {
        let components = URLComponents(string: target)
        let rawPath = target.split(separator: "?", maxSplits: 1).first.map(String.init) ?? target
        return HTTPTestRequest(
            method: method, path: components?.path ?? rawPath.removingPercentEncoding ?? rawPath, target: target,
            queryItems: components?.queryItems ?? [], headers: headers, body: body)
    }

    /// What the FlyingFox handler shares with the server object: the fake's handler and the recorded requests.
    private final class Core: Sendable {
        struct State {
            var requests: [HTTPTestRequest] = []
            var stopped = false
            /// Requests given up on after their head, waiting for `stop()`.
            var hungUp: [CheckedContinuation<Void, Never>] = []
        }

        let handler: Handler
        let hangUp: HangUp?
        let state = Mutex(State())

        init(handler: @escaping Handler, hangUp: HangUp?) {
            self.handler = handler
            self.hangUp = hangUp
        }

        /// Marks the server stopped; nil when it already was.
        func stop() -> [CheckedContinuation<Void, Never>]? {
            state.withLock { state in
                if state.stopped { return nil }
                state.stopped = true
                defer { state.hungUp.removeAll() }
                return state.hungUp
            }
        }

        func respond(to flying: FlyingFox.HTTPRequest) async throws -> FlyingFox.HTTPResponse {
            let method = flying.method.rawValue
            let target = flying.target.rawValue
            if let hangUp, hangUp(method, target) {
                // Not answered and not closed (a close would tell the client, and URLSession notices those):
                // the body stays unread until the server stops.
                await withCheckedContinuation { continuation in
                    let waiting = state.withLock { state in
                        if state.stopped { return false }
                        state.hungUp.append(continuation)
                        return true
                    }
                    if !waiting { continuation.resume() }
                }
                throw CancellationError()
            }
            var headers: [String: String] = [:]
            for name in flying.headers.keys {
                headers[name.rawValue.lowercased()] = flying.headers.values(for: name).joined(separator: ", ")
            }
            let request = HTTPTestServer.makeRequest(method: method, target: target, headers: headers, body: try await flying.bodyData)
            state.withLock { $0.requests.append(request) }
            let handler = self.handler
            let response = await withCheckedContinuation { continuation in
                Thread { continuation.resume(returning: handler(request)) }.start()
            }
            return Core.encode(response, for: request, closing: !Core.keepsAlive(flying, headers: headers))
        }

        /// HTTP/1.1 keeps the connection unless asked to close it; HTTP/1.0 closes it unless asked to keep it.
        static func keepsAlive(_ request: FlyingFox.HTTPRequest, headers: [String: String]) -> Bool {
            let connection = headers["connection"]?.lowercased() ?? ""
            return request.version == .http11 ? !connection.contains("close") : connection.contains("keep-alive")
        }

        static func encode(_ response: HTTPTestResponse, for request: HTTPTestRequest, closing: Bool) -> FlyingFox.HTTPResponse {
            let status = HTTPStatusCode(response.status, phrase: HTTPWire.reason(response.status))
            if response.resetsConnection {
                return FlyingFox.HTTPResponse(statusCode: HTTPStatusCode(500, phrase: HTTPWire.reason(500)))
            }
            var headers = HTTPHeaders()
            for (name, value) in response.headers { headers[HTTPHeader(name)] = value }
            // FlyingFox closes the connection after this answer; the header tells the client so.
            if closing { headers[.connection] = "close" }
            if let chunks = response.chunks, request.method != "HEAD" {
                // Transfer-Encoding: chunked, one chunk per element, each written as soon as it is ready.
                let body = HTTPBodySequence(from: ChunkStream(chunks: chunks, delay: response.chunkDelay))
                return FlyingFox.HTTPResponse(statusCode: status, headers: headers, body: body)
            }
            if request.method == "HEAD" {
                // The length of what a GET would send, and no body.
                if headers[.contentLength] == nil, response.chunks == nil { headers[.contentLength] = String(response.body.count) }
                return FlyingFox.HTTPResponse(statusCode: status, headers: headers, body: Data())
            }
            return FlyingFox.HTTPResponse(statusCode: status, headers: headers, body: response.body)
        }
    }
}

/// A streamed body: each chunk is handed to FlyingFox's chunked encoder as one buffer, after `delay`.
private struct ChunkStream: AsyncBufferedSequence {
    typealias Element = UInt8
    /// Empty chunks are dropped: an empty chunk on the wire ends the body.
    let chunks: [Data]
    let delay: Duration

    init(chunks: [Data], delay: Duration) {
        self.chunks = chunks.filter { !$0.isEmpty }
        self.delay = delay
    }

    func makeAsyncIterator() -> Iterator { Iterator(remaining: chunks[...], delay: delay) }

    struct Iterator: AsyncBufferedIteratorProtocol {
        var remaining: ArraySlice<Data>
        let delay: Duration
        var pending: [UInt8] = []

        mutating func next() async throws -> UInt8? {
            if pending.isEmpty { pending = try await nextBuffer(suggested: .max) ?? [] }
            return pending.isEmpty ? nil : pending.removeFirst()
        }

        mutating func nextBuffer(suggested count: Int) async throws -> [UInt8]? {
            if !pending.isEmpty {
                defer { pending.removeAll() }
                return pending
            }
            guard let chunk = remaining.popFirst() else { return nil }
            if delay > .zero { try await Task.sleep(for: delay) }
            return [UInt8](chunk)
        }
    }
}
