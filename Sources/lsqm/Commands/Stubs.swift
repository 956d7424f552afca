import ArgumentParser
import LSQMBasics

// Subcommands whose stage is not built yet. Each exits 2 with "not implemented yet": never a fake success.
// A stage's real command replaces its stub here with a file of its own in Commands/.

struct NotImplementedCommand {
    static func fail(_ name: String) throws -> Never { throw LSQMError.notImplemented(name) }
}




struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "generate", abstract: "Generate a pytest test app per architecture.")
    @OptionGroup var global: GlobalOptions
    func run() async throws { try NotImplementedCommand.fail("generate") }
}

struct CompareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "compare", abstract: "Compare two runs: regressions, fixes, flaky.")
    @OptionGroup var global: GlobalOptions
    func run() async throws { try NotImplementedCommand.fail("compare") }
}

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "report", abstract: "Write the HTML dashboard.")
    @OptionGroup var global: GlobalOptions
    func run() async throws { try NotImplementedCommand.fail("report") }
}

struct PushCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "push", abstract: "Commit and push results to the artifact repository.")
    @OptionGroup var global: GlobalOptions
    func run() async throws { try NotImplementedCommand.fail("push") }
}

struct NotifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "notify", abstract: "Run the configured notifiers for the latest run.")
    @OptionGroup var global: GlobalOptions
    func run() async throws { try NotImplementedCommand.fail("notify") }
}

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "The whole weekly pipeline: sync, mine, generate, validate, compare, report, push, notify.")
    @OptionGroup var global: GlobalOptions
    func run() async throws { try NotImplementedCommand.fail("run") }
}

struct MergeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "merge", abstract: "Merge the results of validation shards into one run.")
    @OptionGroup var global: GlobalOptions
    func run() async throws { try NotImplementedCommand.fail("merge") }
}


