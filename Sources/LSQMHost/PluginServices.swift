import Foundation
import LSQMBasics
import LSQMPluginKit

/// HTTP on a plugin's behalf. The host alone talks to the network: this is where authentication, rate
/// limits, retries, ETag caching, dry-run and redaction live (see `HTTPService`).
public protocol HostHTTPService: Sendable {
    /// A request by the host itself (trusted: no grants applied).
    func perform(_ request: HTTPRequest, plugin: String) async throws -> HTTPResponse
    /// A request on a plugin's behalf, within what `grants` allow (credentials, addresses on redirects).
    func perform(_ request: HTTPRequest, plugin: String, grants: PluginGrants) async throws -> HTTPResponse
}

extension HostHTTPService {
    /// A service that holds no credentials (a test fake) has nothing to withhold: PluginServices has already
    /// applied the method, secret and address checks before it is asked.
    public func perform(_ request: HTTPRequest, plugin: String, grants: PluginGrants) async throws -> HTTPResponse {
        try await perform(request, plugin: plugin)
    }
}

/// The host services one plugin instance uses: its log lines, its config, its cache folder, cancellation,
/// and HTTP through the host's HTTP service.
// @unchecked Sendable: `cancelled` is guarded by `lock`; every other property is immutable.
public final class PluginServices: HostCallbacks, @unchecked Sendable {
    public let pluginName: String
    /// The name HTTP requests are accounted and budgeted under: the selection's name in the config, which is
    /// the descriptor name, or the path when the deployment selected the library by path.
    public let accountName: String
    private let logger: Logger
    private let config: [String: JSONValue]
    public let cacheDirectory: String
    private let http: HostHTTPService?
    private let secretURLs: [String: String]
    /// What this instance may do over HTTP (PluginGrants): checked here for both isolation modes, because an
    /// isolated worker's requests are relayed to this object in the host.
    public let grants: PluginGrants
    private let lock = NSLock()
    private var cancelled = false

    /// - Parameter secretURLs: URLs that are secrets themselves (a Slack webhook), by name. A plugin asks for
    ///   `secret://NAME` and the host substitutes the URL here, so the secret never enters the plugin.
    public init(
        pluginName: String, logger: Logger, config: JSONValue, cacheDirectory: URL, http: HostHTTPService?,
        secretURLs: [String: String] = [:], grants: PluginGrants, accountName: String? = nil
    ) {
        self.accountName = accountName ?? pluginName
        self.secretURLs = secretURLs
        self.grants = grants
        self.pluginName = pluginName
        self.logger = logger
        self.config = config.objectValue ?? [:]
        self.cacheDirectory = cacheDirectory.path
        self.http = http
        try? FileManager.default.createDirectory(at: cacheDirectory, withIntermediateDirectories: true)
    }

    public func log(level: Int32, message: String) {
        let mapped: LogLevel =
            switch level {
            case ..<1: .debug
            case 1: .info
            case 2: .warning
            default: .error
            }
        logger.log(
            mapped, stage: "plugin", event: "plugin_log", message: "\(pluginName): \(PluginErrorText.oneLine(message))",
            fields: ["plugin": .string(pluginName)])
    }

    /// Blocking, by the ABI's contract: called on a plugin thread (in-process) or a relay thread (isolated).
    public func httpRequest(_ requestJSON: String) -> (status: Int32, response: String?, error: String?) {
        guard let http else {
            return (1, nil, PluginErrorText.json("failed to make an HTTP request: this host offers no HTTP service here"))
        }
        var request: HTTPRequest
        do { request = try JSONCoding.decode(HTTPRequest.self, from: Data(requestJSON.utf8)) } catch {
            return (1, nil, PluginErrorText.json("failed to read the HTTP request: \(LSQMError.describe(error))"))
        }
        request.method = request.method.uppercased()
        let shownURL =
            request.url.hasPrefix(PluginServices.secretScheme) ? request.url : URL(string: request.url).map(HTTPClient.redactedURL) ?? "<url>"
        if let refusal = grants.refusal(method: request.method, url: shownURL, plugin: pluginName) { return refuse(refusal) }
        // Answers and errors for a secret URL name it as the plugin did: the plugin never learns the secret.
        var hide = SecretRedactor()
        if request.url.hasPrefix(PluginServices.secretScheme) {
            let name = String(request.url.dropFirst(PluginServices.secretScheme.count))
            guard grants.secrets.contains(name) else {
                return refuse(
                    "failed to request secret URL \(name): plugin \(pluginName) is not granted it; grant it in the deployment config (grants: {secrets: [\(name)]})"
                )
            }
            guard let resolved = secretURLs[name], !resolved.isEmpty else {
                return (1, nil, PluginErrorText.json("failed to request secret URL \(name): it is not set", retryable: false))
            }
            request.url = resolved
            hide = SecretRedactor(values: [resolved])
        } else if let url = URL(string: request.url), let cause = grants.addressRefusal(url) {
            return refuse("failed to request \(shownURL): \(cause)")
        }
        let accountName = self.accountName
        let outgoing = request
        let grants = self.grants
        do {
            let response = try BlockingTask.run { try await http.perform(outgoing, plugin: accountName, grants: grants) }
            return (0, (try? JSONCoding.string(response)) ?? "{}", nil)
        } catch {
            let lsqm = error as? LSQMError
            let retryable = lsqm?.kind == .remote
            let message = lsqm?.message ?? "failed to request \(request.url): \(LSQMError.describe(error))"
            return (1, nil, PluginErrorText.json(hide.redact(message), retryable: retryable))
        }
    }

    /// A request outside the plugin's grants: logged for the operator, answered to the plugin as an error.
    private func refuse(_ sentence: String) -> (status: Int32, response: String?, error: String?) {
        logger.log(
            .warning, stage: "plugin", event: "plugin_request_refused", message: "\(pluginName): \(sentence)", fields: ["plugin": .string(pluginName)]
        )
        return (1, nil, PluginErrorText.json(sentence, retryable: false))
    }

    /// `secret://NAME`: a URL the host fills in from its secrets.
    public static let secretScheme = "secret://"

    public func configValue(_ key: String) -> String? {
        config[key].flatMap { try? JSONCoding.string($0) }
    }

    /// All config values as JSON texts (sent to a worker with `create`).
    var configTexts: [String: String] { config.compactMapValues { try? JSONCoding.string($0) } }

    public var isCancelled: Bool { lock.withLock { cancelled } }

    public func cancel() { lock.withLock { cancelled = true } }
}
