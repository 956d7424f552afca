import ArgumentParser
import Foundation
import LSQMBasics
import LSQMSync

struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync", abstract: "Clone or pull the artifact repository (initialise a new local one).",
        discussion: """
            ARTIFACT_REPO is a new or empty local path (created), an lsqm artifact repository (pulled when it has an \
            origin), a git URL or a local bare repository (cloned into the cache). A git repository that holds \
            anything else is refused unless --init-existing: then lsqm adds its folders (architectures/, apps/, \
            runs/, reports/, trends/) beside the repository's own files, and only ever stages and commits those.
            """)
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Add lsqm's folders to an existing git repository that holds other things.") var initExisting = false
    @Flag(help: "Print the result as JSON.") var json = false

    func run() async throws {
        let context = try CommandContext(global)
        let output = try await context.logger.stage("sync") {
            try await context.sync(initExisting: initExisting)
        }
        if json { try context.printJSON(output) } else if context.logger.format == .json { print("\(output.action) \(output.path)") }
    }
}

extension CommandContext {
    /// Syncs the artifact repository under the repository lock (two first syncs would race otherwise).
    func sync(initExisting: Bool = false) async throws -> SyncStage.Output {
        let lock = try await lockRepository(stage: "sync")
        defer { lock?.release() }
        return try await SyncStage.run(
            SyncStage.Input(
                repository: configuration.artifactRepo, workingCopy: localRepositoryPath,
                token: configuration.githubToken, githubHosts: gitHubHosts(),
                initExisting: initExisting, dryRun: options.dryRun, logger: logger))
    }
}
