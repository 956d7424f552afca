import ArgumentParser
import Foundation
import LSQMBasics
import LSQMPipeline
import Logging

@main
struct LSQM: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lsqm",
        abstract: "LocalStack Quality Monitor: mines real AWS architectures and measures how LocalStack runs them.",
        version: Application.version,
        groupedSubcommands: [
            CommandGroup(
                name: "Pipeline stages",
                subcommands: [
                    SyncCommand.self, MineCommand.self, NormalizeCommand.self, GenerateCommand.self, ValidateCommand.self,
                    CompareCommand.self, ReportCommand.self, PushCommand.self, NotifyCommand.self,
                ]),
            CommandGroup(name: "Whole runs", subcommands: [RunCommand.self, MergeCommand.self]),
            CommandGroup(
                name: "Inspection and upkeep",
                subcommands: [
                    StatusCommand.self, CleanCommand.self, PluginsCommand.self, ConfigCommand.self,
                ]),
        ] + [CommandGroup(name: "Internal", subcommands: [PluginWorkerCommand.self])]
    )

    /// Runs the command and maps every failure to one redacted line and an exit code: 0 ok (and `--help`,
    /// `--version`), 1 only for the outcomes a command chooses (`ExitCode`: open regressions), 130/143 when stopped
    /// by SIGINT/SIGTERM, 2 for everything else — a usage error included, whose code argument-parser would make 64,
    /// and any error that is not an LSQMError, which argument-parser would exit with 1, the code reserved for
    /// regressions.
    static func main() async {
        // Once per process, before anything logs: every swift-log logger, a library's included, writes lsqm's
        // formats and passes the redactor (Application configures the output once the config is read).
        LoggingSystem.bootstrap { LogOutput.process.handler(label: $0) }
        // Every way out of lsqm (return, exit, the second signal's exit) passes here: the watchdog is reaped, so
        // no child of lsqm's outlives it.
        atexit { ChildProcesses.stopWatchdog() }
        let command: any ParsableCommand
        do {
            command = try parseAsRoot(GlobalOptions.hoisted(Array(CommandLine.arguments.dropFirst())))
        } catch {
            if exitCode(for: error) == .success { exit(withError: error) }  // --help, --version
            fail(
                LSQMError(
                    .usage, action: "read the command line", cause: firstLine(message(for: error)),
                    hint: "see 'lsqm --help' (or 'lsqm COMMAND --help')"))
        }
        // A worker is stopped by its host (its group killed, or the watchdog when lsqm dies); it keeps default signals.
        if command is PluginWorkerCommand {
            do { var worker = command; try worker.run() } catch { exit(withError: error) }
            return
        }
        let box = CommandBox(command)
        let task = Task { try await box.run() }
        // One mechanism for every command: the first SIGINT/SIGTERM cancels the command's task.
        let interruption = Interruption { _ in task.cancel() }
        let result = await task.result
        if let signal = interruption.received {
            // Children still running (none, if every stage tore down as it should) go now.
            ChildProcesses.killAll()
            FileHandle.standardError.write(Data("lsqm: stopped by \(Interruption.name(signal))\n".utf8))
            Foundation.exit(Interruption.exitStatus(signal))
        }
        interruption.cancel()
        switch result {
        case .success: return
        case .failure(let code as ExitCode):
            Foundation.exit(code.rawValue)
        case .failure(let error as LSQMError):
            fail(error)
        case .failure(let error):
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

/// The parsed command, handed to the task that runs it (argument-parser's commands are not Sendable; only
/// that task touches it).
private final class CommandBox: @unchecked Sendable {
    private var command: any ParsableCommand
    init(_ command: any ParsableCommand) { self.command = command }

    func run() async throws {
        if var asyncCommand = command as? any AsyncParsableCommand {
            try await asyncCommand.run()
        } else {
            try command.run()
        }
    }
}
