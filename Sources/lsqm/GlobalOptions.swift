import ArgumentParser
import Foundation
import LSQMBasics

/// Options every subcommand accepts.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "A YAML config file choosing and configuring the deployment's plugins.")
    var config: String?

    @Flag(name: [.short, .long], help: "Log debug detail.")
    var verbose = false

    @Flag(name: .long, help: "Show what would be done without changing anything or sending anything.")
    var dryRun = false

    @Option(name: .long, help: "How many validations run at once (LSQM_PARALLEL, default 4).")
    var parallel: Int?

    @Option(name: .long, help: "LocalStack version to validate against (LOCALSTACK_VERSION).")
    var localstackVersion: String?

    @Option(name: .long, help: "Log format: json or human (default: human on a terminal, json otherwise).")
    var logFormat: LogFormatOption?

    @Option(name: .long, help: "An extra directory to look for plugins in (repeatable).")
    var pluginDir: [String] = []

    func validate() throws {
        if let parallel, parallel < 1 { throw ValidationError("--parallel must be at least 1") }
    }

    /// The global options' names: flags, then options that take a value. Keep them in step with the properties
    /// above (`CommandLineTests.testGlobalOptionsWorkBeforeTheSubcommand` uses each one before a subcommand).
    static let flagNames: Set<String> = ["--verbose", "-v", "--dry-run"]
    static let valueOptionNames: Set<String> = ["--config", "--parallel", "--localstack-version", "--log-format", "--plugin-dir"]

    /// Moves global options written before the subcommand (`lsqm --plugin-dir X plugins list`, as the README
    /// shows) to the end of the arguments, where argument-parser looks for them: it parses an option group only
    /// as part of the subcommand that declares it. Everything else keeps its order; a `--` terminator is respected.
    static func hoisted(_ arguments: [String]) -> [String] {
        var leading: [String] = []
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let argument = arguments[index]
            let name = argument.split(separator: "=", maxSplits: 1).first.map(String.init) ?? argument
            if flagNames.contains(argument) {
                leading.append(argument)
                index += 1
            } else if valueOptionNames.contains(name) {
                leading.append(argument)
                index += 1
                if !argument.contains("="), index < arguments.endIndex {
                    leading.append(arguments[index])
                    index += 1
                }
            } else {
                break
            }
        }
        let rest = Array(arguments[index...])
        // No subcommand after them (`lsqm --verbose`): leave the line as written, so argument-parser reports it.
        guard !leading.isEmpty, let first = rest.first, !first.hasPrefix("-") else { return arguments }
        let terminator = rest.firstIndex(of: "--") ?? rest.endIndex
        return Array(rest[..<terminator]) + leading + Array(rest[terminator...])
    }
}

enum LogFormatOption: String, ExpressibleByArgument, CaseIterable {
    case json, human
}
