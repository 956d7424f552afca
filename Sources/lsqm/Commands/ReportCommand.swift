import ArgumentParser
import LSQMPipeline

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
        try emit(try global.application().report(runID: runID, out: out), json: json)
    }
}
