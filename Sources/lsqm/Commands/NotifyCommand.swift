import ArgumentParser
import LSQMPipeline

struct NotifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "notify", abstract: "Run the configured notifiers for the latest run.")
    @OptionGroup var global: GlobalOptions
    @Option(name: .customLong("run"), help: "The run to announce (default: the newest).") var runID: String?
    @Option(help: "A link to the published report, included in messages.") var reportURL: String?
    @Flag(help: "Print the outcomes as JSON.") var json = false

    func run() async throws {
        try emit(try await global.application().notify(runID: runID, reportURL: reportURL), json: json)
    }
}
