import Foundation
import LSQMBasics
import LSQMCore
import LSQMHost
import LSQMTemplates
import LSQMValidate

// The inspection and upkeep commands: status, clean, plugins, config, merge.

/// `lsqm status`: what the artifact repository holds.
public struct StatusResult: CommandOutput {
    public var status: RepositoryStatus
    var root: URL

    public var text: String {
        var lines = ["artifact repository: \(root.path)"]
        lines.append(
            "architectures: \(status.architectures) ("
                + status.kinds.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                + ")")
        lines.append("skipped sources: \(status.skipped)")
        lines.append("apps: \(status.apps)")
        lines.append("runs: \(status.runs)" + (status.lastRun.map { ", last \($0)" } ?? ""))
        if !status.unreadableRuns.isEmpty {
            lines.append(
                "unreadable runs (results.json does not parse; report and compare skip them): \(status.unreadableRuns.joined(separator: ", "))")
            lines.append(
                "  restore with: git -C \(root.path) checkout -- " + status.unreadableRuns.map { "runs/\($0)/results.json" }.joined(separator: " "))
        }
        return printed(lines)
    }
    public func json() throws -> String { String(decoding: try JSONCoding.encode(status), as: UTF8.self) }
}

/// `lsqm plugins list`: the plugins found, and why any was refused.
public struct PluginListResult: CommandOutput {
    public var listings: [PluginListing]
    var directories: [URL]

    public var text: String {
        if listings.isEmpty { return printed(["no plugins found in: " + directories.map(\.path).joined(separator: ", ")]) }
        return printed(
            listings.map { listing in
                listing.loaded
                    ? "\(listing.name ?? "?")  \(listing.kind?.rawValue ?? "?")  v\(listing.version ?? "?")  ABI \(listing.abi ?? "?")  \(listing.path)"
                    : "REFUSED  \(listing.path)\n  \(listing.error ?? "")"
            })
    }
    public func json() throws -> String { String(decoding: try JSONCoding.encode(listings), as: UTF8.self) }
}

/// `lsqm plugins check FILE`: the conformance report; exit 1 when the library does not conform.
public struct PluginCheckResult: CommandOutput {
    public var report: PluginCheckReport

    public var text: String {
        var lines: [String] = []
        if let limits = report.limits { lines.append("limits: \(limits.summary)") }
        for step in report.steps { lines.append("\(step.passed ? "PASS" : "FAIL")  \(step.name): \(step.detail)") }
        lines.append(report.passed ? "conforms to the lsqm plugin ABI" : "does not conform")
        return printed(lines)
    }
    public func json() throws -> String { String(decoding: try JSONCoding.encode(report), as: UTF8.self) }
    public var exitStatus: Int32 { report.passed ? ExitStatus.success : ExitStatus.regressions }
}

/// `lsqm config show`: the effective configuration as YAML (the config file's own format) or JSON.
public struct ConfigResult: CommandOutput {
    /// Secrets redacted; without a `sources` key, the default sources mine would use.
    public var effective: Configuration
    /// `effective` as YAML.
    public var text: String

    // Plugin settings may carry secrets of their own (a webhook URL in a notifier's config): stdout's redactor
    // catches every value that is also in the environment or a known secret field.
    public func json() throws -> String { String(decoding: try JSONCoding.encode(effective), as: UTF8.self) }
}

/// `lsqm merge`: the merged run (in a dry run, what would be merged).
public struct MergeResult: CommandOutput {
    /// nil in a dry run.
    public var run: RunRecord?
    var shards: Int
    var root: URL

    public var text: String {
        guard let run else { return printed(["would merge \(shards) shard run(s) into a new run of \(root.path)"]) }
        return printed(["run \(run.runID): \(run.counts.total) results from \(shards) shards"])
    }
    public func json() throws -> String {
        guard let run else { return text }
        let document: JSONValue = ["run_id": .string(run.runID), "results": .number(Double(run.counts.total))]
        return String(decoding: try JSONCoding.encode(document), as: UTF8.self)
    }
}

