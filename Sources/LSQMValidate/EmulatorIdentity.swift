import Foundation
import LSQMBasics
import LSQMCore
import Synchronization

/// What a running emulator says it is. A run records the emulator as it answered, not only as lsqm started
/// it: a LocalStack image tag or a host venv says little about the build that ran, and an external URL says
/// nothing at all.
public enum EmulatorIdentity {
    /// Name, version and edition from `GET /_localstack/info` (and `/_localstack/health` when info leaves the
    /// edition `unknown`, as LocalStack on the host does); nil when the emulator is not LocalStack or does not
    /// answer. moto has no such endpoint: its version comes from its installed package (`HostRuntime`).
    public static func localStack(at url: URL, timeout: Duration = .seconds(5)) async -> (version: String?, edition: String?)? {
        guard let endpoint = try? HealthCheck.endpoint(of: url) else { return nil }
        let client = SocketHTTPClient(endpoint: endpoint, timeout: timeout)
        guard let response = try? await client.send("GET", "/_localstack/info"), response.status == 200,
            let info = try? response.json(), info.objectValue != nil
        else { return nil }
        var edition = known(info["edition"]?.stringValue)
        if edition == nil, let health = try? await client.send("GET", "/_localstack/health"), health.status == 200 {
            edition = known((try? health.json())?["edition"]?.stringValue)
        }
        if edition == nil, let licensed = info["is_license_activated"]?.boolValue {
            // An unlicensed LocalStack is the community build whatever it calls itself.
            edition = licensed ? "pro" : "community"
        }
        return (known(info["version"]?.stringValue), edition)
    }

    private static func known(_ value: String?) -> String? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty, value.lowercased() != "unknown" else { return nil }
        return value
    }

    /// `info` with what a live LocalStack reported in place of what lsqm assumed.
    static func merge(_ info: EmulatorInfo, reported: (version: String?, edition: String?)?) -> EmulatorInfo {
        guard let reported else { return info }
        var merged = info
        if let version = reported.version { merged.version = version }
        if let edition = reported.edition { merged.edition = edition }
        return merged
    }
}

/// The first answer of a live emulator in a run (every validation of a target starts the same emulator, so
/// one answer stands for all); read once when the run is written.
final class ObservedEmulator: Sendable {
    private let reported = Mutex<(version: String?, edition: String?)?>(nil)

    /// Asks a healthy `emulator` until one has answered; later calls return at once.
    func observe(_ emulator: any RunningEmulator) async {
        guard emulator.flavor != .moto, reported.withLock({ $0 == nil }) else { return }
        guard let answer = await EmulatorIdentity.localStack(at: emulator.endpoint) else { return }
        reported.withLock { $0 = answer }
    }

    func info(merging base: EmulatorInfo) -> EmulatorInfo {
        EmulatorIdentity.merge(base, reported: reported.withLock { $0 })
    }
}
