import ArgumentParser
import LSQMGenerate
import LSQMPipeline

/// The whole weekly pipeline: sync → mine → generate → validate → compare (with confirmation) → report →
/// push → notify.
///
/// A failed stage is recorded and the later stages run on what exists; the results so far are always pushed.
/// Exit 0 when every stage succeeded and nothing regressed, 1 on confirmed regressions, 2 when a stage failed.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "The whole weekly pipeline: sync, mine, generate, validate, compare, report, push, notify.")
    @OptionGroup var global: GlobalOptions
    @Option(name: .long, help: "Also mine this local folder. Repeatable.") var local: [String] = []
    @Option(name: .long, help: "File names to leave out of local architectures. Repeatable.") var ignore: [String] = []
    @Option(help: "docker, host, or an emulator URL (default: Docker when an engine answers, else host).") var emulator: String?
    @Option(
        name: .customLong("target"),
        help: "An emulator target (any --emulator form); repeat to validate against each (default: the config's targets, else --emulator).")
    var targets: [String] = []
    @Option(help: "claude or rules (default: claude when ANTHROPIC_API_KEY is set, else rules).") var generator: GeneratorKind?
    @Option(help: "Re-validations per regression candidate (a failure is a regression only when they reproduce it).") var confirm = 2
    @Option(help: "A link to the published report for the notifications.") var reportURL: String?
    @Flag(help: "Print the run summary as JSON on stdout.") var json = false

    func run() async throws {
        let request = RunRequest(
            local: local, ignore: ignore, emulator: emulator, targets: targets, generator: generator, confirm: confirm, reportURL: reportURL)
        try emit(await global.application().run(request), json: json)
    }
}
