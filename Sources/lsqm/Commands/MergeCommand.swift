import ArgumentParser
import Foundation
import LSQMBasics
import LSQMCore

struct MergeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge", abstract: "Merge the results of validation shards into one run.",
        discussion:
            "Each RUN_DIR is a shard's runs/<run_id> folder (or its results.json). The merged run gets a new run id in the artifact repository.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The shards' run folders.") var runDirectories: [String] = []
    @Flag(help: "Print the merged run's id and counts as JSON.") var json = false

    func run() async throws {
        let context = try CommandContext(global)
        let store = try context.initializedStore(for: "merge")
        let paths = runDirectories.map { URL(fileURLWithPath: $0).standardizedFileURL }
        if global.dryRun {
            print("would merge \(paths.count) shard run(s) into a new run of \(store.root.path)")
            return
        }
        let lock = try await context.lockRepository(stage: "merge")
        defer { lock?.release() }
        let run = try RunMerge.merge(paths, into: store)
        let counts = run.counts
        context.logger.info("merge", "merged", "merged \(paths.count) shards into run \(run.runID): \(counts.total) results")
        if json {
            try context.printJSON(["run_id": JSONValue.string(run.runID), "results": .number(Double(counts.total))] as JSONValue)
        } else {
            print("run \(run.runID): \(counts.total) results from \(paths.count) shards")
        }
    }
}
