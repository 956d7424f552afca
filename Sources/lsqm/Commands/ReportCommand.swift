import ArgumentParser
import Foundation
import LSQMBasics
import LSQMCore
import LSQMReport

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write the HTML dashboard and the trend files.",
        discussion: """
            Writes one self-contained HTML file (default: reports/latest/index.html in the artifact repository) and, \
            for the newest run, trends/<service>.json and trends/overall.json.
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Where to write the HTML file.") var out: String?
    @Option(name: .customLong("run"), help: "The run to report (default: the newest).") var runID: String?

    func run() async throws {
        let context = try CommandContext(global)
        let store = context.store
        let output = out.map { URL(fileURLWithPath: $0) }
        if global.dryRun {
            print("would write \((output ?? ReportStage.defaultOutput(store)).path) and trends in \(store.trendsDirectory.path)")
            return
        }
        let result = try ReportStage.run(ReportInput(store: store, runID: runID, output: output, version: LSQM.version), logger: context.logger)
        let declining = result.trends.services.filter(\.declining).map(\.service)
        print("report for run \(result.runID): \(result.path.path) (\(result.bytes) bytes)")
        if !result.compared { print("note: run \(result.runID) has not been compared yet; regressions shown are unconfirmed ('lsqm compare')") }
        if !declining.isEmpty { print("declining services: \(declining.joined(separator: ", "))") }
    }
}
