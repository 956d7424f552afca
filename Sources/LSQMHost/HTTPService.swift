import Foundation
import LSQMBasics
import LSQMPluginKit

/// Where the remote services discovery sources talk to live. Configurable so tests (and mirrors) can stand in
/// for GitHub and the Terraform Registry: `LSQM_GITHUB_API_URL`, `LSQM_GITHUB_RAW_URL`,
/// `LSQM_TERRAFORM_REGISTRY_URL`.
///
/// The host reads them once and hands them to every source plugin as plugin config keys (`github_api_url`,
/// `github_raw_url`, `terraform_registry_url`; see `pluginConfig(merging:)`). Plugins read them from their
/// config JSON — they never read the environment, so an isolated worker behaves like an in-process plugin and
/// the value that chose where the token goes is the same value the plugin builds its URLs from.
public struct DiscoveryEndpoints: Sendable, Equatable {
    public var githubAPI: URL
    public var githubRaw: URL
    public var terraformRegistry: URL

    public static let environmentKeys = (
        githubAPI: "LSQM_GITHUB_API_URL", githubRaw: "LSQM_GITHUB_RAW_URL",
        terraformRegistry: "LSQM_TERRAFORM_REGISTRY_URL"
    )
    public static let configKeys = (githubAPI: "github_api_url", githubRaw: "github_raw_url", terraformRegistry: "terraform_registry_url")

    public init(githubAPI: URL, githubRaw: URL, terraformRegistry: URL) {
        self.githubAPI = githubAPI; self.githubRaw = githubRaw; self.terraformRegistry = terraformRegistry
    }

    // The literals are constants known to parse.
    public static let `public` = DiscoveryEndpoints(
        githubAPI: URL(string: "https://api.github.com")!,
        githubRaw: URL(string: "https://raw.githubusercontent.com")!,
        terraformRegistry: URL(string: "https://registry.terraform.io")!)

    /// The public services, each overridable from the environment. A value that is not an http(s) URL is a
    /// usage error naming the variable.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> DiscoveryEndpoints {
        func read(_ name: String, _ fallback: URL) throws -> URL {
            guard let text = environment[name]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return fallback }
            guard let url = URL(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
                throw LSQMError(
                    .usage, action: "read \(name)", cause: "'\(text)' is not an http(s) URL",
                    hint: "set \(name) to a base URL such as \(fallback.absoluteString), or unset it")
            }
            return url
        }
        let keys = environmentKeys
        return DiscoveryEndpoints(
            githubAPI: try read(keys.githubAPI, DiscoveryEndpoints.public.githubAPI),
            githubRaw: try read(keys.githubRaw, DiscoveryEndpoints.public.githubRaw),
            terraformRegistry: try read(keys.terraformRegistry, DiscoveryEndpoints.public.terraformRegistry))
    }

    /// A source plugin's config with the endpoint keys added. Keys the deployment set for that source win.
    public func pluginConfig(merging config: JSONValue = .object([:])) -> JSONValue {
        var object = config.objectValue ?? [:]
        let keys = DiscoveryEndpoints.configKeys
        for (key, url) in [(keys.githubAPI, githubAPI), (keys.githubRaw, githubRaw), (keys.terraformRegistry, terraformRegistry)]
        where object[key] == nil {
            object[key] = .string(url.absoluteString)
        }
        return .object(object)
    }
}

/// A source's own budgets, from its config keys `request_budget` (network requests per run) and
/// `rate_limit_wait_seconds` (time it may spend waiting for rate limits and backoff per run).
public struct SourceLimits: Sendable, Equatable {
    public var requestBudget: Int?
    public var waitBudget: Duration?
    public init(requestBudget: Int? = nil, waitBudget: Duration? = nil) { self.requestBudget = requestBudget; self.waitBudget = waitBudget }

    /// The limits set in each source's config, by plugin name.
    public static func from(configs: [(name: String, config: JSONValue)]) -> [String: SourceLimits] {
        var result: [String: SourceLimits] = [:]
        for (name, config) in configs {
            let limits = SourceLimits(
                requestBudget: config["request_budget"]?.intValue,
                waitBudget: config["rate_limit_wait_seconds"]?.doubleValue.map { .milliseconds(Int64($0 * 1000)) })
            if limits != SourceLimits() { result[name] = limits }
        }
        return result
    }
}

