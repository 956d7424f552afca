import ArgumentParser
import LSQMPipeline

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show what the artifact repository holds.")
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        try emit(try global.application().status(), json: json)
    }
}
