import Foundation
import LSQMBasics
import LSQMTestSupport
import XCTest

/// A real deployment for the rule apps to run against: moto_server on a free port and `terraform apply` of an
/// architecture with every AWS endpoint pointed at it (the validate stage does the same for real runs).
final class MotoDeployment {
    let directory: URL
    let endpoint: URL
    let server: SpawnedProcess
    var outputs: [String: JSONValue] = [:]

    static let services = ["apigateway", "dynamodb", "events", "iam", "kinesis", "kms", "lambda", "s3", "secretsmanager",
                           "sfn", "sns", "sqs", "ssm", "sts"]

    /// Starts moto_server and waits for its health endpoint; skips the test when moto or terraform is absent.
    init(directory: URL) async throws {
        guard let moto = Subprocess.which("moto_server"), Subprocess.which("terraform") != nil else {
            throw XCTSkip("moto_server and terraform are needed for a real deployment")
        }
        self.directory = directory
        let port = try MotoDeployment.freePort()
        endpoint = URL(string: "http://127.0.0.1:\(port)")!
        server = try SpawnedProcess(executable: moto, arguments: ["moto_server", "-H", "127.0.0.1", "-p", String(port)],
                                    environment: SecretEnvironment.scrubbed(), logPath: directory.appendingPathComponent("moto.log"))
        let health = endpoint.appendingPathComponent("moto-api/")
        for _ in 0..<100 {
            if let response = try? await HTTPClient().send(url: health, timeout: 2), response.status == 200 { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        await server.terminate()
        throw LSQMError(.environment, action: "start moto_server", cause: "it did not answer on \(endpoint)")
    }

    func stop() async { await server.terminate(grace: .seconds(2)) }

    /// The environment terraform and pytest share: the endpoint, dummy credentials, no secrets.
    var environment: [String: String] {
        var env = SecretEnvironment.scrubbed()
        env["AWS_ENDPOINT_URL"] = endpoint.absoluteString
        env["AWS_ACCESS_KEY_ID"] = "test"
        env["AWS_SECRET_ACCESS_KEY"] = "test"
        env["AWS_DEFAULT_REGION"] = "us-east-1"
        env["AWS_REGION"] = "us-east-1"
        env.removeValue(forKey: "AWS_CA_BUNDLE")
        return env
    }

    /// Copies the architecture, adds the provider override, and runs init + apply; records the outputs.
    func apply(architecture source: URL) async throws {
        let work = directory.appendingPathComponent("terraform", isDirectory: true)
        try Files.createDirectory(work)
        for path in Files.regularFiles(under: source) {
            try AtomicFile.write(try Files.read(source.appendingPathComponent(path)), to: work.appendingPathComponent(path))
        }
        let endpoints = MotoDeployment.services.map { "    \($0) = \"\(endpoint.absoluteString)\"" }.joined(separator: "\n")
        try AtomicFile.write("""
        provider "aws" {
          access_key                  = "test"
          secret_key                  = "test"
          region                      = "us-east-1"
          s3_use_path_style           = true
          skip_credentials_validation = true
          skip_metadata_api_check     = true
          skip_requesting_account_id  = true
          endpoints {
        \(endpoints)
          }
        }

        """, to: work.appendingPathComponent("lsqm_providers_override.tf"))
        try AtomicFile.write("""
        provider_installation {
          filesystem_mirror {
            path    = "/opt/tf-plugins"
            include = ["registry.terraform.io/hashicorp/*"]
          }
          direct {
            exclude = ["registry.terraform.io/hashicorp/*"]
          }
        }

        """, to: directory.appendingPathComponent("tf.rc"))
        var env = environment
        env["TF_CLI_CONFIG_FILE"] = directory.appendingPathComponent("tf.rc").path
        env["TF_IN_AUTOMATION"] = "1"
        env["CHECKPOINT_DISABLE"] = "1"
        for arguments in [["init", "-input=false", "-no-color"], ["apply", "-auto-approve", "-input=false", "-no-color"]] {
            let result = try await Subprocess.run(["terraform"] + arguments, environment: env, workingDirectory: work, timeout: .seconds(300))
            guard result.succeeded else {
                throw LSQMError(.environment, action: "terraform \(arguments[0])", cause: AppChecksTail.tail(result.combinedOutput))
            }
        }
        let output = try await Subprocess.run(["terraform", "output", "-json"], environment: env, workingDirectory: work, timeout: .seconds(60))
        let parsed = try JSONCoding.decode([String: JSONValue].self, from: Data(output.stdout.utf8))
        outputs = parsed.compactMapValues { $0["value"] }
    }

    /// Runs the app's tests against the deployment the way the validator does; returns pytest's result.
    func pytest(app: URL) async throws -> Subprocess.Result {
        let outputsFile = directory.appendingPathComponent("outputs.json")
        try AtomicFile.writeJSON(outputs, to: outputsFile)
        var env = environment
        env["LSQM_TF_OUTPUTS"] = outputsFile.path
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        for (name, value) in outputs { env["TF_OUTPUT_" + name.uppercased()] = value.stringValue ?? (try? JSONCoding.string(value)) ?? "" }
        return try await Subprocess.run(["python3", "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", app.path, app.path],
                                        environment: env, workingDirectory: app, timeout: .seconds(300))
    }

    /// Wipes every resource in moto: the deployment is broken, the outputs still name what used to be there.
    func reset() async throws {
        let response = try await HTTPClient().send(method: "POST", url: endpoint.appendingPathComponent("moto-api/reset"))
        XCTAssertEqual(response.status, 200)
    }

    static func freePort() throws -> Int {
        // The kernel picks a free port for a throwaway server; it is free again once that server stops.
        let probe = try HTTPTestServer { _ in .empty() }
        defer { probe.stop() }
        return probe.port
    }
}

enum AppChecksTail {
    static func tail(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).suffix(40).joined(separator: "\n")
    }
}
