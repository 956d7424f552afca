import ArgumentParser
import Foundation
import LSQMBasics
import LSQMCore
import LSQMPush

struct PushCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push", abstract: "Commit the latest run's results and push them to the artifact repository.")
    @OptionGroup var global: GlobalOptions
    @Option(name: .customLong("run"), help: "The run the commit message describes (default: the newest).") var runID: String?
    @Flag(help: "Print the result as JSON.") var json = false

    func run() async throws {
        let context = try CommandContext(global)
        let store = try context.initializedStore(for: "push")
        let overview = store.runIDs().isEmpty && runID == nil ? nil : try RunOverview.load(store: store, runID: runID)
        let output = try await context.push(overview: overview)
        if json { return try context.printJSON(output) }
        if global.dryRun {
            print("dry run: would commit \(output.changes.count) changed paths, pruning \(output.pruned.count) old runs")
            print("message:\n\(output.message)")
        } else {
            print(output.pushed ? "pushed \(output.commit ?? "")" : (output.note ?? (output.committed ? "committed" : "nothing to commit")))
        }
    }
}

extension CommandContext {
    /// Commits and pushes; the message describes `overview`'s run, or only the index and apps when there is none.
    func push(overview: RunOverview?) async throws -> PushStage.Output {
        let store = try initializedStore(for: "push")
        let lock = try await lockRepository(stage: "push")
        defer { lock?.release() }
        let message = overview?.commitMessage ?? (title: "lsqm: update architectures and apps", body: "")
        return try await logger.stage("push") {
            var input = PushStage.Input(
                workingCopy: store.root, title: message.title, body: message.body, token: configuration.githubToken,
                dryRun: options.dryRun, logger: logger)
            input.githubHosts = gitHubHosts()
            return try await PushStage.run(input)
        }
    }
}