/// The host's HTTP service: every request a plugin makes goes through here (design.md "Plugins do not open
/// sockets"), so this is the one place that
/// - injects credentials per host: `GITHUB_TOKEN` goes to the GitHub API host (scheme, host and port of
///   `endpoints.githubAPI`) and nowhere else — not to raw content, not to the registry, not across a redirect —
///   and is never logged or shown to a plugin;
/// - honours GitHub's rate limits (primary: wait for `x-ratelimit-reset`; `retry-after`; secondary: at least a
///   minute, growing) within a per-source wait budget, after which that source stops with a recorded reason
///   while other sources go on;
/// - retries 429 and 5xx with exponential backoff and jitter (`Backoff`);
/// - makes GETs conditional with an on-disk ETag cache, answering a 304 from the cache (`from_cache: true`);
/// - enforces a per-source request budget;
/// - in dry-run records each request and answers `{"status": 0, "dry_run": true}` without sending it;
/// - counts, per source, full downloads against 304s for the mine summary (`counters`).
public final class HTTPService: HostHTTPService {
    public struct Options: Sendable {
        public var endpoints: DiscoveryEndpoints
        /// Sent only to the GitHub API host.
        public var githubToken: String?
        /// The ETag cache folder; nil disables conditional requests.
        public var cacheDirectory: URL?
        public var dryRun: Bool
        /// Network sends allowed per source per run (nil: unlimited).
        public var requestBudget: Int?
        /// Total time one source may spend waiting for rate limits and backoff in a run.
        public var rateLimitWaitBudget: Duration
        /// Per-source overrides of the two budgets, by plugin name (see `SourceLimits.from(selections:)`).
        public var sourceLimits: [String: SourceLimits] = [:]
        /// Backoff for 429, 5xx and connection failures.
        public var backoff: Backoff
        /// Backoff for GitHub secondary limits without `retry-after`, added to GitHub's one-minute floor.
        public var secondaryBackoff: Backoff
        public var maxRedirects: Int
        public var defaultTimeout: TimeInterval

        public init(
            endpoints: DiscoveryEndpoints = .public, githubToken: String? = nil, cacheDirectory: URL? = nil, dryRun: Bool = false,
            requestBudget: Int? = nil, rateLimitWaitBudget: Duration = .seconds(600),
            backoff: Backoff = Backoff(base: .milliseconds(500), cap: .seconds(30), maxAttempts: 5),
            secondaryBackoff: Backoff = Backoff(base: .seconds(30), cap: .seconds(600), maxAttempts: 4),
            maxRedirects: Int = 5, defaultTimeout: TimeInterval = 60
        ) {
            self.endpoints = endpoints; self.githubToken = githubToken; self.cacheDirectory = cacheDirectory; self.dryRun = dryRun
            self.requestBudget = requestBudget; self.rateLimitWaitBudget = rateLimitWaitBudget; self.backoff = backoff
            self.secondaryBackoff = secondaryBackoff; self.maxRedirects = maxRedirects; self.defaultTimeout = defaultTimeout
        }
    }

    public let options: Options
    private let client = HTTPClient()
    private let cache: HTTPCache?
    private let ledger: HTTPLedger
    private let logger: Logger
    /// GitHub's documented floor for a secondary limit without headers.
    static let secondaryLimitFloor: Duration = .seconds(60)

    public init(options: Options, logger: Logger = .silent) {
        self.options = options
        self.cache = options.cacheDirectory.map { HTTPCache(directory: $0) }
        self.ledger = HTTPLedger(requestBudget: options.requestBudget, waitBudget: options.rateLimitWaitBudget, limits: options.sourceLimits)
        self.logger = logger
    }

    /// Per-source request counters so far (keyed by plugin name).
    public var counters: [String: HTTPSourceCounters] { ledger.counters }

    /// The requests a dry run recorded, as `source: METHOD url` lines (query strings redacted).
    public var dryRunRequests: [String] { ledger.dryRunRequests }

    /// Counters summed over all sources.
    public var totals: HTTPSourceCounters {
        counters.values.reduce(into: HTTPSourceCounters()) { sum, c in
            sum.requests += c.requests; sum.sent += c.sent; sum.fullDownloads += c.fullDownloads; sum.notModified += c.notModified
            sum.retries += c.retries; sum.failures += c.failures; sum.dryRun += c.dryRun; sum.waitedSeconds += c.waitedSeconds
            sum.bytesReceived += c.bytesReceived
        }
    }

