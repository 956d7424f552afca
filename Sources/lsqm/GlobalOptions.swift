import ArgumentParser
import Foundation
import LSQMBasics
import LSQMCore

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
}

enum LogFormatOption: String, ExpressibleByArgument, CaseIterable {
    case json, human
}
