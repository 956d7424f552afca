import ArgumentParser
import LSQMPipeline

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Show the effective configuration.",
        subcommands: [Show.self], defaultSubcommand: Show.self)

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show", abstract: "Print the effective configuration, as YAML, with every secret redacted.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Print JSON instead of YAML.") var json = false

        func run() async throws {
            try emit(try global.application().effectiveConfiguration(), json: json)
        }
    }
}
