import Foundation
import LSQMBasics
import Synchronization

/// A fake Docker Engine API on a unix socket, speaking the real Engine API JSON for what lsqm uses:
/// `_ping`, `images/create` (streamed pull progress), `images/{name}/json`, `containers/create`, `start`,
/// `json` (inspect), `logs` (multiplexed frames), `stop`, `DELETE`, and `containers/json` with a label filter.
///
/// A started container is backed by a fake LocalStack: a real HTTP server on 127.0.0.1 whose port is
/// reported as the container's host port and which answers `/_localstack/health`. Behaviours a test can
/// choose: a start that fails with a daemon error, a container that exits at once with a given code (55:
/// LocalStack's "license activation failed"), an image that cannot be pulled.
public final class FakeDockerEngine: Sendable {
    public struct Container: Sendable {
        public var id: String
        public var name: String
        public var image: String
        public var env: [String]
        public var labels: [String: String]
        public var running = false
        public var exitCode: Int?
        public var removed = false
        public var stopped = false
        public var hostPort: Int?
    }

    public struct Behaviour: Sendable {
        /// `containers/{id}/start` answers 500 with this message.
        public var startFailure: String?
        /// The container exits with this code as soon as it starts.
        public var exitCodeOnStart: Int?
        /// `images/create` streams `{"error": …}` with this message.
        public var pullError: String?
        public init(startFailure: String? = nil, exitCodeOnStart: Int? = nil, pullError: String? = nil) {
            self.startFailure = startFailure; self.exitCodeOnStart = exitCodeOnStart; self.pullError = pullError
        }
    }

    public static let fakeDigest = "localstack/localstack@sha256:" + String(repeating: "ab", count: 32)
    public let socketPath: String
    private let state = Mutex(State())
    private let server = Mutex<HTTPTestServer?>(nil)

    private struct State {
        var behaviour = Behaviour()
        var pulled: [String] = []
        var containers: [String: Container] = [:]
        var localStacks: [String: HTTPTestServer] = [:]
        var nextID = 1
    }

    public init(socketPath: String, behaviour: Behaviour = Behaviour()) throws {
        self.socketPath = socketPath
        state.withLock { $0.behaviour = behaviour }
        let server = try HTTPTestServer(unixSocketPath: socketPath) { [weak self] request in
            self?.handle(request) ?? .empty(503)
        }
        self.server.withLock { $0 = server }
    }

    deinit { stop() }

    public func stop() {
        server.withLock { $0?.stop() }
        let fakes = state.withLock { state in
            defer { state.localStacks.removeAll() }
            return Array(state.localStacks.values)
        }
        fakes.forEach { $0.stop() }
    }

    public var behaviour: Behaviour {
        get { state.withLock { $0.behaviour } }
        set { state.withLock { $0.behaviour = newValue } }
    }

    /// Every container ever created, removed ones included.
    public var containers: [Container] { state.withLock { Array($0.containers.values).sorted { $0.id < $1.id } } }
    /// Image references pulled.
    public var pulledImages: [String] { state.withLock { $0.pulled } }
    /// The requests the engine received.
    public var requests: [HTTPTestRequest] { server.withLock { $0?.requests ?? [] } }

    // MARK: API

    private func handle(_ request: HTTPTestRequest) -> HTTPTestResponse {
        // Versioned paths (/v1.41/…) and unversioned ones are the same API.
        var path = request.path
        if path.hasPrefix("/v1."), let slash = path.dropFirst().firstIndex(of: "/") { path = String(path[slash...]) }
        let parts = path.split(separator: "/").map(String.init)
        switch (request.method, parts.first, parts.count) {
        case ("GET", "_ping", 1): return .text("OK")
        case ("POST", "images", 2) where parts[1] == "create": return pull(request)
        case ("GET", "images", _) where parts.last == "json": return inspectImage(parts.dropFirst().dropLast().joined(separator: "/"))
        case ("POST", "containers", 2) where parts[1] == "create": return create(request)
        case ("GET", "containers", 2) where parts[1] == "json": return list(request)
        case ("POST", "containers", 3) where parts[2] == "start": return start(parts[1])
        case ("POST", "containers", 3) where parts[2] == "stop": return stopContainer(parts[1])
        case ("GET", "containers", 3) where parts[2] == "json": return inspect(parts[1])
        case ("GET", "containers", 3) where parts[2] == "logs": return logs(parts[1])
        case ("DELETE", "containers", 2): return remove(parts[1])
        default: return notFound("page not found")
        }
    }

