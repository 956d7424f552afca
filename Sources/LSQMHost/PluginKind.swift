import Foundation
import LSQMBasics
import LSQMPluginABI
import LSQMPluginKit

/// The plugin kinds of lsqm_plugin.h, as the host names them. The raw values are what `plugins list` prints
/// and what the describe cache stores.
public enum PluginKind: String, Codable, Sendable, CaseIterable, CustomStringConvertible {
    case source, normalizer, notifier

    /// The kind of a descriptor's `kind` field; nil for a number this host does not know.
    init?(abi kind: UInt32) {
        switch Int32(kind) {
        case LSQM_KIND_SOURCE: self = .source
        case LSQM_KIND_NORMALIZER: self = .normalizer
        case LSQM_KIND_NOTIFIER: self = .notifier
        default: return nil
        }
    }

    /// The one function each kind exposes.
    public var function: PluginFunction {
        switch self {
        case .source: .discover
        case .normalizer: .normalize
        case .notifier: .notify
        }
    }

    public var description: String { rawValue }
}

/// The function a kind's table exposes. The raw values name the call in messages ("discover with plugin X").
public enum PluginFunction: String, Codable, Sendable, CaseIterable, CustomStringConvertible {
    case discover, normalize, notify

    public var description: String { rawValue }
}

/// One typed client per plugin kind: the kind's request type in, its response type out, so no stage
/// instantiates by kind name, calls a function by name or decodes the answer itself.
public protocol PluginClient: Sendable {
    var instance: any PluginInstance { get }
    /// The plugin as the config selects it (a name or a path), for messages.
    var name: String { get }
}

extension PluginClient {
    public func shutdown() async { await instance.shutdown() }

    func call<Request: Encodable, Response: Decodable>(_ function: PluginFunction, _ request: Request, reader: String) async throws -> Response {
        let text = try await instance.call(function, request: try JSONCoding.string(request))
        do { return try JSONCoding.decode(Response.self, from: Data(text.utf8)) } catch {
            throw LSQMError(.plugin, action: "read the answer of \(reader)", cause: LSQMError.describe(error))
        }
    }
}

public struct SourceClient: PluginClient {
    public let instance: any PluginInstance, name: String
    public func discover(_ request: DiscoverRequest) async throws -> DiscoverResponse { try await call(.discover, request, reader: "source \(name)") }
}

public struct NormalizerClient: PluginClient {
    public let instance: any PluginInstance, name: String
    public func normalize(_ request: NormalizeRequest) async throws -> NormalizeResponse {
        try await call(.normalize, request, reader: "normalizer \(name)")
    }
}

public struct NotifierClient: PluginClient {
    public let instance: any PluginInstance, name: String
    /// A notifier's answer is informational: one that cannot be read counts as delivered (the call returned OK).
    public func notify(_ summary: RunSummary) async throws -> NotifyResponse {
        let text = try await instance.call(.notify, request: try JSONCoding.string(summary))
        return (try? JSONCoding.decode(NotifyResponse.self, from: Data(text.utf8))) ?? NotifyResponse(delivered: true)
    }
}

extension PluginManager {
    /// The configured source `name` (a plugin name or a library path), created with `config`.
    public func source(named name: String, config: JSONValue) async throws -> SourceClient {
        SourceClient(instance: try await instantiate(name: name, kind: .source, config: config), name: name)
    }

    /// The normalizer library at `path`, known in the config as `name`.
    public func normalizer(path: String, name: String, config: JSONValue) async throws -> NormalizerClient {
        NormalizerClient(instance: try await instantiate(path: path, config: config), name: name)
    }

    public func notifier(named name: String, config: JSONValue) async throws -> NotifierClient {
        NotifierClient(instance: try await instantiate(name: name, kind: .notifier, config: config), name: name)
    }
}
