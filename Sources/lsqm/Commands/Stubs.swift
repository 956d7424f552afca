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







