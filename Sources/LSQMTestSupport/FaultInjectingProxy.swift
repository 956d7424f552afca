import Foundation
import LSQMBasics
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// An HTTP proxy in front of a real emulator that makes it misbehave the way emulators do, for the regression
/// scenario tests (issue 14): now and then a 500, a 503, a reset connection, a hang past the per-test timeout
/// or a transient not-found; an operation that fails on every call from a chosen week (a true regression); a
/// week in which the emulator cannot be reached at all.
///
/// Random faults hit only the test phase (requests whose User-Agent is boto3's): the deploy is terraform's,
/// and a flaky deploy would test the provider's retries, not lsqm's rules. Each fault is drawn from the seed,
/// the week, the emulator session (a new one starts at every state reset, i.e. every confirming re-run), the
/// operation and how many times the session has called it — so a seed replays the same faults, whatever
/// order concurrent connections arrive in.
///
/// Operations are named as AWS names them: from `X-Amz-Target` (JSON protocols: `DynamoDB_20120810.PutItem`
/// → `PutItem`) or the `Action` form field (query protocols: SNS, IAM).
public final class FaultInjectingProxy: Sendable {
    /// Probabilities per test-phase request; their sum must be at most 1.
    public struct Faults: Sendable, Equatable {
        public var internalError = 0.0
        public var unavailable = 0.0
        public var reset = 0.0
        public var hang = 0.0
        public var transientNotFound = 0.0
        /// How long a hung request waits before it is answered (longer than the per-test timeout to matter).
        public var hangDuration: Duration = .seconds(75)

        public init(
            internalError: Double = 0, unavailable: Double = 0, reset: Double = 0, hang: Double = 0,
            transientNotFound: Double = 0, hangDuration: Duration = .seconds(75)
        ) {
            self.internalError = internalError; self.unavailable = unavailable; self.reset = reset; self.hang = hang
            self.transientNotFound = transientNotFound; self.hangDuration = hangDuration
        }

        public static let none = Faults()
    }

    /// What the proxy did to one request.
    public enum Injected: String, Sendable, Equatable {
        case internalError, unavailable, reset, hang, transientNotFound, broken, unreachable
    }

    public struct Injection: Sendable, Equatable {
        public var week: Int
        public var session: Int
        public var operation: String
        public var fault: Injected
    }

    private struct State {
        var week = 1
        var session = 0
        var calls: [String: Int] = [:]
        var faults = Faults.none
        var injections: [Injection] = []
    }

    public let seed: UInt64
    /// Operation → the first week in which every call to it fails with a 500 (`InternalError`).
    public let brokenOperations: [String: Int]
    /// Weeks in which every connection is reset at once: the emulator is unreachable.
    public let unreachableWeeks: Set<Int>
    private let upstream: URL
    private let state = Mutex(State())
    private let server = Mutex<RawHTTPListener?>(nil)

    /// Starts the proxy on a loopback port in front of `upstream` (`http://127.0.0.1:PORT`).
    public init(upstream: URL, seed: UInt64, brokenOperations: [String: Int] = [:], unreachableWeeks: Set<Int> = []) throws {
        self.upstream = upstream; self.seed = seed; self.brokenOperations = brokenOperations; self.unreachableWeeks = unreachableWeeks
        let started = try RawHTTPListener { [unowned self] request in self.handle(request) }
        server.withLock { $0 = started }
    }

    public var url: URL { server.withLock { $0!.baseURL } }

    public func stop() { server.withLock { $0?.stop() } }

    /// Starts week `week` with these random faults; the call counts start again.
    public func startWeek(_ week: Int, faults: Faults) {
        state.withLock { state in
            state.week = week; state.faults = faults; state.session += 1; state.calls = [:]
        }
    }

    /// Everything injected so far, in order.
    public var injections: [Injection] { state.withLock { $0.injections } }

    // MARK: Handling

    private func handle(_ request: HTTPTestRequest) -> HTTPTestResponse {
        let operation = Self.operation(of: request)
        let testPhase = (request.headers["user-agent"] ?? "").lowercased().contains("boto")
        let fault: Injected? = state.withLock { state in
            if Self.isReset(request) {
                // A confirming re-run starts: new draws, so a re-run does not replay the failed run's faults.
                state.session += 1
                state.calls = [:]
            }
            let chosen = decide(state: &state, operation: operation, testPhase: testPhase)
            if let chosen {
                state.injections.append(Injection(week: state.week, session: state.session, operation: operation ?? request.path, fault: chosen))
            }
            return chosen
        }
        switch fault {
        case nil: return forward(request)
        case .unreachable?, .reset?: return .reset
        case .hang?:
            let duration = state.withLock { $0.faults.hangDuration }
            Thread.sleep(forTimeInterval: Double(duration.components.seconds))
            return forward(request)
        case .internalError?, .broken?: return Self.error(request, status: 500, code: "InternalError", message: "injected internal error")
        case .unavailable?: return Self.error(request, status: 503, code: "ServiceUnavailable", message: "injected: service unavailable")
        case .transientNotFound?: return Self.error(request, status: 400, code: "ResourceNotFoundException", message: "injected: not found (yet)")
        }
    }

