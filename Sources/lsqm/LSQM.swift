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

    /// Runs the command and maps every failure to one redacted line and an exit code: 0 ok (and `--help`,
    /// `--version`), 1 only for the outcomes a command chooses (`ExitCode`: open regressions), 2 for everything
    /// else — a usage error included, whose code argument-parser would make 64, and any error that is not an
    /// LSQMError, which argument-parser would exit with 1, the code reserved for regressions.
    static func main() async {
        var command: any ParsableCommand
        do {
            command = try parseAsRoot(GlobalOptions.hoisted(Array(CommandLine.arguments.dropFirst())))
        } catch {
            if exitCode(for: error) == .success { exit(withError: error) }  // --help, --version
            fail(LSQMError(.usage, action: "read the command line", cause: firstLine(message(for: error)),
                           hint: "see 'lsqm --help' (or 'lsqm COMMAND --help')"))
        }
        do {
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let code as ExitCode {
            Foundation.exit(code.rawValue)
        } catch let error as LSQMError {
            fail(error)
        } catch {
            if exitCode(for: error) == .success { exit(withError: error) }  // CleanExit thrown from run()
            fail(LSQMError.wrap(error, action: "run lsqm \(CommandLine.arguments.dropFirst().first ?? "")"))
        }
    }

    /// Prints `lsqm: failed to …` (and the hint) with every secret redacted, and exits 2.
    static func fail(_ error: LSQMError) -> Never {
        FileHandle.standardError.write(Data("lsqm: \(StandardOutput.redactor.redact(error.description))\n".utf8))
        Foundation.exit(ExitStatus.toolFailure)
    }

    /// argument-parser's messages may run over several lines (usage follows); the first says what is wrong.
    static func firstLine(_ text: String) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let line = trimmed.split(separator: "\n").first.map(String.init) ?? trimmed
        return line.hasPrefix("Error: ") ? String(line.dropFirst(7)) : line
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
