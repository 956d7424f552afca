import Foundation
import LSQMBasics
import LSQMPluginKit

/// What one plugin instance may do through the host's HTTP service: least privilege by kind and by what the
/// deployment config grants (issue 15). The host alone holds credentials, so these checks are the whole
/// boundary between a plugin and the deployment's GitHub token and secret URLs.
///
/// - source: GET/HEAD only; the GitHub token only on the configured GitHub API host, for GET/HEAD; never a
///   `secret://` URL.
/// - normalizer: no HTTP at all (a normalizer translates files it is given).
/// - notifier: GET/HEAD/POST/PUT/PATCH; a `secret://NAME` only when granted NAME; the GitHub token only when
///   granted, only for the granted methods, and only under `/repos/<repo>/` of the granted repository.
/// - every kind: link-local and cloud metadata addresses are refused; loopback and private addresses are
///   refused unless a URL the deployment configured (an endpoint, a `*_url` config key, a granted secret URL)
///   names that host — that is how tests reach fakes on 127.0.0.1.
///
/// Grants come from the selection's config key `grants` (`{"secrets": ["SLACK_WEBHOOK_URL"],
/// "github": ["GET", "POST", "PATCH"]}`); without it the built-in notifiers get what their job needs
/// (SlackNotifier: SLACK_WEBHOOK_URL; GitHubIssuesNotifier: GET/POST/PATCH on its repo). A plugin cannot take a
/// built-in's name to inherit those defaults: a name collision with a built-in is refused (PluginManager).
public struct PluginGrants: Sendable, Equatable {
    /// Methods the plugin may use at all, upper case.
    public var methods: Set<String>
    /// `secret://NAME` names the plugin may ask for.
    public var secrets: Set<String>
    /// When set, the GitHub token is attached on the GitHub API host for these methods (and, with `repo`,
    /// only under `/repos/<repo>/`).
    public var githubToken: TokenGrant?
    /// Host names (lower case) that may be loopback or private because the deployment configured them.
    public var configuredHosts: Set<String>
    /// False only for the host's own trusted calls (`HostHTTPService.perform(_:plugin:)`).
    public var checksAddresses: Bool

    public struct TokenGrant: Sendable, Equatable {
        public var methods: Set<String>
        /// owner/name; nil: any path on the API host.
        public var repo: String?
        public init(methods: Set<String>, repo: String? = nil) { self.methods = methods; self.repo = repo }
    }

    public init(
        methods: Set<String>, secrets: Set<String> = [], githubToken: TokenGrant? = nil, configuredHosts: Set<String> = [],
        checksAddresses: Bool = true
    ) {
        self.methods = methods; self.secrets = secrets; self.githubToken = githubToken; self.configuredHosts = configuredHosts
        self.checksAddresses = checksAddresses
    }

