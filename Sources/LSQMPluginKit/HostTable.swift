import Foundation
import LSQMPluginABI

/// The host side of one plugin instance's host API table.
///
/// Implementations: lsqm's `PluginServices` in the host process (in-process mode), the worker's forwarder that
/// relays each call over the pipe to the host (isolated mode), and LSQMPluginTesting's in-memory `TestHost`. The
/// plugin sees the same C table in every case. It lives in the kit so that all three share this one table. Calls may come from any plugin thread and may block (HTTP): never call these from a
/// Swift concurrency thread.
public protocol HostCallbacks: AnyObject, Sendable {
    func log(level: Int32, message: String)
    /// Returns (status, response JSON, error JSON).
    func httpRequest(_ requestJSON: String) -> (status: Int32, response: String?, error: String?)
    /// A config value as JSON text, or nil.
    func configValue(_ key: String) -> String?
    var cacheDirectory: String { get }
    var isCancelled: Bool { get }
}

/// Owns the C `lsqm_host_api` table and the `lsqm_host *` handle given to one plugin instance.
///
/// The handle is an unmanaged reference to this object, so the thunks find their callbacks without globals.
/// Everything stays alive until `release()`, which the instance calls after the plugin's destroy() returned.
// @unchecked Sendable: the table is written once in init; `handle` is cleared by `release()` only after the plugin's
// destroy() returned, when no call can use it any more (lsqm_plugin.h, MEMORY OWNERSHIP).
public final class HostAPITable: @unchecked Sendable {
    public let callbacks: HostCallbacks
    public let table: UnsafeMutablePointer<lsqm_host_api>
    private let cacheDirectoryCString: UnsafeMutablePointer<CChar>
    public private(set) var handle: OpaquePointer?

    public init(callbacks: HostCallbacks) {
        self.callbacks = callbacks
        cacheDirectoryCString = strdup(callbacks.cacheDirectory)
        table = .allocate(capacity: 1)
        table.initialize(
            to: lsqm_host_api(
                struct_size: UInt32(MemoryLayout<lsqm_host_api>.size),
                abi_major: UInt16(LSQM_ABI_MAJOR), abi_minor: UInt16(LSQM_ABI_MINOR),
                log: HostAPITable.logThunk, http_request: HostAPITable.httpThunk, config_get: HostAPITable.configThunk,
                cache_dir: HostAPITable.cacheDirThunk, is_cancelled: HostAPITable.cancelledThunk, free: HostAPITable.freeThunk))
        handle = OpaquePointer(Unmanaged.passRetained(self).toOpaque())
    }

    /// Breaks the self-reference; the table must not be used afterwards.
    public func release() {
        guard let handle else { return }
        self.handle = nil
        Unmanaged<HostAPITable>.fromOpaque(UnsafeRawPointer(handle)).release()
    }

    deinit {
        table.deinitialize(count: 1)
        table.deallocate()
        free(cacheDirectoryCString)
    }

    private static func context(_ host: OpaquePointer?) -> HostAPITable? {
        guard let host else { return nil }
        return Unmanaged<HostAPITable>.fromOpaque(UnsafeRawPointer(host)).takeUnretainedValue()
    }

    // Buffers returned to the plugin are malloc'd (strdup) and released by `freeThunk` (host_api->free).
    private static let logThunk: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?) -> Void = { host, level, message in
        guard let context = context(host), let message else { return }
        context.callbacks.log(level: level, message: String(cString: message))
    }

    private static let httpThunk:
        @convention(c) (
            OpaquePointer?, UnsafePointer<CChar>?, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
            UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
        ) -> Int32 = { host, request, response, error in
            guard let context = context(host), let request else { return LSQM_ERROR }
            let result = context.callbacks.httpRequest(String(cString: request))
            if let text = result.response { response?.pointee = strdup(text) }
            if let text = result.error { error?.pointee = strdup(text) }
            return result.status
        }

    private static let configThunk:
        @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 = { host, key, value in
            guard let context = context(host), let key else { return LSQM_ERROR }
            value?.pointee = context.callbacks.configValue(String(cString: key)).map { strdup($0) }
            return LSQM_OK
        }

    private static let cacheDirThunk: @convention(c) (OpaquePointer?) -> UnsafePointer<CChar>? = { host in
        guard let context = context(host) else { return nil }
        return UnsafePointer(context.cacheDirectoryCString)
    }

    private static let cancelledThunk: @convention(c) (OpaquePointer?) -> Int32 = { host in
        (context(host)?.callbacks.isCancelled ?? true) ? 1 : 0
    }

    private static let freeThunk: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?) -> Void = { _, buffer in free(buffer) }
}