    /// True when `url` is on the GitHub API host, the only place the token may go.
    func isGitHubAPI(_ url: URL) -> Bool {
        let api = options.endpoints.githubAPI
        return url.scheme?.lowercased() == api.scheme?.lowercased() && url.host?.lowercased() == api.host?.lowercased()
            && (url.port ?? HTTPService.defaultPort(url)) == (api.port ?? HTTPService.defaultPort(api))
    }

    /// Rate limits are per service: host and port.
    static func hostKey(_ url: URL) -> String { "\(url.host?.lowercased() ?? ""):\(url.port ?? defaultPort(url))" }

    private static func defaultPort(_ url: URL) -> Int { url.scheme?.lowercased() == "https" ? 443 : 80 }

    public func perform(_ request: HTTPRequest, plugin: String) async throws -> HTTPResponse {
        try await perform(request, plugin: plugin, grants: .trustedHost)
    }

    public func perform(_ request: HTTPRequest, plugin: String, grants: PluginGrants) async throws -> HTTPResponse {
        // Accounted under the plugin's descriptor name, the same in both isolation modes (PluginManager).
        let source = plugin
        guard let url = URL(string: request.url), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
            ledger.update(source) {
                $0.requests += 1; $0.failures += 1
            }
            throw LSQMError(.usage, action: "request \(request.url) for \(source)", cause: "it is not an absolute http(s) URL")
        }
        let method = request.method.uppercased()
        if options.dryRun {
            ledger.recordDryRun(source, line: "\(method) \(HTTPClient.redactedURL(url))")
            return HTTPResponse(status: 0, dryRun: true)
        }
        ledger.update(source) { $0.requests += 1 }
        if let reason = ledger.stoppedReason(source) {
            ledger.update(source) { $0.failures += 1 }
            throw HTTPLedger.stopped(source, reason)
        }
        do {
            return try await send(method: method, url: url, request: request, source: source, grants: grants)
        } catch {
            ledger.update(source) { $0.failures += 1 }
            throw error
        }
    }

    private func send(method: String, url originalURL: URL, request: HTTPRequest, source: String, grants: PluginGrants) async throws -> HTTPResponse {
        let body: Data? = request.body.map { Data($0.utf8) } ?? request.bodyBase64.flatMap { Data(base64Encoded: $0) }
        // A plugin cannot set credentials of its own for a host the service authenticates.
        var headers = request.headers.filter { $0.key.lowercased() != "authorization" || options.githubToken == nil }
        let cacheKey = HTTPCache.key(method: method, url: originalURL, headers: headers)
        let cached = (method == "GET" && request.cache != false) ? cache?.lookup(cacheKey) : nil
        if let cached {
            if let etag = cached.entry.etag { headers["If-None-Match"] = etag }
            if let lastModified = cached.entry.lastModified { headers["If-Modified-Since"] = lastModified }
        }
        var url = originalURL
        var method = method
        var redirects = 0
        var attempt = 0
        while true {
            try await waitForPrimaryReset(host: HTTPService.hostKey(url), source: source)
            try ledger.chargeSend(source)
            var sendHeaders = headers
            // A redirect may point anywhere: each hop's address is checked again (the first one was checked by
            // PluginServices before the request got here).
            if redirects > 0, let refusal = grants.addressRefusal(url) {
                throw LSQMError(.plugin, action: "follow a redirect for \(source)", cause: refusal)
            }
            if isGitHubAPI(url), grants.allowsToken(method: method, url: url, apiBase: options.endpoints.githubAPI),
                let token = options.githubToken, !token.isEmpty
            {
                sendHeaders["Authorization"] = "Bearer \(token)"
            }
            let response: HTTPClient.Response
            do {
                response = try await client.send(
                    method: method, url: url, headers: sendHeaders, body: body,
                    timeout: request.timeoutSeconds ?? options.defaultTimeout, followRedirects: false)
            } catch {
                // Nothing answered (refused, reset, timeout): one quick retry, then the plugin hears about it.
                attempt += 1
                guard attempt < min(options.backoff.maxAttempts, 2) else { throw error }
                try await pause(options.backoff.delay(attempt: attempt), source: source, reason: "\(HTTPClient.redactedURL(url)) did not answer")
                ledger.update(source) { $0.retries += 1 }
                continue
            }
            ledger.observe(host: HTTPService.hostKey(url), headers: response.headers)
            log(method: method, url: url, status: response.status, source: source)
            let answer = HTTPAnswer.classify(response, url: url)
            if answer != .notModified {
                ledger.update(source) {
                    $0.fullDownloads += 1; $0.bytesReceived += response.body.count
                }
            }
            switch answer {
            case .redirect(let next):
                redirects += 1
                guard redirects <= options.maxRedirects else {
                    throw LSQMError(
                        .remote, action: "request \(HTTPClient.redactedURL(originalURL))", cause: "more than \(options.maxRedirects) redirects")
                }
                // The token is re-decided per hop by isGitHubAPI: a redirect to another host never carries it.
                if response.status == 303 { method = "GET" }
                url = next
                continue
            case .notModified:
                guard let cached else { return HTTPService.pluginResponse(response) }
                ledger.update(source) { $0.notModified += 1 }
                return HTTPResponse(status: cached.entry.status, headers: cached.entry.headers, body: cached.body, fromCache: true)
            case .primaryLimit(let resetAt):
                attempt += 1
                let wait = Duration.milliseconds(Int64(max(resetAt.timeIntervalSinceNow, 0) * 1000) + 250)
                try await pause(wait, source: source, reason: "the GitHub primary rate limit is spent until \(HTTPService.utc(resetAt))")
            case .retryAfter(let wait):
                attempt += 1
                guard attempt < options.backoff.maxAttempts else { return HTTPService.pluginResponse(response) }
                try await pause(
                    wait, source: source,
                    reason: "\(HTTPClient.redactedURL(url)) asked to retry after \(HTTPLedger.seconds(wait)) s (HTTP \(response.status))")
            case .secondaryLimit:
                attempt += 1
                guard attempt < options.secondaryBackoff.maxAttempts else { return HTTPService.pluginResponse(response) }
                let wait = HTTPService.secondaryLimitFloor + options.secondaryBackoff.delay(attempt: attempt)
                try await pause(wait, source: source, reason: "GitHub's secondary rate limit was hit")
            case .transient:
                attempt += 1
                guard attempt < options.backoff.maxAttempts else { return HTTPService.pluginResponse(response) }
                try await pause(
                    options.backoff.delay(attempt: attempt), source: source,
                    reason: "\(HTTPClient.redactedURL(url)) answered HTTP \(response.status)")
            case .final:
                // Stored under the original request even after redirects: the next conditional request
                // carries the validator through the same hops.
                if method == "GET", request.cache != false {
                    do { try cache?.store(cacheKey, url: url, response: response) } catch {
                        logger.log(.warning, stage: "mine", event: "http_cache_write_failed", message: LSQMError.describe(error))
                    }
                }
                return HTTPService.pluginResponse(response)
            }
            ledger.update(source) { $0.retries += 1 }
            // A rate-limit wait above is followed by the same request, still conditional.
            if attempt > 12 {
                throw LSQMError(
                    .remote, action: "request \(HTTPClient.redactedURL(originalURL))", cause: "still rate limited after \(attempt) attempts")
            }
        }
    }

    /// Waits before sending to a host whose primary limit an earlier answer said was spent.
    private func waitForPrimaryReset(host: String, source: String) async throws {
        guard let reset = ledger.pendingReset(host: host) else { return }
        let wait = Duration.milliseconds(Int64(max(reset.timeIntervalSinceNow, 0) * 1000) + 250)
        try await pause(wait, source: source, reason: "the rate limit of \(host) is spent until \(HTTPService.utc(reset))")
    }

    private func pause(_ wait: Duration, source: String, reason: @autoclosure () -> String) async throws {
        let why = reason()
        try ledger.chargeWait(source, wait, reason: why)
        logger.log(
            .info, stage: "mine", event: "http_wait", message: "\(source): \(why); waiting \(HTTPLedger.seconds(wait)) s",
            fields: ["source": .string(source), "wait_seconds": .number(wait.secondsValue)])
        try await Task.sleep(for: wait)
    }

    private func log(method: String, url: URL, status: Int, source: String) {
        // The URL is redacted (no query, no user info); headers, which carry the token, are never logged.
        logger.log(
            .debug, stage: "mine", event: "http_request", message: "\(source): \(method) \(HTTPClient.redactedURL(url)) → \(status)",
            fields: ["source": .string(source), "status": .number(Double(status))])
    }

    static func pluginResponse(_ response: HTTPClient.Response) -> HTTPResponse {
        HTTPResponse(status: response.status, headers: response.headers, body: response.body)
    }

    static func utc(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}
