import ArgumentParser
import Foundation
import LSQMHost
import LSQMPipeline

struct PluginsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins", abstract: "List and check plugins.",
        subcommands: [List.self, Check.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "Show the plugins found, and why any was refused.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Print a JSON array (name, kind, version, abi, path, loaded, error).") var json = false

        func run() async throws {
            try emit(await global.application().listPlugins(), json: json)
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check", abstract: "Run the conformance check on one plugin library (exit 0 pass, 1 fail).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The plugin's .so file.") var file: String
        @Option(help: "The instance config as JSON (default {}).") var pluginConfig: String = "{}"
        @Flag(help: "Print the report as JSON.") var json = false

        func run() async throws {
            try emit(try await global.application().checkPlugin(file: file, pluginConfig: pluginConfig), json: json)
        }
    }
}

/// The hidden worker mode behind isolated plugins: `lsqm plugin-worker LIBRARY` (see PluginWorker).
struct PluginWorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugin-worker", abstract: "Internal: host one plugin in an isolated process.", shouldDisplay: false)
    @Argument var library: String

    func run() throws {
        Foundation.exit(PluginWorker.run(libraryPath: library))
    }
}
