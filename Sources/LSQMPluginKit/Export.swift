import Foundation
import LSQMPluginABI

/// Builds the static descriptor a Swift plugin exports. A plugin is one type plus one export line:
///
/// ```swift
/// @_cdecl("lsqm_plugin_entry")
/// public func lsqm_plugin_entry() -> UnsafeRawPointer { PluginExport.source(MySource.self) }
/// ```
///
/// C function pointers cannot capture a generic type, so the export records the plugin type in this
/// library's own registration (each plugin .so has its own copy of LSQMPluginKit, loaded RTLD_LOCAL) and the
/// descriptor points at non-generic thunks that dispatch through it.
public enum PluginExport {
    public static func source<P: SourcePlugin>(_ type: P.Type) -> UnsafeRawPointer {
        register(type, kind: UInt32(LSQM_KIND_SOURCE)) { plugin, function, request in
            guard function == "discover", let source = plugin as? P else { throw PluginError("unknown function \(function)") }
            return try JSONCoding.encode(try source.discover(try decode(DiscoverRequest.self, request)), pretty: false)
        }
    }

    public static func normalizer<P: NormalizerPlugin>(_ type: P.Type) -> UnsafeRawPointer {
        register(type, kind: UInt32(LSQM_KIND_NORMALIZER), kinds: P.kinds.joined(separator: ",")) { plugin, function, request in
            guard function == "normalize", let normalizer = plugin as? P else { throw PluginError("unknown function \(function)") }
            return try JSONCoding.encode(try normalizer.normalize(try decode(NormalizeRequest.self, request)), pretty: false)
        }
    }

    public static func notifier<P: NotifierPlugin>(_ type: P.Type) -> UnsafeRawPointer {
        register(type, kind: UInt32(LSQM_KIND_NOTIFIER)) { plugin, function, request in
            guard function == "notify", let notifier = plugin as? P else { throw PluginError("unknown function \(function)") }
            return try JSONCoding.encode(try notifier.notify(try decode(RunSummary.self, request)), pretty: false)
        }
    }

    private static func decode<T: Decodable>(_ type: T.Type, _ data: Data) throws -> T {
        do { return try JSONCoding.decode(type, from: data) } catch {
            throw PluginError("failed to decode the request: \(PluginError.describe(error))")
        }
    }

    private static func register<P: LSQMPlugin>(
        _ type: P.Type, kind: UInt32, kinds: String? = nil,
        call: @escaping @Sendable (AnyObject, String, Data) throws -> Data
    ) -> UnsafeRawPointer {
        Registration.once(Registration.Factory(create: { host, config in try P(host: host, config: config) }, call: call)) {
            makeDescriptor(kind: kind, kinds: kinds, name: P.name, version: P.version, description: P.description)
        }
    }

    /// The descriptor and its function table, allocated once for the life of the process.
    private static func makeDescriptor(
        kind: UInt32, kinds: String?, name: String, version: String, description: String
    ) -> UnsafeMutablePointer<lsqm_plugin_descriptor> {
        let descriptor = UnsafeMutablePointer<lsqm_plugin_descriptor>.allocate(capacity: 1)
        let functions: UnsafeRawPointer
        switch Int32(kind) {
        case LSQM_KIND_SOURCE:
            let table = UnsafeMutablePointer<lsqm_source_functions>.allocate(capacity: 1)
            table.initialize(to: lsqm_source_functions(struct_size: UInt32(MemoryLayout<lsqm_source_functions>.size), discover: Thunks.discover))
            functions = UnsafeRawPointer(table)
        case LSQM_KIND_NORMALIZER:
            let table = UnsafeMutablePointer<lsqm_normalizer_functions>.allocate(capacity: 1)
            table.initialize(
                to: lsqm_normalizer_functions(
                    struct_size: UInt32(MemoryLayout<lsqm_normalizer_functions>.size),
                    kinds: UnsafePointer(strdup(kinds ?? "")), normalize: Thunks.normalize))
            functions = UnsafeRawPointer(table)
        default:
            let table = UnsafeMutablePointer<lsqm_notifier_functions>.allocate(capacity: 1)
            table.initialize(to: lsqm_notifier_functions(struct_size: UInt32(MemoryLayout<lsqm_notifier_functions>.size), notify: Thunks.notify))
            functions = UnsafeRawPointer(table)
        }
        // Strings and tables live for the life of the process: the library is never unloaded.
        descriptor.initialize(
            to: lsqm_plugin_descriptor(
                magic: LSQM_PLUGIN_MAGIC, abi_major: UInt16(LSQM_ABI_MAJOR), abi_minor: UInt16(LSQM_ABI_MINOR),
                struct_size: UInt32(MemoryLayout<lsqm_plugin_descriptor>.size), kind: kind,
                name: UnsafePointer(strdup(name)), version: UnsafePointer(strdup(version)),
                description: UnsafePointer(strdup(description)),
                create: Thunks.create, destroy: Thunks.destroy, free_buffer: Thunks.freeBuffer, functions: functions))
        return descriptor
    }
}