extension Application {
    /// `lsqm status`.
    public func status() throws -> StatusResult {
        let store = self.store
        guard store.isInitialized else {
            throw LSQMError(
                .usage, action: "read status of \(store.root.path)", cause: "it is not an lsqm artifact repository yet",
                hint: "run 'lsqm sync' (or 'lsqm mine') first")
        }
        return StatusResult(status: try RepositoryStatus.read(store), root: store.root)
    }

    /// `lsqm clean`: stops what killed runs left running, removes the cache, then stale emulator containers
    /// where a Docker engine answers. Each thing done (or, in a dry run, that would be) goes to `say` as it
    /// happens, so a failure part way leaves what was already done on record.
    public func clean(say: (String) -> Void) async throws {
        let cache = cacheDirectory
        // Leftover processes first: their records live in the cache that is removed next.
        if options.dryRun {
            say(
                "would stop processes left by killed lsqm runs (\(processRecordDirectory.path)) and remove stale lsqm-validate-*/lsqm-check-* folders"
            )
        } else {
            for line in reclaimLeftovers() { say(line) }
        }
        if !Files.exists(cache) {
            say("nothing to clean in \(cache.path)")
        } else if options.dryRun {
            say("would remove \(cache.path)")
        } else {
            do { try FileManager.default.removeItem(at: cache) } catch {
                throw LSQMError(.environment, action: "remove \(cache.path)", cause: LSQMError.describe(error))
            }
            logger.info("clean", "removed", "removed \(cache.path)")
            say("removed \(cache.path)")
        }
        // Stale emulator containers: only where a Docker engine answers (none is fine).
        guard let socket = await DockerRuntime.detectSocket(environment: environment) else { return }
        let docker = try DockerRuntime(socketPath: socket, version: configuration.localstackVersion, authToken: nil)
        if options.dryRun {
            say("would remove every container labelled lsqm.run_id from the Docker engine at \(socket)")
            return
        }
        let removed = try await docker.removeStaleContainers()
        say("removed \(removed.count) stale emulator container\(removed.count == 1 ? "" : "s")")
    }

    /// `lsqm plugins list`.
    public func listPlugins() async -> PluginListResult {
        let manager = pluginManager()
        return PluginListResult(listings: await manager.list(), directories: manager.directories.map(\.url))
    }

    /// `lsqm plugins check FILE`: the conformance check of one library, created with `pluginConfig` (JSON).
    public func checkPlugin(file: String, pluginConfig: String) async throws -> PluginCheckResult {
        let config: JSONValue
        do { config = try JSONCoding.decode(JSONValue.self, from: Data(pluginConfig.utf8)) } catch {
            throw LSQMError(.usage, action: "read --plugin-config", cause: "it is not JSON: \(LSQMError.describe(error))")
        }
        let path = URL(fileURLWithPath: file).standardizedFileURL.path
        guard Files.exists(URL(fileURLWithPath: path)) else {
            throw LSQMError(.usage, action: "check plugin \(file)", cause: "no such file")
        }
        return PluginCheckResult(report: await pluginManager().check(path: path, config: config))
    }

    /// `lsqm config show`.
    public func effectiveConfiguration() throws -> ConfigResult {
        var effective = configuration
        // Without a `sources` key, mine uses the default remote sources: show those, so the output pasted
        // back into a config means the same thing (`sources: []` would mean none).
        if !effective.sourcesConfigured { effective.sources = Configuration.defaultSources }
        effective = effective.redacted()
        let yaml = try TemplateYAML.dump(JSONCoding.decode(JSONValue.self, from: JSONCoding.encode(effective)))
        return ConfigResult(effective: effective, text: yaml)
    }

    /// `lsqm merge`: validation shards' run folders (or their results.json) into one new run.
    public func merge(runDirectories: [String]) async throws -> MergeResult {
        let store = try initializedStore(for: "merge")
        let paths = runDirectories.map { URL(fileURLWithPath: $0).standardizedFileURL }
        if options.dryRun { return MergeResult(run: nil, shards: paths.count, root: store.root) }
        let lock = try await lockRepository(stage: "merge")
        defer { lock?.release() }
        let run = try RunMerge.merge(paths, into: store)
        logger.info("merge", "merged", "merged \(paths.count) shards into run \(run.runID): \(run.counts.total) results")
        return MergeResult(run: run, shards: paths.count, root: store.root)
    }
}
