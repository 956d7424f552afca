import Foundation
import LSQMBasics
import LSQMPluginABI

/// What the host knows about a plugin from its descriptor.
public struct PluginInfo: Codable, Sendable, Equatable {
    public var name: String
    public var kind: PluginKind
    public var version: String
    /// The ABI the plugin was built against, "major.minor".
    public var abi: String
    public var description: String
    /// For normalizers: the template kinds accepted.
    public var kinds: [String]
    public var path: String

    public init(name: String, kind: PluginKind, version: String, abi: String, description: String, kinds: [String], path: String) {
        self.name = name; self.kind = kind; self.version = version; self.abi = abi; self.description = description
        self.kinds = kinds; self.path = path
    }
}

/// The v1 sizes of the ABI structs: the minimum the host accepts. Computed from the header's own layout so
/// they cannot drift from it (abi_layout.c pins the same numbers at compile time).
enum ABISizes {
    static let pointer = MemoryLayout<UnsafeRawPointer?>.size
    static let descriptorV1 = MemoryLayout<lsqm_plugin_descriptor>.offset(of: \lsqm_plugin_descriptor.functions)! + pointer
    static let sourceV1 = MemoryLayout<lsqm_source_functions>.offset(of: \lsqm_source_functions.discover)! + pointer
    static let normalizerV1 = MemoryLayout<lsqm_normalizer_functions>.offset(of: \lsqm_normalizer_functions.normalize)! + pointer
    static let notifierV1 = MemoryLayout<lsqm_notifier_functions>.offset(of: \lsqm_notifier_functions.notify)! + pointer
}

/// Why a library was refused. The reason names what is wrong, for `lsqm plugins list`.
public struct PluginRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var reason: String
    /// True when the file is simply not an lsqm plugin (silently ignored in the built-in directory): set where
    /// the refusal is made, not read back from the reason's words.
    public var isNotAPlugin: Bool
    public init(path: String, reason: String, isNotAPlugin: Bool = false) {
        self.path = path; self.reason = reason; self.isNotAPlugin = isNotAPlugin
    }
    public var description: String { "refused \(path): \(reason)" }

    /// The refusal as the error of `action`, with its identity (`.notAPlugin` or `.pluginRefused`).
    func error(action: String) -> LSQMError {
        LSQMError(.plugin, code: isNotAPlugin ? .notAPlugin : .pluginRefused, action: action, cause: reason)
    }

    /// What a file that is not an ELF file at all is refused for.
    static func notELF(path: String) -> PluginRefusal {
        PluginRefusal(path: path, reason: "not an ELF shared library", isNotAPlugin: true)
    }
}

/// A plugin library loaded into this process and checked.
///
/// Loading is `dlopen(RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE)`: symbols resolve up front (a missing one is a
/// refusal now, not a crash later), plugins cannot see each other's symbols, and the library is never
/// unloaded — a Swift runtime that is really unloaded crashes the host later. For the same reason there is
/// no dlclose anywhere.
// @unchecked Sendable: `descriptor` points into a library that is never unloaded (RTLD_NODELETE) and is only read.
public struct LoadedPlugin: @unchecked Sendable {
    public let info: PluginInfo
    let descriptor: UnsafePointer<lsqm_plugin_descriptor>

