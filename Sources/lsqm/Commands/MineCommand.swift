import ArgumentParser
import LSQMPipeline

struct MineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "mine", abstract: "Discover new architectures from the configured sources.")
    @OptionGroup var global: GlobalOptions
    @Option(name: .long, help: "Also mine this local folder (a LocalDirectorySource for this run). Repeatable.")
    var local: [String] = []
    @Option(name: .long, help: "File names to leave out of local architectures (e.g. SOURCE.json). Repeatable.")
    var ignore: [String] = []
    @Flag(help: "Print the result as JSON.") var json = false

    func run() async throws {
        try emit(try await global.application().mine(local: local, ignore: ignore), json: json)
    }
}
