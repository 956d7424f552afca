import Foundation
import LSQMBasics
import LSQMValidate
import XCTest

/// What the pipeline tests that drive a real moto_server share.
enum MotoFixture {
    /// Starts moto_server on a free loopback port, logging into `logDirectory`, and waits until it answers.
    /// The caller kills the returned process group when its test ends.
    static func start(logDirectory: URL) async throws -> (process: SpawnedProcess, url: URL) {
        let port = try FreePort.next()
        let process = try await SpawnedProcess.start(
            executable: try XCTUnwrap(Subprocess.which("moto_server")),
            arguments: ["moto_server", "-H", "127.0.0.1", "-p", String(port)],
            environment: SecretEnvironment.scrubbed(), output: .logFile(logDirectory.appendingPathComponent("moto.log")))
        let url = URL(string: "http://127.0.0.1:\(port)")!
        for _ in 0..<100 {
            if let response = try? await HTTPClient().send(url: url.appendingPathComponent("moto-api/"), timeout: 2), response.status == 200 {
                return (process, url)
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        process.killGroup()
        throw LSQMError(.environment, action: "start moto_server", cause: "it did not answer")
    }

    /// One on-demand DynamoDB table keyed by a string `id`, with its name as the output `table_name`: about the
    /// smallest architecture that deploys on moto in seconds.
    static func dynamoDBTable(resource: String, name: String) -> String {
        """
        resource "aws_dynamodb_table" "\(resource)" {
          name         = "\(name)"
          billing_mode = "PAY_PER_REQUEST"
          hash_key     = "id"

          attribute {
            name = "id"
            type = "S"
          }
        }

        output "table_name" {
          value = aws_dynamodb_table.\(resource).name
        }

        """
    }
}
