import Foundation
import LSQMPluginABI

/// What every Swift plugin is: a class the host creates once per configured instance.
///
/// A plugin keeps its state in the instance; the host never calls one instance from two threads at once.
public protocol LSQMPlugin: AnyObject {
    /// Unique plugin name (`[A-Za-z0-9_.-]+`).
    static var name: String { get }
    /// The plugin's own version.
    static var version: String { get }
    /// One line for `lsqm plugins list`.
    static var description: String { get }
    /// Creates an instance from its deployment settings (a JSON object, `{}` when none).
    init(host: PluginHost, config: JSONValue) throws
}

extension LSQMPlugin {
    public static var description: String { "" }
}

/// A discovery source: finds architectures.
public protocol SourcePlugin: LSQMPlugin {
    func discover(_ request: DiscoverRequest) throws -> DiscoverResponse
}

/// A normalizer: turns one template kind into Terraform.
public protocol NormalizerPlugin: LSQMPlugin {
    /// Kinds this normalizer accepts, e.g. `["cloudformation", "sam"]`.
    static var kinds: [String] { get }
    func normalize(_ request: NormalizeRequest) throws -> NormalizeResponse
}

/// A notifier: tells people about a run.
public protocol NotifierPlugin: LSQMPlugin {
    func notify(_ summary: RunSummary) throws -> NotifyResponse
}

/// The host services a plugin instance may use, wrapping the C host API table.
// @unchecked Sendable: two pointers to a table the host keeps alive and unchanged until destroy() returns, and the
// host's functions behind them are thread-safe.
public struct PluginHost: @unchecked Sendable {
    // The table and handle stay valid until destroy() returns (lsqm_plugin.h, MEMORY OWNERSHIP).
    let api: UnsafePointer<lsqm_host_api>
    let handle: OpaquePointer?

    init(api: UnsafePointer<lsqm_host_api>, handle: OpaquePointer?) {
        self.api = api
        self.handle = handle
    }

    /// A host over a table this process owns (LSQMPluginTesting's in-memory host); valid until `table` is released.
    public init(table: HostAPITable) {
        self.init(api: UnsafePointer(table.table), handle: table.handle)
    }

    public enum Level: Int32, Sendable { case debug = 0, info = 1, warning = 2, error = 3 }

    public func log(_ level: Level = .info, _ message: String) {
        message.withCString { api.pointee.log(handle, level.rawValue, $0) }
    }

    /// One HTTP request through the host (which adds auth, rate limiting, caching and dry-run).
    public func http(_ request: HTTPRequest) throws -> HTTPResponse {
        let requestJSON = try JSONCoding.string(request)
        var response: UnsafeMutablePointer<CChar>?
        var error: UnsafeMutablePointer<CChar>?
        let status = requestJSON.withCString { api.pointee.http_request(handle, $0, &response, &error) }
        defer {
            api.pointee.free(handle, response)
            api.pointee.free(handle, error)
        }
        guard status == 0, let response else {
            throw PluginKitJSON.decodeError(error) ?? PluginError("failed to request \(request.url): the host returned status \(status)")
        }
        return try JSONCoding.decode(HTTPResponse.self, from: Data(String(cString: response).utf8))
    }

    /// A GET that must succeed (2xx or a cached 304), decoded as `T`.
    public func getJSON<T: Decodable>(_ type: T.Type, url: String, headers: [String: String] = [:]) throws -> T {
        let response = try http(HTTPRequest(url: url, headers: headers))
        guard (200..<300).contains(response.status) else {
            throw PluginError("failed to fetch \(url): HTTP \(response.status)", retryable: response.status >= 500 || response.status == 429)
        }
        do { return try JSONCoding.decode(type, from: response.data) } catch {
            throw PluginError("failed to decode \(url): \(PluginError.describe(error))")
        }
    }

    /// A configuration value for this instance, or nil when not set.
    public func config(_ key: String) -> JSONValue? {
        var value: UnsafeMutablePointer<CChar>?
        _ = key.withCString { api.pointee.config_get(handle, $0, &value) }
        defer { api.pointee.free(handle, value) }
        guard let value else { return nil }
        return try? JSONCoding.decode(JSONValue.self, from: Data(String(cString: value).utf8))
    }

    /// A persistent cache directory for this instance.
    public var cacheDirectory: URL {
        let path = api.pointee.cache_dir(handle).map { String(cString: $0) } ?? NSTemporaryDirectory()
        return URL(fileURLWithPath: path, isDirectory: true)
    }

    /// True once the run is being cancelled: long loops should stop and throw `PluginCancelled`.
    public var isCancelled: Bool { api.pointee.is_cancelled(handle) != 0 }
}

/// Throw from a plugin call to report LSQM_CANCELLED.
public struct PluginCancelled: Error, Sendable { public init() {} }

enum PluginKitJSON {
    static func decodeError(_ pointer: UnsafeMutablePointer<CChar>?) -> PluginError? {
        guard let pointer else { return nil }
        let text = String(cString: pointer)
        return (try? JSONCoding.decode(PluginError.self, from: Data(text.utf8))) ?? PluginError(text)
    }
}