/// This library's one registered plugin type.
enum Registration {
    struct Factory: Sendable {
        let create: @Sendable (PluginHost, JSONValue) throws -> AnyObject
        let call: @Sendable (AnyObject, String, Data) throws -> Data
    }
    private static let lock = NSLock()
    /// Written once by the export function, read by every thunk, from whichever threads the host calls on.
    /// `nonisolated(unsafe)` because a raw pointer is not Sendable; every access goes through `lock`.
    nonisolated(unsafe) private static var registered: (factory: Factory, descriptor: UnsafeMutablePointer<lsqm_plugin_descriptor>)?

    /// The registered type's factory, nil before the export ran.
    static var factory: Factory? { lock.withLock { registered?.factory } }

    /// Registers `factory` and the descriptor `make` builds, the first time; later calls return the first descriptor.
    static func once(_ factory: Factory, _ make: () -> UnsafeMutablePointer<lsqm_plugin_descriptor>) -> UnsafeRawPointer {
        lock.withLock {
            if let registered { return UnsafeRawPointer(registered.descriptor) }
            let descriptor = make()
            registered = (factory, descriptor)
            return UnsafeRawPointer(descriptor)
        }
    }
}

/// One created instance: the plugin object and its host handle.
final class InstanceBox {
    let plugin: AnyObject
    init(plugin: AnyObject) { self.plugin = plugin }
}

/// The C entry points of every Swift plugin. Buffers they return are malloc'd (strdup) and freed by
/// `freeBuffer`, as the descriptor promises.
enum Thunks {
    static let create:
        @convention(c) (
            UnsafePointer<lsqm_host_api>?, OpaquePointer?, UnsafePointer<CChar>?,
            UnsafeMutablePointer<UnsafeMutableRawPointer?>?, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
        ) -> Int32 = {
            api, host, configJSON, state, errorOut in
            guard let api, let factory = Registration.factory else {
                setError(errorOut, PluginError("failed to create plugin: no host API or plugin type registered"))
                return LSQM_ERROR
            }
            do {
                let config: JSONValue =
                    try configJSON.map { try JSONCoding.decode(JSONValue.self, from: Data(String(cString: $0).utf8)) } ?? .object([:])
                let plugin = try factory.create(PluginHost(api: api, handle: host), config)
                state?.pointee = Unmanaged.passRetained(InstanceBox(plugin: plugin)).toOpaque()
                return LSQM_OK
            } catch {
                setError(errorOut, asPluginError(error, action: "create plugin"))
                return LSQM_ERROR
            }
        }

    static let destroy: @convention(c) (UnsafeMutableRawPointer?) -> Void = { state in
        guard let state else { return }
        Unmanaged<InstanceBox>.fromOpaque(state).release()
    }

    static let freeBuffer: @convention(c) (UnsafeMutablePointer<CChar>?) -> Void = { buffer in free(buffer) }

    typealias CallThunk =
        @convention(c) (
            UnsafeMutableRawPointer?, UnsafePointer<CChar>?, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
            UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
        ) -> Int32

    static let discover: CallThunk = { state, request, response, error in call("discover", state, request, response, error) }
    static let normalize: CallThunk = { state, request, response, error in call("normalize", state, request, response, error) }
    static let notify: CallThunk = { state, request, response, error in call("notify", state, request, response, error) }

    private static func call(
        _ function: String, _ state: UnsafeMutableRawPointer?, _ request: UnsafePointer<CChar>?,
        _ response: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
        _ errorOut: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
    ) -> Int32 {
        guard let state, let factory = Registration.factory else {
            setError(errorOut, PluginError("failed to \(function): the plugin instance is missing"))
            return LSQM_ERROR
        }
        let box = Unmanaged<InstanceBox>.fromOpaque(state).takeUnretainedValue()
        let input = request.map { Data(String(cString: $0).utf8) } ?? Data("{}".utf8)
        do {
            let output = try factory.call(box.plugin, function, input)
            response?.pointee = strdup(String(decoding: output, as: UTF8.self))
            return LSQM_OK
        } catch is PluginCancelled {
            setError(errorOut, PluginError("failed to \(function): cancelled", retryable: true))
            return LSQM_CANCELLED
        } catch {
            setError(errorOut, asPluginError(error, action: function))
            return LSQM_ERROR
        }
    }

    private static func asPluginError(_ error: any Error, action: String) -> PluginError {
        if let pluginError = error as? PluginError { return pluginError }
        if let convertible = error as? PluginErrorConvertible { return convertible.pluginError }
        return PluginError("failed to \(action): \(PluginError.describe(error))")
    }

    private static func setError(_ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ error: PluginError) {
        guard let out else { return }
        let json = (try? JSONCoding.string(error)) ?? "{\"error\":\"failed\",\"retryable\":false}"
        out.pointee = strdup(json)
    }
}
