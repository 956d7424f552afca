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
                throw LSQMError(.environment, action: "use the Docker emulator runtime",
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
        default:
            guard normalized.hasPrefix("http://"), let url = URL(string: normalized) else {
                throw LSQMError(.usage, action: "choose emulator '\(choice)'", cause: "expected docker, host, host:moto, host:localstack or http://HOST:PORT")
            }
            return try URLRuntime(url: url)
        }
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
