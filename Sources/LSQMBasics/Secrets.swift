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
        // A budget counts tokens; it is not one (ANTHROPIC_TOKEN_BUDGET=100000 redacted every 100000 on stdout).
        if upper.hasSuffix("_BUDGET") { return false }
        return ["TOKEN", "SECRET", "PASSWORD", "API_KEY", "WEBHOOK"].contains { upper.contains($0) }
    }

    /// The environment with every secret removed: the default for child processes.
    public static func scrubbed(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> [String: String] {
        environment.filter { !isSecret($0.key) }
    }
}

/// Replaces known secret values with `[REDACTED]` in text. Built from the secrets present in the environment
/// and any extra values (config-file secrets) registered at start-up.
///
/// A secret reaches text in more shapes than the one it was given in, and each is redacted: without the
/// whitespace or newline a file or `echo` left at its end; percent-encoded (in a URL or a form body, either hex
/// case); JSON-escaped; and for a secret URL, the parts that are secret on their own — the user info and the
/// path of a webhook (`/services/T…/B…/XXXX`), which an error message may quote without the host.
public struct SecretRedactor: Sendable {
    public private(set) var values: [String]

    /// Forms shorter than this are not redacted: they would mangle ordinary text and are not credible secrets.
    static let minimumLength = 6

    public init(values: [String] = []) {
        var forms = Set<String>()
        for value in values { forms.formUnion(SecretRedactor.forms(of: value)) }
        // Longest first so a secret that contains another is replaced whole.
        self.values = forms.filter { $0.count >= SecretRedactor.minimumLength }.sorted { ($0.count, $0) > ($1.count, $1) }
    }

    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> SecretRedactor {
        var values = environment.filter { SecretEnvironment.isSecret($0.key) }.map(\.value)
        // A repository URL is not a secret, but credentials written into it are.
        if let repo = environment["ARTIFACT_REPO"] { values += credentials(in: repo) }
        return SecretRedactor(values: values)
    }

    public func adding(_ more: [String]) -> SecretRedactor { SecretRedactor(values: values + more) }

    public func redact(_ text: String) -> String {
        var result = text
        for value in values where result.contains(value) {
            result = result.replacingOccurrences(of: value, with: "[REDACTED]")
        }
        return result
    }

    /// The user name and password written into a URL (`https://user:token@host/…`), if any.
    public static func credentials(in url: String) -> [String] {
        guard let components = URLComponents(string: url.trimmingCharacters(in: .whitespacesAndNewlines)) else { return [] }
        return [components.password, components.user].compactMap { $0 }.flatMap { [$0, $0.removingPercentEncoding ?? $0] }
    }

    /// `url` with the user info replaced by `[REDACTED]`: what `config show` prints for the artifact repository.
    public static func withoutCredentials(_ url: String) -> String {
        // Text surgery rather than URLComponents, which refuses to set a user it would have to encode.
        guard let scheme = url.range(of: "://") else { return url }
        let rest = url[scheme.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard let at = authority.lastIndex(of: "@") else { return url }
        return String(url[..<scheme.upperBound]) + "[REDACTED]" + String(url[at...])
    }

    /// Every shape of `value` that may appear in text.
    static func forms(of value: String) -> Set<String> {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        var bases: Set<String> = [value, trimmed]
        if let components = URLComponents(string: trimmed), components.scheme != nil, components.host != nil {
            bases.formUnion(credentials(in: trimmed))
            // The path is the secret part of a webhook URL; a bare "/" or "/api" is not.
            if components.path.count >= 8 {
                bases.insert(components.path)
                if let last = components.path.split(separator: "/").last { bases.insert(String(last)) }
            }
            if let query = components.percentEncodedQuery, query.count >= minimumLength { bases.insert(query) }
        }
        var forms = bases
        for base in bases {
            for allowed in [CharacterSet.alphanumerics, .urlQueryAllowed, .urlPathAllowed, .urlUserAllowed, .urlPasswordAllowed] {
                if let encoded = base.addingPercentEncoding(withAllowedCharacters: allowed) {
                    forms.insert(encoded)
                    forms.insert(lowercasingPercentHex(encoded))
                }
            }
            if let json = try? JSONCoding.string(JSONValue.string(base)) { forms.insert(String(json.dropFirst().dropLast())) }
        }
        return forms
    }

    /// `%2F` → `%2f`: percent-encoding is case-insensitive in its hex digits.
    private static func lowercasingPercentHex(_ text: String) -> String {
        var result = ""
        var remaining = 0
        for character in text {
            if character == "%" { remaining = 2; result.append(character); continue }
            if remaining > 0 { remaining -= 1; result += character.lowercased(); continue }
            result.append(character)
        }
        return result
    }
}
