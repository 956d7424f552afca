import ArgumentParser
import LSQMBasics

// Subcommands whose stage is not built yet. Each exits 2 with "not implemented yet": never a fake success.
// A stage's real command replaces its stub here with a file of its own in Commands/.

struct NotImplementedCommand {
    static func fail(_ name: String) throws -> Never { throw LSQMError.notImplemented(name) }
}

struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sync", abstract: "Clone or pull the artifact repository (initialise a new local one).")
    @OptionGroup var global: GlobalOptions
    func run() async throws { try NotImplementedCommand.fail("sync") }
}

struct MineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "mine", abstract: "Discover new architectures from the configured sources.")
    @OptionGroup var global: GlobalOptions
    func run() async throws { try NotImplementedCommand.fail("mine") }
}

struct NormalizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "normalize", abstract: "Convert one CloudFormation, SAM or Serverless architecture to Terraform.")
    @OptionGroup var global: GlobalOptions
    func run() async throws { try NotImplementedCommand.fail("normalize") }
}

struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "generate", abstract: "Generate a pytest test app per architecture.")
    @OptionGroup var global: GlobalOptions
    func run() async throws { try NotImplementedCommand.fail("generate") }
}

struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "validate", abstract: "Deploy and test architectures in fresh emulators.")
    @OptionGroup var global: GlobalOptions
    func run() async throws { try NotImplementedCommand.fail("validate") }
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

struct PluginsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "plugins", abstract: "List and check plugins.")
    @OptionGroup var global: GlobalOptions
    func run() async throws { try NotImplementedCommand.fail("plugins") }
}

struct PluginWorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "plugin-worker", abstract: "Internal: host one plugin in an isolated process.", shouldDisplay: false)
    func run() async throws { try NotImplementedCommand.fail("plugin-worker") }
}
