import ArgumentParser
import Foundation
import LSQMBasics

@main
struct LSQM: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "lsqm",
        abstract: "LocalStack Quality Monitor: mines real AWS architectures and measures how LocalStack runs them.",
        version: version,
        groupedSubcommands: [
            CommandGroup(name: "Pipeline stages", subcommands: [
                SyncCommand.self, MineCommand.self, NormalizeCommand.self, GenerateCommand.self, ValidateCommand.self,
                CompareCommand.self, ReportCommand.self, PushCommand.self, NotifyCommand.self,
            ]),
            CommandGroup(name: "Whole runs", subcommands: [RunCommand.self, MergeCommand.self]),
            CommandGroup(name: "Inspection and upkeep", subcommands: [
                StatusCommand.self, CleanCommand.self, PluginsCommand.self, ConfigCommand.self,
            ]),
        ] + [CommandGroup(name: "Internal", subcommands: [PluginWorkerCommand.self])]
    )

    /// Runs the command and maps lsqm errors to a clear line and exit code (0 ok, 1 regressions, 2 tool failure).
    static func main() async {
        do {
            var command = try parseAsRoot(GlobalOptions.hoisted(Array(CommandLine.arguments.dropFirst())))
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as LSQMError {
            FileHandle.standardError.write(Data("lsqm: \(SecretRedactor.fromEnvironment().redact(error.description))\n".utf8))
            Foundation.exit(ExitStatus.toolFailure)
        } catch {
            exit(withError: error)
        }
    }
}

/// lsqm's exit codes.
enum ExitStatus {
    static let success: Int32 = 0
    /// Confirmed regressions (compare, run).
    static let regressions: Int32 = 1
    /// The tool itself failed, or the command is not implemented yet.
    static let toolFailure: Int32 = 2
}
