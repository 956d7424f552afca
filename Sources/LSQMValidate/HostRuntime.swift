import Foundation
import LSQMBasics
import LSQMCore

/// An emulator run as a host process on a free loopback port, in its own process group, killed with the
/// group afterwards: `moto_server`, or LocalStack where its Python package is installed on the host.
public struct HostRuntime: EmulatorRuntime {
    public enum Emulator: String, Sendable, CaseIterable {
        case moto
        case localstack
    }

    public let emulator: Emulator
    /// The environment the emulator is started from (secrets are removed; the LocalStack auth token is the
    /// one secret passed, and only to LocalStack).
    private let environment: [String: String]
    /// The Python that runs LocalStack (it needs 3.12+): `LSQM_LOCALSTACK_PYTHON`, else `python3`.
    private let python: String

    public init(emulator: Emulator, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.emulator = emulator
        self.environment = environment
        self.python = environment["LSQM_LOCALSTACK_PYTHON"].flatMap { $0.isEmpty ? nil : $0 } ?? "python3"
    }

    /// LocalStack when the host Python can import it, else moto.
    public static func detect(environment: [String: String]) async -> HostRuntime {
        let localstack = HostRuntime(emulator: .localstack, environment: environment)
        if let result = try? await Subprocess.run(
            [localstack.python, "-c", "import localstack.runtime.main"],
            environment: SecretEnvironment.scrubbed(environment), timeout: .seconds(20)),
            result.succeeded
        {
            return localstack
        }
        return HostRuntime(emulator: .moto, environment: environment)
    }

    public var info: EmulatorInfo {
        get async {
            let licensed = environment["LOCALSTACK_AUTH_TOKEN"].map { !$0.isEmpty } ?? false
            return EmulatorInfo(
                runtime: "host", name: emulator.rawValue, version: await versionString(),
                edition: emulator == .localstack ? (licensed ? "pro" : "community") : nil)
        }
    }

    public func prepare(logger: Logger) async throws {
        let command = emulator == .moto ? "moto_server" : python
        guard Subprocess.which(command, path: environment["PATH"]) != nil else {
            throw LSQMError(
                .environment, action: "start \(emulator.rawValue) on the host", cause: "'\(command)' was not found on PATH",
                hint: emulator == .moto ? "pip install 'moto[server]'" : "set LSQM_LOCALSTACK_PYTHON to a Python with localstack-core installed")
        }
        logger.info("validate", "emulator", "host \(emulator.rawValue)" + ((await versionString()).map { " \($0)" } ?? ""))
    }

