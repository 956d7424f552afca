import Foundation
import LSQMBasics
import LSQMPluginKit

/// Where plugins are looked for, in order (design.md): the built-in directory next to the binary, then each
/// entry of `LSQM_PLUGIN_PATH`, then each `--plugin-dir`. A plugin name found again in a later directory
/// replaces the earlier one — so a deployment can swap a built-in plugin without rebuilding lsqm — and the
/// replaced library is listed as shadowed.
public struct PluginDirectory: Sendable, Equatable {
    public enum Origin: String, Sendable { case builtIn = "built-in", environment = "LSQM_PLUGIN_PATH", flag = "--plugin-dir" }
    public var url: URL
    public var origin: Origin
    public init(url: URL, origin: Origin) { self.url = url; self.origin = origin }

    /// The standard search list for an lsqm binary at `executable`.
    public static func standard(executable: URL, environment: [String: String], extra: [String]) -> [PluginDirectory] {
        let binDir = executable.deletingLastPathComponent()
        var result = [PluginDirectory(url: binDir, origin: .builtIn)]
        // An installed layout (bin/lsqm, lib/lsqm/plugins/*.so) as well as the build folder layout.
        let installed = binDir.deletingLastPathComponent().appendingPathComponent("lib/lsqm/plugins", isDirectory: true)
        if Files.isDirectory(installed) { result.append(PluginDirectory(url: installed, origin: .builtIn)) }
        for entry in (environment["LSQM_PLUGIN_PATH"] ?? "").split(separator: ":") where !entry.isEmpty {
            result.append(PluginDirectory(url: URL(fileURLWithPath: String(entry), isDirectory: true), origin: .environment))
        }
        for entry in extra { result.append(PluginDirectory(url: URL(fileURLWithPath: entry, isDirectory: true), origin: .flag)) }
        return result
    }
}

/// One line of `lsqm plugins list`.
public struct PluginListing: Codable, Sendable, Equatable {
    public var name: String?
    public var kind: String?
    public var version: String?
    public var abi: String?
    public var path: String
    public var loaded: Bool
    public var error: String?
    public var description: String?
    public var origin: String
    /// For normalizers: the template kinds accepted.
    public var kinds: [String]?

    public init(info: PluginInfo, origin: String) {
        name = info.name; kind = info.kind; version = info.version; abi = info.abi; path = info.path
        loaded = true; error = nil; description = info.description; self.origin = origin
        kinds = info.kind == "normalizer" ? info.kinds : nil
    }

    public init(path: String, error: String, origin: String) {
        self.path = path; loaded = false; self.error = error; self.origin = origin
    }

    enum CodingKeys: String, CodingKey { case name, kind, version, abi, path, loaded, error, description, origin, kinds }

    /// Every key is always present (null when unknown), so scripts can rely on the shape.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(kind, forKey: .kind)
        try c.encode(version, forKey: .version)
        try c.encode(abi, forKey: .abi)
        try c.encode(path, forKey: .path)
        try c.encode(loaded, forKey: .loaded)
        try c.encode(error, forKey: .error)
        try c.encode(description, forKey: .description)
        try c.encode(origin, forKey: .origin)
        try c.encodeIfPresent(kinds, forKey: .kinds)
    }
}

/// The result of `lsqm plugins check FILE`: each conformance step and whether it passed.
public struct PluginCheckReport: Codable, Sendable {
    public struct Step: Codable, Sendable {
        public var name: String
        public var passed: Bool
        public var detail: String
    }
    public var path: String
    public var steps: [Step]
    public var info: PluginInfo?
    public var passed: Bool { !steps.isEmpty && steps.allSatisfy(\.passed) }
}

/// Finds, loads, checks and instantiates plugins.
public final class PluginManager: Sendable {
    public let directories: [PluginDirectory]
    public let isolation: PluginIsolation
    public let workerExecutable: URL
    public let cacheRoot: URL
    public let callTimeout: Duration
    private let logger: Logger
    private let http: HostHTTPService?
    private let secretURLs: [String: String]

