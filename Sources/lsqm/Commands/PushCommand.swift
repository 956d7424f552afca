import ArgumentParser
import LSQMPipeline

struct PushCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push", abstract: "Commit the latest run's results and push them to the artifact repository.")
    @OptionGroup var global: GlobalOptions
    @Option(name: .customLong("run"), help: "The run the commit message describes (default: the newest).") var runID: String?
    @Flag(help: "Print the result as JSON.") var json = false

    func run() async throws {
        try emit(try await global.application().push(runID: runID), json: json)
    }
}
