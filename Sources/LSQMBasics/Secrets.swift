import Foundation

/// The environment variables that hold secrets. They are redacted from every log line and artifact and are
/// removed from child processes that do not need them (plugins workers, terraform, pytest).
public enum SecretEnvironment {
    public static let names: [String] = [
        "ANTHROPIC_API_KEY", "GITHUB_TOKEN", "SLACK_WEBHOOK_URL", "LOCALSTACK_AUTH_TOKEN", "GH_TOKEN",
    ]

    /// True for variables whose value must never leak, by name or by shape of the name.
    public static func isSecret(_ name: String) -> Bool {
        if names.contains(name) { return true }
        let upper = name.uppercased()
        return ["TOKEN", "SECRET", "PASSWORD", "API_KEY", "WEBHOOK"].contains { upper.contains($0) }
    }

    /// The environment with every secret removed: the default for child processes.
    public static func scrubbed(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> [String: String] {
        environment.filter { !isSecret($0.key) }
    }
}

/// Replaces known secret values with `[REDACTED]` in text. Built from the secrets present in the environment
/// and any extra values (config-file secrets) registered at start-up.
public struct SecretRedactor: Sendable {
    public private(set) var values: [String]

    public init(values: [String] = []) {
        // Longest first so a secret that contains another is replaced whole; very short values are not
        // redacted (they would mangle ordinary text and are not credible secrets).
        self.values = Array(Set(values.filter { $0.count >= 6 })).sorted { $0.count > $1.count }
    }

    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> SecretRedactor {
        SecretRedactor(values: environment.filter { SecretEnvironment.isSecret($0.key) }.map(\.value))
    }

    public func adding(_ more: [String]) -> SecretRedactor { SecretRedactor(values: values + more) }

    public func redact(_ text: String) -> String {
        var result = text
        for value in values where result.contains(value) {
            result = result.replacingOccurrences(of: value, with: "[REDACTED]")
        }
        return result
    }
}
