import ArgumentParser
import Foundation
import LSQMBasics
import LSQMCore

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "config", abstract: "Show the effective configuration.",
                                                    subcommands: [Show.self], defaultSubcommand: Show.self)

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Print the effective configuration with every secret redacted.")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let context = try CommandContext(global)
            // Plugin settings may carry secrets of their own (a webhook URL in a notifier's config): stdout's
            // redactor catches every value that is also in the environment or a known secret field.
            StandardOutput.write(try JSONCoding.encode(context.configuration.redacted()))
        }
    }
}
