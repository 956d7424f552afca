import ArgumentParser
import Foundation
import LSQMBasics
import LSQMCore
import LSQMNotify
import LSQMPluginKit

struct NotifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "notify", abstract: "Run the configured notifiers for the latest run.")
    @OptionGroup var global: GlobalOptions
    @Option(name: .customLong("run"), help: "The run to announce (default: the newest).") var runID: String?
    @Option(help: "A link to the published report, included in messages.") var reportURL: String?
    @Flag(help: "Print the outcomes as JSON.") var json = false

    func run() async throws {
        let context = try CommandContext(global)
        let overview = try RunOverview.load(store: try context.initializedStore(for: "notify"), runID: runID)
        let outcomes = try await context.notify(overview: overview, reportURL: reportURL)
        if json { return try context.printJSON(outcomes) }
        if outcomes.isEmpty { print("no notifiers configured (see 'notifiers' in the config)") }
        for outcome in outcomes {
            print(
                "\(outcome.notifier): "
                    + (outcome.error.map { "FAILED — \($0)" } ?? (outcome.detail ?? (outcome.delivered ? "delivered" : "not delivered"))))
        }
    }
}

extension CommandContext {
    /// Notifier failures are recorded in the outcomes, never thrown: the run's results stand.
    func notify(overview: RunOverview, reportURL: String?) async throws -> [NotifyStage.NotifierOutcome] {
        let summary = RunSummary(overview, dryRun: options.dryRun, reportURL: reportURL)
        let notifiers = try withPluginDefaults(configuration.notifiers)
        reclaimLeftovers()
        let manager = pluginManager(http: try httpService(sources: notifiers))
        return try await logger.stage("notify") {
            await NotifyStage.run(.init(summary: summary, notifiers: notifiers, manager: manager, logger: logger))
        }
    }
}
