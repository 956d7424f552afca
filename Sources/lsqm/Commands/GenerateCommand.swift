import ArgumentParser
import LSQMGenerate
import LSQMPipeline

extension GeneratorKind: ExpressibleByArgument {}

struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate a pytest test app per architecture.",
        discussion: """
            Apps go to apps/<arch hash>/ and are kept while current. The default generator is claude when \
            ANTHROPIC_API_KEY is set (model LSQM_MODEL, API LSQM_ANTHROPIC_URL, budget ANTHROPIC_TOKEN_BUDGET), \
            else rules (offline, deterministic).
            """)
    @OptionGroup var global: GlobalOptions
    @Option(name: .customLong("arch"), help: "An architecture hash or unique prefix (repeatable; default: all).")
    var architectures: [String] = []
    @Option(help: "claude or rules (default: claude when ANTHROPIC_API_KEY is set, else rules).")
    var generator: GeneratorKind?
    @Flag(help: "Print the result as JSON.") var json = false

    func run() async throws {
        try emit(try await global.application().generate(architectures: architectures, generator: generator), json: json)
    }
}
