import Foundation
import LSQMBasics
import LSQMCore
import LSQMHost
import LSQMMine

/// `lsqm mine`: nothing on stdout but the `--json` document (the stage logs its progress); a failure when every
/// source failed.
public struct MineResult: CommandOutput {
    public var output: MineStage.Output

    public var text: String { "" }
    public func json() throws -> String { String(decoding: try JSONCoding.encode(output), as: UTF8.self) }
    public var failure: LSQMError? { output.everySourceFailed }
}

extension Application {
    /// `lsqm mine`: the configured sources (or the defaults) plus one LocalDirectorySource per `local` folder.
    public func mine(local: [String], ignore: [String]) async throws -> MineResult {
        MineResult(output: try await mine(sourceSelections(local: local, ignore: ignore)))
    }

    /// The source selections for this run: the configured ones plus one LocalDirectorySource per --local. With
    /// neither a `sources` key nor `--local`, the default remote sources (and the log says so).
    func sourceSelections(local: [String], ignore: [String]) throws -> [PluginSelection] {
        var selections = configuration.sources
        if !configuration.sourcesConfigured, local.isEmpty {
            selections = Configuration.defaultSources
            logger.info(
                "mine", "default_sources",
                "no sources configured: mining the default remote sources ("
                    + selections.map(\.name).joined(separator: ", ") + "); list `sources` in the config file or pass --local DIR to choose")
        }
        for path in local {
            let url = URL(fileURLWithPath: path).standardizedFileURL
            guard Files.isDirectory(url) else {
                throw LSQMError(.usage, action: "mine --local \(path)", cause: "it is not a directory")
            }
            selections.append(
                PluginSelection(
                    name: "LocalDirectorySource",
                    config: [
                        "path": .string(url.path), "ignore": .array(ignore.map { .string($0) }),
                    ]))
        }
        return try withPluginDefaults(selections)
    }

    /// Mines `selections` (from `sourceSelections`, which gives every source the endpoint keys such as
    /// github_api_url in its config; a source's own setting wins).
    func mine(_ selections: [PluginSelection]) async throws -> MineStage.Output {
        if !options.dryRun { try await ensureRepository() }
        reclaimLeftovers()
        let lock = try await lockRepository(stage: "mine")
        defer { lock?.release() }
        let http = try httpService(sources: selections)
        let manager = pluginManager(http: http)
        let output = try await logger.stage("mine") {
            try await MineStage.run(
                .init(
                    store: store, sources: selections, normalizers: try withPluginDefaults(configuration.normalizers), manager: manager,
                    dryRun: options.dryRun, logger: logger))
        }
        logHTTP(http)
        return output
    }

    /// Per-source request counts (full downloads against 304s), and in a dry run the requests that were not sent.
    func logHTTP(_ http: HTTPService) {
        for (source, counters) in http.counters.sorted(by: { $0.key < $1.key }) {
            let fields = ((try? JSONCoding.decode(JSONValue.self, from: JSONCoding.encode(counters)))?.objectValue ?? [:])
                .merging(["source": .string(source)]) { _, new in new }
            logger.info(
                "mine", "http_requests",
                "\(source): \(counters.requests) requests, \(counters.fullDownloads) full downloads, "
                    + "\(counters.notModified) answered 304\(counters.stoppedReason.map { "; stopped: \($0)" } ?? "")", fields: fields)
        }
        for line in http.dryRunRequests { logger.info("mine", "dry_run_request", "would send \(line)") }
    }
}
