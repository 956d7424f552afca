import Foundation
import LSQMBasics
import LSQMCore

/// Waits until an emulator answers its health endpoint before anything else runs (design.md "Validation").
public enum HealthCheck {
    /// The states LocalStack reports for a service that can take requests.
    static let readyStates: Set<String> = ["available", "running"]

    /// Polls until healthy; throws when `timeout` passes or the emulator exits first.
    ///
    /// - LocalStack: `/_localstack/health` answers and every needed service it lists is available or running
    ///   (a service it does not list is left for the deploy to judge).
    /// - moto: `GET /moto-api/` answers 200.
    public static func wait(for emulator: any RunningEmulator, services: [String], timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        let client = SocketHTTPClient(endpoint: try endpoint(of: emulator.endpoint), timeout: .seconds(5))
        var last = "no answer yet"
        while true {
            try Task.checkCancellation()
            if let exit = await emulator.exitDescription() {
                throw LSQMError(.environment, action: "start the emulator at \(emulator.endpoint.absoluteString)", cause: exit)
            }
            let (healthy, detail) = await probe(client, flavor: emulator.flavor, services: services)
            if healthy { return }
            last = detail
            guard ContinuousClock.now < deadline else {
                throw LSQMError(
                    .environment, action: "wait for the emulator at \(emulator.endpoint.absoluteString) to become healthy",
                    cause: "not healthy after \(timeout.components.seconds) s (last check: \(last))",
                    hint: "see the emulator log tail in the result")
            }
            try await Task.sleep(for: .milliseconds(250))
        }
    }

    static func probe(_ client: SocketHTTPClient, flavor: EmulatorFlavor, services: [String]) async -> (Bool, String) {
        switch flavor {
        case .localstack: return await probeLocalStack(client, services: services)
        case .moto: return await probeMoto(client)
        case .detect:
            let localstack = await probeLocalStack(client, services: services)
            if localstack.0 { return localstack }
            let moto = await probeMoto(client)
            return moto.0 ? moto : (false, "\(localstack.1); \(moto.1)")
        }
    }

    static func probeLocalStack(_ client: SocketHTTPClient, services: [String]) async -> (Bool, String) {
        do {
            let response = try await client.send("GET", "/_localstack/health")
            guard response.status == 200 else { return (false, "/_localstack/health answered \(response.status)") }
            guard let reported = try response.json()["services"]?.objectValue else {
                return (false, "/_localstack/health has no services")
            }
            let waiting = localStackNames(services).filter { name in
                guard let state = reported[name]?.stringValue else { return false }
                return !readyStates.contains(state)
            }
            if waiting.isEmpty { return (true, "healthy") }
            return (false, "waiting for " + waiting.map { "\($0) (\(reported[$0]?.stringValue ?? "?"))" }.joined(separator: ", "))
        } catch {
            return (false, LSQMError.describe(error))
        }
    }

    static func probeMoto(_ client: SocketHTTPClient) async -> (Bool, String) {
        do {
            let response = try await client.send("GET", "/moto-api/")
            return response.status == 200 ? (true, "healthy") : (false, "/moto-api/ answered \(response.status)")
        } catch {
            return (false, LSQMError.describe(error))
        }
    }

    /// The LocalStack settings for an architecture's services: `SERVICES` names what to load first, and
    /// `STRICT_SERVICE_LOADING=0` keeps every other service answering (loaded on first use). Strict loading, the
    /// default, disables every service not named, and the services an architecture lists come from its resources:
    /// the AWS provider's own STS call, `aws_caller_identity` and `aws_availability_zones` (EC2) then got 501
    /// "Service '…' is not enabled" and the deploy FAILED as if LocalStack lacked them (measured on LocalStack
    /// 2026.3.0 with corpus architectures).
    public static func localStackServiceSettings(_ services: [String]) -> [String: String] {
        ["SERVICES": localStackNames(services).joined(separator: ","), "STRICT_SERVICE_LOADING": "0"]
    }

    /// LocalStack's service names for architecture service ids (mostly the same; a few differ).
    public static func localStackNames(_ services: [String]) -> [String] {
        let renamed: [String: String] = [
            "cloudwatchlogs": "logs", "cloudwatch_log": "logs", "eventbridge": "events", "cloudwatch_event": "events",
            "sfn": "stepfunctions", "apigatewayv2": "apigateway", "elbv2": "elbv2", "cognito": "cognito-idp",
        ]
        return Array(Set(services.map { renamed[$0] ?? $0 })).sorted()
    }

    static func endpoint(of url: URL) throws -> SocketHTTPClient.Endpoint {
        guard url.scheme == "http", let host = url.host else {
            throw LSQMError(
                .usage, action: "check emulator health at \(url.absoluteString)", cause: "only http:// endpoints on an IPv4 address are supported")
        }
        return .tcp(host: host, port: url.port ?? 80)
    }
}
