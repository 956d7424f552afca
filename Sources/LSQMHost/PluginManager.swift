import Foundation
import LSQMBasics
import LSQMPluginABI
import LSQMPluginKit

/// Where plugins are looked for, in order (design.md): the built-in directory next to the binary, then each
/// entry of `LSQM_PLUGIN_PATH`, then each `--plugin-dir`. A plugin is known by its descriptor name; a second
/// library with a name already found (a built-in's included) is refused, naming both paths, so a plugin cannot
/// take over a built-in's identity (and its grants). A deployment that wants the other library selects it by
/// path in the config (`name: /path/to/libX.so`).
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
    public var kind: PluginKind?
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
        kinds = info.kind == .normalizer ? info.kinds : nil
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
    /// The limits and timeouts the check ran under, which are those a deployment applies (lsqm_plugin.h LIMITS).
    public struct Limits: Codable, Sendable, Equatable {
        public var callTimeoutSeconds: Int64
        public var describeTimeoutSeconds: Int64
        public var maxMessageBytes: Int
        public var maxFileBytes: Int
        public var maxArchitectureBytes: Int

        enum CodingKeys: String, CodingKey {
            case callTimeoutSeconds = "call_timeout_seconds", describeTimeoutSeconds = "describe_timeout_seconds"
            case maxMessageBytes = "max_message_bytes", maxFileBytes = "max_file_bytes", maxArchitectureBytes = "max_architecture_bytes"
        }

        public var summary: String {
            "call timeout \(callTimeoutSeconds) s, describe timeout \(describeTimeoutSeconds) s, message \(maxMessageBytes) bytes, "
                + "file \(maxFileBytes) bytes, architecture \(maxArchitectureBytes) bytes"
        }
    }
    public var path: String
    public var steps: [Step]
    public var info: PluginInfo?
    public var limits: Limits?
    public var passed: Bool { !steps.isEmpty && steps.allSatisfy(\.passed) }
}

/// Finds, loads, checks and instantiates plugins.
public final class PluginManager: Sendable {
    public let directories: [PluginDirectory]
    public let isolation: PluginIsolation
    public let workerExecutable: URL
    public let cacheRoot: URL
    public let callTimeout: Duration
    /// Largest message a worker may send (PluginLimits.maxFrameBytes unless a test lowers it).
    public let maxFrameBytes: Int
    private let logger: Logger
    private let http: HostHTTPService?
    private let secretURLs: [String: String]
    private let describeCache: PluginDescribeCache?
    private let inProcessWarned = Locked(false)

    public convenience init(
        directories: [PluginDirectory], isolation: PluginIsolation = .isolated, workerExecutable: URL, cacheRoot: URL,
        callTimeout: Duration = .seconds(600), logger: Logger = .silent, http: HostHTTPService? = nil,
        secretURLs: [String: String] = [:], maxFrameBytes: Int = PluginLimits.maxFrameBytes
    ) {
        self.init(
            directories: directories, isolation: isolation, workerExecutable: workerExecutable, cacheRoot: cacheRoot, callTimeout: callTimeout,
            logger: logger, http: http, secretURLs: secretURLs, maxFrameBytes: maxFrameBytes, cachesDescriptions: true)
    }

