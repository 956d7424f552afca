import Foundation
import LSQMPluginKit

/// An in-memory lsqm host for unit-testing a Swift plugin without lsqm: configuration values, captured log lines,
/// scripted HTTP answers and a cancellation switch, behind the same C host API table lsqm gives a plugin.
///
///     let host = TestHost(config: ["orgs": ["acme"]])
///     host.answer(url: "https://api.github.com/orgs/acme/repos", json: [["name": "infra"]])
///     let source = try host.make(MySource.self)
///     let page = try source.discover(DiscoverRequest(limit: 10))
///     XCTAssertEqual(host.requests.map(\.url), ["https://api.github.com/orgs/acme/repos"])
///
/// Like lsqm, it refuses what a plugin of `kind` may not do (a source: anything but GET/HEAD, any
/// `secret://` URL), so a plugin that passes here does not meet a surprise in production. An unscripted request
/// is an error naming the URL, so a test never reaches the network.
// @unchecked Sendable: every `var` is only touched under `lock`; the rest is immutable.
public final class TestHost: HostCallbacks, @unchecked Sendable {
    public enum Kind: Sendable { case source, normalizer, notifier }

    public struct LogLine: Sendable, Equatable {
        public var level: PluginHost.Level
        public var message: String
    }

    private let lock = NSLock()
    private var configValues: [String: JSONValue]
    private var scripted: [(method: String, url: String, response: HTTPResponse)] = []
    private var received: [HTTPRequest] = []
    private var lines: [LogLine] = []
    private var cancelled = false
    private var tables: [HostAPITable] = []
    public let kind: Kind
    public let cacheDirectory: String

    public init(kind: Kind = .source, config: [String: JSONValue] = [:], cacheDirectory: URL? = nil) {
        self.kind = kind
        configValues = config
        let directory = cacheDirectory ?? FileManager.default.temporaryDirectory.appendingPathComponent("lsqm-test-host-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.cacheDirectory = directory.path
    }

    deinit { tables.forEach { $0.release() } }

    /// A `PluginHost` for `init(host:config:)`; valid as long as this TestHost lives.
    public var pluginHost: PluginHost {
        let table = HostAPITable(callbacks: self)
        lock.withLock { tables.append(table) }
        return PluginHost(table: table)
    }

    /// Creates the plugin with this host and its configuration.
    public func make<P: LSQMPlugin>(_ type: P.Type) throws -> P {
        try P(host: pluginHost, config: .object(lock.withLock { configValues }))
    }

    // MARK: Scripting

    /// Answers requests for exactly `url` with `method` (each time it is asked).
    public func answer(_ method: String = "GET", url: String, with response: HTTPResponse) {
        lock.withLock { scripted.append((method.uppercased(), url, response)) }
    }

    /// Answers `url` with a JSON body.
    public func answer(_ method: String = "GET", url: String, status: Int = 200, json: JSONValue, headers: [String: String] = [:]) {
        let body = (try? JSONCoding.encode(json, pretty: false)) ?? Data()
        answer(
            method, url: url,
            with: HTTPResponse(status: status, headers: headers.merging(["content-type": "application/json"]) { mine, _ in mine }, body: body))
    }

    public func setConfig(_ key: String, _ value: JSONValue?) { lock.withLock { configValues[key] = value } }
    public func cancel() { lock.withLock { cancelled = true } }

    // MARK: What the plugin did

    public var requests: [HTTPRequest] { lock.withLock { received } }
    public var logs: [LogLine] { lock.withLock { lines } }

    // MARK: HostCallbacks (called by the plugin through the C table)

    public func log(level: Int32, message: String) {
        lock.withLock { lines.append(LogLine(level: PluginHost.Level(rawValue: min(max(level, 0), 3)) ?? .info, message: message)) }
    }

    public func httpRequest(_ requestJSON: String) -> (status: Int32, response: String?, error: String?) {
        func failure(_ message: String) -> (status: Int32, response: String?, error: String?) {
            (1, nil, (try? JSONCoding.string(PluginError(message))) ?? #"{"error":"failed"}"#)
        }
        guard let request = try? JSONCoding.decode(HTTPRequest.self, from: Data(requestJSON.utf8)) else {
            return failure("failed to read the HTTP request: it is not a request object")
        }
        let method = request.method.uppercased()
        lock.withLock { received.append(request) }
        switch kind {
        case .source where !["GET", "HEAD"].contains(method):
            return failure("failed to request \(method) \(request.url): a source is granted GET/HEAD")
        case .normalizer:
            return failure("failed to request \(method) \(request.url): a normalizer is granted no HTTP at all")
        case .source where request.url.hasPrefix("secret://"):
            return failure("failed to request \(request.url): a source is never granted secrets")
        default:
            break
        }
        guard let match = lock.withLock({ scripted.first { $0.method == method && $0.url == request.url } }) else {
            return failure("failed to request \(method) \(request.url): the test scripted no answer for it")
        }
        return (0, (try? JSONCoding.string(match.response)) ?? "{}", nil)
    }

    public func configValue(_ key: String) -> String? {
        lock.withLock { configValues[key] }.flatMap { try? JSONCoding.string($0) }
    }

    public var isCancelled: Bool { lock.withLock { cancelled } }
}
