import Foundation
import LSQMBasics
import LSQMCore
import Synchronization

/// LocalStack in Docker, driven through the Docker Engine HTTP API on its unix socket (no docker CLI).
///
/// The image is pulled once per run at a pinned version (never `latest`) and its digest recorded; each
/// validation gets its own container with a Docker-assigned loopback port, `SERVICES` limited to what the
/// architecture uses, and labels `lsqm.run_id` / `lsqm.arch` so stale containers can be found and removed.
public final class DockerRuntime: EmulatorRuntime {
    /// The Engine API version spoken (Docker 20.10 and later answer it).
    static let apiPrefix = "/v1.41"
    public static let image = "localstack/localstack"
    static let containerPort = "4566/tcp"
    /// The exit code of LocalStack images after 2026-03-23 started without an auth token.
    public static let licenseExitCode = 55

    public let client: SocketHTTPClient
    /// The repository pulled (`localstack/localstack` unless a target names another, e.g. a candidate's).
    public let image: String
    public let version: String
    private let authToken: String?
    private let digest = Mutex<String?>(nil)

    /// - Parameters:
    ///   - socketPath: the Engine API socket (`DOCKER_HOST=unix://…` or `/var/run/docker.sock`).
    ///   - version: the image tag; `latest` is refused so results stay comparable run to run.
    ///   - authToken: `LOCALSTACK_AUTH_TOKEN`, passed to the container only.
    ///   - image: the image repository (`docker:REPOSITORY:TAG` targets name their own).
    public init(socketPath: String, version: String, authToken: String?, image: String = DockerRuntime.image) throws {
        guard !version.isEmpty, version != "latest" else {
            throw LSQMError(
                .usage, action: "use LocalStack version '\(version)'", cause: "a pinned version is required so runs are comparable",
                hint: "pass --localstack-version \(Configuration.pinnedLocalStackVersion) (or a newer tag with LOCALSTACK_AUTH_TOKEN set)")
        }
        self.client = SocketHTTPClient(endpoint: .unix(path: socketPath), timeout: .seconds(60))
        self.image = image
        self.version = version
        self.authToken = authToken.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The Engine API socket named by the environment, when a daemon answers `/_ping` on it.
    public static func detectSocket(environment: [String: String]) async -> String? {
        var path = "/var/run/docker.sock"
        if let host = environment["DOCKER_HOST"], !host.isEmpty {
            guard host.hasPrefix("unix://") else { return nil }
            path = String(host.dropFirst("unix://".count))
        }
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let probe = SocketHTTPClient(endpoint: .unix(path: path), timeout: .seconds(3))
        guard let response = try? await probe.send("GET", "/_ping") else { return nil }
        return response.status == 200 ? path : nil
    }

    public var info: EmulatorInfo {
        get async {
            EmulatorInfo(
                runtime: "docker", name: "localstack", version: version, edition: authToken == nil ? "community" : "pro",
                imageDigest: digest.withLock { $0 })
        }
    }

    public func prepare(logger: Logger) async throws {
        let reference = "\(image):\(version)"
        logger.info("validate", "image_pull", "pulling \(reference)")
        let pull = try await call("POST", "/images/create?fromImage=\(image)&tag=\(version)", action: "pull \(reference)", timeout: .seconds(1800))
        // The pull answers 200 and streams progress; a failure arrives as an {"error": …} line in the stream.
        for line in pull.text.split(separator: "\n") {
            if let object = try? JSONCoding.decode(JSONValue.self, from: Data(line.utf8)), let message = object["error"]?.stringValue {
                throw LSQMError(
                    .environment, action: "pull \(reference)", cause: message,
                    hint: "check the version exists and the daemon can reach the registry")
            }
        }
        let inspect = try await call("GET", "/images/\(reference)/json", action: "inspect \(reference)")
        let image = try inspect.json()
        let recorded = image["RepoDigests"]?.arrayValue?.first?.stringValue ?? image["Id"]?.stringValue
        digest.withLock { $0 = recorded }
        logger.info("validate", "image_ready", "\(reference) \(recorded ?? "(no digest)")")
    }

    public func start(_ request: EmulatorRequest) async throws -> any RunningEmulator {
        var env = ["EAGER_SERVICE_LOADING=1"]
        if !request.services.isEmpty {
            env += HealthCheck.localStackServiceSettings(request.services).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        }
        if let authToken { env.append("LOCALSTACK_AUTH_TOKEN=\(authToken)") }
        let body: JSONValue = [
            "Image": .string("\(image):\(version)"),
            "Env": .array(env.map { .string($0) }),
            "Labels": ["lsqm.run_id": .string(request.runID), "lsqm.arch": .string(request.arch)],
            "ExposedPorts": [.init(stringLiteral: DockerRuntime.containerPort): [:]],
            "HostConfig": [
                // An empty HostPort lets Docker pick a free port: no race between parallel validations.
                "PortBindings": [.init(stringLiteral: DockerRuntime.containerPort): [["HostIp": "127.0.0.1", "HostPort": ""]]]
            ],
        ]
        let name = "lsqm-\(request.runID)-\(request.arch.prefix(12))"
        let created = try await call("POST", "/containers/create?name=\(name)", json: body, action: "create container \(name)")
        guard let id = try created.json()["Id"]?.stringValue else {
            throw LSQMError(.environment, action: "create container \(name)", cause: "the daemon's answer has no Id")
        }
        let container = DockerContainer(id: id, runtime: self)
        do {
            _ = try await call("POST", "/containers/\(id)/start", action: "start container \(name)")
            let inspect = try await call("GET", "/containers/\(id)/json", action: "inspect container \(name)").json()
            guard let port = inspect["NetworkSettings"]?["Ports"]?[DockerRuntime.containerPort]?.arrayValue?.first?["HostPort"]?.stringValue,
                let url = URL(string: "http://127.0.0.1:\(port)")
            else {
                // A container that exited at once has no port. It is handed back anyway: the health wait
                // reports its exit (code 55 and all) with the container's log tail.
                if await container.exitDescription() != nil { return container }
                throw LSQMError(
                    .environment, action: "start container \(name)", cause: "Docker assigned no host port for \(DockerRuntime.containerPort)")
            }
            container.setEndpoint(url)
            return container
        } catch {
            // Whatever was created goes, also when starting failed.
            await container.stop()
            throw error
        }
    }

    /// Removes every container labelled by lsqm (`lsqm clean`), running or not; returns their ids.
    public func removeStaleContainers() async throws -> [String] {
        let filters = #"{"label":["lsqm.run_id"]}"#.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        let list = try await call("GET", "/containers/json?all=1&filters=\(filters)", action: "list lsqm containers").json()
        let ids = list.arrayValue?.compactMap { $0["Id"]?.stringValue } ?? []
        for id in ids { _ = try? await call("DELETE", "/containers/\(id)?force=1&v=1", action: "remove container \(id)") }
        return ids
    }

    /// One Engine API call; a non-2xx answer becomes an error carrying the daemon's message.
    func call(
        _ method: String, _ path: String, json: JSONValue? = nil, action: String, timeout: Duration? = nil
    ) async throws -> SocketHTTPClient.Response {
        var client = self.client
        if let timeout { client.timeout = timeout }
        let response: SocketHTTPClient.Response
        do {
            if let json {
                response = try await client.send(method, DockerRuntime.apiPrefix + path, json: json)
            } else {
                response = try await client.send(method, DockerRuntime.apiPrefix + path)
            }
        } catch {
            throw LSQMError.wrap(error, action: action, kind: .environment, hint: "is the Docker daemon running? (DOCKER_HOST)")
        }
        guard (200..<300).contains(response.status) else {
            let message = (try? response.json()["message"]?.stringValue) ?? response.text
            throw LSQMError(.environment, action: action, cause: "Docker answered \(response.status): \(message)")
        }
        return response
    }
}

/// One LocalStack container.
final class DockerContainer: RunningEmulator {
    let id: String
    private let runtime: DockerRuntime
    private let endpointURL = Mutex<URL?>(nil)

