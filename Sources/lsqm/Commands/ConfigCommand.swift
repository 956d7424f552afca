import ArgumentParser
import Foundation
import LSQMBasics
import LSQMCore
import LSQMTemplates

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
            let context = try CommandContext(global)
            var effective = context.configuration
            // Without a `sources` key, mine uses the default remote sources: show those, so the output pasted
            // back into a config means the same thing (`sources: []` would mean none).
            if !effective.sourcesConfigured { effective.sources = Configuration.defaultSources }
            let data = try JSONCoding.encode(effective.redacted())
            // Plugin settings may carry secrets of their own (a webhook URL in a notifier's config): stdout's
            // redactor catches every value that is also in the environment or a known secret field.
            StandardOutput.write(json ? String(decoding: data, as: UTF8.self) : try TemplateYAML.dump(JSONCoding.decode(JSONValue.self, from: data)))
        }
    }
}