    private func versionString() async -> String? {
        let module = emulator == .moto ? "moto" : "localstack"
        let interpreter = emulator == .moto ? "python3" : python
        let result = try? await Subprocess.run(
            [interpreter, "-c", "import importlib.metadata as m; print(m.version('\(module == "localstack" ? "localstack-core" : "moto")'))"],
            environment: SecretEnvironment.scrubbed(environment), timeout: .seconds(20))
        guard let result, result.succeeded else { return nil }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public func start(_ request: EmulatorRequest) async throws -> any RunningEmulator {
        let port = try FreePort.next()
        let log = request.workDirectory.appendingPathComponent("emulator.log")
        var env = SecretEnvironment.scrubbed(environment)
        let arguments: [String]
        switch emulator {
        case .moto:
            // Set up as AWS is: AWS managed policies exist in every account (SAM and CDK attach
            // AWSLambdaBasicExecutionRole and friends everywhere); without them moto answers NoSuchEntity
            // where AWS and LocalStack accept. Region and account stay moto's defaults, which the
            // provider and boto3 read from the emulator, not from configuration.
            env["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
            arguments = ["moto_server", "-H", "127.0.0.1", "-p", String(port)]
        case .localstack:
            // Settings measured to run LocalStack without Docker and offline (notes/emulators.md).
            let state = request.workDirectory.appendingPathComponent("localstack", isDirectory: true)
            try Files.createDirectory(state.appendingPathComponent("tmp"))
            env.merge([
                "GATEWAY_LISTEN": "127.0.0.1:\(port)", "LOCALSTACK_HOST": "127.0.0.1:\(port)", "SQS_ENDPOINT_STRATEGY": "off",
                "OVERRIDE_IN_DOCKER": "0", "FILESYSTEM_ROOT": state.path, "CONFIG_DIR": state.path,
                "TMPDIR": state.appendingPathComponent("tmp").path, "DNS_ADDRESS": "0", "DISABLE_EVENTS": "1",
            ]) { _, new in new }
            env.merge(HealthCheck.localStackServiceSettings(request.services)) { _, new in new }
            if let token = environment["LOCALSTACK_AUTH_TOKEN"], !token.isEmpty { env["LOCALSTACK_AUTH_TOKEN"] = token }
            arguments = [python, "-m", "localstack.runtime.main"]
        }
        guard let executable = Subprocess.which(arguments[0], path: env["PATH"]) else {
            throw LSQMError(.environment, action: "start \(emulator.rawValue)", cause: "'\(arguments[0])' was not found on PATH")
        }
        let process = try await SpawnedProcess.start(
            executable: executable, arguments: arguments, environment: env,
            workingDirectory: request.workDirectory, output: .logFile(log))
        return HostEmulator(
            process: process, endpoint: URL(string: "http://127.0.0.1:\(port)")!,
            flavor: emulator == .moto ? .moto : .localstack, log: log)
    }
}

/// A running host emulator process.
struct HostEmulator: RunningEmulator {
    let process: SpawnedProcess
    let endpoint: URL
    let flavor: EmulatorFlavor
    let log: URL

    func exitDescription() async -> String? {
        guard process.hasExited else { return nil }
        let status = await process.wait()
        return "the emulator process exited with code \(status.exitCode) before it became healthy"
    }

    func logTail(limit: Int) async -> String { LogFile.tail(log, limit: limit) }

    func stop() async {
        // SIGTERM lets LocalStack shut down its own children; the group kill after the grace period catches
        // anything left.
        await process.stop(grace: .seconds(5))
    }
}

/// An emulator someone else runs: no lifecycle, but still a health check before each validation.
public struct URLRuntime: EmulatorRuntime {
    public let url: URL

    public init(url: URL) throws {
        guard url.scheme == "http", url.host != nil else {
            throw LSQMError(
                .usage, action: "use emulator \(url.absoluteString)", cause: "expected http://HOST:PORT",
                hint: "pass --emulator docker, --emulator host or --emulator http://127.0.0.1:4566")
        }
        self.url = url
    }

    public var info: EmulatorInfo { get async { EmulatorInfo(runtime: "url", name: url.absoluteString) } }

    public func prepare(logger: Logger) async throws {
        logger.info("validate", "emulator", "external emulator at \(url.absoluteString)")
    }

    public func start(_ request: EmulatorRequest) async throws -> any RunningEmulator {
        ExternalEmulator(endpoint: url)
    }

    /// The reset endpoints of the emulators lsqm knows: moto's, then LocalStack's (both POST).
    static let resetPaths = ["/moto-api/reset", "/_localstack/state/reset"]

    /// Throws away everything the emulator holds, so a confirming re-run does not inherit a failed run's
    /// leftovers (a bucket a failed destroy left makes the next apply fail with no fault at all). An emulator
    /// that answers neither reset cannot give a fresh state: throws, naming what each endpoint answered.
    public func resetState() async throws {
        var answers: [String] = []
        for path in Self.resetPaths {
            guard let endpoint = URL(string: path, relativeTo: url)?.absoluteURL else { continue }
            do {
                let response = try await HTTPClient().send(method: "POST", url: endpoint, timeout: 30)
                if (200..<300).contains(response.status) { return }
                answers.append("\(path) answered HTTP \(response.status)")
            } catch {
                answers.append("\(path): \(LSQMError.describe(error))")
            }
        }
        throw LSQMError(
            .environment, action: "reset the emulator at \(url.absoluteString)", cause: answers.joined(separator: "; "),
            hint: "use --emulator host or docker for a fresh emulator per re-run, or an emulator with a reset endpoint")
    }
}

struct ExternalEmulator: RunningEmulator {
    let endpoint: URL
    var flavor: EmulatorFlavor { .detect }
    func logTail(limit: Int) async -> String { "" }
    func stop() async {}
}
