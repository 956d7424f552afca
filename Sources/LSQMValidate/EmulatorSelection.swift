import Foundation
import LSQMBasics
import LSQMCore

/// Chooses the emulator runtime from `--emulator` / the `emulator` setting.
public enum EmulatorSelection {
    /// - `auto` (default): Docker when an engine answers on `DOCKER_HOST` or `/var/run/docker.sock`, else host.
    /// - `docker`: LocalStack in Docker (an error when no engine answers).
    /// - `host`: LocalStack on the host when its Python package imports, else `moto_server`;
    ///   `host:moto` / `host:localstack` choose explicitly.
    /// - `http://HOST:PORT`: an emulator someone else runs.
    public static func runtime(for choice: String, configuration: Configuration, environment: [String: String]) async throws -> any EmulatorRuntime {
        let normalized = choice.trimmingCharacters(in: .whitespaces)
        switch normalized.lowercased() {
        case "", "auto":
            if let socket = await DockerRuntime.detectSocket(environment: environment) {
                return try DockerRuntime(socketPath: socket, version: configuration.localstackVersion, authToken: configuration.localstackAuthToken)
            }
            return await HostRuntime.detect(environment: environment)
        case "docker":
            guard let socket = await DockerRuntime.detectSocket(environment: environment) else {
                throw LSQMError(
                    .environment, action: "use the Docker emulator runtime",
                    cause: "no Docker engine answers on \(environment["DOCKER_HOST"] ?? "/var/run/docker.sock")",
                    hint: "start Docker, set DOCKER_HOST=unix:///path/to/docker.sock, or pass --emulator host")
            }
            return try DockerRuntime(socketPath: socket, version: configuration.localstackVersion, authToken: configuration.localstackAuthToken)
        case "host":
            return await HostRuntime.detect(environment: environment)
        case "host:moto":
            return HostRuntime(emulator: .moto, environment: environment)
        case "host:localstack":
            return HostRuntime(emulator: .localstack, environment: environment)
        case let docker where docker.hasPrefix("docker:"):
            return try await target(for: normalized, configuration: configuration, environment: environment).runtime
        default:
            guard normalized.hasPrefix("http://"), let url = URL(string: normalized) else {
                throw LSQMError(
                    .usage, action: "choose emulator '\(choice)'",
                    cause: "expected docker, docker:IMAGE:TAG (as a target), host, host:moto, host:localstack or http://HOST:PORT")
            }
            return try URLRuntime(url: url)
        }
    }

    /// A target (`--target`, `targets:` in the config): every form `runtime(for:)` accepts, plus
    /// `docker:REPOSITORY:TAG` for one LocalStack image (a release candidate), named by that spec so its
    /// results and baselines stay apart from another image's. Other forms are named after the emulator they
    /// resolve to (`host` → `host:moto` or `host:localstack`).
    public static func target(for choice: String, configuration: Configuration, environment: [String: String]) async throws -> ValidationTarget {
        let normalized = choice.trimmingCharacters(in: .whitespaces)
        guard normalized.lowercased().hasPrefix("docker:") else {
            return ValidationTarget(runtime: try await runtime(for: normalized, configuration: configuration, environment: environment))
        }
        let reference = String(normalized.dropFirst("docker:".count))
        let slash = reference.lastIndex(of: "/") ?? reference.startIndex
        guard let colon = reference[slash...].lastIndex(of: ":"), colon > reference.startIndex, reference.index(after: colon) < reference.endIndex
        else {
            throw LSQMError(
                .usage, action: "use target '\(choice)'", cause: "a Docker target names an image with its tag",
                hint: "e.g. docker:localstack/localstack:\(Configuration.pinnedLocalStackVersion)")
        }
        guard let socket = await DockerRuntime.detectSocket(environment: environment) else {
            throw LSQMError(
                .environment, action: "use target '\(choice)'",
                cause: "no Docker engine answers on \(environment["DOCKER_HOST"] ?? "/var/run/docker.sock")",
                hint: "start Docker or set DOCKER_HOST=unix:///path/to/docker.sock")
        }
        let runtime = try DockerRuntime(
            socketPath: socket, version: String(reference[reference.index(after: colon)...]),
            authToken: configuration.localstackAuthToken, image: String(reference[..<colon]))
        return ValidationTarget(name: "docker:\(reference)", runtime: runtime)
    }

    /// One line saying what a run validates against, for the start of the log.
    public static func describe(_ info: EmulatorInfo) -> String {
        switch info.runtime {
        case "docker": "LocalStack \(info.version ?? "?") in Docker"
        case "host": "\(info.name) \(info.version ?? "") on the host".replacingOccurrences(of: "  ", with: " ")
        default: "the emulator at \(info.name)"
        }
    }
}
