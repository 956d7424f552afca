import Foundation
import LSQMBasics

/// Runs the built `lsqm` binary as a user would, for end-to-end tests of the command line.
public enum LSQMProcess {
    /// Runs `lsqm ARGS` with `environment` added to a secret-free copy of this process's environment.
    public static func run(_ arguments: [String], environment: [String: String] = [:], workingDirectory: URL? = nil,
                           timeout: Duration = .seconds(600)) async throws -> Subprocess.Result {
        var env = SecretEnvironment.scrubbed()
        env["LSQM_LOG_FORMAT"] = "json"
        for (key, value) in environment { env[key] = value }
        return try await Subprocess.run([BuildProducts.lsqm.path] + arguments, environment: env, workingDirectory: workingDirectory,
                                        timeout: timeout, outputLimit: 32 << 20)
    }

    /// The JSON log lines an lsqm run wrote to stderr.
    public static func logLines(_ result: Subprocess.Result) -> [JSONValue] {
        result.stderr.split(separator: "\n").compactMap { try? JSONCoding.decode(JSONValue.self, from: Data($0.utf8)) }
    }
}
