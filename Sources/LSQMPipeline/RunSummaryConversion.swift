import Foundation
import LSQMCore
import LSQMPluginKit

extension RunSummary {
    /// The notifiers' view of a run (the ABI's notify request) from the host's overview. The domain → message
    /// conversion is the application's: the notify stage only delivers messages, and the domain knows no plugin.
    public init(_ overview: RunOverview, dryRun: Bool, reportURL: String?) {
        let iso = ISO8601DateFormatter()
        var counts = Counts()
        counts.total = overview.counts.total
        counts.passed = overview.counts.passed
        counts.partial = overview.counts.partial
        counts.failed = overview.counts.failed
        counts.timeout = overview.counts.timeout
        counts.error = overview.counts.error
        self.init(
            runID: overview.runID, startedAt: iso.string(from: overview.startedAt), finishedAt: overview.finishedAt.map(iso.string(from:)),
            dryRun: dryRun, counts: counts, passRate: overview.passRate, previousPassRate: overview.previousPassRate,
            newArchitectures: overview.newArchitectures.map { NewArchitecture(arch: $0.id, name: $0.name, sourceURL: $0.sourceURL) },
            regressions: overview.regressions.map {
                Regression(
                    arch: $0.arch, name: $0.name, sourceURL: $0.sourceURL, services: $0.services, previousRunID: $0.previousRunID,
                    status: $0.status.rawValue, failedStep: $0.failedStep, logExcerpt: $0.logExcerpt, ongoing: $0.ongoing,
                    checked: $0.checked, signatures: $0.signatures)
            },
            resolved: overview.resolved.map { Resolved(arch: $0.arch, name: $0.name, signatures: $0.signatures, openedRunID: $0.openedRunID) },
            reportURL: reportURL)
    }
}
