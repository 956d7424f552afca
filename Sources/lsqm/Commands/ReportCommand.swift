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

            --json writes the same files and prints one JSON document (keys sorted) instead of the summary lines; \
            with --dry-run it prints the document and writes nothing:
              run_id, previous_run_id (or null)
              emulator: {runtime, name, version, edition, image_digest} as in results.json, or null
              counts: {total, passed, partial, failed, timeout, error, not_emulator}; partial/failed/timeout count \
            only the emulator's verdicts, not_emulator the others
              pass_rate: percent of judged verdicts (ERROR and not_emulator left out), 0.1 precision, or null
              api_gaps: [{api ("service:Operation"), service, operation, codes, count, message, \
            architectures: [{arch, name, status}]}], the emulator's failing operations by architectures blocked \
            (most first, then api); an architecture counts once per operation, from its own cause and its failed \
            tests' causes of class emulator
              api_gaps_unattributed: the emulator's failing verdicts that name no operation
              not_emulator: [{arch, name, status, cause: {class, service, operation, step, code, message}}], \
            the verdicts that are not the emulator's fault, by cause class then name
              not_run: [{arch, name, reason}], architectures the run did not validate (counted nowhere)
              report: the HTML file written, or null
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Where to write the HTML file.") var out: String?
    @Option(name: .customLong("run"), help: "The run to report (default: the newest).") var runID: String?
    @Flag(help: "Print the run's figures, API gaps and causes as JSON (schema above).") var json = false

    func run() async throws {
        let context = try CommandContext(global)
        let store = context.store
        let output = out.map { URL(fileURLWithPath: $0) }
        if global.dryRun {
            if json { return try context.printJSON(try ReportStage.summary(store: store, runID: runID, logger: context.logger)) }
            print("would write \((output ?? ReportStage.defaultOutput(store)).path) and trends in \(store.trendsDirectory.path)")
            return
        }
        let result = try ReportStage.run(ReportInput(store: store, runID: runID, output: output, version: LSQM.version), logger: context.logger)
        if json { return try context.printJSON(result.summary) }
        let declining = result.trends.services.filter(\.declining).map(\.service)
        let counts = result.summary.counts
        print("report for run \(result.runID): \(result.path.path) (\(result.bytes) bytes)")
        print(
            "not the emulator's fault: \(counts.notEmulator) of \(counts.total)"
                + (result.summary.diagnosis.notRun.isEmpty ? "" : "; not run: \(result.summary.diagnosis.notRun.count)"))
        for gap in result.summary.diagnosis.gaps.prefix(5) { print("api gap: \(gap.headline)") }
        if !result.compared { print("note: run \(result.runID) has not been compared yet; regressions shown are unconfirmed ('lsqm compare')") }
        if !declining.isEmpty { print("declining services: \(declining.joined(separator: ", "))") }
    }
}
