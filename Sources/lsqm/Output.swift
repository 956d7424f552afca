import ArgumentParser
import Foundation
import LSQMBasics
import LSQMPipeline

extension GlobalOptions {
    /// The application for these options; stdout and the final error line learn the configuration's secrets.
    func application() throws -> Application {
        let application = try Application(
            Application.Options(
                configFile: config, verbose: verbose, dryRun: dryRun, parallel: parallel, localstackVersion: localstackVersion,
                logFormat: logFormat.map { $0 == .json ? .json : .human }, pluginDirectories: pluginDir))
        StandardOutput.redactor = application.redactor
        return application
    }
}

/// Prints a command's output (its `--json` document or its text), then ends the command as the output decides:
/// its failure thrown, or its exit status.
func emit(_ output: some CommandOutput, json: Bool) throws {
    StandardOutput.write(json ? try output.json() : output.text)
    if let failure = output.failure { throw failure }
    if output.exitStatus != ExitStatus.success { throw ExitCode(output.exitStatus) }
}