    /// The host's own calls, made by lsqm code rather than a plugin: the behaviour before grants existed.
    public static let trustedHost = PluginGrants(
        methods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
        githubToken: TokenGrant(methods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]),
        checksAddresses: false)

    static let readMethods: Set<String> = ["GET", "HEAD"]
    static let notifierMethods: Set<String> = ["GET", "HEAD", "POST", "PUT", "PATCH"]

    /// The grants of a plugin of `kind` named `name` (its descriptor name) with the deployment's `config` for it.
    /// `baseURLs` are URLs the deployment configured outside the plugin's config (service endpoints).
    public static func forPlugin(kind: PluginKind, name: String, config: JSONValue, secretURLs: [String: String], baseURLs: [URL]) -> PluginGrants {
        var grants: PluginGrants
        switch kind {
        case .source:
            grants = PluginGrants(methods: readMethods, githubToken: TokenGrant(methods: readMethods))
        case .notifier:
            grants = PluginGrants(methods: notifierMethods)
            let explicit = config["grants"]
            let secrets =
                explicit?["secrets"]?.arrayValue?.compactMap(\.stringValue)
                ?? (name == "SlackNotifier" ? ["SLACK_WEBHOOK_URL"] : [])
            grants.secrets = Set(secrets)
            let githubMethods =
                explicit?["github"]?.arrayValue?.compactMap { $0.stringValue?.uppercased() }
                ?? (name == "GitHubIssuesNotifier" ? ["GET", "POST", "PATCH"] : [])
            let repo = config["repo"]?.stringValue ?? config["issue_repo"]?.stringValue
            if !githubMethods.isEmpty, let repo, repo.split(separator: "/").count == 2 {
                grants.githubToken = TokenGrant(methods: Set(githubMethods).intersection(notifierMethods), repo: repo)
            }
        case .normalizer:
            // Normalizers translate what they are given: no network at all.
            grants = PluginGrants(methods: [])
        }
        var urls = baseURLs
        urls += configURLs(config)
        urls += grants.secrets.compactMap { secretURLs[$0].flatMap(URL.init(string:)) }
        grants.configuredHosts = Set(urls.compactMap { $0.host?.lowercased() })
        return grants
    }

    /// Every http(s) URL among the config's string values (`github_api_url`, `api_url`, `webhook_url`, …).
    static func configURLs(_ config: JSONValue) -> [URL] {
        switch config {
        case .string(let text):
            guard let url = URL(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else { return [] }
            return [url]
        case .array(let items): return items.flatMap(configURLs)
        case .object(let object): return object.values.flatMap(configURLs)
        default: return []
        }
    }

    /// Refuses a method the plugin's kind does not grant. Returns the refusal sentence, or nil.
    func refusal(method: String, url: String, plugin: String) -> String? {
        guard methods.contains(method) else {
            let allowed = methods.isEmpty ? "no HTTP at all" : methods.sorted().joined(separator: "/")
            return "failed to request \(method) \(url): plugin \(plugin) is granted \(allowed)"
        }
        return nil
    }

    /// Whether the token may go with `method` to `url`, given the API base URL the token belongs to.
    func allowsToken(method: String, url: URL, apiBase: URL) -> Bool {
        guard let grant = githubToken, grant.methods.contains(method) else { return false }
        guard let repo = grant.repo else { return true }
        let base = apiBase.path.hasSuffix("/") ? String(apiBase.path.dropLast()) : apiBase.path
        let path = url.path
        let root = "\(base)/repos/\(repo)".lowercased()
        if path.lowercased() == root || path.lowercased().hasPrefix(root + "/") { return true }
        // GitHub's pagination links name a repository by id (/repositories/<id>/issues?page=2), which cannot be
        // tied to the granted repo here: reads may follow them, writes never do.
        return PluginGrants.readMethods.contains(method) && path.hasPrefix("\(base)/repositories/")
    }

    /// Why `url` is refused (a cause, without "failed to"), when its host is a link-local or metadata address,
    /// or a loopback/private one the deployment did not configure. Host names are resolved; a name that does not
    /// resolve is left to fail on its own.
    func addressRefusal(_ url: URL) -> String? {
        guard checksAddresses, let host = url.host?.lowercased() else { return nil }
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        for address in NetworkAddress.resolve(bare) {
            switch address.scope {
            case .linkLocal:
                return "\(host) is a link-local or cloud metadata address (\(address.text)), which plugins may never reach"
            case .local where !configuredHosts.contains(host):
                return
                    "\(host) is a loopback or private address (\(address.text)) and no configured base URL points there; configure the service's base URL (e.g. LSQM_GITHUB_API_URL or the plugin's *_url key) to allow it"
            default:
                continue
            }
        }
        return nil
    }
}

/// One resolved IP address and how far it reaches.
struct NetworkAddress: Equatable {
    enum Scope { case global, local, linkLocal }
    var bytes: [UInt8]
    var text: String

    /// The addresses `host` names: itself when it is a literal, else what getaddrinfo answers.
    static func resolve(_ host: String) -> [NetworkAddress] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else { return [] }
        defer { freeaddrinfo(list) }
        var result: [NetworkAddress] = []
        var node: UnsafeMutablePointer<addrinfo>? = first
        while let current = node {
            if let address = current.pointee.ai_addr {
                if current.pointee.ai_family == AF_INET {
                    var v4 = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
                    let bytes = withUnsafeBytes(of: &v4) { Array($0) }
                    result.append(NetworkAddress(bytes: bytes, text: bytes.map(String.init).joined(separator: ".")))
                } else if current.pointee.ai_family == AF_INET6 {
                    var v6 = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
                    let bytes = withUnsafeBytes(of: &v6) { Array($0) }
                    var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
                    inet_ntop(AF_INET6, &v6, &buffer, socklen_t(buffer.count))
                    result.append(NetworkAddress(bytes: bytes, text: String(cString: buffer)))
                }
            }
            node = current.pointee.ai_next
        }
        return result
    }

    var scope: Scope {
        if bytes.count == 4 { return NetworkAddress.scope(v4: bytes) }
        guard bytes.count == 16 else { return .global }
        // IPv4-mapped (::ffff:a.b.c.d) is judged as the IPv4 address it carries.
        if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xff, bytes[11] == 0xff { return NetworkAddress.scope(v4: Array(bytes[12...])) }
        if bytes[0] == 0xfe, bytes[1] & 0xc0 == 0x80 { return .linkLocal }  // fe80::/10
        if bytes[0] == 0xfd, bytes[1] == 0x00, bytes[2] == 0x0e, bytes[3] == 0xc2 { return .linkLocal }  // fd00:ec2::/32, EC2 metadata
        if bytes[0..<15].allSatisfy({ $0 == 0 }), bytes[15] <= 1 { return .local }  // :: and ::1
        if bytes[0] & 0xfe == 0xfc { return .local }  // fc00::/7
        return .global
    }

    static func scope(v4 b: [UInt8]) -> Scope {
        switch (b[0], b[1]) {
        case (169, 254): return .linkLocal  // 169.254.0.0/16: link-local, cloud metadata
        case (127, _), (10, _), (0, _): return .local
        case (172, 16...31), (192, 168): return .local
        case (100, 64...127): return .local  // carrier-grade NAT
        default: return .global
        }
    }
}
