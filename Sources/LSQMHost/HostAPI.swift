import Foundation
import LSQMBasics
import LSQMPluginABI
import LSQMPluginKit

/// The outcome of one call through the C ABI: status plus the JSON texts the plugin returned.
public struct PluginCallOutcome: Codable, Sendable, Equatable {
    public var status: Int32
    public var response: String?
    public var error: String?
}

/// Calls a loaded plugin's C functions directly in this process. Used by the in-process mode and, inside
/// the worker, by the isolated mode: both paths run exactly this code against the plugin.
// @unchecked Sendable: not thread-safe itself; its owner serializes every use (InProcessPluginInstance under its
// lock, the worker on its main thread).
final class DirectPlugin: @unchecked Sendable {
    let plugin: LoadedPlugin
    private let hostTable: HostAPITable
    private var state: UnsafeMutableRawPointer?
    private var destroyed = false

    /// Creates the instance (`descriptor->create`). Throws the plugin's own error message on failure.
    init(plugin: LoadedPlugin, callbacks: HostCallbacks, configJSON: String) throws {
        self.plugin = plugin
        hostTable = HostAPITable(callbacks: callbacks)
        var created: UnsafeMutableRawPointer?
        var error: UnsafeMutablePointer<CChar>?
        let status = configJSON.withCString {
            plugin.descriptor.pointee.create(UnsafePointer(hostTable.table), hostTable.handle, $0, &created, &error)
        }
        let errorText = DirectPlugin.take(error, plugin: plugin)
        guard status == LSQM_OK else {
            hostTable.release()
            throw LSQMError(
                .plugin, action: "create plugin \(plugin.info.name)", cause: PluginErrorText.message(errorText) ?? "create returned status \(status)")
        }
        state = created
    }

    func call(_ function: PluginFunction, request: String) -> PluginCallOutcome {
        guard !destroyed else {
            return PluginCallOutcome(
                status: LSQM_ERROR, response: nil, error: PluginErrorText.json("failed to \(function): the instance was destroyed"))
        }
        var response: UnsafeMutablePointer<CChar>?
        var error: UnsafeMutablePointer<CChar>?
        let functions = plugin.descriptor.pointee.functions!
        let status: Int32 = request.withCString { requestPointer in
            switch (plugin.info.kind, function) {
            case (.source, .discover):
                return functions.assumingMemoryBound(to: lsqm_source_functions.self).pointee.discover(state, requestPointer, &response, &error)
            case (.normalizer, .normalize):
                return functions.assumingMemoryBound(to: lsqm_normalizer_functions.self).pointee.normalize(state, requestPointer, &response, &error)
            case (.notifier, .notify):
                return functions.assumingMemoryBound(to: lsqm_notifier_functions.self).pointee.notify(state, requestPointer, &response, &error)
            default:
                return LSQM_UNSUPPORTED
            }
        }
        let responseText = DirectPlugin.take(response, plugin: plugin)
        var errorText = DirectPlugin.take(error, plugin: plugin)
        if status == LSQM_UNSUPPORTED, errorText == nil {
            errorText = PluginErrorText.json("failed to call \(function): a \(plugin.info.kind) plugin has no such function")
        }
        return PluginCallOutcome(status: status, response: responseText, error: errorText)
    }

    func destroy() {
        guard !destroyed else { return }
        destroyed = true
        plugin.descriptor.pointee.destroy(state)
        hostTable.release()
    }

    /// Copies a plugin-owned buffer and frees it with the plugin's own free_buffer, as the ABI requires.
    private static func take(_ buffer: UnsafeMutablePointer<CChar>?, plugin: LoadedPlugin) -> String? {
        guard let buffer else { return nil }
        let text = String(cString: buffer)
        plugin.descriptor.pointee.free_buffer(buffer)
        return text
    }
}

/// Reading and writing the ABI's error objects, which are LSQMPluginKit's `PluginError` on both sides.
public enum PluginErrorText {
    public static func json(_ message: String, retryable: Bool = false) -> String {
        (try? JSONCoding.string(PluginError(message, retryable: retryable))) ?? #"{"error":"failed","retryable":false}"#
    }

    /// The human message inside an error object (or the raw text, if a plugin sent something else), as one
    /// line: a plugin's text ends up in human logs, where a newline could forge a log line and an escape
    /// sequence could rewrite the terminal.
    public static func message(_ text: String?) -> String? {
        guard let text else { return nil }
        if let body = try? JSONCoding.decode(PluginError.self, from: Data(text.utf8)) { return oneLine(body.error) }
        return oneLine(text)
    }

    /// Longest plugin-provided text kept in one message; the rest is cut with a note.
    static let maxMessageCharacters = 4000

    /// `text` on one line: newlines, tabs and every other control character (C0, DEL, C1, line/paragraph
    /// separators) escaped as `\n`, `\t`, `\u{1b}`…; cut at `maxMessageCharacters`.
    public static func oneLine(_ text: String) -> String {
        var out = ""
        var count = 0
        for scalar in text.unicodeScalars {
            if count >= maxMessageCharacters { out += "… (cut)"; break }
            count += 1
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.value == 0x2028 || scalar.value == 0x2029:
                out += "\\u{\(String(scalar.value, radix: 16))}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    public static func isRetryable(_ text: String?) -> Bool {
        guard let text, let body = try? JSONCoding.decode(PluginError.self, from: Data(text.utf8)) else { return false }
        return body.retryable
    }
}
