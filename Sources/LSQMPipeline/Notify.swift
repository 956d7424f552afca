import Foundation
import LSQMBasics
import LSQMCore
import LSQMNotify
import LSQMPluginKit

/// `lsqm notify`: each notifier's outcome.
public struct NotifyResult: CommandOutput {
    public var outcomes: [NotifyStage.NotifierOutcome]

    public var text: String {
        var lines: [String] = []
        if outcomes.isEmpty { lines.append("no notifiers configured (see 'notifiers' in the config)") }
        for outcome in outcomes {
            lines.append(
                "\(outcome.notifier): "
                    + (outcome.error.map { "FAILED — \($0)" } ?? (outcome.detail ?? (outcome.delivered ? "delivered" : "not delivered"))))
        }
        return printed(lines)
    }
    public func json() throws -> String { String(decoding: try JSONCoding.encode(outcomes), as: UTF8.self) }
}

extension Application {
    /// `lsqm notify`: announces run `runID` (nil: the newest) through the configured notifiers.
    public func notify(runID: String?, reportURL: String?) async throws -> NotifyResult {
        let overview = try RunOverview.load(store: try initializedStore(for: "notify"), runID: runID)
        return NotifyResult(outcomes: try await notify(overview: overview, reportURL: reportURL))
    }

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
