import ArgumentParser
import Foundation
import LSQMBasics
import LSQMSync

struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sync", abstract: "Clone or pull the artifact repository (initialise a new local one).")
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print the result as JSON.") var json = false

    func run() async throws {
        let context = try CommandContext(global)
        let output = try await context.logger.stage("sync") {
            try await SyncStage.run(context.syncInput())
        }
        if json { try context.printJSON(output) } else if context.logger.format == .json { print("\(output.action) \(output.path)") }
    }
}

extension CommandContext {
    func syncInput() -> SyncStage.Input {
        SyncStage.Input(repository: configuration.artifactRepo, workingCopy: localRepositoryPath, token: configuration.githubToken,
                        dryRun: options.dryRun, logger: logger)
    }
}