    private init(
        directories: [PluginDirectory], isolation: PluginIsolation, workerExecutable: URL, cacheRoot: URL, callTimeout: Duration,
        logger: Logger, http: HostHTTPService?, secretURLs: [String: String], maxFrameBytes: Int, cachesDescriptions: Bool
    ) {
        self.maxFrameBytes = maxFrameBytes
        // v2: entries say whether a refused file is a plugin at all; v1 entries did not, so they are not read.
        self.describeCache = cachesDescriptions ? PluginDescribeCache(file: cacheRoot.appendingPathComponent("plugins/described-v2.json")) : nil
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
                var listing = PluginListing(info: info, origin: directory.origin.rawValue)
                if let previous = winner[info.name] {
                    // The first one found (built-ins come first) keeps the name: a later library cannot take over a
                    // built-in's identity, budgets or grants by reusing its name.
                    listing.loaded = false
                    listing.error =
                        "plugin name \(info.name) collides with \(listings[previous].path) (\(listings[previous].origin)); "
                        + "this one is refused: rename it, or select it by path in the config (name: \(path))"
                } else {
                    winner[info.name] = listings.count
                }
                listings.append(listing)
            case .failure(let refusal):
                if directory.origin == .builtIn, refusal.isNotAPlugin { continue }
                listings.append(PluginListing(path: path, error: refusal.reason, origin: directory.origin.rawValue))
            }
        }
        return listings
    }

    /// How long describing one library may take before it is killed and remembered as refused.
    public static let describeTimeout: Duration = .seconds(30)

    /// Reads and checks one library's descriptor — always in a worker process, in either isolation mode, so
    /// a library that crashes or hangs when loaded costs a refusal, never lsqm itself. The answer is cached
    /// by (path, size, mtime) in the cache directory: each version of a file is executed once to learn its
    /// name, a crash or hang included, and later commands do not load it again.
    public func describe(path: String) async -> Result<PluginInfo, PluginRefusal> {
        let key = PluginDescribeCache.Key(path: path)
        if let key, let cached = describeCache?.lookup(key) { return cached }
        // Not an ELF file at all: refused without starting anything.
        if let handle = FileHandle(forReadingAtPath: path) {
            let magic = (try? handle.read(upToCount: 4)) ?? nil
            try? handle.close()
            if magic != Data([0x7F, 0x45, 0x4C, 0x46]) { return .failure(.notELF(path: path)) }
        }
        let result: Result<PluginInfo, PluginRefusal>
        do {
            let worker = try await IsolatedPluginInstance.start(
                workerExecutable: workerExecutable, libraryPath: path, services: nil, callTimeout: Self.describeTimeout)
            let info = worker.info
            await worker.shutdown()
            result = .success(info)
        } catch let refusal as PluginRefusal {
            result = .failure(refusal)
        } catch let error as LSQMError where error.kind == .plugin {
            // It crashed or hung while being described: remembered, so it costs this once.
            result = .failure(PluginRefusal(path: path, reason: "crashed or hung while being described: \(PluginErrorText.oneLine(error.message))"))
        } catch {
            // The worker could not start (lsqm itself is missing?): not the library's fault, not remembered.
            return .failure(PluginRefusal(path: path, reason: LSQMError.describe(error)))
        }
        if let key { describeCache?.store(key, result) }
        return result
    }

    /// Creates an instance of the plugin `name`, which must be of `kind`.
    /// `name` may be a path (it contains a '/'): the deployment picks that library, e.g. one whose name
    /// collides with another plugin's.
    public func instantiate(name: String, kind: PluginKind, config: JSONValue) async throws -> any PluginInstance {
        if name.contains("/") {
            let path = URL(fileURLWithPath: name).standardizedFileURL.path
            switch await describe(path: path) {
            case .failure(let refusal):
                throw refusal.error(action: "load \(kind) plugin \(path)")
            case .success(let info) where info.kind != kind:
                throw LSQMError(.usage, action: "load \(kind) plugin \(path)", cause: "it is a \(info.kind) plugin")
            case .success:
                // Budgets in the config are keyed by the selection's name: here the path.
                return try await instantiate(path: path, config: config, accountName: name)
            }
        }
        let listings = await list()
        guard let listing = listings.first(where: { $0.name == name && $0.loaded }) else {
            let refused = listings.first { $0.name == name }
            let available = listings.filter { $0.loaded && $0.kind == kind }.compactMap(\.name).sorted()
            throw LSQMError(
                .plugin, action: "load \(kind) plugin \(name)",
                cause: refused?.error ?? "no plugin of that name was found in \(directories.map(\.url.path).joined(separator: ", "))",
                hint: available.isEmpty
                    ? "build the plugins (swift build) or pass --plugin-dir" : "available \(kind) plugins: \(available.joined(separator: ", "))")
        }
        guard listing.kind == kind else {
            throw LSQMError(.usage, action: "load \(kind) plugin \(name)", cause: "it is a \(listing.kind.map(\.rawValue) ?? "?") plugin")
        }
        return try await instantiate(path: listing.path, config: config)
    }

    /// Creates an instance of the library at `path`.
    public func instantiate(path: String, config: JSONValue, accountName: String? = nil) async throws -> any PluginInstance {
        let configJSON = try JSONCoding.string(config)
        switch isolation {
        case .inProcess:
            let plugin: LoadedPlugin
            switch LoadedPlugin.load(path: path) {
            case .success(let loaded): plugin = loaded
            case .failure(let refusal): throw refusal.error(action: "load plugin \(path)")
            }
            let warnedBefore = inProcessWarned.withLock { warned in
                defer { warned = true }
                return warned
            }
            if !warnedBefore {
                logger.warning(
                    "plugin", "in_process_plugins",
                    "plugins run in-process (plugin_isolation: in-process): they share lsqm's process and environment, secrets included, and a plugin crash ends lsqm; use isolated mode outside debugging"
                )
            }
            let services = makeServices(info: plugin.info, config: config, accountName: accountName)
            return try InProcessPluginInstance(plugin: plugin, services: services, configJSON: configJSON)
        case .isolated:
            let worker: IsolatedPluginInstance
            do {
                worker = try await IsolatedPluginInstance.start(
                    workerExecutable: workerExecutable, libraryPath: path, services: nil, callTimeout: callTimeout,
                    maxFrameBytes: maxFrameBytes)
            } catch let refusal as PluginRefusal {
                throw refusal.error(action: "load plugin \(path)")
            }
            let services = makeServices(info: worker.info, config: config, accountName: accountName)
            worker.attach(services)
            do {
                try await worker.create(config: config, cacheDirectory: services.cacheDirectory, configTexts: services.configTexts)
            } catch {
                await worker.shutdown()
                throw error
            }
            return worker
        }
    }

    /// Services named after the descriptor (log attribution, budgets, cache folder are the same in both isolation
    /// modes), with the grants of its kind and config.
    private func makeServices(info: PluginInfo, config: JSONValue, accountName: String?) -> PluginServices {
        let endpoints = (http as? HTTPService)?.options.endpoints
        let grants = PluginGrants.forPlugin(
            kind: info.kind, name: info.name, config: config, secretURLs: secretURLs,
            baseURLs: endpoints.map { [$0.githubAPI, $0.githubRaw, $0.terraformRegistry] } ?? [])
        return PluginServices(
            pluginName: info.name, logger: logger, config: config,
            cacheDirectory: cacheRoot.appendingPathComponent("plugins/\(info.name)", isDirectory: true), http: http,
            secretURLs: secretURLs, grants: grants, accountName: accountName)
    }

    /// The conformance check for plugin authors: the descriptor loads and passes the ABI checks, an
    /// instance can be created with `config`, one round-trip call through a worker answers with valid JSON,
    /// and the instance is destroyed cleanly.
    public func check(path: String, config: JSONValue = .object([:]), request: String? = nil) async -> PluginCheckReport {
        var report = PluginCheckReport(path: path, steps: [], info: nil)
        // A check always describes afresh: its author just rebuilt it.
        let checker = PluginManager(
            directories: [], isolation: .isolated, workerExecutable: workerExecutable, cacheRoot: cacheRoot,
            callTimeout: min(callTimeout, .seconds(120)), logger: logger, http: http, secretURLs: secretURLs,
            maxFrameBytes: maxFrameBytes, cachesDescriptions: false)
        report.limits = .init(
            callTimeoutSeconds: checker.callTimeout.components.seconds, describeTimeoutSeconds: Self.describeTimeout.components.seconds,
            maxMessageBytes: maxFrameBytes, maxFileBytes: PluginLimits.maxFileBytes, maxArchitectureBytes: PluginLimits.maxArchitectureBytes)
        switch await checker.describe(path: path) {
        case .failure(let refusal):
            report.steps.append(.init(name: "descriptor", passed: false, detail: refusal.reason))
            return report
        case .success(let info):
            report.info = info
            report.steps.append(
                .init(
                    name: "descriptor", passed: true,
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
        let kind = instance.info.kind
        let function = kind.function
        let body = request ?? PluginManager.sampleRequest(kind: kind, kinds: report.info?.kinds ?? [])
        do {
            let response = try await instance.call(function, request: body)
            let problems = PluginResponseSchema.problems(kind: kind, request: body, response: response)
            report.steps.append(
                .init(
                    name: "round-trip", passed: problems.isEmpty,
                    detail: problems.isEmpty
                        ? "\(function) answered \(response.utf8.count) bytes that match the \(function) response schema"
                        : "\(function) answered outside its schema: " + problems.prefix(8).joined(separator: "; ")))
        } catch {
            // A plugin that reports a clean error through the ABI still conforms; a crash, a hang, an oversized
            // answer or LSQM_OK without a response does not.
            let message = LSQMError.describe(error)
            let conforms = !((error as? LSQMError)?.code.isPluginContractViolation ?? false)
            report.steps.append(
                .init(
                    name: "round-trip", passed: conforms,
                    detail: conforms ? "\(function) returned an ABI error object: \(message)" : message))
        }
        if let isolated = instance as? IsolatedPluginInstance, let problem = await isolated.shutdownReportingProblems() {
            report.steps.append(.init(name: "destroy", passed: false, detail: problem))
        } else {
            report.steps.append(
                .init(name: "destroy", passed: true, detail: "destroy() returned LSQM_OK and the worker exited by itself with code 0"))
        }
        return report
    }

    /// A harmless request for each kind, used by `plugins check`.
    static func sampleRequest(kind: PluginKind, kinds: [String]) -> String {
        switch kind {
        case .source:
            return (try? JSONCoding.string(DiscoverRequest(limit: 1, dryRun: true))) ?? "{}"
        case .normalizer:
            let template = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Bucket:\n    Type: AWS::S3::Bucket\n"
            return
                (try? JSONCoding.string(
                    NormalizeRequest(
                        kind: kinds.first ?? "cloudformation", name: "conformance-check",
                        files: [PluginFile(path: "template.yaml", text: template)]))) ?? "{}"
        case .notifier:
            // dry_run: a conforming notifier answers without delivering anything.
            return (try? JSONCoding.string(RunSummary(runID: "conformance-check", dryRun: true))) ?? "{}"
        }
    }
}

/// What describing each library answered, by (path, size, mtime) and the host's ABI version: a file that
/// changed is described again, one that did not is never loaded again just to learn its name.
final class PluginDescribeCache: Sendable {
    struct Key: Hashable, Codable {
        var path: String
        var size: UInt64
        var mtimeNanoseconds: Int64
        var hostABI: String

        init?(path: String) {
            var info = stat()
            guard stat(path, &info) == 0 else { return nil }
            self.path = path
            size = UInt64(info.st_size)
            mtimeNanoseconds = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
            hostABI = "\(LSQM_ABI_MAJOR).\(LSQM_ABI_MINOR)"
        }
    }

    struct Entry: Codable {
        var key: Key
        var info: PluginInfo?
        var refusal: String?
        /// The refused file is not an lsqm plugin at all (left out of the built-in directory's listing).
        var notAPlugin: Bool?
    }

    let file: URL
    private let entries: Locked<[String: Entry]?> = Locked(nil)

    init(file: URL) { self.file = file }

    func lookup(_ key: Key) -> Result<PluginInfo, PluginRefusal>? {
        guard let entry = loaded()[key.path], entry.key == key else { return nil }
        if let info = entry.info { return .success(info) }
        return .failure(PluginRefusal(path: key.path, reason: entry.refusal ?? "refused", isNotAPlugin: entry.notAPlugin ?? false))
    }

    func store(_ key: Key, _ result: Result<PluginInfo, PluginRefusal>) {
        let entry: Entry
        switch result {
        case .success(let info): entry = Entry(key: key, info: info, refusal: nil, notAPlugin: nil)
        case .failure(let refusal): entry = Entry(key: key, info: nil, refusal: refusal.reason, notAPlugin: refusal.isNotAPlugin)
        }
        let snapshot = entries.withLock { cached -> [String: Entry] in
            var all = cached ?? [:]
            all[key.path] = entry
            cached = all
            return all
        }
        // Best effort: a cache that cannot be written only means describing again next time.
        try? AtomicFile.writeJSON(snapshot, to: file, durable: false)
    }

    private func loaded() -> [String: Entry] {
        entries.withLock { cached in
            if let cached { return cached }
            let read = (try? Data(contentsOf: file)).flatMap { try? JSONCoding.decode([String: Entry].self, from: $0) } ?? [:]
            cached = read
            return read
        }
    }
}

/// The response schemas of lsqm_plugin.h, checked beyond "is JSON" for `plugins check`: the right top-level
/// shape, required keys with the right types, no more architectures than the request's limit, known statuses,
/// and files that pass the host's path and size rules.
enum PluginResponseSchema {
    static func problems(kind: PluginKind, request: String, response: String) -> [String] {
        guard let json = try? JSONCoding.decode(JSONValue.self, from: Data(response.utf8)) else { return ["the answer is not JSON"] }
        guard json.objectValue != nil else { return ["the answer is \(typeName(json)), not an object"] }
        var problems: [String] = []
        func files(_ value: JSONValue?, _ owner: String) {
            guard let list = value?.arrayValue else { return problems.append("\(owner): \"files\" is missing or not an array") }
            var sized: [(path: String, size: Int)] = []
            for file in list {
                guard let path = file["path"]?.stringValue else { problems.append("\(owner): a file has no \"path\" string"); continue }
                guard let data = (try? JSONCoding.decode(PluginFile.self, from: JSONCoding.encode(file, pretty: false)))?.data else {
                    problems.append("\(owner): file \(path.debugDescription) has neither valid \"content\" nor \"content_base64\""); continue
                }
                sized.append((path, data.count))
            }
            problems += PluginLimits.problems(files: sized).map { "\(owner): \($0)" }
        }
        switch kind {
        case .source:
            let limit = (try? JSONCoding.decode(DiscoverRequest.self, from: Data(request.utf8)))?.limit
            guard let architectures = json["architectures"]?.arrayValue else { return ["\"architectures\" is missing or not an array"] }
            if let limit, architectures.count > limit { problems.append("\(architectures.count) architectures for a request with limit \(limit)") }
            for (index, item) in architectures.enumerated() {
                let owner = "architecture \(index)"
                if (item["source_url"]?.stringValue ?? "").isEmpty { problems.append("\(owner): \"source_url\" is missing or empty") }
                if item["name"]?.stringValue == nil { problems.append("\(owner): \"name\" is missing or not a string") }
                if let kind = item["kind"], kind != .null, !["terraform", "cloudformation", "sam", "serverless"].contains(kind.stringValue ?? "") {
                    problems.append("\(owner): unknown kind \(kind)")
                }
                files(item["files"], owner)
            }
            for key in ["skipped", "warnings"] where json[key] != nil && json[key]?.arrayValue == nil {
                problems.append("\"\(key)\" is not an array")
            }
            if let cursor = json["next_cursor"], cursor != .null, cursor.stringValue == nil {
                problems.append("\"next_cursor\" is not a string or null")
            }
        case .normalizer:
            files(json["files"], "the answer")
            let status = json["normalization"]?["status"]?.stringValue ?? ""
            if !["full", "partial", "needs_input", "failed"].contains(status) {
                problems.append(
                    "normalization.status is \(status.isEmpty ? "missing" : status.debugDescription), not full, partial, needs_input or failed")
            }
        case .notifier:
            if json["delivered"]?.boolValue == nil { problems.append("\"delivered\" is missing or not a boolean") }
        }
        return problems
    }

    static func typeName(_ value: JSONValue) -> String {
        switch value {
        case .array: "an array"
        case .string: "a string"
        case .number: "a number"
        case .bool: "a boolean"
        case .null: "null"
        case .object: "an object"
        }
    }
}
