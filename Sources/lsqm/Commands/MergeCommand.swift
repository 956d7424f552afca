import ArgumentParser
import LSQMPipeline

struct MergeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge", abstract: "Merge the results of validation shards into one run.",
        discussion:
            "Each RUN_DIR is a shard's runs/<run_id> folder (or its results.json). The merged run gets a new run id in the artifact repository.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The shards' run folders.") var runDirectories: [String] = []
    @Flag(help: "Print the merged run's id and counts as JSON.") var json = false

    func run() async throws {
        try emit(try await global.application().merge(runDirectories: runDirectories), json: json)
    }
}