    private static func message(_ text: String, status: Int) -> HTTPTestResponse { .json(["message": .string(text)], status: status) }
    private func notFound(_ text: String) -> HTTPTestResponse { FakeDockerEngine.message(text, status: 404) }

    private func pull(_ request: HTTPTestRequest) -> HTTPTestResponse {
        let reference = "\(request.query("fromImage") ?? ""):\(request.query("tag") ?? "latest")"
        if let error = behaviour.pullError {
            return HTTPTestResponse(
                status: 200, headers: ["Content-Type": "application/json"],
                chunks: [Data("{\"status\":\"Pulling from \(reference)\"}\n".utf8), Data("{\"error\":\"\(error)\"}\n".utf8)])
        }
        state.withLock { $0.pulled.append(reference) }
        return HTTPTestResponse(
            status: 200, headers: ["Content-Type": "application/json"],
            chunks: [
                Data("{\"status\":\"Pulling from localstack/localstack\",\"id\":\"\(reference)\"}\n".utf8),
                Data("{\"status\":\"Digest: sha256:\(String(repeating: "ab", count: 32))\"}\n".utf8),
                Data("{\"status\":\"Status: Downloaded newer image for \(reference)\"}\n".utf8),
            ])
    }

    private func inspectImage(_ reference: String) -> HTTPTestResponse {
        guard state.withLock({ $0.pulled.contains(reference) }) else { return notFound("No such image: \(reference)") }
        return .json([
            "Id": .string("sha256:" + String(repeating: "cd", count: 32)), "RepoTags": [.string(reference)],
            "RepoDigests": [.string(FakeDockerEngine.fakeDigest)],
        ])
    }