    public static func load(path: String) -> Result<LoadedPlugin, PluginRefusal> {
        func refuse(_ reason: String, notAPlugin: Bool = false) -> Result<LoadedPlugin, PluginRefusal> {
            .failure(PluginRefusal(path: path, reason: reason, isNotAPlugin: notAPlugin))
        }

        guard let handle = FileHandle(forReadingAtPath: path) else { return refuse("cannot open the file") }
        let magic = (try? handle.read(upToCount: 4)) ?? nil
        try? handle.close()
        guard let magic, magic == Data([0x7F, 0x45, 0x4C, 0x46]) else { return .failure(.notELF(path: path)) }
        guard let library = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE) else {
            let message = dlerror().map { String(cString: $0) } ?? "unknown error"
            return refuse("dlopen failed: \(message)")
        }
        guard let symbol = dlsym(library, LSQM_PLUGIN_ENTRY_SYMBOL) else {
            return refuse("missing entry symbol \(LSQM_PLUGIN_ENTRY_SYMBOL)", notAPlugin: true)
        }
        let entry = unsafeBitCast(symbol, to: lsqm_plugin_entry_fn.self)
        guard let descriptor = entry() else { return refuse("\(LSQM_PLUGIN_ENTRY_SYMBOL)() returned NULL") }
        switch check(descriptor, path: path) {
        case .success(let info): return .success(LoadedPlugin(info: info, descriptor: descriptor))
        case .failure(let refusal): return .failure(refusal)
        }
    }

    /// The checks of lsqm_plugin.h, in order; nothing in the plugin is called before they pass.
    static func check(_ descriptor: UnsafePointer<lsqm_plugin_descriptor>, path: String) -> Result<PluginInfo, PluginRefusal> {
        func refuse(_ reason: String) -> Result<PluginInfo, PluginRefusal> { .failure(PluginRefusal(path: path, reason: reason)) }
        // Read the fixed head first: magic and sizes are valid to read in any version.
        let d = descriptor.pointee
        guard d.magic == LSQM_PLUGIN_MAGIC else {
            return refuse(String(format: "wrong magic number 0x%08X (expected 0x%08X): not an lsqm plugin descriptor", d.magic, LSQM_PLUGIN_MAGIC))
        }
        guard d.abi_major == LSQM_ABI_MAJOR else {
            let relation = Int32(d.abi_major) > LSQM_ABI_MAJOR ? "newer" : "older"
            return refuse(
                "built for ABI \(d.abi_major).\(d.abi_minor), a \(relation) major version than this host's \(LSQM_ABI_MAJOR).\(LSQM_ABI_MINOR); rebuild the plugin against this lsqm"
            )
        }
        guard Int(d.struct_size) >= ABISizes.descriptorV1 else {
            return refuse("descriptor struct_size \(d.struct_size) is smaller than the v1 descriptor (\(ABISizes.descriptorV1) bytes)")
        }
        guard let kind = PluginKind(abi: d.kind) else {
            return refuse("unknown plugin kind \(d.kind) (this host knows source=1, normalizer=2, notifier=3)")
        }
        guard let namePointer = d.name, let versionPointer = d.version else { return refuse("the descriptor has no name or version") }
        let name = String(cString: namePointer)
        guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) }) else {
            return refuse("invalid plugin name '\(name)' (use letters, digits, '_', '.', '-')")
        }
        guard d.create != nil, d.destroy != nil, d.free_buffer != nil else {
            return refuse("the descriptor lacks create, destroy or free_buffer")
        }
        guard let functions = d.functions else { return refuse("the descriptor has no function table") }
        let tableSize = Int(functions.load(as: UInt32.self))
        var kinds: [String] = []
        switch kind {
        case .source:
            guard tableSize >= ABISizes.sourceV1 else {
                return refuse("source function table struct_size \(tableSize) is smaller than v1 (\(ABISizes.sourceV1))")
            }
            guard functions.assumingMemoryBound(to: lsqm_source_functions.self).pointee.discover != nil else { return refuse("discover is NULL") }
        case .normalizer:
            guard tableSize >= ABISizes.normalizerV1 else {
                return refuse("normalizer function table struct_size \(tableSize) is smaller than v1 (\(ABISizes.normalizerV1))")
            }
            let table = functions.assumingMemoryBound(to: lsqm_normalizer_functions.self).pointee
            guard table.normalize != nil else { return refuse("normalize is NULL") }
            kinds = table.kinds.map { String(cString: $0).split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? []
        case .notifier:
            guard tableSize >= ABISizes.notifierV1 else {
                return refuse("notifier function table struct_size \(tableSize) is smaller than v1 (\(ABISizes.notifierV1))")
            }
            guard functions.assumingMemoryBound(to: lsqm_notifier_functions.self).pointee.notify != nil else { return refuse("notify is NULL") }
        }
        return .success(
            PluginInfo(
                name: name, kind: kind, version: String(cString: versionPointer), abi: "\(d.abi_major).\(d.abi_minor)",
                description: d.description.map { String(cString: $0) } ?? "", kinds: kinds, path: path))
    }
}
