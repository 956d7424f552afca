import Foundation
import LSQMBasics
import LSQMCore
import LSQMReport

/// `lsqm report`: the file written with the run's headline figures, or in a dry run what would be written.
public struct ReportResult: CommandOutput {
    public enum Outcome: Sendable {
        /// A dry run: the report and trends that would be written, and the figures (`--json`).
        case plan(output: URL, trends: URL, summary: @Sendable () throws -> ReportSummary)
        case written(ReportOutput)
    }
    public var outcome: Outcome

    public var text: String {
        switch outcome {
        case .plan(let output, let trends, _):
            return printed(["would write \(output.path) and trends in \(trends.path)"])
        case .written(let result):
            let declining = result.trends.services.filter(\.declining).map(\.service)
            let counts = result.summary.counts
            var lines = ["report for run \(result.runID): \(result.path.path) (\(result.bytes) bytes)"]
            lines.append(
                "not the emulator's fault: \(counts.notEmulator) of \(counts.total)"
                    + (result.summary.diagnosis.notRun.isEmpty ? "" : "; not run: \(result.summary.diagnosis.notRun.count)"))
            for gap in result.summary.diagnosis.gaps.prefix(5) { lines.append("api gap: \(gap.headline)") }
            if !result.compared {
                lines.append("note: run \(result.runID) has not been compared yet; regressions shown are unconfirmed ('lsqm compare')")
            }
            if !declining.isEmpty { lines.append("declining services: \(declining.joined(separator: ", "))") }
            return printed(lines)
        }
    }

    public func json() throws -> String {
        switch outcome {
        case .plan(_, _, let summary): return String(decoding: try JSONCoding.encode(try summary()), as: UTF8.self)
        case .written(let result): return String(decoding: try JSONCoding.encode(result.summary), as: UTF8.self)
        }
    }
}

extension Application {
    /// `lsqm report`: the dashboard for `runID` (nil: the newest) into `out` (nil: reports/latest/index.html)
    /// and the trend files. A dry run writes nothing; its `--json` document is still computed.
    public func report(runID: String?, out: String?) throws -> ReportResult {
        let store = self.store
        let output = out.map { URL(fileURLWithPath: $0) }
        if options.dryRun {
            let logger = self.logger
            return ReportResult(
                outcome: .plan(
                    output: output ?? ReportStage.defaultOutput(store), trends: store.trendsDirectory,
                    summary: { try ReportStage.summary(store: store, runID: runID, logger: logger) }))
        }
        let result = try ReportStage.run(ReportInput(store: store, runID: runID, output: output, version: Application.version), logger: logger)
        return ReportResult(outcome: .written(result))
    }

    /// The report step of a whole run: reports/latest/ and a copy in reports/<run_id>/.
    func reportForRun(runID: String) async throws -> String {
        let store = try initializedStore(for: "report")
        let lock = try await lockRepository(stage: "report")
        defer { lock?.release() }
        let result = try ReportStage.run(ReportInput(store: store, runID: runID, version: Application.version), logger: logger)
        let archived = store.reportsDirectory.appendingPathComponent(runID, isDirectory: true).appendingPathComponent("index.html")
        try AtomicFile.write(try Files.read(result.path), to: archived)
        return "\(result.path.path) (\(result.bytes) bytes), archived as reports/\(runID)/index.html"
    }
}