    private func create(_ request: HTTPTestRequest) -> HTTPTestResponse {
        guard let body = request.json, let image = body["Image"]?.stringValue else {
            return FakeDockerEngine.message("config cannot be empty in order to create a container", status: 400)
        }
        guard state.withLock({ $0.pulled.contains(image) }) else { return notFound("No such image: \(image)") }
        let env = body["Env"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let labels = body["Labels"]?.objectValue?.compactMapValues(\.stringValue) ?? [:]
        let id = state.withLock { state -> String in
            let id = String(format: "%064x", state.nextID)
            state.nextID += 1
            state.containers[id] = Container(id: id, name: request.query("name") ?? id, image: image, env: env, labels: labels)
            return id
        }
        return .json(["Id": .string(id), "Warnings": []], status: 201)
    }

    private func start(_ id: String) -> HTTPTestResponse {
        guard state.withLock({ $0.containers[id] != nil }) else { return notFound("No such container: \(id)") }
        let behaviour = self.behaviour
        if let failure = behaviour.startFailure { return FakeDockerEngine.message(failure, status: 500) }
        if let code = behaviour.exitCodeOnStart {
            state.withLock { $0.containers[id]?.exitCode = code }
            return .empty(204)
        }
        // A fake LocalStack stands in for the container's gateway, reporting its image's tag as its version.
        let image = state.withLock { $0.containers[id]?.image } ?? ""
        let version = JSONValue.string(image.split(separator: ":").last.map(String.init) ?? "4.14.0")
        guard
            let localStack = try? HTTPTestServer(handler: { request in
                switch request.path {
                case "/_localstack/health":
                    .json(["services": ["s3": "running", "sqs": "available"], "edition": "community", "version": version])
                case "/_localstack/info":
                    .json(["version": version, "edition": "community", "is_license_activated": false, "is_docker": true])
                default:
                    .empty(404)
                }
            })
        else { return FakeDockerEngine.message("cannot bind a port", status: 500) }
        state.withLock { state in
            state.containers[id]?.running = true
            state.containers[id]?.hostPort = localStack.port
            state.localStacks[id] = localStack
        }
        return .empty(204)
    }

    private func stopContainer(_ id: String) -> HTTPTestResponse {
        let server = state.withLock { state -> HTTPTestServer?? in
            guard state.containers[id] != nil else { return .none }
            let wasRunning = state.containers[id]?.running == true
            state.containers[id]?.running = false
            state.containers[id]?.stopped = true
            if wasRunning, state.containers[id]?.exitCode == nil { state.containers[id]?.exitCode = 0 }
            return .some(state.localStacks.removeValue(forKey: id))
        }
        guard let server else { return notFound("No such container: \(id)") }
        server?.stop()
        return .empty(204)
    }

    private func inspect(_ id: String) -> HTTPTestResponse {
        guard let container = state.withLock({ $0.containers[id] }), !container.removed else { return notFound("No such container: \(id)") }
        let status = container.running ? "running" : (container.exitCode == nil ? "created" : "exited")
        var ports: JSONValue = .object([:])
        if let port = container.hostPort, container.running {
            ports = ["4566/tcp": [["HostIp": "127.0.0.1", "HostPort": .string(String(port))]]]
        }
        return .json([
            "Id": .string(container.id), "Name": .string("/\(container.name)"),
            "State": ["Status": .string(status), "Running": .bool(container.running), "ExitCode": .number(Double(container.exitCode ?? 0))],
            "Config": ["Image": .string(container.image), "Labels": .object(container.labels.mapValues { .string($0) })],
            "NetworkSettings": ["Ports": ports],
        ])
    }

    private func logs(_ id: String) -> HTTPTestResponse {
        guard let container = state.withLock({ $0.containers[id] }) else { return notFound("No such container: \(id)") }
        var lines = ["LocalStack version: 4.14.0\n"]
        if container.exitCode == 55 { lines.append("License activation failed! Reason: No credentials were found in the environment.\n") }
        if container.running { lines.append("Ready.\n") }
        // Non-TTY containers' logs are multiplexed: [stream, 0, 0, 0, big-endian size] + payload.
        let frames = lines.enumerated().map { index, line -> Data in
            let payload = Data(line.utf8)
            let size = UInt32(payload.count)
            return Data([index == 1 ? 2 : 1, 0, 0, 0, UInt8(size >> 24), UInt8((size >> 16) & 0xff), UInt8((size >> 8) & 0xff), UInt8(size & 0xff)])
                + payload
        }
        return HTTPTestResponse(status: 200, headers: ["Content-Type": "application/vnd.docker.multiplexed-stream"], chunks: frames)
    }

    private func remove(_ id: String) -> HTTPTestResponse {
        let server = state.withLock { state -> HTTPTestServer?? in
            guard state.containers[id] != nil, state.containers[id]?.removed == false else { return .none }
            state.containers[id]?.removed = true
            state.containers[id]?.running = false
            return .some(state.localStacks.removeValue(forKey: id))
        }
        guard let server else { return notFound("No such container: \(id)") }
        server?.stop()
        return .empty(204)
    }

    private func list(_ request: HTTPTestRequest) -> HTTPTestResponse {
        var wanted: [String] = []
        if let filters = request.query("filters"), let json = try? JSONCoding.decode(JSONValue.self, from: Data(filters.utf8)) {
            wanted = json["label"]?.arrayValue?.compactMap(\.stringValue) ?? []
        }
        let all = request.query("all") == "1" || request.query("all") == "true"
        let matching = containers.filter { container in
            !container.removed && (all || container.running)
                && wanted.allSatisfy { label in
                    let parts = label.split(separator: "=", maxSplits: 1).map(String.init)
                    guard let value = container.labels[parts[0]] else { return false }
                    return parts.count == 1 || parts[1] == value
                }
        }
        return .json(.array(matching.map { ["Id": .string($0.id), "Labels": .object($0.labels.mapValues { .string($0) })] }))
    }
}