    init(id: String, runtime: DockerRuntime) {
        self.id = id
        self.runtime = runtime
    }

    func setEndpoint(_ url: URL) { endpointURL.withLock { $0 = url } }

    var endpoint: URL { endpointURL.withLock { $0 } ?? URL(string: "http://127.0.0.1:0")! }
    var flavor: EmulatorFlavor { .localstack }

    func exitDescription() async -> String? {
        guard let state = try? await runtime.call("GET", "/containers/\(id)/json", action: "inspect container").json()["State"],
            state["Running"]?.boolValue == false, state["Status"]?.stringValue == "exited"
        else { return nil }
        let code = state["ExitCode"]?.intValue ?? -1
        if code == DockerRuntime.licenseExitCode {
            return "LocalStack \(runtime.version) exited with code 55: license activation failed (images after 2026-03-23 need "
                + "LOCALSTACK_AUTH_TOKEN). Set LOCALSTACK_AUTH_TOKEN or pin --localstack-version \(Configuration.pinnedLocalStackVersion)"
        }
        return "the LocalStack container exited with code \(code)"
    }

    func logTail(limit: Int) async -> String {
        guard let response = try? await runtime.call("GET", "/containers/\(id)/logs?stdout=1&stderr=1&tail=500", action: "read container logs") else {
            return ""
        }
        let text = DockerLogStream.demultiplex(response.body)
        return String(text.suffix(limit))
    }

    func stop() async {
        _ = try? await runtime.call("POST", "/containers/\(id)/stop?t=5", action: "stop container \(id)")
        _ = try? await runtime.call("DELETE", "/containers/\(id)?force=1&v=1", action: "remove container \(id)")
    }
}

/// Docker's log stream for containers without a TTY: frames of `[stream, 0, 0, 0, size (big-endian u32)]`
/// followed by `size` bytes. Text that is not framed (a TTY container) passes through unchanged.
public enum DockerLogStream {
    public static func demultiplex(_ data: Data) -> String {
        let bytes = [UInt8](data)
        var output = [UInt8]()
        var offset = 0
        while offset + 8 <= bytes.count {
            let header = bytes[offset..<(offset + 8)]
            guard [0, 1, 2].contains(header[offset]), header[offset + 1] == 0, header[offset + 2] == 0, header[offset + 3] == 0 else {
                return String(decoding: bytes, as: UTF8.self)
            }
            let size = header[(offset + 4)...].reduce(0) { ($0 << 8) | Int($1) }
            let end = min(bytes.count, offset + 8 + size)
            output += bytes[(offset + 8)..<end]
            offset = end
        }
        return String(decoding: output, as: UTF8.self)
    }
}
