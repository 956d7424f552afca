import ArgumentParser
import Foundation
import LSQMBasics
import LSQMHost

struct PluginsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins", abstract: "List and check plugins.",
        subcommands: [List.self, Check.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "Show the plugins found, and why any was refused.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Print a JSON array (name, kind, version, abi, path, loaded, error).") var json = false

        func run() async throws {
            let context = try CommandContext(global)
            let listings = await context.pluginManager().list()
            if json { return try context.printJSON(listings) }
            if listings.isEmpty {
                print("no plugins found in: " + context.pluginManager().directories.map(\.url.path).joined(separator: ", "))
                return
            }
            for listing in listings {
                if listing.loaded {
                    print(
                        "\(listing.name ?? "?")  \(listing.kind?.rawValue ?? "?")  v\(listing.version ?? "?")  ABI \(listing.abi ?? "?")  \(listing.path)"
                    )
                } else {
                    print("REFUSED  \(listing.path)\n  \(listing.error ?? "")")
                }
            }
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
            let context = try CommandContext(global)
            let config: JSONValue
            do { config = try JSONCoding.decode(JSONValue.self, from: Data(pluginConfig.utf8)) } catch {
                throw LSQMError(.usage, action: "read --plugin-config", cause: "it is not JSON: \(LSQMError.describe(error))")
            }
            let path = URL(fileURLWithPath: file).standardizedFileURL.path
            guard Files.exists(URL(fileURLWithPath: path)) else {
                throw LSQMError(.usage, action: "check plugin \(file)", cause: "no such file")
            }
            let report = await context.pluginManager().check(path: path, config: config)
            if json {
                try context.printJSON(report)
            } else {
                if let limits = report.limits { print("limits: \(limits.summary)") }
                for step in report.steps { print("\(step.passed ? "PASS" : "FAIL")  \(step.name): \(step.detail)") }
                print(report.passed ? "conforms to the lsqm plugin ABI" : "does not conform")
            }
            if !report.passed { throw ExitCode(1) }
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
