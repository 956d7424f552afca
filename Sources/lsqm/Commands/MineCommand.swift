import ArgumentParser
import Foundation
import LSQMBasics
import LSQMCore
import LSQMMine
import LSQMSync

struct MineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "mine", abstract: "Discover new architectures from the configured sources.")
    @OptionGroup var global: GlobalOptions
    @Option(name: .long, help: "Also mine this local folder (a LocalDirectorySource for this run). Repeatable.")
    var local: [String] = []
    @Option(name: .long, help: "File names to leave out of local architectures (e.g. SOURCE.json). Repeatable.")
    var ignore: [String] = []
    @Flag(help: "Print the result as JSON.") var json = false

    func run() async throws {
        let context = try CommandContext(global)
        let output = try await context.mine(local: local, ignore: ignore)
        if json { try context.printJSON(output) }
        let failed = output.sources.filter { $0.error != nil }
        if !failed.isEmpty, failed.count == output.sources.count {
            throw LSQMError(.plugin, action: "mine", cause: "every source failed: " + failed.map { "\($0.source): \($0.error ?? "")" }.joined(separator: "; "))
        }
    }
}

extension CommandContext {
    /// The source selections for this run: the configured ones plus one LocalDirectorySource per --local.
    func sourceSelections(local: [String], ignore: [String]) throws -> [PluginSelection] {
        var selections = configuration.sources
        for path in local {
            let url = URL(fileURLWithPath: path).standardizedFileURL
            guard Files.isDirectory(url) else {
                throw LSQMError(.usage, action: "mine --local \(path)", cause: "it is not a directory")
            }
            selections.append(PluginSelection(name: "LocalDirectorySource", config: [
                "path": .string(url.path), "ignore": .array(ignore.map { .string($0) }),
            ]))
        }
        return selections
    }

    /// Makes sure the artifact repository exists (a new local one is initialised) before a stage writes to it.
    func ensureRepository() async throws {
        if !store.isInitialized {
            _ = try await SyncStage.run(syncInput())
        }
    }

    func mine(local: [String], ignore: [String]) async throws -> MineStage.Output {
        let selections = try sourceSelections(local: local, ignore: ignore)
        if !options.dryRun { try await ensureRepository() }
        let manager = pluginManager(http: try httpService())
        return try await logger.stage("mine") {
            try await MineStage.run(.init(store: store, sources: selections, normalizers: configuration.normalizers, manager: manager,
                                          dryRun: options.dryRun, logger: logger))
        }
    }
}