    public init(directories: [PluginDirectory], isolation: PluginIsolation = .isolated, workerExecutable: URL, cacheRoot: URL,
                callTimeout: Duration = .seconds(600), logger: Logger = .silent, http: HostHTTPService? = nil,
                secretURLs: [String: String] = [:]) {
        self.secretURLs = secretURLs
        self.directories = directories
        self.isolation = isolation
        self.workerExecutable = workerExecutable
        self.cacheRoot = cacheRoot
        self.callTimeout = callTimeout
        self.logger = logger
        self.http = http
    }

    /// This process's own executable (what a worker runs).
    public static var currentExecutable: URL {
        URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
    }

    /// Every `.so` in the plugin directories, with its directory.
    func candidates() -> [(path: String, directory: PluginDirectory)] {
        var result: [(String, PluginDirectory)] = []
        var seen = Set<String>()
        for directory in directories {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.url.path)) ?? []
            for name in names.sorted() where name.hasSuffix(".so") || name.contains(".so.") {
                let path = directory.url.appendingPathComponent(name).standardizedFileURL.path
                guard seen.insert(path).inserted else { continue }
                result.append((path, directory))
            }
        }
        return result
    }

    /// Describes every candidate library (each in its own worker when isolated). Files in the built-in
    /// directory that are not lsqm plugins at all are left out; anywhere else they are listed as refused.
    public func list() async -> [PluginListing] {
        var listings: [PluginListing] = []
        var winner: [String: Int] = [:]
        for (path, directory) in candidates() {
            switch await describe(path: path) {
            case .success(let info):
                if let previous = winner[info.name] {
                    listings[previous].loaded = false
                    listings[previous].error = "shadowed by \(path) (same name, later directory)"
                }
                winner[info.name] = listings.count
                listings.append(PluginListing(info: info, origin: directory.origin.rawValue))
            case .failure(let refusal):
                if directory.origin == .builtIn, refusal.isNotAPlugin { continue }
                listings.append(PluginListing(path: path, error: refusal.reason, origin: directory.origin.rawValue))
            }
        }
        return listings
    }

    /// Loads one library far enough to read and check its descriptor.
    public func describe(path: String) async -> Result<PluginInfo, PluginRefusal> {
        switch isolation {
        case .inProcess:
            return LoadedPlugin.load(path: path).map(\.info)
        case .isolated:
            do {
                let worker = try await IsolatedPluginInstance.start(workerExecutable: workerExecutable, libraryPath: path, services: nil, callTimeout: .seconds(30))
                let info = worker.info
                await worker.shutdown()
                return .success(info)
            } catch let refusal as PluginRefusal {
                return .failure(refusal)
            } catch {
                return .failure(PluginRefusal(path: path, reason: LSQMError.describe(error)))
            }
        }
    }

    /// Creates an instance of the plugin `name`, which must be of `kind`.
    public func instantiate(name: String, kind: String, config: JSONValue) async throws -> any PluginInstance {
        let listings = await list()
        guard let listing = listings.first(where: { $0.name == name && $0.loaded }) else {
            let refused = listings.first { $0.name == name }
            let available = listings.filter { $0.loaded && $0.kind == kind }.compactMap(\.name).sorted()
            throw LSQMError(.plugin, action: "load \(kind) plugin \(name)",
                            cause: refused?.error ?? "no plugin of that name was found in \(directories.map(\.url.path).joined(separator: ", "))",
                            hint: available.isEmpty ? "build the plugins (swift build) or pass --plugin-dir" : "available \(kind) plugins: \(available.joined(separator: ", "))")
        }
        guard listing.kind == kind else {
            throw LSQMError(.usage, action: "load \(kind) plugin \(name)", cause: "it is a \(listing.kind ?? "?") plugin")
        }
        return try await instantiate(path: listing.path, config: config)
    }

    /// Creates an instance of the library at `path`.
    public func instantiate(path: String, config: JSONValue) async throws -> any PluginInstance {
        let configJSON = try JSONCoding.string(config)
        switch isolation {
        case .inProcess:
            let plugin: LoadedPlugin
            switch LoadedPlugin.load(path: path) {
            case .success(let loaded): plugin = loaded
            case .failure(let refusal): throw LSQMError(.plugin, action: "load plugin \(path)", cause: refusal.reason)
            }
            let services = makeServices(name: plugin.info.name, config: config)
            return try InProcessPluginInstance(plugin: plugin, services: services, configJSON: configJSON)
        case .isolated:
            let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
            let services = makeServices(name: name, config: config)
            let worker: IsolatedPluginInstance
            do {
                worker = try await IsolatedPluginInstance.start(workerExecutable: workerExecutable, libraryPath: path, services: services, callTimeout: callTimeout)
            } catch let refusal as PluginRefusal {
                throw LSQMError(.plugin, action: "load plugin \(path)", cause: refusal.reason)
            }
            do {
                try await worker.create(configJSON: configJSON, cacheDirectory: services.cacheDirectory, config: services.configTexts)
            } catch {
                await worker.shutdown()
                throw error
            }
            return worker
        }
    }

    private func makeServices(name: String, config: JSONValue) -> PluginServices {
        PluginServices(pluginName: name, logger: logger, config: config,
                       cacheDirectory: cacheRoot.appendingPathComponent("plugins/\(name)", isDirectory: true), http: http, secretURLs: secretURLs)
    }

    /// The conformance check for plugin authors: the descriptor loads and passes the ABI checks, an
    /// instance can be created with `config`, one round-trip call through a worker answers with valid JSON,
    /// and the instance is destroyed cleanly.
    public func check(path: String, config: JSONValue = .object([:]), request: String? = nil) async -> PluginCheckReport {
        var report = PluginCheckReport(path: path, steps: [], info: nil)
        let checker = PluginManager(directories: [], isolation: .isolated, workerExecutable: workerExecutable, cacheRoot: cacheRoot,
                                    callTimeout: min(callTimeout, .seconds(120)), logger: logger, http: http)
        switch await checker.describe(path: path) {
        case .failure(let refusal):
            report.steps.append(.init(name: "descriptor", passed: false, detail: refusal.reason))
            return report
        case .success(let info):
            report.info = info
            report.steps.append(.init(name: "descriptor", passed: true,
                                      detail: "\(info.name) \(info.version), \(info.kind), ABI \(info.abi): magic, major version and struct sizes accepted"))
        }
        let instance: any PluginInstance
        do {
            instance = try await checker.instantiate(path: path, config: config)
            report.steps.append(.init(name: "create", passed: true, detail: "create() returned LSQM_OK in a worker process"))
        } catch {
            report.steps.append(.init(name: "create", passed: false, detail: LSQMError.describe(error)))
            return report
        }
        let kind = report.info?.kind ?? ""
        let function = PluginKindName.function(for: kind) ?? "?"
        let body = request ?? PluginManager.sampleRequest(kind: kind, kinds: report.info?.kinds ?? [])
        do {
            let response = try await instance.call(function, request: body)
            let valid = (try? JSONCoding.decode(JSONValue.self, from: Data(response.utf8))) != nil
            report.steps.append(.init(name: "round-trip", passed: valid,
                                      detail: valid ? "\(function) answered \(response.utf8.count) bytes of JSON" : "\(function) answered text that is not JSON"))
        } catch {
            // A plugin that reports a clean error through the ABI still conforms; a crash or hang does not.
            let message = LSQMError.describe(error)
            let conforms = !(message.contains("crashed") || message.contains("no answer within") || message.contains("exited with code"))
            report.steps.append(.init(name: "round-trip", passed: conforms,
                                      detail: conforms ? "\(function) returned an ABI error object: \(message)" : message))
        }
        await instance.shutdown()
        report.steps.append(.init(name: "destroy", passed: true, detail: "destroy() returned and the worker exited"))
        return report
    }

    /// A harmless request for each kind, used by `plugins check`.
    static func sampleRequest(kind: String, kinds: [String]) -> String {
        switch kind {
        case "source":
            return (try? JSONCoding.string(DiscoverRequest(limit: 1, dryRun: true))) ?? "{}"
        case "normalizer":
            let template = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Bucket:\n    Type: AWS::S3::Bucket\n"
            return (try? JSONCoding.string(NormalizeRequest(kind: kinds.first ?? "cloudformation", name: "conformance-check",
                                                             files: [PluginFile(path: "template.yaml", text: template)]))) ?? "{}"
        default:
            // dry_run: a conforming notifier answers without delivering anything.
            return (try? JSONCoding.string(RunSummary(runID: "conformance-check", dryRun: true))) ?? "{}"
        }
    }
}