    private func decide(state: inout State, operation: String?, testPhase: Bool) -> Injected? {
        if unreachableWeeks.contains(state.week) { return .unreachable }
        guard let operation else { return nil }
        if let from = brokenOperations[operation], state.week >= from { return .broken }
        guard testPhase else { return nil }
        let call = state.calls[operation, default: 0]
        state.calls[operation] = call + 1
        let draw = Self.uniform(seed, "\(state.week)/\(state.session)/\(operation)/\(call)")
        let faults = state.faults
        var threshold = 0.0
        for (probability, fault) in [
            (faults.internalError, Injected.internalError), (faults.unavailable, .unavailable), (faults.reset, .reset),
            (faults.hang, .hang), (faults.transientNotFound, .transientNotFound),
        ] {
            threshold += probability
            if draw < threshold { return fault }
        }
        return nil
    }

    /// A number in [0, 1) from the seed and a key: FNV-1a of the key mixed with SplitMix64 (stable across
    /// processes, unlike Swift's Hasher).
    static func uniform(_ seed: UInt64, _ key: String) -> Double {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        var z = seed &+ hash &+ 0x9e37_79b9_7f4a_7c15
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        z ^= z >> 31
        return Double(z >> 11) / Double(1 << 53)
    }

    static func isReset(_ request: HTTPTestRequest) -> Bool {
        request.method == "POST" && (request.path == "/moto-api/reset" || request.path == "/_localstack/state/reset")
    }

    /// The AWS operation of a request, when its protocol names it.
    static func operation(of request: HTTPTestRequest) -> String? {
        if let target = request.headers["x-amz-target"], let name = target.split(separator: ".").last { return String(name) }
        if (request.headers["content-type"] ?? "").contains("x-www-form-urlencoded"),
            let form = String(data: request.body, encoding: .utf8),
            let action = URLComponents(string: "?" + form)?.queryItems?.first(where: { $0.name == "Action" })?.value
        {
            return action
        }
        return nil
    }

    /// An AWS error answer in the request's protocol: JSON for `X-Amz-Target` requests, XML otherwise.
    static func error(_ request: HTTPTestRequest, status: Int, code: String, message: String) -> HTTPTestResponse {
        if request.headers["x-amz-target"] != nil {
            return HTTPTestResponse(
                status: status, headers: ["Content-Type": "application/x-amz-json-1.0", "x-amzn-ErrorType": code],
                body: Data(#"{"__type": "\#(code)", "message": "\#(message)"}"#.utf8))
        }
        let xml =
            "<ErrorResponse><Error><Type>Receiver</Type><Code>\(code)</Code><Message>\(message)</Message></Error><RequestId>lsqm-proxy</RequestId></ErrorResponse>"
        return HTTPTestResponse(status: status, headers: ["Content-Type": "text/xml"], body: Data(xml.utf8))
    }

    // MARK: Forwarding

    /// Headers that describe one hop, not the message: the proxy frames its own.
    private static let hopHeaders: Set<String> = [
        "connection", "keep-alive", "transfer-encoding", "content-length", "proxy-connection", "te", "upgrade",
    ]

    /// Sends the request to the emulator on a connection of its own and hands back the answer. Blocking is
    /// fine: the listener serves each connection on its own thread.
    private func forward(_ request: HTTPTestRequest) -> HTTPTestResponse {
        do {
            let fd = try Self.connect(host: upstream.host ?? "127.0.0.1", port: upstream.port ?? 80)
            defer { close(fd) }
            var headers = request.headers.filter { !Self.hopHeaders.contains($0.key.lowercased()) }.map { ($0.key, $0.value) }
            headers.append(("Content-Length", String(request.body.count)))
            headers.append(("Connection", "close"))
            try HTTPWire.send(fd: fd, HTTPWire.head("\(request.method) \(request.target) HTTP/1.1", headers: headers))
            if !request.body.isEmpty { try HTTPWire.send(fd: fd, request.body) }
            let reader = HTTPWireReader(fd: fd)
            guard let (startLine, responseHeaders) = try reader.readHead() else { return .reset }
            let status = startLine.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 502
            let body =
                request.method == "HEAD" || status == 204 || status == 304
                ? Data() : try reader.readBody(headers: responseHeaders, untilCloseWhenUnframed: true)
            var kept = responseHeaders.filter { !Self.hopHeaders.contains($0.key.lowercased()) }
            if request.method == "HEAD", let length = responseHeaders["content-length"] { kept["Content-Length"] = length }
            return HTTPTestResponse(status: status, headers: kept, body: body)
        } catch {
            return HTTPTestResponse.text("the proxy could not reach the emulator: \(error)", status: 502)
        }
    }

    private static func connect(host: String, port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw LSQMError(.environment, action: "create a socket", cause: String(cString: strerror(errno))) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr(host == "localhost" ? "127.0.0.1" : host)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let cause = String(cString: strerror(errno))
            close(fd)
            throw LSQMError(.environment, action: "connect to \(host):\(port)", cause: cause)
        }
        return fd
    }
}
